/**
 * Creates through /Bulk against SCIMMY (which enforces maxOperations and maxPayloadSize with 413),
 * the split of an oversized bulk, per-operation results mapped back, and the credential probe.
 */
import { probeScimServer, ScimDestination, splitBulk } from '../../../nodes/shared/destinations/scim';
import { DestinationValidationError } from '../../../nodes/shared/destinations/types';
import type { Requester } from '../../../nodes/shared/requester/model';
import { runRequesterSync } from '../../../nodes/shared/sync/engine';
import { makeRequester } from '../support/requesters';
import { startScimmyServer, type ScimmyServer } from './scimmyServer';

const TOKEN = 'FAKE-scim-bulk-token';
let server: ScimmyServer;
afterEach(async () => await server?.close());

let n = 0;
function person(overrides: Partial<Requester> = {}): Requester {
	n += 1;
	const email = `bulk${n}@contoso.test`;
	return makeRequester({ azureObjectId: `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`, email, fullName: `Bulk ${n}`, lastName: String(n), ssoKey: { kind: 'email', value: email }, ...overrides });
}

const scim = (useBulk = true) => new ScimDestination({ baseUrl: server.url, headers: { authorization: `Bearer ${TOKEN}` }, useBulk, retry: { maxAttempts: 1 } });
const bulkRequests = () => server.requests.filter((request) => request.path === '/Bulk');
const operationsOf = (body: unknown) => (body as { Operations: unknown[] }).Operations;

describe('creates through /Bulk', () => {
	it('a first sync sends its creates as BulkRequests of at most maxOperations, and every user is created once', async () => {
		server = await startScimmyServer({ token: TOKEN, bulk: { maxOperations: 2, maxPayloadSize: 1_048_576 } });
		const people = [person(), person(), person(), person(), person()];
		const { run } = await runRequesterSync(scim(), { mapped: people.map((requester) => ({ requester })), removed: [], unmapped: [], completeRead: true, mode: 'full' }, { links: {}, unsynced: {} }, { dryRun: false, safeguard: { maxCount: 10, maxPercent: 100 }, concurrency: 4, deactivateDisabled: true });
		expect(run).toMatchObject({ created: 5, failed: 0 });
		expect(server.users().map((user) => user.userName).sort()).toEqual(people.map((requester) => requester.email).sort());
		expect(server.requests.filter((request) => request.method === 'POST' && request.path === '/Users')).toEqual([]);
		expect(bulkRequests().length).toBeGreaterThanOrEqual(3);
		for (const request of bulkRequests()) {
			expect(operationsOf(request.body).length).toBeLessThanOrEqual(2);
			expect(request.status).toBe(200);
		}
	});

	it('an oversized bulk is split by maxPayloadSize so SCIMMY never answers 413; a refused operation is that create\'s own reason', async () => {
		server = await startScimmyServer({ token: TOKEN, bulk: { maxOperations: 100, maxPayloadSize: 900 } });
		const taken = person();
		server.seed({ userName: taken.email!, externalId: 'another-azure-user', active: true });
		const people = [person(), person(), taken, person()];
		const destination = scim();
		const results = await Promise.allSettled(people.map((requester) => destination.create(requester)));
		expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
		const refused = (results[2] as PromiseRejectedResult).reason;
		expect(refused).toBeInstanceOf(DestinationValidationError);
		expect(refused.reasons).toEqual([{ field: 'email', code: 'uniqueness', message: expect.stringContaining('SCIM attribute userName') }]);
		const created = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
		expect(created.map((record) => server.users().find((user) => user.id === record.id)?.userName)).toEqual([people[0].email, people[1].email, people[3].email]);
		expect(bulkRequests().length).toBeGreaterThan(1);
		for (const request of bulkRequests()) {
			expect(Buffer.byteLength(JSON.stringify(request.body))).toBeLessThanOrEqual(900);
			expect(request.status).toBe(200);
		}
	});

	it('splitBulk keeps the order and honours both limits', () => {
		const items = Array.from({ length: 7 }, (_, index) => ({ bulkId: `b${index}`, body: { userName: `u${index}@contoso.test` } }));
		expect(splitBulk(items, { maxOperations: 3, maxPayloadSize: 0 }).map((batch) => batch.map((item) => item.bulkId))).toEqual([['b0', 'b1', 'b2'], ['b3', 'b4', 'b5'], ['b6']]);
		const bySize = splitBulk(items, { maxOperations: 0, maxPayloadSize: 250 });
		expect(bySize.flat()).toEqual(items);
		expect(bySize.length).toBeGreaterThan(1);
		for (const batch of bySize) expect(Buffer.byteLength(JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: batch.map((item) => ({ method: 'POST', path: '/Users', bulkId: item.bulkId, data: item.body })) }))).toBeLessThanOrEqual(250);
	});

	it('without useBulk, creates are plain POSTs even when the service offers /Bulk', async () => {
		server = await startScimmyServer({ token: TOKEN, bulk: { maxOperations: 10, maxPayloadSize: 1_048_576 } });
		await scim(false).create(person());
		expect(bulkRequests()).toEqual([]);
		expect(server.requests.filter((request) => request.method === 'POST' && request.path === '/Users')).toHaveLength(1);
	});
});

describe('probeScimServer', () => {
	it('reports what the service supports from its ServiceProviderConfig', async () => {
		server = await startScimmyServer({ token: TOKEN, patch: false, bulk: { maxOperations: 50, maxPayloadSize: 65_536 }, maxResults: 150 });
		const probe = await probeScimServer({ baseUrl: server.url, headers: { authorization: `Bearer ${TOKEN}` } });
		expect(probe).toMatchObject({ ok: true, supports: { patch: false, filter: true, bulk: { supported: true, maxOperations: 50, maxPayloadSize: 65_536 }, etag: false, maxResults: 150, enterpriseUser: true } });
		expect(probe.message).toContain('PATCH no (updates use PUT)');
		expect(probe.message).toContain('bulk yes (max 50 operations, 65536 bytes)');
	});

	it('a wrong token is a clear failure without the token in it', async () => {
		server = await startScimmyServer({ token: TOKEN });
		const probe = await probeScimServer({ baseUrl: server.url, headers: { authorization: 'Bearer FAKE-wrong-token' } });
		expect(probe.ok).toBe(false);
		expect(probe.message).toMatch(/refused the credential \(HTTP 401\)/);
		expect(probe.message).not.toContain('FAKE-wrong-token');
	});

	it('a Base URL over plain http to another host is refused before any request, naming the setting', async () => {
		const probe = await probeScimServer({ baseUrl: 'http://scim.example.com/scim/v2', headers: { authorization: 'Bearer FAKE' } });
		expect(probe).toEqual({ ok: false, message: expect.stringMatching(/^Base URL: must start with https:\/\//) });
	});
});
