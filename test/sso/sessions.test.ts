import nock from 'nock';
import { buildConnection } from '../../nodes/shared/graph/connection';
import { deviceLabel } from '../../nodes/shared/sso/device';
import { deriveSsoKeys } from '../../nodes/shared/sso/keys';
import { clearOpenIdCache } from '../../nodes/shared/sso/openIdMetadata';
import { listSessions, revokeSession, signOutEverywhere, validateSession, type TokenInput } from '../../nodes/shared/sso/sessionOperations';
import { clearedCookie, extractSessionToken, sessionCookie, signSessionToken } from '../../nodes/shared/sso/sessions';
import { forgetSsoStores } from '../../nodes/shared/sso/storeAccess';
import { fakeCredentialFields } from '../support/fakeTenant';
import { nockOpenIdConfiguration, nockSigningKeys, USER_EMAIL } from './support/identityPlatform';
import { BROWSER, expectOk, LoginHarness, MINUTE, PHONE } from './support/loginHarness';

let harness: LoginHarness;
const COOKIE = 'portal_session';
const token = (raw: string): TokenInput => ({ raw, cookieName: COOKIE });

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

async function signIn(caller = BROWSER) {
	return expectOk((await harness.login({}, caller)).result);
}

describe('sessions on two devices', () => {
	it('keeps one session per device, lists both, and revoking one leaves the other open', async () => {
		const laptop = await signIn(BROWSER);
		harness.clock += MINUTE;
		const phone = await signIn(PHONE);
		expect(laptop.sessionId).not.toBe(phone.sessionId);

		const listed = await listSessions(harness.env, { token: token(`Bearer ${laptop.sessionToken}`) });
		expect(listed).toEqual({
			ok: true,
			requester: USER_EMAIL,
			sessions: [
				expect.objectContaining({ sessionId: phone.sessionId, device: 'Safari on iPhone', clientAddress: PHONE.clientAddress, current: false }),
				expect.objectContaining({ sessionId: laptop.sessionId, device: 'Edge on Windows', clientAddress: BROWSER.clientAddress, current: true }),
			],
		});
		expect(JSON.stringify(listed)).not.toContain(laptop.sessionToken);

		// From the laptop, end the phone's session.
		const revoked = await revokeSession(harness.env, { token: token(laptop.sessionToken), sessionId: phone.sessionId }, BROWSER);
		expect(revoked).toMatchObject({ ok: true, sessionId: phone.sessionId, requester: USER_EMAIL, ownSession: false });
		expect(await validateSession(harness.env, token(phone.sessionToken))).toMatchObject({ ok: false, code: 'sessionNotFound', userMessage: 'Your session has ended. Please sign in again.' });
		expect(await validateSession(harness.env, token(`${COOKIE}=${laptop.sessionToken}; theme=dark`))).toMatchObject({
			ok: true,
			valid: true,
			sessionId: laptop.sessionId,
			device: 'Edge on Windows',
			requester: { id: harness.jane.id, key: USER_EMAIL, keyKind: 'email', azureObjectId: expect.any(String), displayName: 'Jane Doe', email: USER_EMAIL },
		});
		expect(harness.store.audit.at(-1)).toMatchObject({ event: 'sessionRevoked', requester: USER_EMAIL, sessionId: phone.sessionId, code: 'revoked', clientAddress: BROWSER.clientAddress });
	});

	it('signs a requester out everywhere, by session token or by requester key', async () => {
		const laptop = await signIn(BROWSER);
		const phone = await signIn(PHONE);
		const result = await signOutEverywhere(harness.env, { token: token(phone.sessionToken) }, PHONE);
		expect(result).toMatchObject({ ok: true, requester: USER_EMAIL, revokedSessions: 2 });
		expect(harness.store.sessions).toEqual({});
		for (const session of [laptop, phone]) expect(await validateSession(harness.env, token(session.sessionToken))).toMatchObject({ ok: false, code: 'sessionNotFound' });
		expect(harness.store.audit.at(-1)).toMatchObject({ event: 'signedOutEverywhere', requester: USER_EMAIL, requesterId: harness.jane.id, sessionId: phone.sessionId, reason: '2 sessions ended' });

		await signIn(BROWSER);
		expect(await signOutEverywhere(harness.env, { requesterKey: ' Jane.Doe@Contoso.test ' }, { clientAddress: null, userAgent: 'ticket workflow' })).toMatchObject({ ok: true, revokedSessions: 1 });
	});

	it('revokes the session of the token itself (sign out on this device)', async () => {
		const laptop = await signIn(BROWSER);
		expect(await revokeSession(harness.env, { token: token(laptop.sessionToken) }, BROWSER)).toMatchObject({ ok: true, sessionId: laptop.sessionId, ownSession: true });
		expect(await revokeSession(harness.env, { token: token(laptop.sessionToken) }, BROWSER)).toMatchObject({ ok: false, code: 'sessionNotFound' });
	});

	it("refuses to revoke another requester's session with one's own token", async () => {
		const jane = await signIn(BROWSER);
		const john = harness.destination.seed({ fullName: 'John Roe', email: 'john.roe@contoso.test' });
		john.azureObjectId = '66666666-6666-4666-8666-666666666666';
		const johnSession = expectOk((await harness.login({ claims: { oid: john.azureObjectId, email: 'john.roe@contoso.test' } })).result);
		const refused = await revokeSession(harness.env, { token: token(johnSession.sessionToken), sessionId: jane.sessionId }, BROWSER);
		expect(refused).toMatchObject({ ok: false, code: 'notSessionOwner' });
		expect(harness.store.sessions[jane.sessionId]).toBeDefined();
	});
});

describe('session tokens', () => {
	it('refuses altered tokens and tokens signed with another credential', async () => {
		const session = await signIn();
		const [header, payload, signature] = session.sessionToken.split('.');
		const forgedPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sid: 'someone-else' })).toString('base64url');
		expect(await validateSession(harness.env, token(`${header}.${forgedPayload}.${signature}`))).toMatchObject({ ok: false, code: 'sessionInvalid' });

		const otherKeys = deriveSsoKeys(buildConnection(fakeCredentialFields({ clientSecret: 'FAKE-another-secret' })));
		const foreign = await signSessionToken(session.sessionId, harness.clock + MINUTE, otherKeys.session, harness.connection.clientId, harness.clock);
		expect(await validateSession(harness.env, token(foreign))).toMatchObject({ ok: false, code: 'sessionInvalid' });
		expect(await validateSession(harness.env, token(''))).toMatchObject({ ok: false, code: 'sessionMissing', userMessage: 'Please sign in.' });
	});

	it('expires sessions after their lifetime', async () => {
		harness.settings.sessions.lifetimeMs = 30 * MINUTE;
		const session = await signIn();
		harness.clock += 31 * MINUTE;
		expect(await validateSession(harness.env, token(session.sessionToken))).toMatchObject({ ok: false, code: 'sessionExpired' });
	});

	it('refreshes lastSeenAt at most every five minutes', async () => {
		const session = await signIn();
		const revision = harness.store.revision;
		harness.clock += 2 * MINUTE;
		expect(await validateSession(harness.env, token(session.sessionToken))).toMatchObject({ lastSeenAt: session.audit[0].time });
		expect(harness.store.revision).toBe(revision);
		harness.clock += 4 * MINUTE;
		expect(await validateSession(harness.env, token(session.sessionToken))).toMatchObject({ lastSeenAt: new Date(harness.clock).toISOString() });
		expect(harness.store.revision).toBe(revision + 1);
	});

	it('caps sessions per requester, ending the oldest and auditing it', async () => {
		harness.settings.sessions.maxPerRequester = 2;
		const first = await signIn();
		harness.clock += MINUTE;
		await signIn(PHONE);
		harness.clock += MINUTE;
		const third = await signIn();
		expect(Object.keys(harness.store.sessions)).toHaveLength(2);
		expect(harness.store.sessions[first.sessionId]).toBeUndefined();
		expect(third.audit).toEqual([
			expect.objectContaining({ event: 'loginSucceeded', sessionId: third.sessionId }),
			expect.objectContaining({ event: 'sessionRevoked', sessionId: first.sessionId, code: 'sessionLimit' }),
		]);
	});
});

describe('token transport', () => {
	it('reads the token from itself, a Bearer header or a Cookie header', () => {
		expect(extractSessionToken('aaa.bbb.ccc', COOKIE)).toBe('aaa.bbb.ccc');
		expect(extractSessionToken('Bearer aaa.bbb.ccc', COOKIE)).toBe('aaa.bbb.ccc');
		expect(extractSessionToken('theme=dark; portal_session=aaa.bbb.ccc', COOKIE)).toBe('aaa.bbb.ccc');
		expect(extractSessionToken('theme=dark', COOKIE)).toBeNull();
		expect(extractSessionToken('  ', COOKIE)).toBeNull();
	});

	it('sets and clears a Secure, HttpOnly, SameSite=Lax cookie', () => {
		expect(sessionCookie('aaa.bbb.ccc', 3600, { name: COOKIE, domain: '.example.test' })).toBe('portal_session=aaa.bbb.ccc; Path=/; Max-Age=3600; Domain=.example.test; HttpOnly; Secure; SameSite=Lax');
		expect(clearedCookie({ name: COOKIE })).toBe('portal_session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax');
	});
});

describe('device labels', () => {
	it.each([
		[BROWSER.userAgent, 'Edge on Windows'],
		[PHONE.userAgent, 'Safari on iPhone'],
		['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36', 'Chrome on macOS'],
		['Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', 'Firefox on Linux'],
		['Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36', 'Samsung Internet on Android'],
		['curl/8.5.0', 'Unknown device'],
		[null, 'Unknown device'],
	])('%s → %s', (agent, label) => {
		expect(deviceLabel(agent)).toBe(label);
	});
});
