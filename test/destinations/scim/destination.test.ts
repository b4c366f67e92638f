/**
 * The SCIM destination against an independent SCIM service (SCIMMY, scimmyServer.ts): through the
 * real sync engine for the first sync, the no-change run, a change, disable and enable, and the
 * manager; directly for matching, errors and the services without PATCH or filtering.
 */
import { ScimDestination, type ScimOptions } from '../../../nodes/shared/destinations/scim';
import { DestinationValidationError } from '../../../nodes/shared/destinations/types';
import type { Requester } from '../../../nodes/shared/requester/model';
import { runRequesterSync, type SyncOptions, type SyncRecords } from '../../../nodes/shared/sync/engine';
import { makeRequester } from '../support/requesters';
import { startScimmyServer, type RecordedScimRequest, type ScimmyServer, type ScimmyServerOptions } from './scimmyServer';

const TOKEN = 'FAKE-scim-test-token';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const OPTIONS: SyncOptions = { dryRun: false, safeguard: { maxCount: 500, maxPercent: 100 }, concurrency: 4, deactivateDisabled: true };

let server: ScimmyServer;
afterEach(async () => await server?.close());

async function serve(options: Partial<ScimmyServerOptions> = {}): Promise<ScimmyServer> {
	server = await startScimmyServer({ token: TOKEN, ...options });
	return server;
}

function destination(options: Partial<ScimOptions> = {}): ScimDestination {
	return new ScimDestination({ baseUrl: server.url, headers: { authorization: `Bearer ${TOKEN}` }, retry: { maxAttempts: 2, baseDelayMs: 1 }, ...options });
}

let n = 0;
function person(overrides: Partial<Requester> = {}): Requester {
	n += 1;
	const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
	const email = overrides.email ?? `user${n}@contoso.test`;
	return makeRequester({
		azureObjectId: id,
		email,
		username: email.toLowerCase(),
		fullName: `User ${n}`,
		firstName: 'User',
		lastName: String(n),
		jobTitle: 'Engineer',
		department: 'IT',
		landline: '+47 22 00 00 00',
		city: 'Oslo',
		country: 'NO',
		ssoKey: { kind: 'email', value: email.toLowerCase() },
		...overrides,
	});
}

const writes = (requests: RecordedScimRequest[]) => requests.filter((request) => request.method !== 'GET');
const stored = (requester: Requester) => server.users().find((user) => user.externalId === requester.azureObjectId)!;

async function sync(people: Requester[], records: SyncRecords, settings: Partial<ScimOptions> = {}, mode: 'full' | 'incremental' = 'incremental') {
	const start = server.requests.length;
	const result = await runRequesterSync(destination(settings), { mapped: people.map((requester, itemIndex) => ({ requester, itemIndex })), removed: [], unmapped: [], completeRead: mode === 'full', mode }, records, OPTIONS);
	return { result, requests: server.requests.slice(start) };
}

describe('sync into a SCIMMY service', () => {
	it('first sync POSTs every user with the manager linked; a second run writes nothing; one change is one PATCH with one operation', async () => {
		await serve();
		const boss = person();
		const team = [person(), person(), person()].map((member) => ({ ...member, manager: { azureObjectId: boss.azureObjectId, email: boss.email, upn: null, displayName: boss.fullName } }));
		const people = [boss, ...team];

		const first = await sync(people, { links: {}, unsynced: {} }, {}, 'full');
		expect(first.result.run).toMatchObject({ created: 4, failed: 0 });
		expect(writes(first.requests).filter((request) => request.method === 'POST' && request.path === '/Users')).toHaveLength(4);
		expect(server.users()).toHaveLength(4);
		const bossId = stored(boss).id;
		for (const member of team) expect((stored(member)[ENTERPRISE] as { manager?: { value: string } }).manager?.value).toBe(bossId);
		const jane = stored(team[0]);
		expect(jane).toMatchObject({ userName: team[0].email, externalId: team[0].azureObjectId, active: true, displayName: team[0].fullName, name: { givenName: 'User', familyName: team[0].lastName }, title: 'Engineer' });
		expect(jane.phoneNumbers).toEqual([{ value: '+47 22 00 00 00', type: 'work', primary: true }]);
		expect(jane.addresses).toEqual([{ type: 'work', locality: 'Oslo', country: 'NO', primary: true }]);
		expect(jane.emails).toEqual([{ value: team[0].email, type: 'work', primary: true }]);
		expect(jane[ENTERPRISE]).toMatchObject({ department: 'IT' });

		const again = await sync(people, first.result.records);
		expect(again.result.run).toMatchObject({ created: 0, updated: 0, unchanged: 4, failed: 0 });
		expect(writes(again.requests)).toEqual([]);

		const moved = people.map((requester, index) => (index === 1 ? { ...requester, department: 'Sales' } : requester));
		const change = await sync(moved, again.result.records);
		expect(change.result.run).toMatchObject({ updated: 1, unchanged: 3, failed: 0 });
		expect(writes(change.requests)).toEqual([
			{ method: 'PATCH', path: `/Users/${jane.id}`, body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: `${ENTERPRISE}:department`, value: 'Sales' }] }, status: 200 },
		]);
		expect(stored(team[0])[ENTERPRISE]).toMatchObject({ department: 'Sales', manager: { value: bossId } });
	});

	it('a disabled user is PATCHed to active:false (never DELETEd) and back to active:true when enabled again', async () => {
		await serve();
		const jane = person();
		const first = await sync([jane], { links: {}, unsynced: {} });
		const off = await sync([{ ...jane, accountEnabled: false }], first.result.records);
		expect(off.result.run).toMatchObject({ deactivated: 1, failed: 0 });
		expect(writes(off.requests)).toEqual([expect.objectContaining({ method: 'PATCH', body: expect.objectContaining({ Operations: [{ op: 'replace', path: 'active', value: false }] }) })]);
		expect(stored(jane).active).toBe(false);
		const on = await sync([jane], off.result.records);
		expect(on.result.run).toMatchObject({ reactivated: 1, failed: 0 });
		expect(writes(on.requests)).toEqual([expect.objectContaining({ method: 'PATCH', body: expect.objectContaining({ Operations: [{ op: 'replace', path: 'active', value: true }] }) })]);
		expect(stored(jane).active).toBe(true);
		expect(server.requests.some((request) => request.method === 'DELETE')).toBe(false);
	});
});

describe('the SCIM destination against SCIMMY', () => {
	it('matches a userName with a double quote and a backslash exactly: the escaped filter is sent, and SCIMMY refusing it falls back to the list', async () => {
		await serve();
		const odd = String.raw`o"brien\x@contoso.test`;
		const other = server.seed({ userName: String.raw`o"brien@contoso.test`, externalId: 'someone-else', active: true });
		const wanted = server.seed({ userName: odd, active: true });
		const found = await destination().findByKey({ kind: 'email', value: odd });
		expect(found?.id).toBe(wanted.id);
		expect(found?.id).not.toBe(other.id);
		const filterRequest = server.requests.find((request) => request.path.startsWith('/Users?filter='))!;
		expect(decodeURIComponent(filterRequest.path.slice('/Users?filter='.length))).toBe(String.raw`userName eq "o\"brien\\x@contoso.test"`);
	});

	it('a service without filtering: users are matched from one full list read, and creates are found afterwards', async () => {
		await serve({ filter: false });
		const seeded = server.seed({ userName: 'Known@Contoso.test', externalId: 'aaaaaaaa-0000-4000-8000-000000000001', active: true });
		const scim = destination();
		expect((await scim.findByKey({ kind: 'email', value: 'known@contoso.test' }))?.id).toBe(seeded.id);
		expect((await scim.findByAzureObjectId('aaaaaaaa-0000-4000-8000-000000000001'))?.id).toBe(seeded.id);
		expect(await scim.findByKey({ kind: 'email', value: 'nobody@contoso.test' })).toBeNull();
		expect(server.requests.filter((request) => request.path.includes('filter='))).toEqual([]);
		expect(server.requests.filter((request) => request.path.startsWith('/Users?'))).toHaveLength(1);
	});

	it('a service without PATCH: updates and deactivation are PUTs of the whole user, keeping what the sync does not write', async () => {
		await serve({ patch: false });
		const jane = person();
		const first = await sync([jane], { links: {}, unsynced: {} });
		const id = stored(jane).id;
		server.users().find((user) => user.id === id)!.nickName = 'JD';
		const change = await sync([{ ...jane, jobTitle: 'Lead', city: null, landline: null }], first.result.records);
		expect(change.result.run).toMatchObject({ updated: 1, failed: 0 });
		expect(writes(change.requests).map((request) => request.method)).toEqual(['PUT']);
		expect(stored(jane)).toMatchObject({ title: 'Lead', nickName: 'JD', active: true, addresses: [{ type: 'work', country: 'NO', primary: true }] });
		expect(stored(jane).phoneNumbers).toBeUndefined();
		await destination().deactivate(id);
		expect(stored(jane).active).toBe(false);
		expect(server.requests.filter((request) => request.method === 'PATCH')).toEqual([]);
	});

	it('a 409 uniqueness conflict is an unsynced reason naming userName; nothing else is lost', async () => {
		await serve();
		const jane = person();
		server.seed({ userName: jane.email!, externalId: 'another-azure-user', active: true });
		const scim = destination({ keyKind: 'objectId' });
		const error = await scim.create({ ...jane, username: jane.email, ssoKey: { kind: 'objectId', value: jane.azureObjectId } }).catch((caught) => caught);
		expect(error).toBeInstanceOf(DestinationValidationError);
		expect(error.status).toBe(409);
		expect(error.reasons).toEqual([{ field: 'username', code: 'uniqueness', message: expect.stringContaining('SCIM attribute userName') }]);
	});

	it('a 400 invalidValue names the attribute the service refused', async () => {
		await serve({ validate: (user) => (JSON.stringify(user.phoneNumbers ?? []).includes('bad') ? 'phoneNumbers: "bad" is not a phone number' : undefined) });
		const jane = person();
		const first = await sync([jane], { links: {}, unsynced: {} });
		const refused = await sync([{ ...jane, landline: 'bad' }], first.result.records);
		expect(refused.result.run).toMatchObject({ failed: 1 });
		const outcome = refused.result.outcomes[0];
		expect(outcome.error).toMatchObject({ code: 'invalidValue', fields: [{ field: 'landline', message: expect.stringContaining('SCIM attribute phoneNumbers') }] });
		expect(refused.result.records.unsynced[jane.azureObjectId]).toBeDefined();
	});

	it('429 with Retry-After goes through the shared retry policy: the create is sent again and lands once', async () => {
		await serve({ throttle: 2 });
		const retries: string[] = [];
		const jane = person();
		const record = await destination({ retry: { maxAttempts: 3, baseDelayMs: 1 }, onRetry: (info) => retries.push(info.reason) }).create(jane);
		expect(retries).toEqual(['HTTP 429', 'HTTP 429']);
		expect(server.users().map((user) => user.id)).toEqual([record.id]);
		expect(server.requests.filter((request) => request.method === 'POST').map((request) => request.status)).toEqual([429, 429, 201]);
	});
});
