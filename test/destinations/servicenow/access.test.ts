/**
 * Signing in to ServiceNow: Basic auth, OAuth 2.0 tokens from /oauth_token.do (client
 * credentials and password grants, reused, renewed before expiry and after a refusal), clear
 * errors that never carry a secret, and the credential test (one sys_user row).
 */
import { rmSync } from 'node:fs';
import { ServiceNowDestination, ServiceNowTokenError, testServiceNowAccess, type ServiceNowAuth, type ServiceNowOptions } from '../../../nodes/shared/destinations/servicenow';
import { HttpError } from '../../../nodes/shared/http/errors';
import { createTestTls, type TestTls } from '../../fixtures/standins/tls';
import { startLoopbackFront, type LoopbackFront } from '../support/loopbackFront';
import { startServiceNowStandIn, type ServiceNowStandIn } from './standIn';

const ACCOUNT = 'svc.azure.sync';
const PASSWORD = 'FAKE-sn-password-4567';
const CLIENT_ID = 'fake0client0id00000000000000000a';
const CLIENT_SECRET = 'FAKE-sn-client-secret-89ab';
const PASSWORD_CLIENT_ID = 'fake0client0id00000000000000000b';

let tls: TestTls;
let sn: ServiceNowStandIn;
let front: LoopbackFront;
const errorsSeen: unknown[] = [];

beforeAll(async () => {
	tls = createTestTls();
	sn = await startServiceNowStandIn({
		tls,
		accounts: { [ACCOUNT]: PASSWORD },
		oauthClients: [
			{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, grants: ['client_credentials'] },
			{ clientId: PASSWORD_CLIENT_ID, clientSecret: CLIENT_SECRET, grants: ['password'] },
		],
		customColumns: ['u_azure_object_id'],
	});
	sn.state.addUser({ user_name: 'jane', email: 'jane@contoso.com' });
	front = await startLoopbackFront(sn.url, tls.caPem);
});

afterAll(async () => {
	await front.close();
	await sn.close();
	rmSync(tls.dir, { recursive: true, force: true });
	// Whatever failed in this file, no error message, property or stack carries a secret.
	for (const error of errorsSeen) {
		const text = `${String(error)} ${JSON.stringify(error)} ${(error as Error).stack ?? ''}`;
		for (const secret of [PASSWORD, CLIENT_SECRET]) expect(text).not.toContain(secret);
	}
});

beforeEach(() => sn.faults.clear());

const CLIENT_CREDENTIALS: ServiceNowAuth = { kind: 'oauth', grant: 'clientCredentials', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };

function destination(auth: ServiceNowAuth, options: Partial<ServiceNowOptions> = {}) {
	return new ServiceNowDestination({ baseUrl: front.url, auth, sleep: async () => undefined, ...options });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
	try {
		await promise;
	} catch (error) {
		errorsSeen.push(error);
		return error as Error;
	}
	throw new Error('expected a failure');
}

const tokenRequests = () => sn.requests.filter((request) => request.path === '/oauth_token.do');
const find = (subject: ServiceNowDestination) => subject.findByKey({ kind: 'email', value: 'jane@contoso.com' });

describe('Basic auth', () => {
	it('sends the account as Basic auth on every request', async () => {
		expect((await find(destination({ kind: 'basic', username: ACCOUNT, password: PASSWORD })))?.key).toBe('jane@contoso.com');
		expect(sn.requests.at(-1)?.headers.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT}:${PASSWORD}`).toString('base64')}`);
	});

	it('a wrong password is an HTTP 401 (which stops a sync run), in words without the password', async () => {
		const error = await failure(find(destination({ kind: 'basic', username: ACCOUNT, password: 'FAKE-wrong-password' })));
		expect(error).toBeInstanceOf(HttpError);
		expect((error as HttpError).status).toBe(401);
		expect(error.message).toContain('User Not Authenticated');
	});
});

describe('OAuth 2.0', () => {
	it('gets one client-credentials token and reuses it for every request, also for requests sent at once', async () => {
		const before = tokenRequests().length;
		const subject = destination(CLIENT_CREDENTIALS);
		await Promise.all([find(subject), find(subject), find(subject)]);
		await find(subject);
		const asked = tokenRequests().slice(before);
		expect(asked).toHaveLength(1);
		expect(asked[0].body).toEqual({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: '[redacted]' });
		expect(asked[0].headers['content-type']).toBe('application/x-www-form-urlencoded');
		expect(sn.requests.at(-1)?.headers.authorization).toMatch(/^Bearer FAKE-sn-token-/);
	});

	it('renews the token shortly before it expires', async () => {
		let now = 1_000_000;
		const subject = destination(CLIENT_CREDENTIALS, { now: () => now });
		const before = tokenRequests().length;
		await find(subject);
		const first = sn.requests.at(-1)?.headers.authorization;
		now += 1700 * 1000;
		await find(subject);
		expect(tokenRequests().length - before).toBe(1);
		// 1800 s tokens are renewed a minute early.
		now += 60 * 1000;
		await find(subject);
		expect(tokenRequests().length - before).toBe(2);
		expect(sn.requests.at(-1)?.headers.authorization).not.toBe(first);
	});

	it('a token the API refuses (revoked) is renewed once and the request sent again', async () => {
		const subject = destination(CLIENT_CREDENTIALS);
		await find(subject);
		const issued = sn.tokensIssued();
		sn.revokeTokens();
		expect((await find(subject))?.key).toBe('jane@contoso.com');
		expect(sn.tokensIssued()).toBe(issued + 1);
		const [refused, renewed, retried] = sn.requests.slice(-3);
		expect([refused.status, renewed.path, retried.status]).toEqual([401, '/oauth_token.do', 200]);
	});

	it('uses the password grant with the service account', async () => {
		const before = tokenRequests().length;
		const subject = destination({ kind: 'oauth', grant: 'password', clientId: PASSWORD_CLIENT_ID, clientSecret: CLIENT_SECRET, username: ACCOUNT, password: PASSWORD });
		expect((await find(subject))?.key).toBe('jane@contoso.com');
		expect(tokenRequests().slice(before).map((request) => request.body)).toEqual([
			{ grant_type: 'password', client_id: PASSWORD_CLIENT_ID, client_secret: '[redacted]', username: ACCOUNT, password: '[redacted]' },
		]);
	});

	it('invalid_client says to check the Client ID and Secret, keeps HTTP 401, and never echoes the secret', async () => {
		const error = await failure(find(destination({ ...CLIENT_CREDENTIALS, clientSecret: 'FAKE-not-the-secret-0000' } as ServiceNowAuth)));
		expect(error).toBeInstanceOf(ServiceNowTokenError);
		expect(error).toBeInstanceOf(HttpError);
		expect((error as HttpError).status).toBe(401);
		expect(error.message).toMatch(/invalid_client.*Check the Client ID and Client Secret of the Application Registry entry/);
		expect(error.message).not.toContain('FAKE-not-the-secret-0000');
	});

	it('a wrong password for the password grant, and a grant the client may not use, say what to fix', async () => {
		const wrong = await failure(find(destination({ kind: 'oauth', grant: 'password', clientId: PASSWORD_CLIENT_ID, clientSecret: CLIENT_SECRET, username: ACCOUNT, password: 'FAKE-wrong-password' })));
		expect(wrong.message).toMatch(/access_denied.*user name and password/);
		expect(wrong.message).not.toContain('FAKE-wrong-password');

		const grant = await failure(find(destination({ ...CLIENT_CREDENTIALS, clientId: PASSWORD_CLIENT_ID })));
		expect(grant.message).toMatch(/unauthorized_client.*glide\.oauth\.inbound\.client\.credential\.grant_type\.enabled/);
	});
});

describe('testServiceNowAccess', () => {
	const base = (auth: ServiceNowAuth, options: Partial<ServiceNowOptions> = {}): ServiceNowOptions => ({ baseUrl: front.url, auth, ...options });

	it('reads one sys_user row and names the instance', async () => {
		const result = await testServiceNowAccess(base({ kind: 'basic', username: ACCOUNT, password: PASSWORD }, { azureObjectIdField: 'u_azure_object_id' }));
		expect(result).toEqual({ ok: true, message: `Connected to ServiceNow (${new URL(front.url).host})` });
		expect(sn.requests.at(-1)).toMatchObject({ method: 'GET', path: '/api/now/table/sys_user', query: { sysparm_limit: '1', sysparm_fields: 'sys_id,email,u_azure_object_id' } });
	});

	it('says which setting is wrong: the password, the rights, a column, the OAuth client, the URL', async () => {
		expect((await testServiceNowAccess(base({ kind: 'basic', username: ACCOUNT, password: 'FAKE-wrong' }))).message).toMatch(/rejected the user name or password \(HTTP 401\)/);
		sn.faults.failNext(1, { status: 403, body: { error: { message: 'User Not Authorized', detail: 'ACL Exception' }, status: 'failure' } });
		expect((await testServiceNowAccess(base(CLIENT_CREDENTIALS))).message).toMatch(/may not read sys_user \(HTTP 403: User Not Authorized: ACL Exception\).*user_admin/);
		const column = await testServiceNowAccess(base(CLIENT_CREDENTIALS, { azureObjectIdField: 'u_no_such_column' }));
		expect(column).toEqual({ ok: false, message: expect.stringContaining('sys_user has no column "u_no_such_column"') });
		const client = await testServiceNowAccess(base({ ...CLIENT_CREDENTIALS, clientSecret: 'FAKE-other' } as ServiceNowAuth));
		expect(client.message).toMatch(/invalid_client/);
		expect((await testServiceNowAccess(base(CLIENT_CREDENTIALS, { baseUrl: 'http://example.com' }))).message).toMatch(/Base URL: must start with https/);
		for (const result of [column, client]) expect(JSON.stringify(result)).not.toContain(CLIENT_SECRET);
	});
});
