import nock from 'nock';
import { clearTokenCache } from '../../nodes/shared/graph/auth';
import { GraphClient } from '../../nodes/shared/graph/client';
import { buildConnection } from '../../nodes/shared/graph/connection';
import { GraphError } from '../../nodes/shared/graph/errors';
import { isCursorExpired, planDeltaRead, readUserChanges, readUsersSince, takeDeltaCursor } from '../../nodes/shared/graph/deltaRead';
import { getUser, searchUsers, userAttributeCatalogue, userSearchFilter } from '../../nodes/shared/graph/directory';
import { listUsers, planFullRead } from '../../nodes/shared/graph/fullRead';
import { forgetRateBudgets } from '../../nodes/shared/http/rateBudget';
import { FILTERABLE_USER_ATTRIBUTES, needsAdvancedQuery, scopeKeyFor, type UserScope } from '../../nodes/shared/graph/userScope';
import { MANAGER_EXPAND, UserQueryError, parseAttributeList, selectionFromAttributes, type GraphUserRecord, type UserSelection } from '../../nodes/shared/graph/userSelection';
import type { UserChange } from '../../nodes/shared/sync/types';
import { GRAPH, connectionReset, fakeCredentialFields, nockTokenEndpoint } from '../support/fakeTenant';

/* ------------------------------------------------------------------------------------------------
 * A small fake of Graph's user endpoints on top of nock: pages like Graph (`$top`, `$skiptoken`
 * in an absolute nextLink), records every request (path, decoded query, headers).
 * --------------------------------------------------------------------------------------------- */

interface GraphCall {
	method: string;
	path: string;
	query: Record<string, string>;
	headers: Record<string, unknown>;
	body?: unknown;
}

type Reply = [number, unknown] | [number, unknown, Record<string, string>];
type Handler = (call: GraphCall) => Reply | undefined;

class FakeGraph {
	readonly calls: GraphCall[] = [];
	private readonly handlers: Handler[] = [];

	constructor() {
		const { calls, handlers } = this;
		const respond = function (this: { req: { headers: Record<string, unknown> } }, method: string, uri: string, body?: unknown): Reply {
			const url = new URL(uri, GRAPH);
			const call: GraphCall = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: this.req.headers, body };
			calls.push(call);
			for (const handler of handlers) {
				const reply = handler(call);
				if (reply) return reply;
			}
			return [500, { error: { code: 'noFake', message: `No fake for ${method} ${uri}` } }];
		};
		nock(GRAPH)
			.persist()
			.get(/^\/v1\.0\//)
			.query(true)
			.reply(function (uri) {
				return respond.call(this, 'GET', uri);
			});
		nock(GRAPH)
			.persist()
			.post(/^\/v1\.0\//)
			.query(true)
			.reply(function (uri, body) {
				return respond.call(this, 'POST', uri, body);
			});
	}

	on(handler: Handler): this {
		this.handlers.push(handler);
		return this;
	}

	/** `GET /users` over `users`, paged by `$top` with a `$skiptoken` nextLink, like Graph. */
	users(users: readonly Record<string, unknown>[], path = '/v1.0/users'): this {
		return this.on((call) => {
			if (call.method !== 'GET' || call.path !== path) return undefined;
			return [200, page(call, users)];
		});
	}

	callsTo(path: string): GraphCall[] {
		return this.calls.filter((call) => call.path === path);
	}
}

function page(call: GraphCall, items: readonly Record<string, unknown>[]): Record<string, unknown> {
	const offset = Number(call.query.$skiptoken ?? 0);
	const top = Number(call.query.$top ?? 100);
	const body: Record<string, unknown> = { value: items.slice(offset, offset + top) };
	if (offset + top < items.length) {
		const next = new URLSearchParams({ ...call.query, $skiptoken: String(offset + top) });
		body['@odata.nextLink'] = `${GRAPH}${call.path}?${next.toString()}`;
	}
	return body;
}

const DELTA = `${GRAPH}/v1.0/users/delta`;
const deltaLink = (token: string) => `${DELTA}?$deltatoken=${token}`;

function userId(index: number): string {
	return `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`;
}

function makeUsers(count: number, extra: (index: number) => Record<string, unknown> = () => ({})): GraphUserRecord[] {
	return Array.from({ length: count }, (_, index) => ({
		id: userId(index),
		displayName: `User ${index}`,
		mail: `user${index}@contoso.test`,
		userPrincipalName: `user${index}@contoso.test`,
		accountEnabled: true,
		userType: 'Member',
		...extra(index),
	}));
}

async function collect<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
	const all: T[] = [];
	for await (const items of pages) all.push(...items);
	return all;
}

const noSleep = async () => undefined;

function client(): GraphClient {
	return new GraphClient(buildConnection(fakeCredentialFields()), { sleep: noSleep });
}

const basic: UserSelection = { select: ['id', 'displayName'], expandManager: false };
const withManager: UserSelection = { select: ['id', 'displayName', 'mail'], expandManager: true };

let graph: FakeGraph;

beforeAll(() => nock.disableNetConnect());
beforeEach(() => {
	nockTokenEndpoint({ times: 5 });
	graph = new FakeGraph();
});
afterEach(() => {
	nock.cleanAll();
	clearTokenCache();
	// A 429 halves the tenant's Graph pace; each test starts at full pace.
	forgetRateBudgets();
});
afterAll(() => nock.enableNetConnect());

/* ------------------------------------------------------------------------------------------------ */

describe('full read (GET /users)', () => {
	it('reads 2,500 users in 3 pages of $top=999, each user once and in order', async () => {
		const users = makeUsers(2500);
		graph.users(users);
		const read = await collect(listUsers(client(), basic, {}));
		expect(read.map((user) => user.id)).toEqual(users.map((user) => user.id));
		const calls = graph.callsTo('/v1.0/users');
		expect(calls).toHaveLength(3);
		expect(calls.map((call) => call.query.$top)).toEqual(['999', '999', '999']);
		expect(calls[0].query).toEqual({ $select: 'id,displayName', $top: '999' });
		expect(calls[0].headers.consistencylevel).toBeUndefined();
	});

	it.each([0, 1, 998, 999, 1000, 1998, 5000])('makes ceil(N/999) page requests for N = %i users', async (count) => {
		graph.users(makeUsers(count));
		const read = await collect(listUsers(client(), basic, {}));
		expect(read).toHaveLength(count);
		expect(graph.calls).toHaveLength(Math.max(1, Math.ceil(count / 999)));
	});

	it('recovers from a 429 in the middle of paging without duplicating or dropping a user', async () => {
		const users = makeUsers(2500);
		let throttled = false;
		graph.on((call) => {
			if (call.query.$skiptoken === '999' && !throttled) {
				throttled = true;
				return [429, { error: { code: 'TooManyRequests', message: 'Too many requests' } }, { 'Retry-After': '0' }];
			}
			return undefined;
		});
		graph.users(users);
		const read = await collect(listUsers(client(), basic, {}));
		expect(read).toHaveLength(2500);
		expect(new Set(read.map((user) => user.id)).size).toBe(2500);
		expect(read.map((user) => user.id)).toEqual(users.map((user) => user.id));
		// 3 pages, one of them asked twice.
		expect(graph.calls.map((call) => call.query.$skiptoken ?? '0')).toEqual(['0', '999', '999', '1998']);
	});

	it('recovers from a dropped connection in the middle of paging', async () => {
		nock(GRAPH).get('/v1.0/users').query((query) => query.$skiptoken === '999').replyWithError(connectionReset());
		graph.users(makeUsers(2000));
		const read = await collect(listUsers(client(), basic, {}));
		expect(new Set(read.map((user) => user.id)).size).toBe(2000);
	});

	it('asks for no more than the limit', async () => {
		graph.users(makeUsers(2500));
		expect(await collect(listUsers(client(), basic, {}, { limit: 50 }))).toHaveLength(50);
		expect(graph.calls.map((call) => call.query.$top)).toEqual(['50']);

		graph.calls.length = 0;
		expect(await collect(listUsers(client(), basic, {}, { limit: 1500 }))).toHaveLength(1500);
		expect(graph.calls).toHaveLength(2);
	});

	it('expands the manager with its id, name, mail and UPN', async () => {
		graph.users(makeUsers(2, (index) => ({ manager: { id: userId(99), displayName: `Boss of ${index}` } })));
		const read = await collect(listUsers(client(), withManager, {}));
		expect(read[0].manager).toEqual({ id: userId(99), displayName: 'Boss of 0' });
		expect(graph.calls[0].query.$expand).toBe('manager($select=id,displayName,mail,userPrincipalName)');
		expect(MANAGER_EXPAND).toBe('manager($select=id,displayName,mail,userPrincipalName)');
	});
});

describe('scoping', () => {
	const filterOf = (selection: UserSelection, scope: UserScope) => planFullRead(selection, scope).query.$filter;

	it('enabled members only run in Graph as a default query', () => {
		const plan = planFullRead(basic, { enabledOnly: true, membersOnly: true });
		expect(plan.query).toEqual({
			$select: 'id,displayName,accountEnabled,userType',
			$top: 999,
			$filter: "accountEnabled eq true and userType eq 'Member'",
		});
		expect(plan.headers).toBeUndefined();
		expect(plan.clientTests).toHaveLength(0);
	});

	it("escapes what the user typed: O'Brien", () => {
		expect(filterOf(basic, { attributeFilters: [{ attribute: 'surname', operator: 'equals', value: "O'Brien" }] })).toBe("surname eq 'O''Brien'");
		expect(filterOf(basic, { attributeFilters: [{ attribute: 'department', operator: 'startsWith', value: "R&D 'North'" }] })).toBe(
			"startswith(department,'R&D ''North''')",
		);
	});

	it("sends O'Brien escaped on the wire", async () => {
		graph.users([]);
		await collect(listUsers(client(), basic, { attributeFilters: [{ attribute: 'surname', operator: 'equals', value: "O'Brien" }] }));
		expect(graph.calls[0].query.$filter).toBe("surname eq 'O''Brien'");
	});

	it('uses advanced query parameters (ConsistencyLevel: eventual, $count=true) when a clause needs them', async () => {
		graph.users([]);
		await collect(listUsers(client(), basic, { withMailOnly: true, enabledOnly: true }));
		const [call] = graph.calls;
		expect(call.query.$filter).toBe('accountEnabled eq true and mail ne null');
		expect(call.query.$count).toBe('true');
		expect(call.headers.consistencylevel).toBe('eventual');
	});

	it.each([
		[{ attribute: 'department', operator: 'equals', value: 'Sales' }, "department eq 'Sales'", false],
		[{ attribute: 'jobTitle', operator: 'equals', value: 'Engineer' }, "jobTitle eq 'Engineer'", false],
		[{ attribute: 'companyName', operator: 'equals', value: 'Contoso' }, "companyName eq 'Contoso'", true],
		[{ attribute: 'department', operator: 'notEquals', value: 'Sales' }, "department ne 'Sales'", true],
		[{ attribute: 'userPrincipalName', operator: 'startsWith', value: 'a' }, "startswith(userPrincipalName,'a')", false],
		[{ attribute: 'officeLocation', operator: 'startsWith', value: '18/' }, "startswith(officeLocation,'18/')", true],
		[{ attribute: 'onPremisesExtensionAttributes.extensionAttribute1', operator: 'equals', value: 'x' }, "onPremisesExtensionAttributes/extensionAttribute1 eq 'x'", true],
		[{ attribute: 'extensionAttribute7', operator: 'isNotEmpty' }, 'onPremisesExtensionAttributes/extensionAttribute7 ne null', true],
		[{ attribute: 'employeeOrgData.costCenter', operator: 'isEmpty' }, 'employeeOrgData/costCenter eq null', true],
		[{ attribute: 'extension_0123456789abcdef0123456789abcdef_badge', operator: 'equals', value: '7' }, "extension_0123456789abcdef0123456789abcdef_badge eq '7'", false],
	] as const)('attribute filter %j → %s', (filter, expected, advanced) => {
		const plan = planFullRead(basic, { attributeFilters: [filter] });
		expect(plan.query.$filter).toBe(expected);
		expect(plan.query.$count === true).toBe(advanced);
		expect(plan.headers?.ConsistencyLevel === 'eventual').toBe(advanced);
	});

	it('ANDs a custom filter in parentheses and detects when it needs an advanced query', () => {
		const plain = planFullRead(basic, { enabledOnly: true, customFilter: "department eq 'Sales' or department eq 'IT'" });
		expect(plain.query.$filter).toBe("accountEnabled eq true and (department eq 'Sales' or department eq 'IT')");
		expect(plain.headers).toBeUndefined();
		const advanced = planFullRead(basic, { customFilter: "endswith(mail,'@contoso.com')" });
		expect(advanced.query.$count).toBe(true);
		expect(advanced.headers).toEqual({ ConsistencyLevel: 'eventual' });
		const forced = planFullRead(basic, { customFilter: "department eq 'Sales'", customFilterAdvanced: true });
		expect(forced.headers).toEqual({ ConsistencyLevel: 'eventual' });
	});

	it.each([
		["department ne 'Sales'", true],
		["NOT(department eq 'Sales')", true],
		["endsWith(mail,'@x.com')", true],
		['companyName eq null', true],
		["mobilePhone eq '+1'", true],
		["onPremisesExtensionAttributes/extensionAttribute1 eq 'x'", true],
		["department eq 'Sales'", false],
		["startswith(displayName,'ne') and jobTitle eq 'not null'", false],
		["surname eq 'O''Brien'", false],
	])('needsAdvancedQuery(%s) is %s', (filter, expected) => {
		expect(needsAdvancedQuery(filter)).toBe(expected);
	});

	it('moves advanced checks out of the request while the manager is expanded (Graph cannot $expand in advanced queries)', async () => {
		const plan = planFullRead(withManager, { enabledOnly: true, withMailOnly: true });
		expect(plan.query.$filter).toBe('accountEnabled eq true');
		expect(plan.query.$expand).toBe(MANAGER_EXPAND);
		expect(plan.headers).toBeUndefined();
		expect(plan.clientTests).toHaveLength(1);

		graph.users(makeUsers(4, (index) => ({ mail: index % 2 === 0 ? `u${index}@x.test` : index === 1 ? null : '  ' })));
		const read = await collect(listUsers(client(), withManager, { withMailOnly: true }));
		expect(read.map((user) => user.id)).toEqual([userId(0), userId(2)]);
	});

	it('reads the ids of an advanced custom filter first while the manager is expanded, then keeps only those', async () => {
		const users = makeUsers(5);
		graph.on((call) =>
			call.query.$select === 'id' ? [200, { value: [{ id: userId(1) }, { id: userId(3).toUpperCase() }] }] : undefined,
		);
		graph.users(users);
		const read = await collect(listUsers(client(), withManager, { customFilter: "department ne 'Sales'" }));
		expect(read.map((user) => user.id)).toEqual([userId(1), userId(3)]);
		const [ids, list] = graph.calls;
		expect(ids.query).toEqual({ $filter: "(department ne 'Sales')", $select: 'id', $top: '999', $count: 'true' });
		expect(ids.headers.consistencylevel).toBe('eventual');
		expect(list.query.$filter).toBeUndefined();
		expect(list.query.$expand).toBe(MANAGER_EXPAND);
		expect(list.headers.consistencylevel).toBeUndefined();
	});

	it('keeps transitive members of any chosen group, reading group membership as ids only', async () => {
		const groupA = '11111111-0000-4000-8000-00000000000a';
		const groupB = '11111111-0000-4000-8000-00000000000b';
		graph.users([{ id: userId(1) }, { id: userId(2) }], `/v1.0/groups/${groupA}/transitiveMembers/microsoft.graph.user`);
		graph.users([{ id: userId(2) }, { id: userId(4) }], `/v1.0/groups/${groupB}/transitiveMembers/microsoft.graph.user`);
		graph.users(makeUsers(6));
		const read = await collect(listUsers(client(), basic, { groupIds: [groupA, groupB.toUpperCase()] }));
		expect(read.map((user) => user.id)).toEqual([userId(1), userId(2), userId(4)]);
		const membership = graph.calls.filter((call) => call.path.includes('/groups/'));
		expect(membership).toHaveLength(2);
		expect(membership[0].query).toEqual({ $select: 'id', $top: '999', $count: 'true' });
		expect(membership[0].headers.consistencylevel).toBe('eventual');
	});

	it('says which group was not found', async () => {
		const missing = '11111111-0000-4000-8000-00000000000c';
		graph.on(() => [404, { error: { code: 'Request_ResourceNotFound', message: 'Resource does not exist' } }]);
		await expect(collect(listUsers(client(), basic, { groupIds: [missing] }))).rejects.toThrow(`Groups: no group with object ID ${missing}`);
	});

	it.each([
		[{ groupIds: ['sales team'] }, 'Groups', /"sales team" is not a group object ID/],
		[{ attributeFilters: [{ attribute: 'businessPhones', operator: 'equals', value: '1' }] }, 'Attribute Filters', /cannot filter users by "businessPhones"/],
		[{ attributeFilters: [{ attribute: 'nickname', operator: 'equals', value: '1' }] }, 'Attribute Filters', /cannot filter users by "nickname"/],
		[{ attributeFilters: [{ attribute: 'department', operator: 'equals', value: ' ' }] }, 'Attribute Filters', /value for department is empty/],
		[{ customFilter: "surname eq 'O'Brien'" }, 'Custom Filter', /string value is not closed/],
		[{ customFilter: "(department eq 'Sales'" }, 'Custom Filter', /parentheses do not match/],
	] as const)('rejects %j naming the field %s, before calling Graph', (scope, field, message) => {
		let caught: unknown;
		try {
			planFullRead(basic, scope as UserScope);
		} catch (error) {
			caught = error;
		}
		expect(caught).toBeInstanceOf(UserQueryError);
		expect((caught as UserQueryError).field).toBe(field);
		expect((caught as UserQueryError).message).toMatch(message);
	});

	it('offers only attributes Graph can filter', () => {
		const paths = FILTERABLE_USER_ATTRIBUTES.map((info) => info.path);
		expect(paths).toEqual(expect.arrayContaining(['department', 'userPrincipalName', 'onPremisesExtensionAttributes.extensionAttribute15', 'employeeOrgData.division']));
		expect(paths).not.toEqual(expect.arrayContaining(['businessPhones']));
		expect(paths).not.toContain('manager');
	});

	it('keys a cursor by tenant, endpoint and scope, not by the order groups were picked in', () => {
		const connection = { tenantId: 'T', graphEndpoint: GRAPH };
		const a = scopeKeyFor(connection, { groupIds: ['11111111-0000-4000-8000-00000000000a', '11111111-0000-4000-8000-00000000000b'] });
		const b = scopeKeyFor(connection, { groupIds: ['11111111-0000-4000-8000-00000000000B', '11111111-0000-4000-8000-00000000000a'] });
		expect(a).toBe(b);
		expect(scopeKeyFor(connection, { enabledOnly: true })).not.toBe(scopeKeyFor(connection, {}));
		expect(scopeKeyFor({ ...connection, tenantId: 'other' }, {})).not.toBe(scopeKeyFor(connection, {}));
	});
});

describe('attribute selection', () => {
	it('builds $select from catalogue paths and $expand from manager', () => {
		expect(
			selectionFromAttributes(
				['displayName', 'employeeOrgData.division', 'Department', 'extensionAttribute3', 'onPremisesExtensionAttributes.extensionAttribute4', 'manager', 'extension_0123456789abcdef0123456789abcdef_badge'],
				'Attributes',
			),
		).toEqual({
			select: ['id', 'displayName', 'employeeOrgData', 'department', 'onPremisesExtensionAttributes', 'extension_0123456789abcdef0123456789abcdef_badge'],
			expandManager: true,
		});
	});

	it('names the field and every unknown attribute', () => {
		expect(() => selectionFromAttributes(['displayName', 'favouriteColour', 'extension_short_x'], 'Attribute List')).toThrow(
			'Attribute List: "favouriteColour", "extension_short_x" are not user attributes Microsoft Graph can list',
		);
	});

	it('splits a typed list on commas, semicolons and new lines', () => {
		expect(parseAttributeList(' mail, department;\njobTitle ,, ')).toEqual(['mail', 'department', 'jobTitle']);
	});
});

describe('incremental read (users/delta)', () => {
	const scope: UserScope = {};

	it('takes the cursor first ($deltatoken=latest with the same $select), then reads /users at 999 a page', async () => {
		graph.on((call) =>
			call.path === '/v1.0/users/delta' && call.query.$deltatoken === 'latest' ? [200, { '@odata.deltaLink': deltaLink('T1'), value: [] }] : undefined,
		);
		graph.users(makeUsers(2500));
		const seen: UserChange[] = [];
		const result = await readUsersSince(client(), { selection: basic, scope }, (changes, info) => {
			expect(info).toEqual({ mode: 'full', cursorExpired: false });
			seen.push(...changes);
		});
		expect(result).toEqual({ mode: 'full', cursorExpired: false, deltaLink: deltaLink('T1') });
		expect(seen).toHaveLength(2500);
		expect(seen.every((change) => change.removed === undefined)).toBe(true);
		expect(graph.calls[0]).toMatchObject({ path: '/v1.0/users/delta', query: { $deltatoken: 'latest', $select: 'id,displayName' } });
		// One cursor request plus ceil(2500 / 999) pages.
		expect(graph.calls).toHaveLength(1 + 3);
	});

	it('later reads return only the changes, removed users marked with the reason, and the next cursor', async () => {
		graph.on((call) => {
			if (call.query.$deltatoken === 'T1') {
				return [
					200,
					{
						'@odata.nextLink': `${DELTA}?$skiptoken=S1`,
						value: [
							{ id: userId(1), displayName: 'Adele Vance (new name)' },
							{ id: userId(2), '@removed': { reason: 'changed' } },
						],
					},
				];
			}
			if (call.query.$skiptoken === 'S1') {
				return [200, { '@odata.deltaLink': deltaLink('T2'), value: [{ id: userId(3), '@removed': { reason: 'deleted' } }, { id: userId(4), displayName: 'New Hire' }] }];
			}
			return undefined;
		});
		const seen: UserChange[] = [];
		const result = await readUsersSince(client(), { selection: basic, scope, deltaLink: deltaLink('T1') }, (changes, info) => {
			expect(info).toEqual({ mode: 'incremental', cursorExpired: false });
			seen.push(...changes);
		});
		expect(result).toEqual({ mode: 'incremental', cursorExpired: false, deltaLink: deltaLink('T2') });
		expect(seen).toEqual([
			{ user: { id: userId(1), displayName: 'Adele Vance (new name)' } },
			{ user: { id: userId(2) }, removed: 'changed' },
			{ user: { id: userId(3) }, removed: 'deleted' },
			{ user: { id: userId(4), displayName: 'New Hire' } },
		]);
		expect(graph.calls).toHaveLength(2);
	});

	it('with no changes makes exactly one request and reports nothing', async () => {
		graph.on((call) => (call.query.$deltatoken === 'T1' ? [200, { '@odata.deltaLink': deltaLink('T2'), value: [] }] : undefined));
		const onChanges = jest.fn();
		const result = await readUsersSince(client(), { selection: withManager, scope: { enabledOnly: true, groupIds: [userId(9)] }, deltaLink: deltaLink('T1') }, onChanges);
		expect(result.deltaLink).toBe(deltaLink('T2'));
		expect(onChanges).not.toHaveBeenCalled();
		expect(graph.calls).toHaveLength(1);
	});

	it.each([
		[410, 'syncStateNotFound'],
		[410, 'resyncRequired'],
		[400, 'syncStateNotFound'],
	])('falls back to a full read when the cursor expired (%i %s)', async (status, code) => {
		graph.on((call) => (call.query.$deltatoken === 'OLD' ? [status, { error: { code, message: 'Please resync.' } }] : undefined));
		graph.on((call) => (call.query.$deltatoken === 'latest' ? [200, { '@odata.deltaLink': deltaLink('T9'), value: [] }] : undefined));
		graph.users(makeUsers(1000));
		const infos = new Set<string>();
		let count = 0;
		const result = await readUsersSince(client(), { selection: basic, scope, deltaLink: deltaLink('OLD') }, (changes, info) => {
			infos.add(JSON.stringify(info));
			count += changes.length;
		});
		expect(result).toEqual({ mode: 'full', cursorExpired: true, deltaLink: deltaLink('T9') });
		expect([...infos]).toEqual([JSON.stringify({ mode: 'full', cursorExpired: true })]);
		expect(count).toBe(1000);
		expect(graph.calls.map((call) => call.query.$deltatoken ?? call.query.$skiptoken ?? 'users')).toEqual(['OLD', 'latest', 'users', '999']);
	});

	it('does not hide other delta errors', async () => {
		graph.on(() => [403, { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges' } }]);
		await expect(readUsersSince(client(), { selection: basic, scope, deltaLink: deltaLink('T1') }, () => undefined)).rejects.toBeInstanceOf(GraphError);
		expect(isCursorExpired(new Error('x'))).toBe(false);
	});

	it('keeps the last state of a user reported twice', async () => {
		graph.on(() => [200, { '@odata.deltaLink': deltaLink('T2'), value: [{ id: userId(1), displayName: 'First' }, { id: userId(2), displayName: 'Other' }, { id: userId(1), displayName: 'Second' }] }]);
		const { changes } = await readUserChanges(client(), deltaLink('T1'), planDeltaRead(basic, scope));
		expect(changes.map((change) => change.user)).toEqual([
			{ id: userId(2), displayName: 'Other' },
			{ id: userId(1), displayName: 'Second' },
		]);
	});

	it('selects the scope attributes and manager in the delta $select, so scope and manager changes are tracked', async () => {
		const plan = planDeltaRead(withManager, { enabledOnly: true, attributeFilters: [{ attribute: 'department', operator: 'equals', value: 'Sales' }] });
		expect(plan.select).toBe('id,displayName,mail,accountEnabled,department,manager');
		graph.on((call) => (call.query.$deltatoken === 'latest' ? [200, { '@odata.deltaLink': deltaLink('T1'), value: [] }] : undefined));
		expect(await takeDeltaCursor(client(), plan.select)).toBe(deltaLink('T1'));
		expect(graph.calls[0].query).toEqual({ $deltatoken: 'latest', $select: 'id,displayName,mail,accountEnabled,department,manager' });
	});

	it('applies the scope to changed users on our side: a user who left it comes out as removed (outOfScope)', async () => {
		graph.on(() => [
			200,
			{
				'@odata.deltaLink': deltaLink('T2'),
				value: [
					{ id: userId(1), accountEnabled: true, department: 'sales', displayName: 'Still in' },
					{ id: userId(2), accountEnabled: false, department: 'Sales', displayName: 'Disabled' },
					{ id: userId(3), accountEnabled: true, department: 'Finance', displayName: 'Moved' },
					{ id: userId(4), '@removed': { reason: 'deleted' } },
				],
			},
		]);
		const scoped: UserScope = { enabledOnly: true, attributeFilters: [{ attribute: 'department', operator: 'equals', value: 'Sales' }] };
		const { changes } = await readUserChanges(client(), deltaLink('T1'), planDeltaRead(basic, scoped));
		expect(changes.map((change) => [change.user.id, change.removed ?? 'present'])).toEqual([
			[userId(1), 'present'],
			[userId(2), 'outOfScope'],
			[userId(3), 'outOfScope'],
			[userId(4), 'deleted'],
		]);
		expect(changes[1].user.displayName).toBe('Disabled');
		expect(graph.calls).toHaveLength(1);
	});

	it('checks group membership only when there are changes, once per run', async () => {
		const group = '11111111-0000-4000-8000-00000000000a';
		graph.users([{ id: userId(1) }], `/v1.0/groups/${group}/transitiveMembers/microsoft.graph.user`);
		graph.on((call) =>
			call.path === '/v1.0/users/delta' ? [200, { '@odata.deltaLink': deltaLink('T2'), value: [{ id: userId(1) }, { id: userId(2) }] }] : undefined,
		);
		const { changes } = await readUserChanges(client(), deltaLink('T1'), planDeltaRead(basic, { groupIds: [group] }));
		expect(changes).toEqual([{ user: { id: userId(1) } }, { user: { id: userId(2) }, removed: 'outOfScope' }]);
		expect(graph.calls.map((call) => call.path)).toEqual(['/v1.0/users/delta', `/v1.0/groups/${group}/transitiveMembers/microsoft.graph.user`]);
	});

	it('checks a custom filter on Graph for the changed users, 15 ids a request', async () => {
		const changed = Array.from({ length: 20 }, (_, index) => ({ id: userId(index), displayName: `U${index}` }));
		graph.on((call) => (call.path === '/v1.0/users/delta' ? [200, { '@odata.deltaLink': deltaLink('T2'), value: changed }] : undefined));
		graph.on((call) => {
			if (call.path !== '/v1.0/users') return undefined;
			// Graph answers with the even ones among the ids asked for.
			const ids = [...call.query.$filter.matchAll(/'([0-9a-f-]{36})'/g)].map((match) => match[1]);
			return [200, { value: ids.filter((id) => Number(id.slice(-2)) % 2 === 0).map((id) => ({ id })) }];
		});
		const { changes } = await readUserChanges(client(), deltaLink('T1'), planDeltaRead(basic, { customFilter: "department eq 'Sales'" }));
		expect(changes.filter((change) => !change.removed)).toHaveLength(10);
		expect(changes.filter((change) => change.removed === 'outOfScope')).toHaveLength(10);
		const checks = graph.callsTo('/v1.0/users');
		expect(checks).toHaveLength(2);
		expect(checks[0].query.$filter).toBe(`(department eq 'Sales') and id in (${changed.slice(0, 15).map((user) => `'${user.id}'`).join(',')})`);
		expect(checks[0].query.$select).toBe('id');
		expect(checks[0].headers.consistencylevel).toBeUndefined();
	});

	it('re-reads changed users with the manager expanded (delta cannot $expand); falls back to the delta state', async () => {
		graph.on((call) =>
			call.path === '/v1.0/users/delta'
				? [
						200,
						{
							'@odata.deltaLink': deltaLink('T2'),
							value: [
								{ id: userId(1), displayName: 'A', 'manager@delta': [{ '@odata.type': '#microsoft.graph.user', id: userId(50) }] },
								{ id: userId(2), displayName: 'Gone meanwhile', 'manager@delta': [{ '@odata.type': '#microsoft.graph.user', id: userId(51) }] },
							],
						},
					]
				: undefined,
		);
		graph.on((call) =>
			call.path === '/v1.0/users'
				? [200, { value: [{ id: userId(1), displayName: 'A', mail: 'a@x.test', manager: { id: userId(50), displayName: 'Boss', mail: 'boss@x.test' } }] }]
				: undefined,
		);
		const { changes } = await readUserChanges(client(), deltaLink('T1'), planDeltaRead(withManager, {}));
		expect(changes).toEqual([
			{ user: { id: userId(1), displayName: 'A', mail: 'a@x.test', manager: { id: userId(50), displayName: 'Boss', mail: 'boss@x.test' } } },
			{ user: { id: userId(2), displayName: 'Gone meanwhile', manager: { id: userId(51) } } },
		]);
		const [, reread] = graph.calls;
		expect(reread.query).toEqual({
			$filter: `id in ('${userId(1)}','${userId(2)}')`,
			$select: 'id,displayName,mail',
			$expand: MANAGER_EXPAND,
			$top: '999',
		});
	});
});

describe('incremental read: users that could not be mapped last time', () => {
	it('reads them again even when unchanged, and reports one that no longer exists as deleted', async () => {
		graph.on((call) => (call.path === '/v1.0/users/delta' ? [200, { '@odata.deltaLink': deltaLink('T2'), value: [{ id: userId(1), displayName: 'Changed' }] }] : undefined));
		graph.on((call) => (call.path === '/v1.0/users' ? [200, { value: [{ id: userId(2), displayName: 'Fixed since' }] }] : undefined));
		const { changes } = await readUserChanges(client(), deltaLink('T1'), planDeltaRead(basic, {}), [userId(1), userId(2), userId(3)]);
		expect(changes).toEqual([
			{ user: { id: userId(1), displayName: 'Changed' } },
			{ user: { id: userId(2), displayName: 'Fixed since' } },
			{ user: { id: userId(3) }, removed: 'deleted' },
		]);
		const reread = graph.callsTo('/v1.0/users');
		expect(reread).toHaveLength(1);
		expect(reread[0].query).toEqual({ $filter: `id in ('${userId(2)}','${userId(3)}')`, $select: 'id,displayName', $top: '999' });
	});

	it('costs nothing extra when there is nothing to retry', async () => {
		graph.on((call) => (call.path === '/v1.0/users/delta' ? [200, { '@odata.deltaLink': deltaLink('T2'), value: [] }] : undefined));
		await readUserChanges(client(), deltaLink('T1'), planDeltaRead(basic, {}), []);
		expect(graph.calls).toHaveLength(1);
	});
});

describe('one user, search, catalogue', () => {
	it('reads one user by UPN with the attributes asked for and the manager', async () => {
		const upn = "adele.o'neil_fabrikam.com#EXT#@contoso.onmicrosoft.com";
		graph.on((call) => (call.path.startsWith('/v1.0/users/') ? [200, { '@odata.context': 'x', id: userId(1), displayName: 'Adele', manager: { id: userId(2) } }] : undefined));
		const user = await getUser(client(), ` ${upn} `, ['displayName'], true);
		expect(user).toEqual({ id: userId(1), displayName: 'Adele', manager: { id: userId(2) } });
		expect(graph.calls[0].path).toBe(`/v1.0/users/${encodeURIComponent(upn)}`);
		expect(graph.calls[0].query).toEqual({ $select: 'id,displayName', $expand: MANAGER_EXPAND });
	});

	it('returns undefined for an unknown user and refuses an empty one', async () => {
		graph.on(() => [404, { error: { code: 'Request_ResourceNotFound', message: "Resource 'x' does not exist" } }]);
		expect(await getUser(client(), userId(7), ['displayName'], false)).toBeUndefined();
		await expect(getUser(client(), '  ', ['displayName'], false)).rejects.toThrow('User is empty');
	});

	it('searches names, UPN and mail with startswith, escaping the text', async () => {
		expect(userSearchFilter("O'Brien")).toBe(
			"startswith(displayName,'O''Brien') or startswith(givenName,'O''Brien') or startswith(surname,'O''Brien') or startswith(userPrincipalName,'O''Brien') or startswith(mail,'O''Brien')",
		);
		expect(userSearchFilter(userId(3))).toMatch(new RegExp(`^id eq '${userId(3)}' or startswith\\(displayName`));
		graph.on((call) =>
			call.path === '/v1.0/users' && !call.query.$skiptoken
				? [200, { value: [{ id: userId(1), displayName: "Conan O'Brien", userPrincipalName: 'conan@x.test' }], '@odata.nextLink': `${GRAPH}/v1.0/users?$skiptoken=N` }]
				: [200, { value: [{ id: userId(2), displayName: null }] }],
		);
		const first = await searchUsers(client(), "O'Brien");
		expect(first.users).toEqual([{ id: userId(1), displayName: "Conan O'Brien", userPrincipalName: 'conan@x.test', mail: null }]);
		expect(graph.calls[0].query).toEqual({ $select: 'id,displayName,userPrincipalName,mail', $top: '50', $filter: userSearchFilter("O'Brien") });
		const second = await searchUsers(client(), "O'Brien", { nextLink: first.nextLink });
		expect(second).toEqual({ users: [{ id: userId(2), displayName: null, userPrincipalName: null, mail: null }], nextLink: undefined });
	});

	it('lists the documented attributes plus the directory extensions for users', async () => {
		graph.on((call) =>
			call.method === 'POST' && call.path === '/v1.0/directoryObjects/getAvailableExtensionProperties'
				? [
						200,
						{
							value: [
								{ name: 'extension_0123456789abcdef0123456789abcdef_badgeNumber', dataType: 'String', targetObjects: ['User'], appDisplayName: 'HR', isSyncedFromOnPremises: true },
								{ name: 'extension_0123456789abcdef0123456789abcdef_groupTag', dataType: 'String', targetObjects: ['Group'] },
							],
						},
					]
				: undefined,
		);
		const catalogue = await userAttributeCatalogue(client());
		expect(catalogue.extensionsUnavailable).toBeUndefined();
		const paths = catalogue.attributes.map((info) => info.path);
		expect(paths).toEqual(expect.arrayContaining(['displayName', 'onPremisesExtensionAttributes.extensionAttribute15', 'manager']));
		expect(catalogue.attributes.at(-1)).toEqual({
			path: 'extension_0123456789abcdef0123456789abcdef_badgeNumber',
			label: 'badgeNumber (directory extension from HR)',
			type: 'string',
			select: 'extension_0123456789abcdef0123456789abcdef_badgeNumber',
		});
		expect(paths).not.toContain('extension_0123456789abcdef0123456789abcdef_groupTag');
		// An empty body lists cloud and on-premises synced extensions alike.
		expect(graph.calls[0].body).toEqual({});
	});

	it('lists the documented attributes without an error when Directory.Read.All is missing', async () => {
		graph.on(() => [403, { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } }]);
		const catalogue = await userAttributeCatalogue(client());
		expect(catalogue.attributes.length).toBeGreaterThan(60);
		expect(catalogue.extensionsUnavailable).toMatch(/Directory\.Read\.All/);
	});
});
