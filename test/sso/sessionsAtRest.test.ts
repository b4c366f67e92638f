/**
 * Sessions at rest: the store (n8n's workflow static data) keys sessions by the SHA-256 of the
 * secret inside the session token, so a copy of the database holds no secret that could be put
 * in a token, and sessions stored in clear by an earlier version are ended at upgrade.
 */
import nock from 'nock';
import { createHash } from 'node:crypto';
import { clearOpenIdCache } from '../../nodes/shared/sso/openIdMetadata';
import { addSession, DEFAULT_SESSIONS, sessionIdOf } from '../../nodes/shared/sso/sessions';
import { forgetSsoStores } from '../../nodes/shared/sso/storeAccess';
import { nockOpenIdConfiguration, nockSigningKeys } from './support/identityPlatform';
import { expectOk, LoginHarness } from './support/loginHarness';

let harness: LoginHarness;

beforeAll(() => nock.disableNetConnect());
beforeEach(() => {
	harness = new LoginHarness();
	nockOpenIdConfiguration().persist();
	nockSigningKeys().persist();
});
afterEach(() => {
	nock.cleanAll();
	clearOpenIdCache();
	forgetSsoStores();
});
afterAll(() => nock.enableNetConnect());

const tokenSecret = (token: string) => (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { sid: string }).sid;

describe('SSO sessions at rest', () => {
	it('stores the session under the hash of the token secret; the secret itself is nowhere in static data', async () => {
		const success = expectOk((await harness.login()).result);
		const secret = tokenSecret(success.sessionToken);
		expect(secret).toMatch(/^[A-Za-z0-9_-]{22}$/);
		const id = createHash('sha256').update(secret).digest('base64url');
		expect(success.sessionId).toBe(id);
		expect(Object.keys(harness.store.sessions)).toEqual([id]);
		expect(JSON.stringify(harness.staticData)).not.toContain(secret);
	});

	it('ends sessions an earlier version stored under their clear secret', () => {
		const data = { sessions: {}, attempts: {}, audit: [], pending: {} } as never as Parameters<typeof addSession>[0];
		const record = { requesterKey: 'a@contoso.test', requesterId: '1', device: 'Edge on Windows', createdAt: new Date(0).toISOString(), lastSeenAt: new Date(0).toISOString(), expiresAt: new Date(9e12).toISOString(), clientAddress: null };
		(data.sessions as Record<string, unknown>)['legacyClearSecret0123A'] = { ...record };
		addSession(data, sessionIdOf('new-secret'), { ...record, requesterKey: 'b@contoso.test' } as never, Date.now(), DEFAULT_SESSIONS);
		expect(Object.keys(data.sessions)).toEqual([sessionIdOf('new-secret')]);
	});
});
