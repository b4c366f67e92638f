/**
 * The sync's audit records are those of the writes it made: each stamped when it was written, and
 * kept even when the run fails after writing (the next run finds those requesters by key, so the
 * creation would otherwise never be recorded).
 */
import type { AuditActor } from '../../nodes/shared/audit/record';
import { HttpError } from '../../nodes/shared/http/errors';
import { mapUser } from '../../nodes/shared/requester/mapping';
import type { Requester } from '../../nodes/shared/requester/model';
import { applyChanges } from '../../nodes/shared/sync/applyChanges';
import type { RequesterChangeRecord } from '../../nodes/shared/sync/auditTrail';
import type { SyncInput } from '../../nodes/shared/sync/engine';
import type { SyncHost } from '../../nodes/shared/sync/store';
import { MemoryDestination } from '../support/memoryDestination';
import { MemoryStore } from '../support/memorySyncStore';

const ACTOR: AuditActor = { workflowId: 'wf-sync', workflowName: 'Requester sync', executionId: '41', trigger: 'trigger' };
const START = Date.parse('2026-12-01T08:00:00.000Z');
const uid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function requester(n: number, managerOf?: number): Requester {
	const manager = managerOf === undefined ? {} : { manager: { id: uid(managerOf), mail: `user${managerOf}@contoso.test`, userPrincipalName: `user${managerOf}@contoso.test`, displayName: `User ${managerOf}` } };
	const result = mapUser({ id: uid(n), displayName: `User ${n}`, givenName: 'User', surname: String(n), mail: `user${n}@contoso.test`, userPrincipalName: `user${n}@contoso.test`, accountEnabled: true, ...manager }, {});
	if (!result.ok) throw new Error(JSON.stringify(result.reasons));
	return result.requester;
}

function input(count: number): SyncInput {
	return { mapped: Array.from({ length: count }, (_, index) => ({ requester: requester(index + 1), itemIndex: index })), removed: [], unmapped: [], completeRead: false, mode: 'full' };
}

/** A clock a minute later on every reading: a long run. */
function tickingClock(): () => Date {
	let minutes = 0;
	return () => new Date(START + minutes++ * 60_000);
}

async function run(destination: MemoryDestination, count: number, host: Partial<SyncHost> = {}) {
	return await applyChanges(
		{ store: new MemoryStore(), workflowId: 'wf-sync', runId: '41', actor: ACTOR, now: tickingClock(), logger: { info: () => undefined, warn: () => undefined }, ...host },
		{ syncId: 'default', input: input(count), readFor: ['default'], dryRun: false, safeguard: { maxCount: 500, maxPercent: 100 }, concurrency: 1, deactivateDisabled: true, outputUsers: 'changes', timeZone: 'UTC' },
		async () => destination,
	);
}

describe('sync audit records', () => {
	it('stamps each record with the time its write finished, not the end of the run', async () => {
		const report = await run(new MemoryDestination(), 3);
		const times = report.audit.map(({ record }) => Date.parse(record.time));
		expect(report.audit.map(({ record }) => record.email)).toEqual(['user1@contoso.test', 'user2@contoso.test', 'user3@contoso.test']);
		expect(new Set(times).size).toBe(3);
		expect([...times].sort((a, b) => a - b)).toEqual(times);
		expect(times[0]).toBeGreaterThan(START);
		expect(times[2]).toBeLessThan(Date.parse(report.summary.run.finishedAt));
	});

	it('keeps the records of the writes in flight when another is rejected: they finish before the error is rethrown', async () => {
		const destination = new MemoryDestination();
		const rejected = new HttpError({ status: 401, method: 'POST', url: 'https://itsm.example/requesters' });
		destination.failures.push({ call: 'create', error: rejected, when: (_id, created) => created?.email === 'user1@contoso.test' });
		const create = destination.create.bind(destination);
		// user2's create answers after user1's is rejected.
		destination.create = async (requester, options) => {
			if (requester.email === 'user2@contoso.test') await new Promise((resolve) => setTimeout(resolve, 20));
			return await create(requester, options);
		};
		const kept: RequesterChangeRecord[] = [];
		const failing = applyChanges(
			{ store: new MemoryStore(), workflowId: 'wf-sync', runId: '43', actor: ACTOR, now: tickingClock(), logger: { info: () => undefined, warn: () => undefined }, keepFailedRunAudit: (records) => kept.push(...records) },
			{ syncId: 'default', input: input(4), readFor: ['default'], dryRun: false, safeguard: { maxCount: 500, maxPercent: 100 }, concurrency: 2, deactivateDisabled: true, outputUsers: 'changes', timeZone: 'UTC' },
			async () => destination,
		);
		await expect(failing).rejects.toBe(rejected);
		expect(kept.map(({ record }) => [record.action, record.email])).toEqual([['requesterCreated', 'user2@contoso.test']]);
		expect(destination.calls.filter((call) => call.call === 'create')).toHaveLength(2);
	});

	it('lists no fields for a create, but the manager when it is linked after the create', async () => {
		const destination = new MemoryDestination();
		const store = new MemoryStore();
		await run(destination, 1, { store });
		const manager = [...destination.records.values()][0];
		const report = await applyChanges(
			{ store, workflowId: 'wf-sync', runId: '42', actor: ACTOR, now: tickingClock(), logger: { info: () => undefined, warn: () => undefined } },
			{ syncId: 'default', input: { ...input(0), mapped: [{ requester: requester(2, 1), itemIndex: 0 }] }, readFor: ['default'], dryRun: false, safeguard: { maxCount: 500, maxPercent: 100 }, concurrency: 1, deactivateDisabled: true, outputUsers: 'changes', timeZone: 'UTC' },
			async () => destination,
		);
		expect(report.audit.map(({ record }) => [record.action, record.email, record.changes])).toEqual([['requesterCreated', 'user2@contoso.test', `manager: empty → "${manager.id}"`]]);
	});

	it('keeps the records of the writes made before the destination rejects the credential, then rethrows', async () => {
		const destination = new MemoryDestination();
		const rejected = new HttpError({ status: 401, method: 'POST', url: 'https://itsm.example/requesters' });
		destination.failures.push({ call: 'create', error: rejected, when: (_id, created) => created?.email === 'user3@contoso.test' });
		const kept: RequesterChangeRecord[] = [];

		await expect(run(destination, 4, { keepFailedRunAudit: (records) => kept.push(...records) })).rejects.toBe(rejected);

		expect(kept.map(({ record }) => [record.action, record.outcome, record.email, record.executionId])).toEqual([
			['requesterCreated', 'done', 'user1@contoso.test', '41'],
			['requesterCreated', 'done', 'user2@contoso.test', '41'],
		]);
		expect(kept.map(({ itemIndex }) => itemIndex)).toEqual([0, 1]);
		// Nothing new starts after the rejection.
		expect(destination.calls.filter((call) => call.call === 'create').map((call) => call.body)).toEqual(['user1@contoso.test', 'user2@contoso.test', 'user3@contoso.test']);
		expect(kept[0].record.requesterId).toBe([...destination.records.values()].find((record) => record.fields.email === 'user1@contoso.test')?.id);
	});
});
