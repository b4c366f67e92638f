/**
 * Requester SSO in real n8n 2.41.1: the shipped login and callback workflows served by `n8n start`
 * (the pack installed from its tarball), a browser played with HTTP calls that do not follow
 * redirects, and the Microsoft stand-in's authorization code flow. Requesters are what the
 * shipped sync workflow leaves in the Freshservice stand-in (Azure object ID in `external_id`);
 * one of them was deactivated by the sync when its account was disabled, and its account was
 * re-enabled afterwards, so Microsoft lets it sign in and only the requester check can refuse it.
 */
import { rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { makeUsers, type SeedUser } from '../fixtures/standins/microsoft';
import { executionSucceeded } from './support/n8n';
import { CLIENT_ID, packThePack, readWorkflow, startSandbox, SYNC_WORKFLOW, type Sandbox } from './support/sandbox';

const ROOT = resolve(__dirname, '..', '..');
const LOGIN_WORKFLOW = join(ROOT, 'workflows', 'sso-login.json');
const CALLBACK_WORKFLOW = join(ROOT, 'workflows', 'sso-callback.json');
const SSO_ADMIN_KEY = 'FAKE-e2e-sso-admin-key';
const PORTAL = 'https://portal.example.com/';
const BROWSER = {
	'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0',
	'x-forwarded-for': '203.0.113.7',
};

const USERS = makeUsers(12);
const MEMBERS = USERS.filter((user) => user.accountEnabled !== false && user.userType === 'Member' && user.mail);
/** A synced, active requester. */
const ACTIVE = MEMBERS[0];
/** Deactivated by the sync, then re-enabled in Azure AD before the next sync ran. */
const LEAVER = MEMBERS[1];

let sandbox: Sandbox;

interface Reply {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	text: string;
}

/** A browser's GET at the stand-in (it trusts the test CA; this process was not started with it). */
function getAtMicrosoft(url: string): Promise<Reply> {
	return new Promise((done, fail) => {
		const req = httpsRequest(url, { method: 'GET', headers: { 'user-agent': BROWSER['user-agent'] }, ca: sandbox.tls.caPem, agent: false }, (res) => {
			let text = '';
			res.setEncoding('utf8');
			res.on('data', (chunk: string) => (text += chunk));
			res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, text }));
		});
		req.on('error', fail);
		req.end();
	});
}

function requesterFor(user: SeedUser) {
	return [...sandbox.freshservice.state.requesters.values()].find((requester) => requester.primary_email === user.mail!.toLowerCase());
}

async function runSync(workflowId: string): Promise<void> {
	const run = await sandbox.n8n.execute(workflowId);
	expect(executionSucceeded(run.json)).toBe(true);
}

beforeAll(async () => {
	sandbox = await startSandbox({ users: USERS, tarball: packThePack() });
	const { n8n, microsoft } = sandbox;
	await n8n.importCredentials([{ id: 'aadSsoAdminAuth1', name: 'SSO admin key', type: 'httpHeaderAuth', data: { name: 'X-SSO-Admin-Key', value: SSO_ADMIN_KEY } }]);

	// Requesters as the shipped sync leaves them: created, then the leaver deactivated.
	const syncId = await n8n.importWorkflow(readWorkflow(SYNC_WORKFLOW));
	await runSync(syncId);
	microsoft.state.disableUser(LEAVER.id);
	await runSync(syncId);
	microsoft.state.enableUser(LEAVER.id);

	// The shipped SSO workflows as they are: their defaults already fit (redirect URI derived from
	// the webhook URL, credentials by the ids the sandbox imports); the portal is never visited.
	await n8n.activate(await n8n.importWorkflow(readWorkflow(LOGIN_WORKFLOW)));
	await n8n.activate(await n8n.importWorkflow(readWorkflow(CALLBACK_WORKFLOW)));
	await n8n.start();
	for (const path of ['sso/login', 'sso/callback', 'sso/session', 'sso/audit']) await n8n.waitForWebhook(path, 'GET');
	await n8n.waitForWebhook('sso/logout', 'POST');
	// The app registration as the workflow's setup note asks: the callback as a Web redirect URI,
	// and the optional `email` claim (the SSO Unique Key is the email).
	microsoft.state.setRedirectUris(CLIENT_ID, [n8n.webhookUrl('sso/callback')]);
	microsoft.state.findApp(CLIENT_ID)!.optionalClaims = ['email'];
});

afterAll(async () => {
	await sandbox?.close();
	if (sandbox) rmSync(sandbox.tls.dir, { recursive: true, force: true });
});

/** GET /webhook/sso/login, which must answer 302 to Microsoft; returns the authorize URL. */
async function startLogin(): Promise<URL> {
	const response = await fetch(sandbox.n8n.webhookUrl('sso/login'), { redirect: 'manual', headers: BROWSER });
	expect(response.status).toBe(302);
	expect(response.headers.get('cache-control')).toBe('no-store');
	return new URL(response.headers.get('location')!);
}

/** The user signs in at the stand-in, which sends the browser back to the callback with a code. */
async function signInAtMicrosoft(authorizeUrl: URL, user: SeedUser): Promise<URL> {
	sandbox.microsoft.state.approveLogin(user.id);
	const reply = await getAtMicrosoft(authorizeUrl.toString());
	expect(reply.status).toBe(302);
	return new URL(String(reply.headers.location));
}

async function openCallback(callbackUrl: URL): Promise<{ response: Response; body: string }> {
	const response = await fetch(callbackUrl, { redirect: 'manual', headers: BROWSER });
	return { response, body: await response.text() };
}

async function sessionOf(headers: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> }> {
	const response = await fetch(sandbox.n8n.webhookUrl('sso/session'), { headers: { ...BROWSER, ...headers } });
	return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** What a refusal page may never show: request secrets, Microsoft's tokens, internals. */
function expectSafeRefusal(body: string, secrets: string[]): void {
	for (const secret of secrets) expect(body).not.toContain(secret);
	expect(body).not.toMatch(/\bat .+\.(js|ts):\d+|Error:|eyJ[A-Za-z0-9_-]{10,}|adminReason|AADSTS/);
	expect(body.length).toBeLessThan(1500);
}

describe('requester SSO workflows in real n8n', () => {
	let sessionToken = '';
	let usedCallback: URL | undefined;

	it('the sync left one active and one deactivated requester, each carrying its Azure object ID', () => {
		expect(requesterFor(ACTIVE)).toMatchObject({ active: true, external_id: ACTIVE.id });
		expect(requesterFor(LEAVER)).toMatchObject({ active: false, external_id: LEAVER.id });
		expect(sandbox.microsoft.state.findUser(LEAVER.id)!.accountEnabled).toBe(true);
	});

	it('the login webhook redirects to the stand-in authorize endpoint with PKCE S256, state and nonce', async () => {
		const authorizeUrl = await startLogin();
		expect(`${authorizeUrl.origin}${authorizeUrl.pathname}`).toBe(`${sandbox.microsoft.authority}/oauth2/v2.0/authorize`);
		const params = Object.fromEntries(authorizeUrl.searchParams);
		expect(params).toMatchObject({
			client_id: CLIENT_ID,
			response_type: 'code',
			response_mode: 'query',
			redirect_uri: sandbox.n8n.webhookUrl('sso/callback'),
			scope: 'openid profile email',
			code_challenge_method: 'S256',
			prompt: 'select_account',
		});
		expect(params.code_challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(params.nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
		// The state is sealed: the nonce it carries is not readable in it.
		expect(params.state.split('.')).toHaveLength(5);
		expect(params.state).not.toContain(params.nonce);
		const again = Object.fromEntries((await startLogin()).searchParams);
		expect([again.state, again.nonce, again.code_challenge]).not.toEqual([params.state, params.nonce, params.code_challenge]);
	});

	it('the callback with the stand-in code opens a session for the synced requester', async () => {
		const authorizeUrl = await startLogin();
		const challenge = authorizeUrl.searchParams.get('code_challenge')!;
		const callbackUrl = await signInAtMicrosoft(authorizeUrl, ACTIVE);
		expect(`${callbackUrl.origin}${callbackUrl.pathname}`).toBe(sandbox.n8n.webhookUrl('sso/callback'));
		expect(callbackUrl.searchParams.get('state')).toBe(authorizeUrl.searchParams.get('state'));
		const code = callbackUrl.searchParams.get('code')!;
		const tokenRequestsBefore = sandbox.microsoft.tokenRequests().length;

		const { response } = await openCallback(callbackUrl);
		expect(response.status).toBe(302);
		expect(response.headers.get('location')).toBe(PORTAL);
		const cookie = response.headers.get('set-cookie') ?? '';
		expect(cookie).toMatch(/^portal_session=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+; Path=\/; Max-Age=28800; HttpOnly; Secure; SameSite=Lax$/);
		sessionToken = /^portal_session=([^;]+)/.exec(cookie)![1];
		usedCallback = callbackUrl;

		// n8n redeemed the code once, with the verifier of the challenge it sent and the same redirect URI.
		const redemptions = sandbox.microsoft.tokenRequests().slice(tokenRequestsBefore).filter((request) => (request.body as Record<string, string>).grant_type === 'authorization_code');
		expect(redemptions).toHaveLength(1);
		const form = redemptions[0].body as Record<string, string>;
		expect(form).toMatchObject({ code, client_id: CLIENT_ID, redirect_uri: sandbox.n8n.webhookUrl('sso/callback'), client_secret: '[redacted]' });
		expect(createHash('sha256').update(form.code_verifier).digest('base64url')).toBe(challenge);
		expect(sandbox.microsoft.state.authorizationCodes.get(code)?.redeemed).toBe(true);

		const requester = requesterFor(ACTIVE)!;
		const expected = { id: String(requester.id), key: ACTIVE.mail!.toLowerCase(), keyKind: 'email', azureObjectId: ACTIVE.id };
		const byCookie = await sessionOf({ cookie: `theme=dark; portal_session=${sessionToken}` });
		expect(byCookie.status).toBe(200);
		expect(byCookie.json).toMatchObject({ ok: true, requester: expected });
		const byBearer = await sessionOf({ authorization: `Bearer ${sessionToken}` });
		expect(byBearer.json).toMatchObject({ ok: true, sessionId: byCookie.json.sessionId, requester: expected });
	});

	it('refuses the deactivated requester with a short message, and no session', async () => {
		const callbackUrl = await signInAtMicrosoft(await startLogin(), LEAVER);
		const { response, body } = await openCallback(callbackUrl);
		expect(response.status).toBe(400);
		expect(response.headers.get('content-type')).toMatch(/^text\/html/);
		expect(response.headers.get('set-cookie') ?? '').not.toMatch(/portal_session=[^;]/);
		expect(body).toContain('Your portal account is deactivated. Please contact your IT support.');
		expect(body).toContain('Reference: requesterInactive');
		expectSafeRefusal(body, [callbackUrl.searchParams.get('code')!, callbackUrl.searchParams.get('state')!, LEAVER.id, String(requesterFor(LEAVER)!.id)]);
		// Microsoft did sign the user in: the refusal is the requester check's.
		expect(sandbox.microsoft.state.authorizationCodes.get(callbackUrl.searchParams.get('code')!)?.redeemed).toBe(true);
	});

	it('refuses a replayed callback URL before redeeming anything, and the session still works', async () => {
		expect(usedCallback).toBeDefined();
		const tokenRequestsBefore = sandbox.microsoft.tokenRequests().length;
		const { response, body } = await openCallback(usedCallback!);
		expect(response.status).toBe(400);
		expect(response.headers.get('set-cookie') ?? '').not.toMatch(/portal_session=[^;]/);
		expect(body).toContain('This sign-in link was already used. Please start again from the portal.');
		expect(body).toContain('Reference: stateReused');
		expectSafeRefusal(body, [usedCallback!.searchParams.get('code')!, sessionToken]);
		expect(sandbox.microsoft.tokenRequests().length).toBe(tokenRequestsBefore);
		expect((await sessionOf({ authorization: `Bearer ${sessionToken}` })).status).toBe(200);
	});

	it('tells a user who declined at Microsoft why sign-in stopped', async () => {
		// What Entra sends back when the user presses Cancel: access_denied, subcode cancel, AADSTS65004.
		sandbox.microsoft.state.denyNextLogin();
		const reply = await getAtMicrosoft((await startLogin()).toString());
		expect(reply.status).toBe(302);
		const { response, body } = await openCallback(new URL(String(reply.headers.location)));
		expect(response.status).toBe(400);
		expect(body).toContain('You declined the permissions the portal asks for, so sign-in cannot continue.');
		expect(body).toContain('Reference: consentDeclined');
		expectSafeRefusal(body, []);
	});

	it('records every outcome in the audit log with the admin reason, and logs out', async () => {
		const audit = await fetch(sandbox.n8n.webhookUrl('sso/audit'), { headers: { 'X-SSO-Admin-Key': SSO_ADMIN_KEY } });
		expect(audit.status).toBe(200);
		const csv = await audit.text();
		const rows = parse(csv, { columns: true, bom: true }) as Array<Record<string, string>>;
		const succeeded = rows.filter((row) => row.Event === 'Login succeeded');
		expect(succeeded).toHaveLength(1);
		expect(succeeded[0]).toMatchObject({ Requester: ACTIVE.mail!.toLowerCase(), 'Requester ID': String(requesterFor(ACTIVE)!.id), 'Client Address': '203.0.113.7' });
		const failed = rows.filter((row) => row.Event === 'Login failed');
		expect(failed.map((row) => row.Code).sort()).toEqual(['consentDeclined', 'requesterInactive', 'stateReused']);
		expect(failed.find((row) => row.Code === 'requesterInactive')).toMatchObject({ Requester: LEAVER.mail!.toLowerCase(), Reason: expect.stringMatching(/is deactivated in/) });
		expect(csv).not.toContain(sessionToken);
		expect(csv).not.toContain(usedCallback!.searchParams.get('code')!);
		expect((await fetch(sandbox.n8n.webhookUrl('sso/audit'))).status).toBe(403);

		const logout = await fetch(sandbox.n8n.webhookUrl('sso/logout'), { method: 'POST', headers: { ...BROWSER, cookie: `portal_session=${sessionToken}` } });
		expect(logout.status).toBe(200);
		expect(logout.headers.get('set-cookie')).toMatch(/^portal_session=; Path=\/; Max-Age=0/);
		const after = await sessionOf({ cookie: `portal_session=${sessionToken}` });
		expect(after.status).toBe(401);
		expect(after.json).toMatchObject({ ok: false, message: 'Your session has ended. Please sign in again.' });
	});
});
