/**
 * The sync scenarios of issue #26, at core level: the real sync engine (runRequesterSync) with the
 * ServiceNow destination against the ServiceNow stand-in, users as Map To Requester makes them
 * from Graph users. Each test has its own users and records, so tests do not see each other's.
 */
import { rmSync } from 'node:fs';
import { ServiceNowDestination, type ServiceNowOptions } from '../../../nodes/shared/destinations/servicenow';
import { mapUser, type MappingConfig } from '../../../nodes/shared/requester/mapping';
import type { Requester } from '../../../nodes/shared/requester/model';
import { runRequesterSync, type SyncInput, type SyncOptions, type SyncRecords } from '../../../nodes/shared/sync/engine';
import type { RecordedRequest } from '../../fixtures/standins/server';
import { createTestTls, type TestTls } from '../../fixtures/standins/tls';
import { startLoopbackFront, type LoopbackFront } from '../support/loopbackFront';
import { startServiceNowStandIn, type ServiceNowStandIn } from './standIn';

const ACCOUNT = 'svc.azure.sync';
const PASSWORD = 'FAKE-sn-sync-password';
const OPTIONS: SyncOptions = { dryRun: false, safeguard: { maxCount: 500, maxPercent: 50 }, concurrency: 4, deactivateDisabled: true };

let tls: TestTls;
let sn: ServiceNowStandIn;
let front: LoopbackFront;

beforeAll(async () => {
	tls = createTestTls();
	sn = await startServiceNowStandIn({ tls, accounts: { [ACCOUNT]: PASSWORD }, departments: ['IT', 'Sales'], customColumns: ['u_azure_object_id'] });
	front = await startLoopbackFront(sn.url, tls.caPem);
});

afterAll(async () => {
	await front.close();
	await sn.close();
	rmSync(tls.dir, { recursive: true, force: true });
});

let nextUser = 1;

interface GraphUser {
	id: string;
	mail: string;
	accountEnabled: boolean;
	jobTitle: string;
	department: string | null;
	employeeId?: string;
	manager?: { id: string; displayName: string; mail: string; userPrincipalName: string };
	[name: string]: unknown;
}

/** Graph users with numbers of their own; `manager` makes the first one the others' manager. */
function graphUsers(count: number, overrides: Partial<GraphUser> = {}): GraphUser[] {
	return Array.from({ length: count }, () => {
		const n = nextUser++;
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
	});
}

function reportTo(manager: GraphUser, users: GraphUser[]): void {
	for (const user of users) user.manager = { id: manager.id, displayName: String(manager.displayName), mail: manager.mail, userPrincipalName: manager.mail };
}

class Sync {
	records: SyncRecords = { links: {}, unsynced: {} };

	constructor(
		private readonly mapping: MappingConfig = {},
		private readonly settings: Partial<ServiceNowOptions> = {},
	) {}

	destination(): ServiceNowDestination {
		return new ServiceNowDestination({ baseUrl: front.url, auth: { kind: 'basic', username: ACCOUNT, password: PASSWORD }, azureObjectIdField: 'u_azure_object_id', ...this.settings });
	}

	/** One run (a new destination each time, as each n8n execution builds one); the requests it made come back too. */
	async run(users: GraphUser[], mode: SyncInput['mode'] = 'incremental') {
		const mapped = users.map((user, itemIndex) => ({ requester: this.map(user), itemIndex }));
		const start = sn.requests.length;
		const result = await runRequesterSync(this.destination(), { mapped, removed: [], unmapped: [], completeRead: mode === 'full', mode }, this.records, OPTIONS);
		this.records = result.records;
		return { result, requests: sn.requests.slice(start) };
	}

	private map(user: GraphUser): Requester {
		const result = mapUser(user, this.mapping);
		if (!result.ok) throw new Error(JSON.stringify(result.reasons));
		return result.requester;
	}
}

const writesIn = (requests: RecordedRequest[]) => requests.filter((request) => request.method !== 'GET');
const rowOf = (user: GraphUser) => {
	const rows = sn.state.users().filter((row) => row.u_azure_object_id === user.id);
	expect(rows).toHaveLength(1);
	return rows[0];
};

describe('sync into ServiceNow', () => {
	it('first sync creates every user (POST each) with the manager linked by sys_id; a second sync without changes writes nothing', async () => {
		const sync = new Sync();
		const [boss, ...team] = graphUsers(5);
		reportTo(boss, team);
		const people = [boss, ...team];

		const { result: first, requests } = await sync.run(people, 'full');
		expect(first.run).toMatchObject({ created: 5, failed: 0, totalSynced: 5 });
		const posts = writesIn(requests).filter((request) => request.method === 'POST');
		expect(posts).toHaveLength(5);
		expect(posts.every((request) => request.path === '/api/now/table/sys_user')).toBe(true);
		const bossRow = rowOf(boss);
		for (const member of team) {
			const row = rowOf(member);
			expect(row).toMatchObject({ email: member.mail, title: 'Engineer', city: 'Oslo', manager: bossRow.sys_id, active: 'true' });
			expect(row.department).toBe(sn.state.byName('cmn_department', 'IT')!.sys_id);
			expect(sync.records.links[member.id]).toBe(row.sys_id);
		}
		expect(first.outcomes.filter((outcome) => outcome.manager?.status === 'linked').map((outcome) => outcome.manager?.managerId)).toEqual(team.map(() => bossRow.sys_id));

		const { result: second, requests: again } = await sync.run(people, 'full');
		expect(writesIn(again)).toEqual([]);
		expect(second.run).toMatchObject({ created: 0, updated: 0, unchanged: 5, failed: 0 });
	});

	it('a change is written as one PATCH of one field', async () => {
		const sync = new Sync();
		const people = graphUsers(3);
		await sync.run(people, 'full');
		people[1].jobTitle = 'Architect';

		const { result, requests } = await sync.run([people[1]]);
		const row = rowOf(people[1]);
		expect(writesIn(requests).map((request) => [request.method, request.path, request.body])).toEqual([['PATCH', `/api/now/table/sys_user/${row.sys_id}`, { title: 'Architect' }]]);
		expect(row.title).toBe('Architect');
		expect(result.outcomes).toEqual([expect.objectContaining({ action: 'update', status: 'done', changedFields: ['jobTitle'] })]);
	});

	it('disable → one PATCH active=false (locked_out untouched); enable → active=true; never a DELETE', async () => {
		const sync = new Sync();
		const [person, other] = graphUsers(2);
		await sync.run([person, other], 'full');
		const lockedOutBefore = rowOf(person).locked_out;

		person.accountEnabled = false;
		const { result: disabled, requests } = await sync.run([person]);
		expect(writesIn(requests).map((request) => [request.method, request.body])).toEqual([['PATCH', { active: false }]]);
		expect(rowOf(person)).toMatchObject({ active: 'false', locked_out: lockedOutBefore });
		expect(disabled.outcomes).toEqual([expect.objectContaining({ action: 'deactivate', status: 'done', reason: 'Disabled in Azure AD' })]);

		person.accountEnabled = true;
		const { result: enabled, requests: back } = await sync.run([person]);
		expect(writesIn(back).map((request) => [request.method, request.body])).toEqual([['PATCH', { active: true }]]);
		expect(enabled.outcomes).toEqual([expect.objectContaining({ action: 'reactivate', status: 'done' })]);
		expect(rowOf(person).active).toBe('true');
		expect(sn.requests.some((request) => request.method === 'DELETE')).toBe(false);
	});

	it('a manager who arrives later is linked with one PATCH of the manager sys_id', async () => {
		const sync = new Sync();
		const [boss, member] = graphUsers(2);
		await sync.run([member], 'full');
		reportTo(boss, [member]);
		const { requests } = await sync.run([boss, member]);
		const bossRow = rowOf(boss);
		expect(writesIn(requests).map((request) => [request.method, request.body])).toEqual([
			['POST', expect.objectContaining({ email: boss.mail })],
			['PATCH', { manager: bossRow.sys_id }],
		]);
		expect(rowOf(member).manager).toBe(bossRow.sys_id);
	});

	it('a department ServiceNow lacks leaves that user unsynced with a reason naming it; the others sync', async () => {
		const sync = new Sync();
		const [lost, fine] = graphUsers(2);
		lost.department = 'Quantum Research';
		const { result } = await sync.run([lost, fine], 'full');
		expect(result.run).toMatchObject({ created: 1, failed: 1 });
		const failed = result.outcomes.find((outcome) => outcome.azureObjectId === lost.id)!;
		expect(failed).toMatchObject({ action: 'create', status: 'failed' });
		expect(failed.error?.fields).toEqual([{ field: 'department', code: 'unknown_department', message: expect.stringContaining('ServiceNow has no department named "Quantum Research"') }]);
		expect(sync.records.unsynced[lost.id]).toMatchObject({ stage: 'destination', code: 'unknown_department', message: expect.stringContaining('Quantum Research') });
		expect(sn.state.users().some((row) => row.u_azure_object_id === lost.id)).toBe(false);

		// Once the department exists, the next run syncs the user from the registry.
		sn.state.add('cmn_department', { name: 'Quantum Research' });
		const { result: retried } = await sync.run([]);
		expect(retried.outcomes).toEqual([expect.objectContaining({ azureObjectId: lost.id, action: 'create', status: 'done', source: 'retry' })]);
		expect(sync.records.unsynced[lost.id]).toBeUndefined();
	});

	it("an employee ID key with ^ and a quote matches exactly the one user that has it, and only that one is written", async () => {
		const value = "O'Brien^ORactive=false";
		const target = sn.state.addUser({ user_name: 'caret.person', employee_number: value, email: 'caret.person@contoso.test', title: 'Engineer' });
		const plain = sn.state.addUser({ user_name: 'plain.obrien', employee_number: "O'Brien", email: 'plain.obrien@contoso.test' });
		const inactive = sn.state.addUser({ user_name: 'inactive.one', employee_number: 'E-77', active: 'false' });
		const sync = new Sync({ login: { ssoKey: 'employeeId', allowLogin: false } }, { keyKind: 'employeeId' });
		const [person] = graphUsers(1, { employeeId: value, mail: 'caret.person@contoso.test', userPrincipalName: 'caret.person@contoso.test', department: null, city: null });
		person.givenName = null;
		person.surname = null;

		const { result, requests } = await sync.run([person]);
		expect(result.outcomes).toEqual([expect.objectContaining({ action: 'update', status: 'done', destinationId: target.sys_id })]);
		const lookups = requests.filter((request) => request.method === 'GET' && request.query.sysparm_query?.startsWith('employee_number'));
		expect(lookups.map((request) => request.query.sysparm_query)).toEqual(["employee_number=o'brien^^oractive=false"]);
		expect(sn.state.query('sys_user', lookups[0].query.sysparm_query).map((row) => row.sys_id)).toEqual([target.sys_id]);
		// The one write goes to that user: the Azure object id stored, nothing created, no one else touched.
		expect(writesIn(requests).map((request) => [request.method, request.path])).toEqual([['PATCH', `/api/now/table/sys_user/${target.sys_id}`]]);
		expect(sn.state.user(target.sys_id)!.u_azure_object_id).toBe(person.id);
		expect(sn.state.user(plain.sys_id)!.u_azure_object_id).toBe('');
		expect(sn.state.user(inactive.sys_id)!.active).toBe('false');
	});

	it('follows a changed email to the same user through the stored Azure object id', async () => {
		const sync = new Sync();
		const [person] = graphUsers(1);
		await sync.run([person], 'full');
		const before = rowOf(person);
		person.mail = `renamed.${person.mail}`;
		person.userPrincipalName = person.mail;
		const { requests } = await sync.run([person]);
		expect(writesIn(requests).map((request) => request.method)).toEqual(['PATCH']);
		expect(rowOf(person)).toMatchObject({ sys_id: before.sys_id, email: person.mail });
	});

	it('a refused credential stops the run instead of listing the user as unsynced', async () => {
		const sync = new Sync({}, { auth: { kind: 'basic', username: ACCOUNT, password: 'FAKE-revoked' } });
		await expect(sync.run(graphUsers(1))).rejects.toMatchObject({ status: 401 });
		expect(sync.records.unsynced).toEqual({});
	});
});
