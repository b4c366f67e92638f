import nock from 'nock';
import { acquireGraphToken, clearTokenCache } from '../../nodes/shared/graph/auth';
import { GraphClient } from '../../nodes/shared/graph/client';
import { buildConnection } from '../../nodes/shared/graph/connection';
import { AzureSignInError, GraphError } from '../../nodes/shared/graph/errors';
import { NetworkError } from '../../nodes/shared/http/errors';
import { forgetRateBudgets } from '../../nodes/shared/http/rateBudget';
import { makeSelfSignedCertificate } from '../support/certificates';
import {
	FAKE_CLIENT_ID,
	FAKE_SECRET,
	FAKE_TENANT_ID,
	GRAPH,
	fakeCredentialFields,
	nockTokenEndpoint,
	nockTokenError,
	connectionReset,
} from '../support/fakeTenant';

// Retry waits are injected; the Graph budget's shared pause would wait out Retry-After in real time
// (its last tests cover it, with real timing).
const noSleep = { sleep: async () => undefined, rateBudget: { maxPauseMs: 0 } };

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
	nock.cleanAll();
	clearTokenCache();
	forgetRateBudgets();
});
afterAll(() => nock.enableNetConnect());

function client(options = {}, fields = {}) {
	return new GraphClient(buildConnection(fakeCredentialFields(fields)), { ...noSleep, ...options });
}

describe('sign-in', () => {
	it('acquires a client-credential token with the Graph .default scope and caches it', async () => {
		let body = '';
		nock('https://login.microsoftonline.com')
			.post(`/${FAKE_TENANT_ID}/oauth2/v2.0/token`, (b) => {
				body = new URLSearchParams(b).toString();
				return true;
			}).query(true)
			.reply(200, { token_type: 'Bearer', expires_in: 3599, access_token: 'x.eyJyb2xlcyI6WyJVc2VyLlJlYWQuQWxsIl19.y' });
		const connection = buildConnection(fakeCredentialFields());
		const first = await acquireGraphToken(connection);
		const second = await acquireGraphToken(connection);
		expect(first.claims.roles).toEqual(['User.Read.All']);
		expect(second.token).toBe(first.token);
		const sent = new URLSearchParams(body);
		expect(sent.get('grant_type')).toBe('client_credentials');
		expect(sent.get('scope')).toContain('https://graph.microsoft.com/.default');
		expect(sent.get('client_id')).toBe(FAKE_CLIENT_ID);
		expect(nock.isDone()).toBe(true);
	});

	it('signs in with a certificate: a client assertion with the SHA-256 thumbprint, never the key', async () => {
		const certificate = makeSelfSignedCertificate();
		let sent = new URLSearchParams();
		nock('https://login.microsoftonline.com')
			.post(`/${FAKE_TENANT_ID}/oauth2/v2.0/token`, (b) => {
				sent = new URLSearchParams(b);
				return true;
			}).query(true)
			.reply(200, { token_type: 'Bearer', expires_in: 3599, access_token: 'a.e30.b' });
		const connection = buildConnection(
			fakeCredentialFields({ authentication: 'certificate', privateKey: certificate.privateKeyPem, certificate: certificate.certificatePem }),
		);
		await acquireGraphToken(connection);
		expect(sent.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
		const header = JSON.parse(Buffer.from(sent.get('client_assertion')!.split('.')[0], 'base64url').toString());
		expect(header['x5t#S256']).toBeDefined();
		expect(sent.toString()).not.toContain('PRIVATE');
		expect(sent.get('client_secret')).toBeNull();
	});

	it.each([
		['90002', "Tenant 'x' not found.", 'unknownTenant', /tenant was not found/i],
		['700016', "Application with identifier 'x' was not found in the directory 'y'.", 'appNotInTenant', /No application with this Client ID/],
		['7000215', 'Invalid client secret provided.', 'invalidSecret', /client secret is wrong/],
		['7000222', 'The provided client secret keys for app are expired.', 'expiredSecret', /has expired/],
		['700027', 'Client assertion failed signature validation.', 'certificateMismatch', /certificate does not match/],
		['65001', 'The user or administrator has not consented to use the application.', 'consentMissing', /Grant admin consent/],
	])('translates AADSTS%s into plain words', async (code, description, reason, advice) => {
		nockTokenError(code, description);
		const error = await acquireGraphToken(buildConnection(fakeCredentialFields())).catch((e) => e);
		expect(error).toBeInstanceOf(AzureSignInError);
		expect(error.reason).toBe(reason);
		expect(error.aadsts).toBe(code);
		expect(error.message).toMatch(advice);
		expect(error.message).not.toContain(FAKE_SECRET);
	});

	it('signs in against national clouds with their own hosts and scope', async () => {
		let scope = '';
		nock('https://login.microsoftonline.us')
			.post(`/${FAKE_TENANT_ID}/oauth2/v2.0/token`, (b) => {
				scope = new URLSearchParams(b).get('scope') ?? '';
				return true;
			}).query(true)
			.reply(200, { token_type: 'Bearer', expires_in: 3599, access_token: 'a.e30.b' });
		nock('https://dod-graph.microsoft.us').get('/v1.0/organization').reply(200, { value: [{ id: FAKE_TENANT_ID }] });
		const response = await client({}, { cloud: 'usGovDod' }).request<{ value: unknown[] }>({ path: '/organization' });
		expect(scope).toContain('https://dod-graph.microsoft.us/.default');
		expect(response.data.value).toHaveLength(1);

		nock('https://login.chinacloudapi.cn').post(`/${FAKE_TENANT_ID}/oauth2/v2.0/token`).query(true).reply(200, { token_type: 'Bearer', expires_in: 3599, access_token: 'a.e30.c' });
		nock('https://microsoftgraph.chinacloudapi.cn').get('/v1.0/organization').reply(200, { value: [] });
		await client({}, { cloud: 'china' }).request({ path: '/organization' });
		expect(nock.isDone()).toBe(true);
	});
});

describe('GraphClient.request', () => {
	it('sends the bearer token and returns data with the request-id', async () => {
		nockTokenEndpoint();
		nock(GRAPH, { reqheaders: { authorization: /^Bearer .+/ } })
			.get('/v1.0/users')
			.query({ $select: 'id,mail', $filter: "mail eq 'o''brien@contoso.com'" })
			.reply(200, { value: [{ id: '1' }] }, { 'request-id': 'req-1' });
		const response = await client().request({ path: '/users', query: { $select: 'id,mail', $filter: "mail eq 'o''brien@contoso.com'" } });
		expect(response).toEqual({ status: 200, data: { value: [{ id: '1' }] }, requestId: 'req-1' });
	});

	it('encodes + in $filter values as %2B so Graph does not read a space', async () => {
		nockTokenEndpoint();
		let path = '';
		nock(GRAPH)
			.get(/\/v1\.0\/users.*/)
			.reply(function (uri) {
				path = uri;
				return [200, { value: [] }];
			});
		await client().request({ path: '/users', query: { $filter: "mail eq 'a+b@contoso.com'" } });
		expect(path).toContain('a%2Bb%40contoso.com');
		expect(decodeURIComponent(path)).toBe("/v1.0/users?$filter=mail eq 'a+b@contoso.com'");
	});

	it('waits at least Retry-After on 429 and then succeeds', async () => {
		nockTokenEndpoint();
		const waits: number[] = [];
		nock(GRAPH).get('/v1.0/users/u1').reply(429, { error: { code: 'TooManyRequests', message: 'slow down' } }, { 'Retry-After': '7' });
		nock(GRAPH).get('/v1.0/users/u1').reply(200, { id: 'u1' });
		const response = await client({ sleep: async (ms: number) => void waits.push(ms) }).request({ path: '/users/u1' });
		expect(response.data).toEqual({ id: 'u1' });
		expect(waits).toHaveLength(1);
		expect(waits[0]).toBeGreaterThanOrEqual(7000);
	});

	it('gives up on a 503 storm after the configured number of tries with a clear error', async () => {
		nockTokenEndpoint();
		const scope = nock(GRAPH)
			.get('/v1.0/users')
			.times(3)
			.reply(503, { error: { code: 'serviceNotAvailable', message: 'Service unavailable', innerError: { 'request-id': 'r-503' } } });
		const waits: number[] = [];
		const error = await client({ retry: { maxAttempts: 3 }, sleep: async (ms: number) => void waits.push(ms) })
			.request({ path: '/users' })
			.catch((e) => e);
		expect(scope.isDone()).toBe(true);
		expect(error).toBeInstanceOf(GraphError);
		expect(error).toMatchObject({ status: 503, code: 'serviceNotAvailable', requestId: 'r-503', attempts: 3 });
		expect(error.message).toContain('serviceNotAvailable: Service unavailable');
		expect(waits).toHaveLength(2);
		expect(waits[1]).toBeGreaterThanOrEqual(waits[0] / 2);
	});

	it('does not repeat a POST after an ambiguous 504 or a reset, but does after a 429', async () => {
		nockTokenEndpoint();
		nock(GRAPH).post('/v1.0/users/u1/revokeSignInSessions').reply(504, {});
		const gateway = await client().request({ method: 'POST', path: '/users/u1/revokeSignInSessions' }).catch((e) => e);
		expect(gateway).toMatchObject({ status: 504, attempts: 1 });

		nock(GRAPH).post('/v1.0/users/u1/sendMail').replyWithError(connectionReset());
		const reset = await client().request({ method: 'POST', path: '/users/u1/sendMail', body: {} }).catch((e) => e);
		expect(reset).toBeInstanceOf(NetworkError);
		expect(reset.code).toBe('ECONNRESET');

		nock(GRAPH).post('/v1.0/users/u1/sendMail').reply(429, {}, { 'Retry-After': '1' });
		nock(GRAPH).post('/v1.0/users/u1/sendMail').reply(202);
		expect((await client().request({ method: 'POST', path: '/users/u1/sendMail', body: {} })).status).toBe(202);
	});

	it('refreshes the token once on 401 and retries', async () => {
		nockTokenEndpoint({ times: 2 });
		const seen: string[] = [];
		nock(GRAPH)
			.get('/v1.0/organization')
			.twice()
			.reply(function () {
				seen.push(String(this.req.headers.authorization));
				return seen.length === 1
					? [401, { error: { code: 'InvalidAuthenticationToken', message: 'Access token has expired.' } }]
					: [200, { value: [] }];
			});
		const response = await client().request({ path: '/organization' });
		expect(response.status).toBe(200);
		expect(seen[0]).not.toBe(seen[1]);
	});

	it('never puts the access token or secret in an error', async () => {
		nockTokenEndpoint();
		nock(GRAPH).get('/v1.0/users').reply(403, { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } });
		const graph = client();
		const token = (await graph.token()).token;
		const error = await graph.request({ path: '/users' }).catch((e) => e);
		const everything = JSON.stringify({ ...error, message: error.message, stack: error.stack });
		expect(error.code).toBe('Authorization_RequestDenied');
		expect(everything).not.toContain(token);
		expect(everything).not.toContain(FAKE_SECRET);
	});

	it('refuses to follow a nextLink to another host', async () => {
		nockTokenEndpoint();
		await expect(client().request({ path: 'https://evil.example.com/v1.0/users?$skiptoken=x' })).rejects.toThrow(/Refusing to call/);
	});
});

describe('GraphClient.paginate', () => {
	const pageOf = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ id: `u${from + i}` }));

	it('follows @odata.nextLink across pages', async () => {
		nockTokenEndpoint();
		nock(GRAPH).get('/v1.0/users').query({ $top: '999' }).reply(200, { value: pageOf(0, 999), '@odata.nextLink': `${GRAPH}/v1.0/users?$top=999&$skiptoken=p2` });
		nock(GRAPH).get('/v1.0/users').query({ $top: '999', $skiptoken: 'p2' }).reply(200, { value: pageOf(999, 10) });
		const users = await client().list<{ id: string }>('/users', { $top: 999 });
		expect(users).toHaveLength(1009);
		expect(new Set(users.map((u) => u.id)).size).toBe(1009);
	});

	it('recovers from a connection reset mid-pagination without losing or repeating a page', async () => {
		nockTokenEndpoint();
		nock(GRAPH).get('/v1.0/users').query({ $top: '999' }).reply(200, { value: pageOf(0, 999), '@odata.nextLink': `${GRAPH}/v1.0/users?$top=999&$skiptoken=p2` });
		nock(GRAPH).get('/v1.0/users').query({ $top: '999', $skiptoken: 'p2' }).replyWithError(connectionReset());
		nock(GRAPH).get('/v1.0/users').query({ $top: '999', $skiptoken: 'p2' }).reply(200, { value: pageOf(999, 999), '@odata.nextLink': `${GRAPH}/v1.0/users?$top=999&$skiptoken=p3` });
		nock(GRAPH).get('/v1.0/users').query({ $top: '999', $skiptoken: 'p3' }).reply(200, { value: pageOf(1998, 502) });
		const retries: string[] = [];
		const users = await client({ onRetry: (info: { reason: string }) => retries.push(info.reason) }).list<{ id: string }>('/users', { $top: 999 });
		expect(retries).toEqual(['ECONNRESET']);
		expect(users).toHaveLength(2500);
		expect(new Set(users.map((u) => u.id)).size).toBe(2500);
		expect(nock.isDone()).toBe(true);
	});

	it('stops at the limit without fetching further pages', async () => {
		nockTokenEndpoint();
		nock(GRAPH).get('/v1.0/users').query(true).reply(200, { value: pageOf(0, 999), '@odata.nextLink': `${GRAPH}/v1.0/users?$skiptoken=p2` });
		const users = await client().list('/users', { $top: 999 }, { limit: 5 });
		expect(users).toHaveLength(5);
	});
});

// Every GraphClient of one app in one tenant shares a budget: a 429 with Retry-After seen by one node
// pauses the others' requests too (and halves the pace); another tenant is not paused, and sign-in
// (MSAL, to the login host) is never held by the Graph budget.
const OTHER_TENANT = '00000000-0000-4000-8000-0000000000b2';
const RETRY_AFTER_S = 2;

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

	it("an interactive client (login, account action) waits for the sync's pause only up to its own limit", async () => {
		nockTokenEndpoint({ times: 2 });
		const connection = buildConnection(fakeCredentialFields());
		nock(GRAPH).get('/v1.0/users/sync').reply(429, { error: { code: 'TooManyRequests', message: 'Too many requests.' } }, { 'Retry-After': String(RETRY_AFTER_S) });
		nock(GRAPH).get('/v1.0/users/login').reply(200, { id: 'login' });
		nock(GRAPH).get('/v1.0/users/sync').reply(200, { id: 'sync' });
		const sync = new GraphClient(connection, { retry: { maxAttempts: 1 } });
		const login = new GraphClient(connection, { maxBudgetWaitMs: 300 });
		await login.token();

		await expect(sync.request({ path: '/users/sync' })).rejects.toThrow(/answered 429/);
		const throttledAt = Date.now();
		await expect(login.request({ path: '/users/login' })).resolves.toMatchObject({ data: { id: 'login' } });
		const loginWaited = Date.now() - throttledAt;
		await expect(sync.request({ path: '/users/sync' })).resolves.toMatchObject({ data: { id: 'sync' } });
		const syncWaited = Date.now() - throttledAt;

		expect(login.rateBudget).toBe(sync.rateBudget);
		// The login waited (the pause holds it too), but not the whole pause the sync's next request waits.
		expect(loginWaited).toBeGreaterThanOrEqual(250);
		expect(loginWaited).toBeLessThan(RETRY_AFTER_S * 1000 - 500);
		expect(syncWaited).toBeGreaterThanOrEqual(RETRY_AFTER_S * 1000 - 100);
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
