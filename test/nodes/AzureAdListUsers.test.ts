import nock from 'nock';
import { NodeApiError, NodeOperationError, type IDataObject, type INodeParameters } from 'n8n-workflow';
import { AzureAdListUsers } from '../../nodes/AzureAdListUsers/AzureAdListUsers.node';
import { clearTokenCache } from '../../nodes/shared/graph/auth';
import { MANAGER_EXPAND } from '../../nodes/shared/graph/userSelection';
import { scopeKeyFor, type UserScope } from '../../nodes/shared/graph/userScope';
import { workflowSyncStore } from '../../nodes/shared/n8n/syncState';
import { DEFAULT_MAPPING, requiredGraphAttributes } from '../../nodes/shared/requester';
import { commitStagedCursor } from '../../nodes/shared/sync/applyChanges';
import { globalStaticData, runListSearch, runLoadOptions, runNode, staticDataFor, type RunResult } from '../harness/n8n';
import { FAKE_TENANT_ID, GRAPH, fakeCredentialFields, nockTokenEndpoint } from '../support/fakeTenant';

const credentials = { azureAdSyncApi: fakeCredentialFields() as Record<string, string> };
const DELTA = `${GRAPH}/v1.0/users/delta`;
const deltaLink = (token: string) => `${DELTA}?$deltatoken=${token}`;

interface GraphCall {
	method: string;
	path: string;
	query: Record<string, string>;
	headers: Record<string, unknown>;
}

type Reply = [number, unknown] | [number, unknown, Record<string, string>];

/** Answers every Graph request from `route`, recording it. */
function fakeGraph(route: (call: GraphCall) => Reply | undefined): GraphCall[] {
	const calls: GraphCall[] = [];
	const answer = (method: string) =>
		function (this: { req: { headers: Record<string, unknown> } }, uri: string): Reply {
			const url = new URL(uri, GRAPH);
			const call = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: this.req.headers };
			calls.push(call);
			return route(call) ?? [500, { error: { code: 'noFake', message: `No fake for ${method} ${uri}` } }];
		};
	nock(GRAPH).persist().get(/^\/v1\.0\//).query(true).reply(answer('GET'));
	nock(GRAPH).persist().post(/^\/v1\.0\//).query(true).reply(answer('POST'));
	return calls;
}

function userId(index: number): string {
	return `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`;
}

function makeUsers(count: number, from = 0): IDataObject[] {
	return Array.from({ length: count }, (_, offset) => {
		const index = from + offset;
		return { id: userId(index), displayName: `User ${index}`, mail: `user${index}@contoso.test`, accountEnabled: true };
	});
}

/** `/users` paged like Graph. */
function usersPage(call: GraphCall, users: IDataObject[]): Reply {
	const offset = Number(call.query.$skiptoken ?? 0);
	const top = Number(call.query.$top ?? 100);
	const body: IDataObject = { value: users.slice(offset, offset + top) };
	if (offset + top < users.length) body['@odata.nextLink'] = `${GRAPH}/v1.0/users?${new URLSearchParams({ ...call.query, $skiptoken: String(offset + top) })}`;
	return [200, body];
}

/** A tenant: `latest` hands out `cursor`; each deltaLink token answers with its changes. */
function tenant(options: { users: IDataObject[]; cursor?: string; deltas?: Record<string, Reply> }): GraphCall[] {
	return fakeGraph((call) => {
		if (call.path === '/v1.0/users/delta') {
			if (call.query.$deltatoken === 'latest') return [200, { '@odata.deltaLink': deltaLink(options.cursor ?? 'T1'), value: [] }];
			return options.deltas?.[call.query.$deltatoken];
		}
		if (call.path === '/v1.0/users') return usersPage(call, options.users);
		return undefined;
	});
}

const node = () => new AzureAdListUsers();

function listUsers(parameters: INodeParameters, extra: Partial<Parameters<typeof runNode>[0]> = {}): Promise<RunResult> {
	return runNode({ node: node(), parameters, credentials, ...extra });
}

const incremental = (options: INodeParameters = {}, more: INodeParameters = {}): INodeParameters => ({
	mode: 'incremental',
	attributeSource: 'custom',
	customAttributes: 'displayName,mail',
	options,
	...more,
});

function syncState(result: RunResult, syncId = 'default'): IDataObject {
	return ((globalStaticData(result.persistedStaticData).azureAdSync as IDataObject | undefined)?.[syncId] as IDataObject) ?? {};
}

beforeAll(() => nock.disableNetConnect());
beforeEach(() => {
	nockTokenEndpoint({ times: 10 });
});
afterEach(() => {
	nock.cleanAll();
	clearTokenCache();
});
afterAll(() => nock.enableNetConnect());

describe('All Users', () => {
	it('returns one item per user with what the requester mapping needs, 999 a page, and pairedItem', async () => {
		const calls = tenant({ users: makeUsers(1200) });
		const result = await listUsers({ mode: 'full' });
		expect(result.error).toBeUndefined();
		const items = result.outputs[0];
		expect(items).toHaveLength(1200);
		expect(items[0].json).toEqual({ ...makeUsers(1)[0], _sync: { mode: 'full' } });
		expect(items.every((item) => JSON.stringify(item.pairedItem) === JSON.stringify({ item: 0 }))).toBe(true);

		const required = requiredGraphAttributes(DEFAULT_MAPPING);
		expect(calls).toHaveLength(2);
		expect(calls[0].query.$select.split(',')).toEqual(required.select);
		expect(calls[0].query.$select.split(',')).toEqual(expect.arrayContaining(['id', 'accountEnabled', 'mail', 'userPrincipalName', 'displayName', 'employeeOrgData']));
		expect(calls[0].query.$expand).toBe(MANAGER_EXPAND);
		expect(calls[0].query.$top).toBe('999');
	});

	it('stops at the limit and marks the list partial, so the upsert does not deactivate the rest', async () => {
		const calls = tenant({ users: makeUsers(100) });
		const result = await listUsers({ mode: 'full', returnAll: false, limit: 10, attributeSource: 'selected', attributes: ['displayName'] });
		expect(result.outputs[0]).toHaveLength(10);
		expect(result.outputs[0][0].json._sync).toEqual({ mode: 'full', partial: true });
		expect(calls[0].query).toEqual({ $select: 'id,displayName', $top: '10' });
	});

	it("applies the filters in Graph, O'Brien escaped", async () => {
		const calls = tenant({ users: [] });
		const result = await listUsers({
			mode: 'full',
			attributeSource: 'custom',
			customAttributes: 'displayName',
			filters: {
				enabledOnly: true,
				membersOnly: true,
				attributeFilters: { conditions: [{ attribute: 'surname', operator: 'equals', value: "O'Brien" }] },
				customFilter: "startswith(jobTitle,'Eng')",
			},
		});
		expect(result.error).toBeUndefined();
		expect(result.outputs[0]).toEqual([]);
		expect(calls[0].query.$filter).toBe("accountEnabled eq true and userType eq 'Member' and surname eq 'O''Brien' and (startswith(jobTitle,'Eng'))");
		expect(calls[0].headers.consistencylevel).toBeUndefined();
	});

	it("turns Graph's 400 on a custom filter into the field's name, Graph's message and a hint", async () => {
		fakeGraph(() => [400, { error: { code: 'BadRequest', message: "Invalid filter clause: Syntax error at position 20 in 'departmentt eq Sales'." } }]);
		const result = await listUsers({ mode: 'full', filters: { customFilter: 'departmentt eq Sales' } });
		expect(result.error).toBeInstanceOf(NodeOperationError);
		expect(result.error!.message).toBe("Custom Filter: Microsoft Graph rejected the query: Invalid filter clause: Syntax error at position 20 in 'departmentt eq Sales'.");
		expect((result.error as NodeOperationError).description).toMatch(/O''Brien/);
	});

	it('names the field of an unknown attribute, before calling Graph', async () => {
		const calls = fakeGraph(() => undefined);
		const result = await listUsers({ mode: 'full', attributeSource: 'custom', customAttributes: 'displayName, shoeSize' });
		expect(result.error).toBeInstanceOf(NodeOperationError);
		expect(result.error!.message).toBe('Attribute List: "shoeSize" is not a user attribute Microsoft Graph can list');
		expect((result.error as NodeOperationError).description).toMatch(/extensionAttribute1 to 15/);
		expect(calls).toHaveLength(0);
	});

	it('fails with a NodeApiError, or outputs the error as an item with continueOnFail', async () => {
		fakeGraph(() => [403, { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } }]);
		const failed = await listUsers({ mode: 'full' });
		expect(failed.error).toBeInstanceOf(NodeApiError);
		expect(failed.error!.message).toMatch(/Authorization_RequestDenied/);

		const tolerated = await listUsers({ mode: 'full' }, { continueOnFail: true });
		expect(tolerated.error).toBeUndefined();
		expect(tolerated.outputs[0]).toEqual([
			{ json: { error: expect.stringMatching(/Insufficient privileges/), description: expect.stringMatching(/Azure AD Verify/) }, pairedItem: { item: 0 } },
		]);
	});
});

describe('Changes Since Last Run', () => {
	const changes: Reply = [
		200,
		{
			'@odata.deltaLink': deltaLink('T2'),
			value: [
				{ id: userId(1), displayName: 'Renamed', mail: 'user1@contoso.test' },
				{ id: userId(2), '@removed': { reason: 'deleted' } },
			],
		},
	];

	it('first run reads everyone after taking a cursor; the second run (same static data) returns only the changes', async () => {
		const calls = tenant({ users: makeUsers(1500), cursor: 'T1', deltas: { T1: changes } });
		const first = await listUsers(incremental({ commitCursor: 'immediately' }), { mode: 'trigger' });
		expect(first.error).toBeUndefined();
		expect(first.outputs[0]).toHaveLength(1500);
		expect(first.outputs[0][0].json._sync).toEqual({ mode: 'full', syncId: 'default', fallbackReason: 'firstRun' });
		// The cursor request comes first, then ceil(1500 / 999) pages.
		expect(calls.map((call) => call.query.$deltatoken ?? call.query.$skiptoken ?? 'page 1')).toEqual(['latest', 'page 1', '999']);
		expect(calls[0].query.$select).toBe('id,displayName,mail');
		expect(syncState(first)).toEqual({
			cursor: { deltaLink: deltaLink('T1'), select: 'id,displayName,mail', scopeKey: expect.stringContaining(FAKE_TENANT_ID), takenAt: expect.any(String) },
		});

		calls.length = 0;
		const second = await listUsers(incremental({ commitCursor: 'immediately' }), { mode: 'trigger', staticData: first.persistedStaticData });
		expect(second.outputs[0].map((item) => item.json)).toEqual([
			{ id: userId(1), displayName: 'Renamed', mail: 'user1@contoso.test', _sync: { mode: 'incremental', syncId: 'default' } },
			{ id: userId(2), _sync: { mode: 'incremental', syncId: 'default', removed: 'deleted' } },
		]);
		expect(calls).toHaveLength(1);
		expect((syncState(second).cursor as IDataObject).deltaLink).toBe(deltaLink('T2'));
	});

	it('by default only stages the cursor: until Upsert Requester commits it, the next run reads the same changes again', async () => {
		tenant({ users: makeUsers(3), cursor: 'T1', deltas: { T1: changes } });
		const first = await listUsers(incremental(), { mode: 'trigger' });
		const staged = syncState(first);
		expect(staged.cursor).toBeUndefined();
		expect(staged.pendingCursor).toEqual({
			deltaLink: deltaLink('T1'),
			select: 'id,displayName,mail',
			scopeKey: expect.any(String),
			takenAt: expect.any(String),
			runStartedAt: expect.any(String),
			executionId: expect.any(String),
		});

		// The upsert failed: nothing committed, so the run reads everything again (nothing is skipped).
		const again = await listUsers(incremental(), { mode: 'trigger', staticData: first.persistedStaticData });
		expect(again.outputs[0][0].json._sync).toEqual({ mode: 'full', syncId: 'default', fallbackReason: 'firstRun' });
		expect(again.logs.join('\n')).toMatch(/warn: .*was never confirmed by Upsert Requester, so its changes are read again/);

		// The upsert succeeded: it promotes the cursor of its own execution.
		const global = globalStaticData(again.persistedStaticData);
		const executionId = (syncState(again).pendingCursor as IDataObject).executionId as string;
		const upsertStore = workflowSyncStore({ getWorkflowStaticData: () => global } as never);
		expect(commitStagedCursor(upsertStore, 'default', executionId)).toBe(true);
		const next = await listUsers(incremental(), { mode: 'trigger', staticData: staticDataFor({ global }) });
		expect(next.outputs[0]).toHaveLength(2);
		expect(next.outputs[0][0].json._sync).toEqual({ mode: 'incremental', syncId: 'default' });
	});

	it('with no changes makes one Graph request, outputs one "no changes" item and commits the cursor at once', async () => {
		const calls = tenant({ users: [], deltas: { T1: [200, { '@odata.deltaLink': deltaLink('T2'), value: [] }] } });
		const seeded = staticDataFor({
			global: { azureAdSync: { default: { cursor: { deltaLink: deltaLink('T1'), select: 'id,displayName,mail', scopeKey: scopeKeyOf({}), takenAt: '2026-01-01T00:00:00.000Z' } } } },
		});
		const result = await listUsers(incremental(), { mode: 'trigger', staticData: seeded });
		expect(result.error).toBeUndefined();
		expect(result.outputs[0]).toEqual([{ json: { _sync: { mode: 'incremental', syncId: 'default', noChanges: true } }, pairedItem: { item: 0 } }]);
		expect(calls).toHaveLength(1);
		expect(syncState(result)).toEqual({ cursor: expect.objectContaining({ deltaLink: deltaLink('T2') }) });
	});

	it('falls back to a full read when the cursor expired, says so on the items and in the log', async () => {
		const calls = tenant({
			users: makeUsers(5),
			cursor: 'FRESH',
			deltas: { OLD: [410, { error: { code: 'syncStateNotFound', message: 'The sync state generation is no longer valid.' } }] },
		});
		const seeded = staticDataFor({
			global: { azureAdSync: { default: { cursor: { deltaLink: deltaLink('OLD'), select: 'id,displayName,mail', scopeKey: scopeKeyOf({}), takenAt: '2026-01-01T00:00:00.000Z' } } } },
		});
		const result = await listUsers(incremental({ commitCursor: 'immediately' }), { mode: 'trigger', staticData: seeded });
		expect(result.error).toBeUndefined();
		expect(result.outputs[0]).toHaveLength(5);
		expect(result.outputs[0][0].json._sync).toEqual({ mode: 'full', syncId: 'default', fallbackReason: 'cursorExpired' });
		expect(result.logs.join('\n')).toMatch(/warn: .*no longer accepts the saved cursor/);
		expect(calls.map((call) => call.query.$deltatoken ?? 'page')).toEqual(['OLD', 'latest', 'page']);
		expect((syncState(result).cursor as IDataObject).deltaLink).toBe(deltaLink('FRESH'));
	});

	it('reads everything again when the attributes differ from those the cursor was taken with', async () => {
		tenant({ users: makeUsers(2) });
		const seeded = staticDataFor({
			global: { azureAdSync: { default: { cursor: { deltaLink: deltaLink('T0'), select: 'id,displayName', scopeKey: scopeKeyOf({}), takenAt: '2026-01-01T00:00:00.000Z' } } } },
		});
		const result = await listUsers(incremental(), { mode: 'trigger', staticData: seeded });
		expect(result.outputs[0][0].json._sync).toEqual({ mode: 'full', syncId: 'default', fallbackReason: 'attributesChanged' });
	});

	it('Reset Cursor forgets the saved cursor and reads everything', async () => {
		const calls = tenant({ users: makeUsers(2), cursor: 'NEW' });
		const seeded = staticDataFor({
			global: {
				azureAdSync: {
					default: { cursor: { deltaLink: deltaLink('T1'), select: 'id,displayName,mail', scopeKey: scopeKeyOf({}), takenAt: '2026-01-01T00:00:00.000Z' } },
					other: { cursor: { deltaLink: deltaLink('X'), select: 'id', scopeKey: '{}', takenAt: '2026-01-01T00:00:00.000Z' } },
				},
			},
		});
		const result = await listUsers(incremental({ resetCursor: true }), { mode: 'trigger', staticData: seeded });
		expect(result.outputs[0][0].json._sync).toEqual({ mode: 'full', syncId: 'default', fallbackReason: 'cursorReset' });
		expect(calls.some((call) => call.query.$deltatoken === 'T1')).toBe(false);
		expect(syncState(result)).toEqual({ pendingCursor: expect.objectContaining({ deltaLink: deltaLink('NEW') }) });
		// Another sync's cursor is untouched.
		expect(syncState(result, 'other').cursor).toEqual(expect.objectContaining({ deltaLink: deltaLink('X') }));
	});

	it('keeps each Sync ID apart', async () => {
		tenant({ users: makeUsers(1), cursor: 'G1' });
		const result = await listUsers(incremental({ commitCursor: 'immediately' }, { syncId: 'guests' }), { mode: 'trigger' });
		expect(result.outputs[0][0].json._sync).toEqual({ mode: 'full', syncId: 'guests', fallbackReason: 'firstRun' });
		expect(Object.keys(globalStaticData(result.persistedStaticData).azureAdSync as IDataObject)).toEqual(['guests']);
	});

	it('rejects an empty Sync ID naming the field', async () => {
		const result = await listUsers(incremental({}, { syncId: '  ' }));
		expect(result.error).toBeInstanceOf(NodeOperationError);
		expect(result.error!.message).toMatch(/^Sync ID is empty/);
	});

	it('a manual test run does not save the cursor (n8n keeps static data only for production runs)', async () => {
		tenant({ users: makeUsers(1) });
		const result = await listUsers(incremental({ commitCursor: 'immediately' }));
		expect(result.outputs[0]).toHaveLength(1);
		expect(result.persistedStaticData).toEqual({});
	});
});

describe('One User', () => {
	it('reads the user each input item points at, and reports a missing one per item with continueOnFail', async () => {
		const calls = fakeGraph((call) => {
			if (decodeURIComponent(call.path) === '/v1.0/users/adele@contoso.test') return [200, { id: userId(1), displayName: 'Adele', manager: { id: userId(9) } }];
			return [404, { error: { code: 'Request_ResourceNotFound', message: "Resource 'ghost@contoso.test' does not exist" } }];
		});
		const result = await listUsers(
			{ mode: 'single', user: { __rl: true, mode: 'upn', value: '={{ $json.who }}' }, attributeSource: 'selected', attributes: ['displayName', 'manager'] },
			{ inputItems: [{ json: { who: 'adele@contoso.test' } }, { json: { who: 'ghost@contoso.test' } }], continueOnFail: true },
		);
		expect(result.error).toBeUndefined();
		expect(result.outputs[0]).toEqual([
			{ json: { id: userId(1), displayName: 'Adele', manager: { id: userId(9) } }, pairedItem: { item: 0 } },
			{ json: { error: 'No Azure AD user with object ID or user principal name "ghost@contoso.test"', description: expect.stringMatching(/#EXT#/) }, pairedItem: { item: 1 } },
		]);
		expect(calls[0].query).toEqual({ $select: 'id,displayName', $expand: MANAGER_EXPAND });
	});
});

describe('dropdowns', () => {
	const extensions: Reply = [
		200,
		{ value: [{ name: 'extension_0123456789abcdef0123456789abcdef_badgeNumber', dataType: 'String', targetObjects: ['User'], appDisplayName: 'HR connector' }] },
	];

	it('lists the tenant attributes with directory extensions', async () => {
		fakeGraph((call) => (call.path === '/v1.0/directoryObjects/getAvailableExtensionProperties' ? extensions : undefined));
		const options = await runLoadOptions(node(), 'getUserAttributes', { credentials });
		expect(options.find((option) => option.value === 'department')).toEqual({ name: 'Department', value: 'department', description: 'department: text' });
		expect(options.find((option) => option.value === 'manager')?.description).toMatch(/reporting manager/);
		expect(options.at(-1)).toEqual({
			name: 'badgeNumber (directory extension from HR connector)',
			value: 'extension_0123456789abcdef0123456789abcdef_badgeNumber',
			description: 'extension_0123456789abcdef0123456789abcdef_badgeNumber: text',
		});
	});

	it('still lists the documented attributes, without an error, when Directory.Read.All is missing', async () => {
		fakeGraph(() => [403, { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } }]);
		const options = await runLoadOptions(node(), 'getUserAttributes', { credentials });
		expect(options.map((option) => option.value)).toEqual(expect.arrayContaining(['displayName', 'onPremisesExtensionAttributes.extensionAttribute1', 'manager']));
		expect(options.some((option) => String(option.value).startsWith('extension_'))).toBe(false);
	});

	it('lists filterable attributes and groups', async () => {
		fakeGraph((call) => {
			if (call.path === '/v1.0/directoryObjects/getAvailableExtensionProperties') return extensions;
			if (call.path === '/v1.0/groups') return [200, { value: [{ id: userId(70), displayName: 'Sales', description: 'Sales team' }, { id: userId(71), displayName: null }] }];
			return undefined;
		});
		const filterable = await runLoadOptions(node(), 'getFilterableUserAttributes', { credentials });
		expect(filterable.map((option) => option.value)).toEqual(expect.arrayContaining(['department', 'extension_0123456789abcdef0123456789abcdef_badgeNumber']));
		expect(filterable.map((option) => option.value)).not.toContain('businessPhones');
		const groups = await runLoadOptions(node(), 'getAzureAdGroups', { credentials });
		expect(groups).toEqual([
			{ name: 'Sales', value: userId(70), description: `Sales team (${userId(70)})` },
			{ name: userId(71), value: userId(71), description: userId(71) },
		]);
	});

	it('searches users by name, UPN or mail for the user picker', async () => {
		const calls = fakeGraph(() => [
			200,
			{ value: [{ id: userId(5), displayName: "Conan O'Brien", userPrincipalName: 'conan@contoso.test' }], '@odata.nextLink': `${GRAPH}/v1.0/users?$skiptoken=N2` },
		]);
		const result = await runListSearch(node(), 'searchAzureAdUsers', { credentials, filter: "O'Brien" });
		expect(result.results).toEqual([
			{
				name: "Conan O'Brien (conan@contoso.test)",
				value: userId(5),
				url: `https://entra.microsoft.com/#view/Microsoft_AAD_UsersAndTenants/UserProfileMenuBlade/~/overview/userId/${userId(5)}`,
			},
		]);
		expect(result.paginationToken).toBe(`${GRAPH}/v1.0/users?$skiptoken=N2`);
		expect(calls[0].query.$filter).toContain("startswith(displayName,'O''Brien')");
	});
});

/** The scope key the node computes for the fake tenant and these filters. */
function scopeKeyOf(scope: UserScope): string {
	return scopeKeyFor({ tenantId: FAKE_TENANT_ID, graphEndpoint: GRAPH }, scope);
}
