import { mapUser } from '../../nodes/shared/requester/mapping';
import type { Requester } from '../../nodes/shared/requester/model';
import { runRequesterSync, type SyncInput, type SyncOptions, type SyncRecords } from '../../nodes/shared/sync/engine';
import { MANAGER_ROUNDS } from '../../nodes/shared/sync/managers';
import { DestinationValidationError } from '../../nodes/shared/destinations/types';
import { MemoryDestination, serviceUnavailable } from '../support/memoryDestination';

const OPTIONS: SyncOptions = { dryRun: false, safeguard: { maxCount: 500, maxPercent: 50 }, concurrency: 4, deactivateDisabled: true };

function user(n: number, overrides: Record<string, unknown> = {}) {
	return {
		id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
		displayName: `User ${n}`,
		givenName: 'User',
		surname: String(n),
		mail: `user${n}@contoso.test`,
		userPrincipalName: `user${n}@contoso.test`,
		jobTitle: 'Engineer',
		department: 'IT',
		city: 'Oslo',
		accountEnabled: true,
		businessPhones: [],
		...overrides,
	};
}

function requester(n: number, overrides: Record<string, unknown> = {}): Requester {
	const result = mapUser(user(n, overrides), {});
	if (!result.ok) throw new Error(JSON.stringify(result.reasons));
	return result.requester;
}

function managerOf(n: number) {
	return { id: user(n).id, displayName: `User ${n}`, mail: `user${n}@contoso.test`, userPrincipalName: `user${n}@contoso.test` };
}

function input(requesters: Requester[], extra: Partial<SyncInput> = {}): SyncInput {
	return { mapped: requesters.map((r, itemIndex) => ({ requester: r, itemIndex })), removed: [], unmapped: [], completeRead: true, mode: 'full', ...extra };
}

const EMPTY: SyncRecords = { links: {}, unsynced: {} };

async function sync(destination: MemoryDestination, syncInput: SyncInput, records: SyncRecords, options: Partial<SyncOptions> = {}) {
	destination.calls.length = 0;
	return runRequesterSync(destination, syncInput, records, { ...OPTIONS, ...options });
}

describe('runRequesterSync', () => {
	it('creates every requester on the first run and writes nothing on a second run without changes', async () => {
		const destination = new MemoryDestination();
		const users = [1, 2, 3].map((n) => requester(n));
		const first = await sync(destination, input(users), EMPTY);
		expect(first.outcomes.map((o) => [o.action, o.status])).toEqual([['create', 'done'], ['create', 'done'], ['create', 'done']]);
		expect(first.run).toMatchObject({ created: 3, totalSynced: 3, failed: 0 });
		expect(Object.keys(first.records.links)).toHaveLength(3);

		const second = await sync(destination, input(users), first.records);
		expect(destination.writes()).toEqual([]);
		expect(second.run).toMatchObject({ created: 0, unchanged: 3, totalSynced: 3 });
		expect(second.records.stats).toMatchObject({ runs: 2, created: 3, unchanged: 3, totalSynced: 6, currentlyUnsynced: 0 });
	});

	it('sends only the changed field', async () => {
		const destination = new MemoryDestination();
		const first = await sync(destination, input([requester(1)]), EMPTY);
		await sync(destination, input([requester(1, { jobTitle: 'Architect' })], { completeRead: false, mode: 'incremental' }), first.records);
		expect(destination.writes()).toEqual([{ call: 'update', id: first.outcomes[0].destinationId, body: { jobTitle: 'Architect' } }]);
	});

	it('deactivates a disabled user and reactivates it when enabled again, never deleting', async () => {
		const destination = new MemoryDestination();
		const first = await sync(destination, input([requester(1)]), EMPTY);
		const id = first.outcomes[0].destinationId!;
		const disabled = await sync(destination, input([requester(1, { accountEnabled: false })], { completeRead: false, mode: 'incremental' }), first.records);
		expect(disabled.outcomes[0]).toMatchObject({ action: 'deactivate', status: 'done', reason: 'Disabled in Azure AD' });
		expect(destination.records.get(id)!.active).toBe(false);
		const enabled = await sync(destination, input([requester(1)], { completeRead: false, mode: 'incremental' }), disabled.records);
		expect(enabled.outcomes[0]).toMatchObject({ action: 'reactivate', status: 'done' });
		expect(destination.records.get(id)!.active).toBe(true);
		expect(destination.records.size).toBe(1);
	});

	it('follows a changed email through the link instead of creating a duplicate', async () => {
		const destination = new MemoryDestination();
		const first = await sync(destination, input([requester(1)]), EMPTY);
		const renamed = requester(1, { mail: 'renamed@contoso.test' });
		const second = await sync(destination, input([renamed], { completeRead: false, mode: 'incremental' }), first.records);
		expect(second.outcomes[0]).toMatchObject({ action: 'update', changedFields: ['email'], destinationId: first.outcomes[0].destinationId });
		expect(destination.records.size).toBe(1);
		expect(destination.writes().filter((w) => w.call === 'create')).toEqual([]);
	});

	it('creates the manager first and sets it in the report\'s create, even when the report comes first', async () => {
		const destination = new MemoryDestination();
		const manager = requester(9);
		const report = requester(1, { manager: managerOf(9) });
		const result = await sync(destination, input([report, manager]), EMPTY);
		const managerId = result.records.links[manager.azureObjectId];
		expect(result.outcomes[0].manager).toEqual({ status: 'linked', managerId });
		expect(destination.records.get(result.records.links[report.azureObjectId])!.managerId).toBe(managerId);
		expect(result.run.managersLinked).toBe(1);
		// One write per user: the manager's create, then the report's create with the manager in it.
		expect(destination.writes()).toEqual([
			{ call: 'create', body: 'user9@contoso.test' },
			{ call: 'create', body: 'user1@contoso.test', managerId },
		]);
	});

	it('orders a chain of new managers so that every create carries its manager', async () => {
		const destination = new MemoryDestination();
		// 1 reports to 2, 2 to 3, 3 to 4; the input lists the chain bottom-up.
		const chain = [1, 2, 3].map((n) => requester(n, { manager: managerOf(n + 1) }));
		const result = await sync(destination, input([...chain, requester(4)]), EMPTY);
		expect(destination.writes().map((w) => w.call)).toEqual(['create', 'create', 'create', 'create']);
		expect(destination.writes().map((w) => w.body)).toEqual(['user4@contoso.test', 'user3@contoso.test', 'user2@contoso.test', 'user1@contoso.test']);
		for (const n of [1, 2, 3]) {
			const record = destination.records.get(result.records.links[requester(n).azureObjectId])!;
			expect(record.managerId).toBe(result.records.links[requester(n + 1).azureObjectId]);
		}
		expect(result.run).toMatchObject({ created: 4, managersLinked: 3, failed: 0 });
	});

	it('links in the second pass what cannot go into the create: a chain deeper than the rounds, a loop of managers', async () => {
		const destination = new MemoryDestination();
		const depth = MANAGER_ROUNDS + 2;
		const chain = Array.from({ length: depth }, (_, index) => requester(index + 1, index + 1 < depth ? { manager: managerOf(index + 2) } : {}));
		const loop = [requester(101, { manager: managerOf(102) }), requester(102, { manager: managerOf(101) })];
		const result = await sync(destination, input([...chain, ...loop]), EMPTY);
		for (const r of [...chain.slice(0, -1), ...loop]) {
			const record = destination.records.get(result.records.links[r.azureObjectId])!;
			expect(record.managerId).toBe(result.records.links[r.manager!.azureObjectId]);
		}
		const secondPass = destination.writes().filter((w) => w.call === 'setManager');
		expect(secondPass.length).toBeGreaterThanOrEqual(2);
		expect(secondPass.length).toBeLessThanOrEqual(4);
		expect(result.run.managersLinked).toBe(depth - 1 + 2);
		expect(result.run.failed).toBe(0);
	});

	it('does not put an inactive manager into a create; the second pass handles it as before', async () => {
		const destination = new MemoryDestination();
		const first = await sync(destination, input([requester(9)]), EMPTY);
		const managerRecordId = first.records.links[requester(9).azureObjectId];
		// The manager left: disabled in Azure AD, its requester already deactivated.
		destination.records.get(managerRecordId)!.active = false;
		const result = await sync(destination, input([requester(9, { accountEnabled: false }), requester(1, { manager: managerOf(9) })], { completeRead: false, mode: 'incremental' }), first.records, { concurrency: 1 });
		expect(result.outcomes[0]).toMatchObject({ status: 'done', action: 'unchanged' });
		expect(destination.writes()[0]).toEqual({ call: 'create', body: 'user1@contoso.test' });
	});

	it('creates without the manager when a create is refused for the manager alone, and lets the second pass report it', async () => {
		const destination = new MemoryDestination();
		const refusal = new DestinationValidationError('Validation failed', 400, [{ field: 'manager', message: 'It should be the id of an existing requester', code: 'invalid_value' }]);
		destination.failures.push({ call: 'create', error: refusal, when: (_id, r) => r?.email === 'user1@contoso.test' });
		destination.failures.push({ call: 'setManager', error: refusal });
		const result = await sync(destination, input([requester(1, { manager: managerOf(9) }), requester(9)]), EMPTY);
		expect(destination.writes().map((w) => [w.call, w.body, w.managerId])).toEqual([
			['create', 'user9@contoso.test', undefined],
			['create', 'user1@contoso.test', result.records.links[requester(9).azureObjectId]],
			['create', 'user1@contoso.test', undefined],
			['setManager', result.records.links[requester(9).azureObjectId], undefined],
		]);
		expect(result.run).toMatchObject({ created: 2, managersLinked: 0, failed: 1 });
		expect(result.outcomes[0]).toMatchObject({ action: 'create', status: 'done', manager: { status: 'failed' } });
	});

	it('falls back to the second pass when the destination ignores the manager in a create, counting the link once', async () => {
		const destination = new MemoryDestination();
		const create = destination.create.bind(destination);
		destination.create = (r: Requester) => create(r);
		const result = await sync(destination, input([requester(1, { manager: managerOf(9) }), requester(9)]), EMPTY);
		expect(destination.writes().map((w) => w.call)).toEqual(['create', 'create', 'setManager']);
		expect(result.run.managersLinked).toBe(1);
		expect(result.outcomes[0].manager).toMatchObject({ status: 'linked' });
	});

	it('deactivates users removed in Azure AD and managed requesters missing from a complete read', async () => {
		const destination = new MemoryDestination();
		const first = await sync(destination, input([1, 2, 3, 4].map((n) => requester(n))), EMPTY);
		const manual = destination.seed({ email: 'agent@contoso.test', fullName: 'Hand made' });
		const removed = await sync(
			destination,
			input([requester(1)], { removed: [{ azureObjectId: requester(2).azureObjectId, reason: 'deleted', itemIndex: 1 }], completeRead: false, mode: 'incremental' }),
			first.records,
		);
		expect(removed.outcomes.find((o) => o.azureObjectId === requester(2).azureObjectId)).toMatchObject({ action: 'deactivate', status: 'done', reason: 'Deleted in Azure AD' });

		const full = await sync(destination, input([requester(1), requester(3)]), removed.records);
		const outOfScope = full.outcomes.filter((o) => o.action === 'deactivate');
		expect(outOfScope.map((o) => o.azureObjectId)).toEqual([requester(4).azureObjectId]);
		expect(destination.records.get(manual.id)!.active).toBe(true);
		expect(destination.records.size).toBe(5);
	});

	it('holds back every deactivation of a run that exceeds the safeguard, and registers them', async () => {
		const destination = new MemoryDestination();
		const first = await sync(destination, input([1, 2, 3, 4, 5].map((n) => requester(n))), EMPTY);
		const result = await sync(destination, input([requester(1)]), first.records, { safeguard: { maxCount: 3, maxPercent: 100 } });
		expect(result.safeguard).toMatchObject({ tripped: true, deactivations: 4, managed: 5 });
		expect(result.safeguard.message).toMatch(/No requester was deactivated/);
		expect(destination.writes()).toEqual([]);
		expect(result.outcomes.filter((o) => o.status === 'blocked')).toHaveLength(4);
		expect(Object.values(result.records.unsynced).map((e) => e.stage)).toEqual(['safeguard', 'safeguard', 'safeguard', 'safeguard']);

		const many = new MemoryDestination();
		const thirty = Array.from({ length: 30 }, (_, n) => requester(n + 100));
		const seeded = await sync(many, input(thirty), EMPTY);
		const percent = await sync(many, input(thirty.slice(12)), seeded.records, { safeguard: { maxCount: 500, maxPercent: 30 } });
		expect(percent.safeguard).toMatchObject({ tripped: true, deactivations: 12, managed: 30, percent: 40 });
		const few = await sync(many, input(thirty.slice(9)), seeded.records, { safeguard: { maxCount: 500, maxPercent: 20 } });
		expect(few.safeguard).toMatchObject({ tripped: false, deactivations: 9 });

		const allowed = await sync(destination, input([requester(1)]), result.records, { safeguard: { maxCount: 4, maxPercent: 100 } });
		expect(allowed.run.deactivated).toBe(4);
		expect(allowed.records.unsynced).toEqual({});
	});

	it('plans without writing anything or touching the state on a dry run', async () => {
		const destination = new MemoryDestination();
		const first = await sync(destination, input([requester(1), requester(2)]), EMPTY);
		const dry = await sync(destination, input([requester(1, { jobTitle: 'CTO' }), requester(3)]), first.records, { dryRun: true });
		expect(destination.writes()).toEqual([]);
		expect(dry.outcomes.map((o) => [o.action, o.status])).toEqual([['update', 'planned'], ['create', 'planned'], ['deactivate', 'planned']]);
		expect(dry.records).toBe(first.records);
	});

	it('registers destination failures, keeps going, and heals them on the next run even without input', async () => {
		const destination = new MemoryDestination();
		destination.failures.push({ call: 'create', error: serviceUnavailable(), when: (_id, r) => r?.email === 'user2@contoso.test' });
		const first = await sync(destination, input([1, 2, 3].map((n) => requester(n))), EMPTY);
		expect(first.run).toMatchObject({ created: 2, failed: 1 });
		const entry = first.records.unsynced[requester(2).azureObjectId];
		expect(entry).toMatchObject({ stage: 'destination', code: 'ServiceUnavailable', attempts: 1, email: 'user2@contoso.test' });
		expect(entry.message).toMatch(/HTTP 503/);

		const retry = await sync(destination, input([], { completeRead: false, mode: 'incremental' }), first.records);
		expect(retry.outcomes).toEqual([expect.objectContaining({ azureObjectId: requester(2).azureObjectId, action: 'create', status: 'done', source: 'retry' })]);
		expect(retry.records.unsynced).toEqual({});
		expect(destination.records.size).toBe(3);
	});

	it('registers unmapped users with their reasons and counts them as failed', async () => {
		const destination = new MemoryDestination();
		const result = await sync(
			destination,
			input([requester(1)], {
				unmapped: [{ azureObjectId: 'bad-1', userPrincipalName: 'bad@contoso.test', email: null, displayName: 'Bad', stage: 'validation', reasons: [{ field: 'email', code: 'invalid_email', message: 'not an email' }], itemIndex: 1 }],
			}),
			EMPTY,
		);
		expect(result.run).toMatchObject({ created: 1, failed: 1 });
		expect(result.records.unsynced['bad-1']).toMatchObject({ stage: 'validation', code: 'invalid_email', message: 'email: not an email', userPrincipalName: 'bad@contoso.test' });
		expect(result.outcomes.find((o) => o.azureObjectId === 'bad-1')).toMatchObject({ status: 'failed', error: { fields: [{ field: 'email', message: 'not an email' }] } });
	});

	it('refuses to take over a requester that carries another Azure AD user', async () => {
		const destination = new MemoryDestination();
		const taken = destination.seed({ email: 'user1@contoso.test' });
		destination.records.get(taken.id)!.azureObjectId = 'someone-else';
		const result = await sync(destination, input([requester(1)], { completeRead: false, mode: 'incremental' }), EMPTY);
		expect(result.outcomes[0]).toMatchObject({ action: 'conflict', status: 'failed', error: { code: 'keyConflict' } });
		expect(destination.writes()).toEqual([]);
	});
});
