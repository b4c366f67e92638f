import nock from 'nock';
import { createHash } from 'node:crypto';
import { beginLogin } from '../../nodes/shared/sso/login';
import { clearOpenIdCache } from '../../nodes/shared/sso/openIdMetadata';
import { forgetSsoStores } from '../../nodes/shared/sso/storeAccess';
import { HttpError } from '../../nodes/shared/http/errors';
import { FAKE_CLIENT_ID, FAKE_TENANT_ID } from '../support/fakeTenant';
import {
	CALLBACK_URL,
	impostorKey,
	ISSUER,
	nockCodeRedemptionError,
	nockOpenIdConfiguration,
	nockSigningKeys,
	OTHER_TENANT_ID,
	USER_EMAIL,
	USER_OID,
} from './support/identityPlatform';
import { BROWSER, expectFailed, expectOk, LoginHarness, MINUTE, PHONE } from './support/loginHarness';

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

function events() {
	return harness.store.audit.map((record) => `${record.event}${record.code ? `:${record.code}` : ''}`);
}

describe('Start Login', () => {
	it('builds the authorization-code URL with PKCE S256, state and nonce for the tenant, and stores nothing secret', async () => {
		const { started, params } = await harness.start();
		const url = new URL(started.redirectUrl);
		expect(`${url.origin}${url.pathname}`).toBe(`https://login.microsoftonline.com/${FAKE_TENANT_ID}/oauth2/v2.0/authorize`);
		expect(params).toMatchObject({
			client_id: FAKE_CLIENT_ID,
			response_type: 'code',
			redirect_uri: CALLBACK_URL,
			response_mode: 'query',
			scope: 'openid profile email',
			code_challenge_method: 'S256',
		});
		expect(params.code_challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(params.nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
		expect(params.state).toBe(started.state);
		expect(started.expiresAt).toBe(new Date(harness.clock + 10 * MINUTE).toISOString());
		// The state is sealed: neither the nonce nor anything readable is in it.
		const readable = started.state.split('.').map((part) => Buffer.from(part, 'base64url').toString('latin1')).join(' ');
		expect(readable).not.toContain(params.nonce);
		expect(readable).not.toContain(CALLBACK_URL);
		expect(events()).toEqual(['loginStarted']);
		expect(harness.store.audit[0]).toMatchObject({ clientAddress: BROWSER.clientAddress, userAgent: BROWSER.userAgent, requester: null });
		expect(JSON.stringify(harness.staticData)).not.toContain(params.nonce);
	});

	it('refuses a redirect URI that is not https', async () => {
		await expect(beginLogin(harness.env, { redirectUri: 'http://n8n.example.test/webhook/sso/callback', stateLifetimeMs: MINUTE }, BROWSER)).rejects.toThrow(/Redirect URI must use https/);
	});
});

describe('Complete Login', () => {
	it('redeems the code with the PKCE verifier, verifies the ID token and opens a session for the synced requester', async () => {
		const { result, redemption, params, idToken, code } = await harness.login();
		const success = expectOk(result);
		expect(success.requester).toEqual({ id: harness.jane.id, key: USER_EMAIL, keyKind: 'email', azureObjectId: USER_OID, displayName: 'Jane Doe', email: USER_EMAIL });
		expect(success.device).toBe('Edge on Windows');
		expect(success.expiresAt).toBe(new Date(harness.clock + 8 * 60 * MINUTE).toISOString());
		expect(success.sessionToken.split('.')).toHaveLength(3);
		// What went to the token endpoint: the code, the verifier of the challenge, the same redirect URI.
		expect(redemption.body).toMatchObject({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK_URL, client_id: FAKE_CLIENT_ID });
		expect(createHash('sha256').update(redemption.body.code_verifier).digest('base64url')).toBe(params.code_challenge);
		expect(harness.store.sessions[success.sessionId]).toMatchObject({ requesterKey: USER_EMAIL, requesterId: harness.jane.id, device: 'Edge on Windows', clientAddress: BROWSER.clientAddress });
		expect(events()).toEqual(['loginStarted', 'loginSucceeded']);
		expect(success.audit).toEqual([harness.store.audit[1]]);
		// Nothing Microsoft issued, nor the code, is in the result or the store.
		const everything = JSON.stringify([success, harness.staticData]);
		for (const secret of [idToken, code, redemption.body.code_verifier, 'fake-access-token-for-jane', 'fake-refresh-token-for-jane']) expect(everything).not.toContain(secret);
	});

	it('refuses a forged ID token (signed with another key under the tenant key id)', async () => {
		const failure = expectFailed((await harness.login({ key: impostorKey })).result);
		expect(failure).toMatchObject({ code: 'idTokenInvalid', userMessage: expect.stringMatching(/could not be verified/) });
		expect(failure.adminReason).toMatch(/signature does not verify/);
		expect(events()).toEqual(['loginStarted', 'loginFailed:idTokenInvalid']);
		expect(harness.store.sessions).toEqual({});
	});

	it('re-reads the signing keys once for an unknown key id, and refuses a token no published key signed', async () => {
		const failure = expectFailed((await harness.login({ key: { ...impostorKey, kid: 'unknown-kid' } })).result);
		expect(failure.code).toBe('idTokenInvalid');
		expect(failure.adminReason).toMatch(/key the tenant does not publish/);
	});

	it('refuses an ID token meant for another application', async () => {
		const failure = expectFailed((await harness.login({ claims: { aud: '44444444-4444-4444-8444-444444444444' } })).result);
		expect(failure.code).toBe('idTokenInvalid');
		expect(failure.adminReason).toMatch(/meant for another application/);
		expect(events()).toEqual(['loginStarted', 'loginFailed:idTokenInvalid']);
	});

	it('refuses an ID token from another tenant (issuer, or tid)', async () => {
		const byIssuer = expectFailed((await harness.login({ claims: { iss: `https://login.microsoftonline.com/${OTHER_TENANT_ID}/v2.0`, tid: OTHER_TENANT_ID } })).result);
		expect(byIssuer).toMatchObject({ code: 'wrongTenant', userMessage: expect.stringMatching(/another organisation/) });
		expect(byIssuer.adminReason).toContain(ISSUER);
		const byTid = expectFailed((await harness.login({ claims: { tid: OTHER_TENANT_ID } })).result);
		expect(byTid.code).toBe('wrongTenant');
		expect(byTid.adminReason).toContain(`tenant ${OTHER_TENANT_ID}, not the configured tenant ${FAKE_TENANT_ID}`);
		expect(events()).toEqual(['loginStarted', 'loginFailed:wrongTenant', 'loginStarted', 'loginFailed:wrongTenant']);
	});

	it('refuses an expired ID token, beyond the five minutes of clock tolerance', async () => {
		const seconds = Math.floor(harness.clock / 1000);
		const failure = expectFailed((await harness.login({ claims: { iat: seconds - 7200, nbf: seconds - 7200, exp: seconds - 3600 } })).result);
		expect(failure.code).toBe('idTokenInvalid');
		expect(failure.adminReason).toMatch(/has expired/);
		expect(events()).toEqual(['loginStarted', 'loginFailed:idTokenInvalid']);
	});

	it('refuses an ID token whose nonce is not the one of this login', async () => {
		const failure = expectFailed((await harness.login({ claims: { nonce: 'nonce-of-another-login' } })).result);
		expect(failure.code).toBe('idTokenInvalid');
		expect(failure.adminReason).toMatch(/nonce/);
		expect(events()).toEqual(['loginStarted', 'loginFailed:idTokenInvalid']);
	});

	it('accepts a state once: the replayed callback is refused without redeeming the code again', async () => {
		const first = await harness.login();
		expectOk(first.result);
		const replay = expectFailed(await harness.callback({ code: first.code, state: first.params.state }));
		expect(replay).toMatchObject({ code: 'stateReused', userMessage: expect.stringMatching(/already used/) });
		expect(nock.pendingMocks().filter((mock) => mock.includes('oauth2'))).toEqual([]);
		expect(events()).toEqual(['loginStarted', 'loginSucceeded', 'loginFailed:stateReused']);
	});

	it('refuses an expired state', async () => {
		const { params } = await harness.start();
		harness.clock += 11 * MINUTE;
		const failure = expectFailed(await harness.callback({ code: 'fake-auth-code', state: params.state }));
		expect(failure).toMatchObject({ code: 'stateExpired', userMessage: expect.stringMatching(/took too long/) });
		expect(events()).toEqual(['loginStarted', 'loginFailed:stateExpired']);
	});

	it('refuses a missing or foreign state', async () => {
		expect(expectFailed(await harness.callback({ code: 'fake-auth-code' })).code).toBe('stateMissing');
		const { params } = await harness.start();
		const tampered = `${params.state.slice(0, -4)}AAAA`;
		expect(expectFailed(await harness.callback({ code: 'fake-auth-code', state: tampered })).code).toBe('stateInvalid');
	});

	it('tells a user who cancelled that sign-in was cancelled, without counting it as an invalid attempt', async () => {
		const { params } = await harness.start();
		const failure = expectFailed(await harness.callback({ error: 'access_denied', errorDescription: 'The user has cancelled the sign-in.', state: params.state }));
		expect(failure).toMatchObject({ code: 'cancelled', userMessage: expect.stringMatching(/cancelled/) });
		expect(failure.adminReason).toMatch(/access_denied: The user has cancelled/);
		expect(harness.store.attempts).toEqual({});
		expect(events()).toEqual(['loginStarted', 'loginFailed:cancelled']);
	});

	it('explains missing admin consent, whether Microsoft says so on the callback or at code redemption', async () => {
		const { params } = await harness.start();
		const onCallback = expectFailed(
			await harness.callback({
				error: 'consent_required',
				errorDescription: 'AADSTS65001: The user or administrator has not consented to use the application with ID fake.',
				state: params.state,
			}),
		);
		expect(onCallback).toMatchObject({ code: 'consentMissing', userMessage: expect.stringMatching(/not fully set up/) });
		expect(onCallback.adminReason).toMatch(/Grant admin consent/);

		const second = await harness.start();
		nockCodeRedemptionError('65001', 'The user or administrator has not consented to use the application.');
		const atRedemption = expectFailed(await harness.callback({ code: 'fake-auth-code', state: second.params.state }));
		expect(atRedemption.code).toBe('consentMissing');
		expect(harness.store.attempts).toEqual({});
		expect(events()).toEqual(['loginStarted', 'loginFailed:consentMissing', 'loginStarted', 'loginFailed:consentMissing']);
	});

	it('says why the code could not be redeemed (reused code; invalid client secret is the admin\'s problem)', async () => {
		const reused = await harness.start();
		nockCodeRedemptionError('54005', 'OAuth2 Authorization code was already redeemed.');
		const failure = expectFailed(await harness.callback({ code: 'fake-auth-code', state: reused.params.state }));
		expect(failure.code).toBe('codeRedemptionFailed');
		expect(failure.adminReason).toMatch(/already redeemed.*AADSTS54005/);

		const secret = await harness.start();
		nockCodeRedemptionError('7000215', 'Invalid client secret provided.', 'invalid_client');
		const config = expectFailed(await harness.callback({ code: 'fake-auth-code', state: secret.params.state }));
		expect(config).toMatchObject({ code: 'configurationError', userMessage: expect.stringMatching(/contact your IT support/) });
		expect(config.adminReason).toMatch(/client secret is wrong/);
	});

	it('refuses an unknown requester', async () => {
		const failure = expectFailed((await harness.login({ claims: { email: 'nobody@contoso.test', preferred_username: 'nobody@contoso.test' } })).result);
		expect(failure).toMatchObject({ code: 'requesterUnknown', userMessage: expect.stringMatching(/not set up for the portal/) });
		expect(failure.adminReason).toBe('No requester with email "nobody@contoso.test" in Memory destination');
		expect(harness.store.audit.at(-1)).toMatchObject({ event: 'loginFailed', requester: 'nobody@contoso.test', code: 'requesterUnknown' });
	});

	it('refuses a deactivated requester', async () => {
		harness.destination.records.get(harness.jane.id)!.active = false;
		const failure = expectFailed((await harness.login()).result);
		expect(failure).toMatchObject({ code: 'requesterInactive', userMessage: expect.stringMatching(/deactivated/) });
		expect(failure.adminReason).toBe(`Requester ${harness.jane.id} (email "${USER_EMAIL}") is deactivated in Memory destination`);
		expect(harness.store.audit.at(-1)).toMatchObject({ event: 'loginFailed', requester: USER_EMAIL, code: 'requesterInactive', reason: failure.adminReason, clientAddress: BROWSER.clientAddress });
	});

	it('only lets synced requesters in: stored object id, or the sync links; never another user with the same email', async () => {
		const record = harness.destination.records.get(harness.jane.id)!;
		record.azureObjectId = null;
		expect(expectFailed((await harness.login()).result).adminReason).toMatch(/is not synced from Azure AD/);
		harness.links = { [USER_OID]: harness.jane.id };
		expectOk((await harness.login()).result);
		record.azureObjectId = '55555555-5555-4555-8555-555555555555';
		const other = expectFailed((await harness.login()).result);
		expect(other.code).toBe('requesterNotSynced');
		expect(other.adminReason).toContain('belongs to Azure user 55555555-5555-4555-8555-555555555555');
	});

	it('with "Only Those With Login Allowed" needs the flag on the requester', async () => {
		harness.settings.allowed = 'loginAllowed';
		expect(expectFailed((await harness.login()).result).adminReason).toMatch(/does not store the login flag/);
		(harness.destination.records.get(harness.jane.id) as { allowLogin?: boolean }).allowLogin = false;
		expect(expectFailed((await harness.login()).result).adminReason).toMatch(/has login turned off/);
		(harness.destination.records.get(harness.jane.id) as { allowLogin?: boolean }).allowLogin = true;
		expectOk((await harness.login()).result);
	});

	it('matches on the configured SSO key: object ID, UPN (preferred_username) or employee ID (from Graph)', async () => {
		harness.destination.records.get(harness.jane.id)!.key = USER_OID;
		harness.settings.keyKind = 'objectId';
		expect(expectOk((await harness.login()).result).requester.key).toBe(USER_OID);

		harness.destination.records.get(harness.jane.id)!.key = 'e-1001';
		harness.settings.keyKind = 'employeeId';
		expect(expectOk((await harness.login()).result).requester).toMatchObject({ key: 'e-1001', keyKind: 'employeeId' });

		harness.destination.records.get(harness.jane.id)!.key = 'jane@contoso.onmicrosoft.test';
		harness.settings.keyKind = 'upn';
		expect(expectOk((await harness.login({ claims: { preferred_username: 'Jane@contoso.onmicrosoft.test' } })).result).requester.key).toBe('jane@contoso.onmicrosoft.test');
	});

	it('says when the token has no usable email claim, without counting it against the user', async () => {
		const failure = expectFailed((await harness.login({ claims: { email: undefined, preferred_username: 'jane' } })).result);
		expect(failure.code).toBe('claimMissing');
		expect(failure.adminReason).toMatch(/optional claim 'email'/);
		expect(harness.store.attempts).toEqual({});
	});

	it('answers "temporarily unavailable" when the destination is down, and does not count it', async () => {
		harness.destination.failures.push({ call: 'findByKey', error: new HttpError({ status: 503, serviceMessage: 'Down for maintenance', method: 'GET', url: 'https://itsm.example/requesters' }) });
		const failure = expectFailed((await harness.login()).result);
		expect(failure).toMatchObject({ code: 'serviceUnavailable', userMessage: expect.stringMatching(/temporarily unavailable/) });
		expect(failure.adminReason).toMatch(/HTTP 503/);
		expect(harness.store.attempts).toEqual({});
	});
});

describe('Lockout', () => {
	it('locks a requester out after 5 failures in 15 minutes, releases after the cool-down, and a success resets the count', async () => {
		const record = harness.destination.records.get(harness.jane.id)!;
		record.active = false;
		for (let attempt = 1; attempt <= 5; attempt++) {
			// A new address each time: only the requester's count reaches the limit.
			const failure = expectFailed((await harness.login({}, { ...PHONE, clientAddress: `203.0.113.${attempt}` })).result);
			expect(failure.code).toBe('requesterInactive');
			harness.clock += MINUTE;
		}
		expect(harness.store.audit.at(-1)).toMatchObject({ event: 'lockedOut', requester: USER_EMAIL, code: 'lockedOut' });
		expect(harness.store.audit.at(-1)!.reason).toMatch(/^Requester "jane.doe@contoso.test" locked out until/);

		record.active = true;
		const locked = expectFailed((await harness.login({}, { ...PHONE, clientAddress: '203.0.113.99' })).result);
		// Locked by the fifth failure, a minute ago: 14 of the 15 minutes are left.
		expect(locked).toMatchObject({ code: 'lockedOut', userMessage: 'Too many failed sign-in attempts. Please try again in 14 minutes.' });
		expect(locked.adminReason).toMatch(/Requester "jane.doe@contoso.test" is locked out until/);
		expect(harness.store.audit.at(-1)).toMatchObject({ event: 'loginFailed', code: 'lockedOut' });

		harness.clock += 14 * MINUTE - 1000;
		expect(expectFailed((await harness.login({}, PHONE)).result).userMessage).toMatch(/try again in 1 minute\.$/);
		harness.clock += 1000;
		expectOk((await harness.login({}, PHONE)).result);
		expect(harness.store.attempts[`requester:${USER_EMAIL}`]).toBeUndefined();
	});

	it('locks a client address out after 5 invalid callbacks, refusing before any code is redeemed; other addresses still sign in', async () => {
		const attacker = { clientAddress: '192.0.2.66', userAgent: 'curl/8.5.0' };
		for (let attempt = 0; attempt < 5; attempt++) expect(expectFailed(await harness.callback({ code: 'guess', state: `forged-${attempt}` }, attacker)).code).toBe('stateInvalid');
		expect(events().slice(-2)).toEqual(['loginFailed:stateInvalid', 'lockedOut:lockedOut']);

		const { params } = await harness.start(attacker);
		const refused = expectFailed(await harness.callback({ code: 'fake-auth-code', state: params.state }, attacker));
		expect(refused.code).toBe('lockedOut');
		expect(refused.adminReason).toMatch(/^Client address 192.0.2.66 is locked out until/);

		expectOk((await harness.login({}, BROWSER)).result);
		harness.clock += 15 * MINUTE;
		expectOk((await harness.login({}, attacker)).result);
	});

	it('forgets failures older than the window', async () => {
		const attacker = { clientAddress: '192.0.2.77', userAgent: null };
		for (let attempt = 0; attempt < 4; attempt++) await harness.callback({ code: 'guess', state: 'forged' }, attacker);
		harness.clock += 16 * MINUTE;
		await harness.callback({ code: 'guess', state: 'forged' }, attacker);
		expect(harness.store.attempts['address:192.0.2.77'].failures).toHaveLength(1);
		expect(events()).not.toContain('lockedOut:lockedOut');
	});
});
