/**
 * The Audit Log sink option on the three nodes that produce records, run by n8n's real engine:
 * static data (default, bounded), the Audit output as items (paired with the input item), both.
 */
import nock from 'nock';
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import { AzureAdAccountAction } from '../../nodes/AzureAdAccountAction/AzureAdAccountAction.node';
import { AzureAdSso } from '../../nodes/AzureAdSso/AzureAdSso.node';
import { UpsertRequester } from '../../nodes/UpsertRequester/UpsertRequester.node';
import { DEFAULT_AUDIT_RETENTION } from '../../nodes/shared/audit/retention';
import { auditLogProperty } from '../../nodes/shared/n8n/auditLog';
import { AUDIT_STORE_KEY, forgetAuditStores, type AuditStoreData } from '../../nodes/shared/audit/store';
import type { AuditEntry } from '../../nodes/shared/audit/record';
import { clearTokenCache } from '../../nodes/shared/graph/auth';
import { USER_SELECT } from '../../nodes/shared/graph/userResolution';
import { mapUser } from '../../nodes/shared/requester/mapping';
import { forgetSsoStores } from '../../nodes/shared/sso/storeAccess';
import { startScimmyServer, type ScimmyServer } from '../destinations/scim/scimmyServer';
import { globalStaticData, runNode, type RunResult } from '../harness/n8n';
import { GRAPH, fakeCredentialFields, nockTokenEndpoint } from '../support/fakeTenant';
import { nockOpenIdConfiguration } from '../sso/support/identityPlatform';

const azureAd = { azureAdSyncApi: fakeCredentialFields() as Record<string, string> };
const ALICE = { id: 'a11ce000-0000-4000-8000-000000000001', userPrincipalName: 'alice@contoso.test', displayName: 'Alice', mail: 'alice@contoso.test', otherMails: [], proxyAddresses: [], accountEnabled: true };
const TICKET = { ticket_id: 'T-77', user: ALICE.id, agent: 'agent.smith' };

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
	nock.cleanAll();
	clearTokenCache();
	forgetAuditStores();
	forgetSsoStores();
});
afterAll(() => nock.enableNetConnect());

function kept(result: RunResult): AuditEntry[] {
	return (globalStaticData(result.persistedStaticData)[AUDIT_STORE_KEY] as unknown as AuditStoreData | undefined)?.records ?? [];
}

function records(items: INodeExecutionData[]): AuditEntry[] {
	return items.map((item) => item.json as unknown as AuditEntry);
}

function accountAction(parameters: IDataObject, staticData?: IDataObject) {
	nockTokenEndpoint();
	nock(GRAPH).get(`/v1.0/users/${ALICE.id}`).query({ $select: USER_SELECT }).reply(200, ALICE);
	return runNode({
		node: new AzureAdAccountAction(),
		parameters: { operation: 'disable', user: '={{ $json.user }}', ticketId: '={{ $json.ticket_id }}', caller: '={{ $json.agent }}', protectPrivilegedRoles: false, ...parameters } as never,
		credentials: azureAd,
		inputItems: [{ json: TICKET }],
		staticData,
		mode: 'webhook',
		executionId: 'exec-9',
	});
}

describe('Azure AD Account Action: audit log sink', () => {
	it('keeps a refusal in workflow static data by default, with the ticket, caller and who ran it, even when the refusal stops the node', async () => {
		const result = await accountAction({ protectedUsers: 'alice@contoso.test', options: { failOnRefusal: true } });
		expect(result.error?.message).toMatch(/^Disable refused for alice@contoso.test/);
		expect(kept(result)).toEqual([
			expect.objectContaining({
				source: 'accountAction',
				action: 'disable',
				outcome: 'refused',
				ticketId: 'T-77',
				caller: 'agent.smith',
				azureObjectId: ALICE.id,
				executionId: 'exec-9',
				trigger: 'webhook',
				workflowId: expect.any(String),
			}),
		]);
	});

	it('sends the record to the Audit output instead, paired with its ticket item, keeping nothing', async () => {
		nock(GRAPH).patch(`/v1.0/users/${ALICE.id}`, { accountEnabled: false }).reply(204);
		nock(GRAPH).post(`/v1.0/users/${ALICE.id}/revokeSignInSessions`).reply(200, { value: true });
		const result = await accountAction({ auditLog: { sink: 'items' } });
		expect(result.error).toBeUndefined();
		expect(result.outputs[1]).toHaveLength(1);
		expect(result.outputs[1][0].pairedItem).toEqual({ item: 0 });
		expect(records(result.outputs[1])[0]).toMatchObject({ action: 'disable', outcome: 'done', changes: 'accountEnabled: true → false; signInSessionsRevoked' });
		expect(kept(result)).toEqual([]);
	});

	it('applies the retention to what it keeps: the oldest go first', async () => {
		let staticData: IDataObject | undefined;
		for (const ticketId of ['T-1', 'T-2', 'T-3']) {
			const result = await accountAction({ ticketId, protectedUsers: 'alice@contoso.test', auditLog: { sink: 'both', keepRecords: 2 } }, staticData);
			expect(records(result.outputs[1]).map((record) => record.ticketId)).toEqual([ticketId]);
			staticData = result.persistedStaticData;
			// The next execution may run in another process: only static data carries the log.
			forgetAuditStores();
		}
		// Items only: a refusal is still kept (its record is what an auditor looks for), within the retention.
		const itemsOnly = await accountAction({ ticketId: 'T-4', protectedUsers: 'alice@contoso.test', auditLog: { sink: 'items', keepRecords: 2 } }, staticData);
		expect(kept(itemsOnly).map((record) => record.ticketId)).toEqual(['T-3', 'T-4']);
	});

	it('keeps a failed action in static data with "Output as Items" too, when the failure stops the node and n8n drops the outputs', async () => {
		nock(GRAPH).patch(`/v1.0/users/${ALICE.id}`).reply(403, { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges' } });
		const result = await accountAction({ auditLog: { sink: 'items' } });
		expect(result.error?.message).toMatch(/^Disable failed for alice@contoso.test/);
		expect(kept(result)).toEqual([expect.objectContaining({ action: 'disable', outcome: 'failed', ticketId: 'T-77', executionId: 'exec-9' })]);
	});

	it('appends the records of all items to static data once per execution', async () => {
		nockTokenEndpoint();
		nock(GRAPH).get(`/v1.0/users/${ALICE.id}`).query({ $select: USER_SELECT }).times(2).reply(200, ALICE);
		const result = await runNode({
			node: new AzureAdAccountAction(),
			parameters: { operation: 'disable', user: '={{ $json.user }}', ticketId: '={{ $json.ticket_id }}', protectedUsers: 'alice@contoso.test', protectPrivilegedRoles: false } as never,
			credentials: azureAd,
			inputItems: [{ json: { ...TICKET, ticket_id: 'T-1' } }, { json: { ...TICKET, ticket_id: 'T-2' } }],
			mode: 'webhook',
		});
		expect(result.error).toBeUndefined();
		const store = globalStaticData(result.persistedStaticData)[AUDIT_STORE_KEY] as unknown as AuditStoreData;
		expect(store.records.map((record) => record.ticketId)).toEqual(['T-1', 'T-2']);
		expect(store.revision).toBe(1);
	});

	it('shows the core retention defaults in the parameter', () => {
		const fields = auditLogProperty({ retention: true }).options as Array<{ name: string; default: unknown }>;
		expect(Object.fromEntries(fields.map((field) => [field.name, field.default]))).toEqual({
			sink: 'staticData',
			keepDays: DEFAULT_AUDIT_RETENTION.maxAgeDays,
			keepRecords: DEFAULT_AUDIT_RETENTION.maxCount,
		});
	});

	it('names a retention that cannot work', async () => {
		const result = await runNode({ node: new AzureAdAccountAction(), parameters: { operation: 'disable', user: 'x', auditLog: { keepDays: -3 } } as never, credentials: azureAd });
		expect(result.error?.message).toMatch(/Keep Days must be a whole number of 0 or more/);
	});
});

describe('Azure AD SSO: audit log sink', () => {
	async function startLogin(sink: string) {
		nockOpenIdConfiguration().persist();
		return await runNode({
			node: new AzureAdSso(),
			parameters: { operation: 'startLogin', redirectUri: 'https://n8n.example.test/webhook/sso/callback', clientAddress: '198.51.100.7', auditLog: { sink } } as never,
			credentials: azureAd,
			mode: 'webhook',
		});
	}

	it('keeps its events in the SSO store as before, and with "Both" also outputs them as audit records', async () => {
		const result = await startLogin('both');
		expect(result.error).toBeUndefined();
		expect(records(result.outputs[1])).toEqual([expect.objectContaining({ source: 'sso', action: 'loginStarted', outcome: 'done', caller: '198.51.100.7', trigger: 'webhook' })]);
		expect(result.outputs[1][0].pairedItem).toEqual({ item: 0 });
		expect((globalStaticData(result.persistedStaticData).azureAdSso as { audit: unknown[] }).audit).toHaveLength(1);
		// The SSO store is the static-data copy: no second list of the same events.
		expect(kept(result)).toEqual([]);
	});

	it('keeps its events in the SSO store with "Output as Items" too, and its sink option says so', async () => {
		const result = await startLogin('items');
		expect(records(result.outputs[1]).map((record) => record.action)).toEqual(['loginStarted']);
		expect((globalStaticData(result.persistedStaticData).azureAdSso as { audit: unknown[] }).audit).toHaveLength(1);
		const auditLog = new AzureAdSso().description.properties.find((property) => property.name === 'auditLog')!;
		const sink = (auditLog.options as Array<{ name: string; options?: Array<{ value: string; description?: string }> }>).find((field) => field.name === 'sink')!;
		expect(sink.options!.find((option) => option.value === 'items')!.description).toMatch(/the SSO store keeps its events too/);
	});
});

describe('Upsert Requester: audit log sink', () => {
	let server: ScimmyServer;
	beforeEach(async () => {
		nock.enableNetConnect('127.0.0.1');
		server = await startScimmyServer({ token: 'FAKE-audit-scim-token' });
	});
	afterEach(async () => await server.close());

	function input(users: Array<Record<string, unknown>>): INodeExecutionData[] {
		return users.map((user) => {
			const mapped = mapUser({ givenName: 'User', surname: 'X', accountEnabled: true, ...user } as never, {});
			if (!mapped.ok) throw new Error(JSON.stringify(mapped.reasons));
			return { json: { requester: mapped.requester as unknown as IDataObject, azureObjectId: user.id as string, _sync: { mode: 'full', syncId: 'audit' } } };
		});
	}

	async function sync(users: Array<Record<string, unknown>>, auditLog: IDataObject, staticData?: IDataObject) {
		const result = await runNode({
			node: new UpsertRequester(),
			parameters: { syncId: 'audit', destination: 'scim', auditLog } as never,
			credentials: { scimApi: { baseUrl: server.url, authentication: 'bearer', token: 'FAKE-audit-scim-token' } },
			inputItemsByIndex: [input(users), []],
			staticData,
			mode: 'trigger',
		});
		if (result.error) throw result.error;
		return result;
	}

	const ada = { id: '0a000000-0000-4000-8000-000000000001', displayName: 'Ada', mail: 'ada@contoso.test', userPrincipalName: 'ada@contoso.test', jobTitle: 'Engineer' };
	const bob = { id: '0a000000-0000-4000-8000-000000000002', displayName: 'Bob', mail: 'bob@contoso.test', userPrincipalName: 'bob@contoso.test', jobTitle: 'Engineer' };

	it('keeps one record per requester change in static data, and outputs them as items paired with their users', async () => {
		const first = await sync([ada, bob], {});
		expect(kept(first).map((record) => [record.action, record.email, record.trigger])).toEqual([
			['requesterCreated', 'ada@contoso.test', 'trigger'],
			['requesterCreated', 'bob@contoso.test', 'trigger'],
		]);
		expect(first.outputs[2]).toEqual([]);

		const second = await sync([ada, { ...bob, jobTitle: 'Lead' }], { sink: 'both' }, first.persistedStaticData);
		expect(records(second.outputs[2])).toEqual([expect.objectContaining({ action: 'requesterUpdated', email: 'bob@contoso.test', changes: 'jobTitle: "Engineer" → "Lead"' })]);
		expect(second.outputs[2][0].pairedItem).toEqual({ item: 1, input: 0 });
		expect(kept(second).map((record) => record.action)).toEqual(['requesterCreated', 'requesterCreated', 'requesterUpdated']);
	});

	it('warns when one run has more records than Keep Records, keeping the newest', async () => {
		const result = await sync([ada, bob], { keepRecords: 1 });
		expect(kept(result).map((record) => record.email)).toEqual(['bob@contoso.test']);
		expect(result.logs.join('\n')).toMatch(/Audit log: 1 of 2 new records are not kept in static data \(Keep Records 1, Keep Days 90\)/);
	});

	it('writes no record for a dry run', async () => {
		const result = await runNode({
			node: new UpsertRequester(),
			parameters: { syncId: 'audit', destination: 'scim', dryRun: true, auditLog: { sink: 'both' } },
			credentials: { scimApi: { baseUrl: server.url, authentication: 'bearer', token: 'FAKE-audit-scim-token' } },
			inputItemsByIndex: [input([ada]), []],
			mode: 'trigger',
		});
		expect(result.error).toBeUndefined();
		expect(result.outputs[0][0].json).toMatchObject({ action: 'create', status: 'planned' });
		expect(result.outputs[2]).toEqual([]);
		expect(kept(result)).toEqual([]);
	});
});
