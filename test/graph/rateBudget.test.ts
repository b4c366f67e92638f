/**
 * Graph pacing: every GraphClient of one app in one tenant shares a budget, so a 429 with
 * Retry-After seen by one node pauses the others' requests too (and halves the pace); another
 * tenant is not paused, and sign-in (MSAL, to the login host) is never held by the Graph budget.
 */
import nock from 'nock';
import { clearTokenCache } from '../../nodes/shared/graph/auth';
import { GraphClient } from '../../nodes/shared/graph/client';
import { buildConnection } from '../../nodes/shared/graph/connection';
import { forgetRateBudgets } from '../../nodes/shared/http/rateBudget';
import { GRAPH, fakeCredentialFields, nockTokenEndpoint } from '../support/fakeTenant';

const OTHER_TENANT = '00000000-0000-4000-8000-0000000000b2';
const RETRY_AFTER_S = 2;

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
	nock.cleanAll();
	clearTokenCache();
	forgetRateBudgets();
});
afterAll(() => nock.enableNetConnect());

describe('the Graph budget, shared per app and tenant', () => {
	it('a 429 on one request pauses a concurrent request of another node on the same tenant, not one of another tenant, nor sign-in', async () => {
		nockTokenEndpoint({ times: 2 });
		nockTokenEndpoint({ tenant: OTHER_TENANT });
		const connection = buildConnection(fakeCredentialFields());
		const other = new GraphClient(buildConnection(fakeCredentialFields({ tenantId: OTHER_TENANT })));
		await other.token();

		const arrivals: Record<string, number> = {};
		const arrive = (name: string) => () => {
			arrivals[name] = Date.now();
			return [200, { id: name }] as [number, unknown];
		};
		nock(GRAPH).get('/v1.0/users/a').reply(429, { error: { code: 'TooManyRequests', message: 'Too many requests.' } }, { 'Retry-After': String(RETRY_AFTER_S) });
		nock(GRAPH).get('/v1.0/users/a').reply(arrive('a-again'));
		nock(GRAPH).get('/v1.0/users/b').reply(arrive('b'));
		nock(GRAPH).get('/v1.0/users/c').reply(arrive('c'));

		let concurrent: Promise<unknown> | undefined;
		let throttledAt = 0;
		let signedInAt = 0;
		const second = new GraphClient(connection);
		const first = new GraphClient(connection, {
			// Told when the 429 is in: the other node and the other tenant ask now, and sign-in renews its token.
			onRetry: () => {
				throttledAt = Date.now();
				concurrent = Promise.all([
					second.request({ path: '/users/b' }),
					other.request({ path: '/users/c' }),
					second.token(true).then(() => (signedInAt = Date.now())),
				]);
			},
		});
		await second.token();

		await first.request({ path: '/users/a' });
		await concurrent;

		expect(first.rateBudget).toBe(second.rateBudget);
		expect(other.rateBudget).not.toBe(first.rateBudget);
		// Generous margins: the machine is busy, and waiting longer is always allowed.
		expect(arrivals.b - throttledAt).toBeGreaterThanOrEqual(RETRY_AFTER_S * 1000 - 100);
		expect(arrivals.c - throttledAt).toBeLessThan(RETRY_AFTER_S * 1000 - 500);
		expect(signedInAt).toBeLessThan(arrivals.b);
		expect(first.rateBudget.stats()).toMatchObject({ throttled: 1, backoff: 0.5, share: 1, ceilingPerMinute: undefined });
		expect(other.rateBudget.stats()).toMatchObject({ throttled: 0, backoff: 1 });
	});

	it('slows nothing down before Graph throttles', async () => {
		nockTokenEndpoint();
		nock(GRAPH).get('/v1.0/users').times(20).reply(200, { value: [] });
		const graph = new GraphClient(buildConnection(fakeCredentialFields()));
		await graph.token();
		await Promise.all(Array.from({ length: 20 }, () => graph.request({ path: '/users' })));
		expect(graph.rateBudget.stats()).toMatchObject({ sent: 20, throttled: 0, waitedMs: expect.any(Number), targetPerMinute: undefined });
		expect(graph.rateBudget.stats().waitedMs).toBeLessThan(20 * 50);
	});
});
