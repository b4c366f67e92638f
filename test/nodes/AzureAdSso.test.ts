import nock from 'nock';
import { NodeOperationError, type IDataObject, type INodeExecutionData } from 'n8n-workflow';
import { parse } from 'csv-parse/sync';
import { AzureAdSso } from '../../nodes/AzureAdSso/AzureAdSso.node';
import { clearOpenIdCache } from '../../nodes/shared/sso/openIdMetadata';
import { forgetSsoStores } from '../../nodes/shared/sso/storeAccess';
import { SSO_STORE_KEY, type SsoStoreData } from '../../nodes/shared/sso/store';
import { globalStaticData, runNode, type RunResult } from '../harness/n8n';
import { fakeCredentialFields, FAKE_SECRET } from '../support/fakeTenant';
import {
	authorizationParameters,
	CALLBACK_URL,
	impostorKey,
	nockCodeRedemption,
	nockOpenIdConfiguration,
	nockSigningKeys,
	signIdToken,
	USER_EMAIL,
	USER_OID,
	type IdTokenOptions,
} from '../sso/support/identityPlatform';

const FRESHSERVICE = 'https://acme-test.freshservice.com';
const FS_API_KEY = 'FAKE-freshservice-key';
const credentials = {
	azureAdSyncApi: fakeCredentialFields() as Record<string, string>,
	freshserviceApi: { domain: 'acme-test', apiKey: FS_API_KEY },
};
const LAPTOP_AGENT = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0';
const PHONE_AGENT = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';
const COMPLETE_LOGIN = {
	operation: 'completeLogin',
	afterLoginRedirectUrl: 'https://portal.example.test/',
	destination: 'freshservice',
	freshserviceCustomFields: { fields: [{ value: 'azureObjectId', name: 'azure_object_id' }] },
};
/** Every secret a login handles; none may appear in an output item or a log line. */
const secrets = new Set<string>([FAKE_SECRET, FS_API_KEY, 'fake-access-token-for-jane', 'fake-refresh-token-for-jane']);

beforeAll(() => nock.disableNetConnect());
beforeEach(() => {
	nockOpenIdConfiguration().persist();
	nockSigningKeys().persist();
});
afterEach(() => {
	nock.cleanAll();
	clearOpenIdCache();
	forgetSsoStores();
	jest.useRealTimers();
});
afterAll(() => nock.enableNetConnect());

/** What a Webhook node (v2) outputs for a request. */
function webhookItem(path: string, request: { query?: IDataObject; headers?: IDataObject } = {}): INodeExecutionData {
	return {
		json: {
			headers: { host: 'n8n.example.test', 'user-agent': LAPTOP_AGENT, 'x-forwarded-for': '198.51.100.7, 10.0.0.2', ...request.headers },
			params: {},
			query: request.query ?? {},
			body: {},
			webhookUrl: `https://n8n.example.test/webhook${path}`,
			executionMode: 'production',
		},
	};
}

function freshserviceFinds(requester: IDataObject | null, times = 1) {
	return nock(FRESHSERVICE)
		.get('/api/v2/requesters')
		.query({ email: USER_EMAIL })
		.times(times)
		.reply(200, { requesters: requester ? [requester] : [] });
}

const JANE = { id: 1001, first_name: 'Jane', last_name: 'Doe', primary_email: USER_EMAIL, active: true, custom_fields: { azure_object_id: USER_OID } };

async function run(parameters: IDataObject, item: INodeExecutionData, staticData?: IDataObject): Promise<RunResult> {
	const result = await runNode({ node: new AzureAdSso(), parameters: parameters as never, credentials, inputItems: [item], staticData, mode: 'webhook' });
	expect(result.error).toBeUndefined();
	return result;
}

function only(result: RunResult): IDataObject {
	expect(result.outputs[0]).toHaveLength(1);
	expect(result.outputs[0][0].pairedItem).toEqual({ item: 0 });
	return result.outputs[0][0].json;
}

function store(result: RunResult): SsoStoreData {
	return globalStaticData(result.persistedStaticData)[SSO_STORE_KEY] as unknown as SsoStoreData;
}

function expectNoSecrets(...results: RunResult[]) {
	const seen = JSON.stringify(results.map((result) => [result.outputs, result.logs, result.persistedStaticData]));
	for (const secret of secrets) expect(seen).not.toContain(secret);
}

/** Start Login in the login workflow, then the browser comes back to Complete Login in the callback workflow. */
async function signIn(options: { token?: Partial<IdTokenOptions>; agent?: string; address?: string; callbackData?: IDataObject; parameters?: IDataObject } = {}) {
	const start = await run({ operation: 'startLogin' }, webhookItem('/sso/login'));
	const started = only(start);
	const params = authorizationParameters(started.redirectUrl as string);
	// The callback runs in another workflow: nothing of the login workflow's memory may help it.
	forgetSsoStores();
	const idToken = await signIdToken({ nonce: params.nonce, ...options.token });
	secrets.add(idToken);
	const code = `fake-auth-code-${params.nonce.slice(0, 8)}`;
	secrets.add(code);
	const redemption = nockCodeRedemption(idToken, { challenge: params.code_challenge });
	const callback = await run(
		{ ...COMPLETE_LOGIN, ...options.parameters },
		webhookItem('/sso/callback', {
			query: { code, state: params.state, session_state: 'fake-session-state' },
			headers: { 'user-agent': options.agent ?? LAPTOP_AGENT, 'x-forwarded-for': options.address ?? '198.51.100.7' },
		}),
		options.callbackData,
	);
	secrets.add(redemption.body.code_verifier ?? 'no-verifier');
	return { start, started, params, callback, result: only(callback), redemption };
}

describe('Azure AD SSO node: Start Login', () => {
	it('outputs the Microsoft URL with PKCE, the callback redirect URI derived from the login webhook, and audits it', async () => {
		const start = await run({ operation: 'startLogin', loginOptions: { prompt: 'select_account', domainHint: 'contoso.test' } }, webhookItem('/sso/login'));
		const item = only(start);
		expect(Object.keys(item).sort()).toEqual(['audit', 'expiresAt', 'ok', 'redirectUrl', 'state']);
		expect(authorizationParameters(item.redirectUrl as string)).toMatchObject({
			redirect_uri: CALLBACK_URL,
			code_challenge_method: 'S256',
			scope: 'openid profile email',
			response_mode: 'query',
			prompt: 'select_account',
			domain_hint: 'contoso.test',
			state: item.state,
		});
		expect(store(start).audit).toEqual([expect.objectContaining({ event: 'loginStarted', clientAddress: '198.51.100.7', userAgent: LAPTOP_AGENT })]);
	});

	it('drops audit events older than Audit Log Days, and names that option when its value is wrong', async () => {
		const first = await run({ operation: 'startLogin' }, webhookItem('/sso/login'));
		const staticData = first.persistedStaticData as IDataObject;
		const kept = store(first);
		kept.audit[0].time = new Date(Date.now() - 31 * 86_400_000).toISOString();
		kept.revision += 1;
		forgetSsoStores();
		const second = await run({ operation: 'startLogin', options: { auditLogDays: 30 } }, webhookItem('/sso/login'), staticData);
		expect(store(second).audit.map((record) => record.event)).toEqual(['loginStarted']);
		expect(Date.parse(store(second).audit[0].time)).toBeGreaterThan(Date.now() - 60_000);

		// A set-up problem is a failure item for the admin, as every SSO refusal is.
		const wrong = only(await run({ operation: 'startLogin', options: { auditLogDays: -1 } }, webhookItem('/sso/login')));
		expect(wrong).toMatchObject({ ok: false, code: 'configurationError' });
		expect(wrong.adminReason).toMatch(/^Audit Log Days must be a whole number of 0 or more/);
	});

	it('answers a bad Redirect URI with a failure item for the admin', async () => {
		const item = only(await run({ operation: 'startLogin', redirectUri: 'http://n8n.example.test/cb' }, webhookItem('/sso/login')));
		expect(item).toMatchObject({ ok: false, code: 'configurationError', adminReason: expect.stringMatching(/Redirect URI must use https/) });
	});
});

describe('Azure AD SSO node: Complete Login', () => {
	it('signs a synced requester in: cookie, redirect, requester, session and audit; no code or token of Microsoft anywhere', async () => {
		freshserviceFinds(JANE);
		const { callback, result, start } = await signIn();
		expect(result).toMatchObject({
			ok: true,
			redirectUrl: 'https://portal.example.test/',
			requester: { id: '1001', key: USER_EMAIL, keyKind: 'email', azureObjectId: USER_OID, displayName: 'Jane Doe', email: USER_EMAIL },
			device: 'Edge on Windows',
			expiresInSeconds: 8 * 3600,
		});
		expect(result.setCookie).toBe(`portal_session=${result.sessionToken as string}; Path=/; Max-Age=28800; HttpOnly; Secure; SameSite=Lax`);
		expect(store(callback).sessions[result.sessionId as string]).toMatchObject({ requesterId: '1001', device: 'Edge on Windows', clientAddress: '198.51.100.7' });
		expect(store(callback).audit.map((record) => record.event)).toEqual(['loginSucceeded']);
		expect(callback.logs.join('\n')).toContain(`Azure AD SSO completeLogin done for ${USER_EMAIL} (session ${result.sessionId as string})`);
		expectNoSecrets(start, callback);
	});

	it('delivers the token in the redirect fragment when asked', async () => {
		freshserviceFinds(JANE);
		const { result } = await signIn({ parameters: { sessionSettings: { tokenDelivery: 'fragment', sessionLifetime: 60 } } });
		expect(result.redirectUrl).toBe(`https://portal.example.test/#session_token=${result.sessionToken as string}`);
		expect(result.setCookie).toBeUndefined();
		expect(result.expiresInSeconds).toBe(3600);
	});

	it('answers a forged ID token with a failure item, not an error, and audits it', async () => {
		const { callback, result, start } = await signIn({ token: { key: impostorKey } });
		expect(result).toEqual({
			ok: false,
			code: 'idTokenInvalid',
			userMessage: 'Sign-in could not be verified. Please start again from the portal.',
			adminReason: "The ID token's signature does not verify against the tenant's signing keys (forged or altered token)",
			audit: [expect.objectContaining({ event: 'loginFailed', code: 'idTokenInvalid', clientAddress: '198.51.100.7' })],
		});
		expect(callback.logs.join('\n')).toMatch(/completeLogin refused \(idTokenInvalid\)/);
		expectNoSecrets(start, callback);
	});

	it('refuses an unknown and a deactivated requester with their own messages', async () => {
		freshserviceFinds(null);
		expect((await signIn()).result).toMatchObject({ ok: false, code: 'requesterUnknown', adminReason: `No requester with email "${USER_EMAIL}" in Freshservice (acme-test.freshservice.com)` });
		freshserviceFinds({ ...JANE, active: false });
		expect((await signIn()).result).toMatchObject({ ok: false, code: 'requesterInactive', userMessage: 'Your portal account is deactivated. Please contact your IT support.' });
	});

	it('tells a user who cancelled at Microsoft, from the callback query', async () => {
		const start = only(await run({ operation: 'startLogin' }, webhookItem('/sso/login')));
		const item = only(
			await run(COMPLETE_LOGIN, webhookItem('/sso/callback', { query: { error: 'access_denied', error_description: 'The user has cancelled.', state: start.state } })),
		);
		expect(item).toMatchObject({ ok: false, code: 'cancelled', userMessage: expect.stringMatching(/^Sign-in was cancelled/) });
	});

	it('throws instead when Throw on Failure is on', async () => {
		const result = await runNode({
			node: new AzureAdSso(),
			parameters: { ...COMPLETE_LOGIN, options: { throwOnFailure: true } } as never,
			credentials,
			inputItems: [webhookItem('/sso/callback', { query: { code: 'x', state: 'not-a-state' } })],
			mode: 'webhook',
		});
		expect(result.error).toBeInstanceOf(NodeOperationError);
		expect(result.error?.message).toMatch(/^stateInvalid: The state parameter was not issued by this SSO node/);
	});

	it('locks a client address out after 5 invalid callbacks and lets it in again after the cool-down (clock injected)', async () => {
		jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'queueMicrotask', 'hrtime', 'performance'], now: Date.parse('2026-11-26T09:00:00Z') });
		const attacker = { 'x-forwarded-for': '192.0.2.66', 'user-agent': 'curl/8.5.0' };
		let staticData: IDataObject | undefined;
		for (let attempt = 0; attempt < 5; attempt++) {
			const result = await run(COMPLETE_LOGIN, webhookItem('/sso/callback', { query: { code: 'guess', state: `forged-${attempt}` }, headers: attacker }), staticData);
			expect(only(result).code).toBe('stateInvalid');
			staticData = result.persistedStaticData;
		}
		expect(store({ persistedStaticData: staticData } as RunResult).audit.map((record) => record.event).slice(-2)).toEqual(['loginFailed', 'lockedOut']);

		freshserviceFinds(JANE);
		const refused = await signIn({ address: '192.0.2.66', callbackData: staticData });
		expect(refused.result).toMatchObject({ ok: false, code: 'lockedOut', userMessage: 'Too many failed sign-in attempts. Please try again in 15 minutes.' });

		jest.setSystemTime(Date.now() + 15 * 60_000);
		const released = await signIn({ address: '192.0.2.66', callbackData: refused.callback.persistedStaticData });
		expect(released.result.ok).toBe(true);
	});
});

describe('Azure AD SSO node: sessions', () => {
	async function twoDevices() {
		freshserviceFinds(JANE, 2);
		const laptop = await signIn({ agent: LAPTOP_AGENT });
		const phone = await signIn({ agent: PHONE_AGENT, address: '203.0.113.50', callbackData: laptop.callback.persistedStaticData });
		return { laptop: laptop.result, phone: phone.result, staticData: phone.callback.persistedStaticData };
	}

	it('validates a session from the cookie header, lists both devices, revokes one and signs out everywhere', async () => {
		const { laptop, phone, staticData } = await twoDevices();
		const cookie = { cookie: `theme=dark; portal_session=${laptop.sessionToken as string}` };

		const valid = only(await run({ operation: 'validateSession' }, webhookItem('/sso/session', { headers: cookie }), staticData));
		expect(valid).toMatchObject({ ok: true, valid: true, sessionId: laptop.sessionId, requester: { id: '1001', key: USER_EMAIL }, device: 'Edge on Windows' });

		const listed = only(await run({ operation: 'listSessions' }, webhookItem('/sso/sessions', { headers: { authorization: `Bearer ${laptop.sessionToken as string}` } }), staticData));
		expect((listed.sessions as IDataObject[]).map((session) => [session.device, session.current])).toEqual([
			['Safari on iPhone', false],
			['Edge on Windows', true],
		]);

		const revoke = await run({ operation: 'revokeSession', sessionId: phone.sessionId }, webhookItem('/sso/logout', { headers: cookie }), staticData);
		// Ending another device keeps this device's cookie.
		expect(only(revoke)).toMatchObject({ ok: true, sessionId: phone.sessionId, ownSession: false });
		expect(only(revoke).clearCookie).toBeUndefined();
		const afterRevoke = revoke.persistedStaticData;
		expect(only(await run({ operation: 'validateSession', sessionToken: phone.sessionToken }, webhookItem('/sso/session'), afterRevoke))).toMatchObject({ ok: false, code: 'sessionNotFound' });

		const signOut = await run({ operation: 'revokeSession' }, webhookItem('/sso/logout', { headers: cookie }), afterRevoke);
		expect(only(signOut)).toMatchObject({ ok: true, sessionId: laptop.sessionId, ownSession: true, clearCookie: 'portal_session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax' });

		const everywhere = await run({ operation: 'signOutEverywhere', requesterFrom: 'requesterKey', requesterKey: USER_EMAIL }, webhookItem('/sso/admin/sign-out'), signOut.persistedStaticData);
		expect(only(everywhere)).toMatchObject({ ok: true, requester: USER_EMAIL, revokedSessions: 0 });
		expect(store(everywhere).sessions).toEqual({});
		expect(store(everywhere).audit.map((record) => `${record.event}:${record.code ?? ''}`)).toEqual([
			'loginSucceeded:',
			'loginSucceeded:',
			'sessionRevoked:revoked',
			'sessionRevoked:revoked',
			'signedOutEverywhere:signedOutEverywhere',
		]);
	});

	it('keeps sessions in static data across a restart', async () => {
		const { laptop, staticData } = await twoDevices();
		forgetSsoStores();
		const valid = only(await run({ operation: 'validateSession', sessionToken: `Bearer ${laptop.sessionToken as string}` }, webhookItem('/sso/session'), staticData));
		expect(valid.ok).toBe(true);
	});

	it('exports the audit log as a CSV file', async () => {
		const { staticData } = await twoDevices();
		const result = await runNode({ node: new AzureAdSso(), parameters: { operation: 'exportAuditLog', options: { fileName: 'audit.csv' } } as never, credentials, staticData, mode: 'webhook' });
		const [item] = result.outputs[0];
		expect(item.json).toMatchObject({ rows: 2, fileName: 'audit.csv' });
		expect(item.binary?.data).toMatchObject({ fileName: 'audit.csv', mimeType: 'text/csv' });
		const rows = parse(Buffer.from(item.binary!.data.data, 'base64').toString('utf8')) as string[][];
		expect(rows.map((row) => row[1])).toEqual(['Event', 'Login succeeded', 'Login succeeded']);
		expect(rows[1][2]).toBe(USER_EMAIL);
	});

	it('leaves out of the export the events aged past the Audit Log Days they were kept with, also when nothing was written since', async () => {
		const { staticData } = await twoDevices();
		const store = globalStaticData(staticData)[SSO_STORE_KEY] as unknown as SsoStoreData;
		expect(store.auditRetention).toEqual({ maxCount: 1000, maxAgeDays: 90 });
		store.audit[0].time = new Date(Date.now() - 91 * 86_400_000).toISOString();
		forgetSsoStores();
		const result = await runNode({ node: new AzureAdSso(), parameters: { operation: 'exportAuditLog' } as never, credentials, staticData, mode: 'webhook' });
		expect(result.outputs[0][0].json).toMatchObject({ rows: 1, from: store.audit[1].time });
	});

	it('with Continue On Fail turns an export that cannot run into one error item paired with every input', async () => {
		const result = await runNode({
			node: new AzureAdSso(),
			parameters: { operation: 'exportAuditLog', binaryPropertyName: "={{ $('Missing Node').item.json.field }}" } as never,
			credentials,
			inputItems: [{ json: {} }, { json: {} }],
			continueOnFail: true,
		});
		expect(result.error).toBeUndefined();
		expect(result.outputs[0]).toEqual([{ json: { error: "Referenced node doesn't exist", description: null }, pairedItem: [{ item: 0 }, { item: 1 }] }]);
	});
});
