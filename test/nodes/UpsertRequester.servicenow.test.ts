/**
 * Issue #26 at node level: the real Upsert Requester node with destination 'servicenow', run by
 * n8n's own execution engine (test/harness/n8n.ts), against the ServiceNow stand-in (HTTPS)
 * reached through a plain-http loopback front and the credential's Base URL override. Input
 * items are what Map To Requester emits; each test has its own Sync ID and users.
 */
import { rmSync } from 'node:fs';
import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';
import { UpsertRequester } from '../../nodes/UpsertRequester/UpsertRequester.node';
import { mapUser } from '../../nodes/shared/requester/mapping';
import { SYNC_RECORDS_KEY } from '../../nodes/shared/sync/records';
import type { SyncRecords } from '../../nodes/shared/sync/engine';
import { startLoopbackFront, type LoopbackFront } from '../destinations/support/loopbackFront';
import { startServiceNowStandIn, type ServiceNowStandIn } from '../destinations/servicenow/standIn';
import type { RecordedRequest } from '../fixtures/standins/server';
import { createTestTls, type TestTls } from '../fixtures/standins/tls';
import { globalStaticData, runNode, type RunResult } from '../harness/n8n';

const ACCOUNT = 'svc.azure.sync';
const PASSWORD = 'FAKE-sn-upsert-password';

let tls: TestTls;
let sn: ServiceNowStandIn;
let front: LoopbackFront;

beforeAll(async () => {
	tls = createTestTls();
	sn = await startServiceNowStandIn({ tls, accounts: { [ACCOUNT]: PASSWORD }, departments: ['IT'], customColumns: ['u_azure_object_id'] });
	front = await startLoopbackFront(sn.url, tls.caPem);
});

afterAll(async () => {
	await front.close();
	await sn.close();
	rmSync(tls.dir, { recursive: true, force: true });
});

let userCount = 0;
let syncCount = 0;

type GraphUser = Record<string, unknown> & { id: string; mail: string };

function users(count: number): GraphUser[] {
	return Array.from({ length: count }, () => {
		const n = ++userCount;
		return {
			id: `0b000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
			displayName: `User ${n}`,
			givenName: 'User',
			surname: String(n),
			mail: `sn.user${n}@contoso.test`,
			userPrincipalName: `sn.user${n}@contoso.test`,
			jobTitle: 'Engineer',
			department: 'IT',
			accountEnabled: true,
			businessPhones: [],
		};
	});
}

class Sync {
	readonly id = `sn-sync-${++syncCount}`;
	staticData: IDataObject = {};

	constructor(private readonly parameters: INodeParameters = { servicenowAzureObjectIdField: 'u_azure_object_id' }) {}

	items(list: GraphUser[], mode: 'full' | 'incremental'): INodeExecutionData[] {
		return list.map((user) => {
			const result = mapUser(user, {});
			if (!result.ok) throw new Error(`test user does not map: ${JSON.stringify(result.reasons)}`);
			return { json: { requester: result.requester as unknown as IDataObject, azureObjectId: user.id, user: { id: user.id, mail: user.mail }, _sync: { mode, syncId: this.id } } };
		});
	}

	/** One scheduled run; the requests it made come back too. */
	async run(mapped: INodeExecutionData[], password = PASSWORD): Promise<{ result: RunResult; requests: RecordedRequest[] }> {
		const start = sn.requests.length;
		const result = await runNode({
			node: new UpsertRequester(),
			parameters: { syncId: this.id, destination: 'servicenow', destinationOptions: { maxTries: 2 }, ...this.parameters },
			credentials: { serviceNowApi: { instanceUrl: 'acme', baseUrl: front.url, authentication: 'basic', user: ACCOUNT, password } },
			inputItemsByIndex: [mapped, []],
			staticData: this.staticData,
			mode: 'trigger',
		});
		this.staticData = result.persistedStaticData;
		return { result, requests: sn.requests.slice(start) };
	}

	records(): SyncRecords {
		return (globalStaticData(this.staticData)[SYNC_RECORDS_KEY] as Record<string, SyncRecords> | undefined)?.[this.id] ?? { links: {}, unsynced: {} };
	}
}

const writesIn = (requests: RecordedRequest[]) => requests.filter((request) => request.method !== 'GET');
const outcomesOf = (result: RunResult) => {
	if (result.error) throw result.error;
	return result.outputs[0].map((item) => item.json);
};
const runOf = (result: RunResult) => {
	if (result.error) throw result.error;
	return result.outputs[1][0].json.run as IDataObject;
};
const rowOf = (user: GraphUser) => {
	const rows = sn.state.users().filter((row) => row.u_azure_object_id === user.id);
	expect(rows).toHaveLength(1);
	return rows[0];
};

describe('Upsert Requester into ServiceNow', () => {
	it('creates sys_user records with the manager linked and links them in static data; a second run without changes writes nothing', async () => {
		const sync = new Sync();
		const [boss, ...team] = users(3);
		for (const member of team) member.manager = { id: boss.id, displayName: boss.displayName, mail: boss.mail, userPrincipalName: boss.mail };

		const { result: first, requests } = await sync.run(sync.items([boss, ...team], 'full'));
		expect(runOf(first)).toMatchObject({ created: 3, failed: 0, totalSynced: 3, mode: 'full' });
		expect(outcomesOf(first).map((outcome) => [outcome.action, outcome.status])).toEqual(Array(3).fill(['create', 'done']));
		expect(writesIn(requests).filter((request) => request.method === 'POST').map((request) => request.path)).toEqual(Array(3).fill('/api/now/table/sys_user'));
		const bossRow = rowOf(boss);
		for (const member of team) {
			const row = rowOf(member);
			expect(row).toMatchObject({ email: member.mail, title: 'Engineer', manager: bossRow.sys_id, active: 'true', department: sn.state.byName('cmn_department', 'IT')!.sys_id });
			expect(sync.records().links[member.id]).toBe(row.sys_id);
		}

		const { result: second, requests: again } = await sync.run(sync.items([boss, ...team], 'full'));
		expect(writesIn(again)).toEqual([]);
		expect(runOf(second)).toMatchObject({ created: 0, updated: 0, unchanged: 3 });
	});

	it('writes a change as one PATCH of the one changed column, and a disabled user as active=false', async () => {
		const sync = new Sync();
		const [person, other] = users(2);
		await sync.run(sync.items([person, other], 'full'));
		const row = rowOf(person);

		person.jobTitle = 'Architect';
		const { result: changed, requests } = await sync.run(sync.items([person], 'incremental'));
		expect(writesIn(requests).map((request) => [request.method, request.path, request.body])).toEqual([['PATCH', `/api/now/table/sys_user/${row.sys_id}`, { title: 'Architect' }]]);
		expect(outcomesOf(changed)).toEqual([expect.objectContaining({ action: 'update', status: 'done', changedFields: ['jobTitle'], destinationId: row.sys_id })]);

		person.accountEnabled = false;
		const { result: disabled, requests: deactivation } = await sync.run(sync.items([person], 'incremental'));
		expect(writesIn(deactivation).map((request) => [request.method, request.path, request.body])).toEqual([['PATCH', `/api/now/table/sys_user/${row.sys_id}`, { active: false }]]);
		expect(sn.state.user(row.sys_id)).toMatchObject({ active: 'false', title: 'Architect' });
		expect(outcomesOf(disabled)).toEqual([expect.objectContaining({ action: 'deactivate', status: 'done', reason: 'Disabled in Azure AD' })]);
	});

	it('matches on the chosen Key Field', async () => {
		const sync = new Sync({ servicenowKeyField: 'user_name', servicenowAzureObjectIdField: 'u_azure_object_id' });
		const [person] = users(1);
		// An existing user whose user_name is the email, as some instances keep it, is linked rather than duplicated.
		const existing = sn.state.addUser({ user_name: person.mail, first_name: 'User', last_name: 'Old', email: 'old@contoso.test' });
		const { result, requests } = await sync.run(sync.items([person], 'incremental'));
		const queries = requests.filter((request) => request.method === 'GET' && request.path === '/api/now/table/sys_user').map((request) => request.query.sysparm_query);
		expect(queries).toContain(`user_name=${person.mail}`);
		expect(queries.some((query) => String(query).startsWith('email='))).toBe(false);
		expect(outcomesOf(result)).toEqual([expect.objectContaining({ action: 'update', status: 'done', destinationId: existing.sys_id })]);
		expect(sn.state.user(existing.sys_id)).toMatchObject({ email: person.mail, u_azure_object_id: person.id });
		expect(sn.state.users().filter((row) => row.user_name === person.mail)).toHaveLength(1);
	});

	it('fails the run with a plain-words error when ServiceNow refuses the credential, and never shows the password', async () => {
		const sync = new Sync();
		const { result, requests } = await sync.run(sync.items(users(1), 'full'), 'FAKE-wrong-password');
		expect(writesIn(requests)).toEqual([]);
		expect(result.error).toBeDefined();
		const shown = `${result.error?.message} ${(result.error as { description?: string }).description ?? ''}`;
		expect(shown).toMatch(/401/);
		expect(shown).not.toContain('FAKE-wrong-password');
	});
});
