/**
 * The shipped "Ticket webhook → Azure AD account action" workflow served by `n8n start` (real n8n
 * 2.41.1, the pack installed from its tarball), called over HTTP on 127.0.0.1 for each action,
 * with a wrong key and with bad payloads, against the Microsoft stand-in.
 */
import { rmSync } from 'node:fs';
import { makeUsers } from '../fixtures/standins/microsoft';
import { packThePack, readWorkflow, startSandbox, TICKET_WEBHOOK_KEY, TICKET_WORKFLOW, type Sandbox } from './support/sandbox';

const USERS = makeUsers(20);
const ACTIVE = USERS.filter((user) => user.accountEnabled !== false && user.mail);
const PATH = 'ticket/azure-ad-action';

let sandbox: Sandbox;

beforeAll(async () => {
	sandbox = await startSandbox({ users: USERS, tarball: packThePack() });
	// The shipped workflow names a placeholder sender mailbox; point it at a mailbox of the tenant.
	const workflow = readWorkflow(TICKET_WORKFLOW);
	const reset = (workflow.nodes as Array<{ name: string; parameters: Record<string, unknown> }>).find((node) => node.name === 'Force Password Reset')!;
	reset.parameters.senderMailbox = ACTIVE[0].mail;
	const id = await sandbox.n8n.importWorkflow(workflow);
	await sandbox.n8n.activate(id);
	await sandbox.n8n.start();
	await sandbox.n8n.waitForWebhook(PATH);
});

afterAll(async () => {
	await sandbox?.close();
	if (sandbox) rmSync(sandbox.tls.dir, { recursive: true, force: true });
});

async function call(body: unknown, key: string | null = TICKET_WEBHOOK_KEY): Promise<{ status: number; json: Record<string, unknown> }> {
	const headers: Record<string, string> = { 'content-type': 'application/json' };
	if (key !== null) headers['X-Ticket-Key'] = key;
	const response = await fetch(sandbox.n8n.webhookUrl(PATH), { method: 'POST', headers, body: JSON.stringify(body) });
	const text = await response.text();
	return { status: response.status, json: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : { text } };
}

describe('ticket webhook workflow in real n8n', () => {
	it('refuses a caller without the webhook key', async () => {
		const wrong = await call({ ticketId: 'INC-1', user: ACTIVE[1].mail, action: 'disable' }, 'FAKE-wrong-key');
		const missing = await call({ ticketId: 'INC-1', user: ACTIVE[1].mail, action: 'disable' }, null);
		expect([wrong.status, missing.status]).toEqual([403, 403]);
		expect(sandbox.microsoft.state.findUser(ACTIVE[1].id)!.accountEnabled).not.toBe(false);
	});

	it('answers 400 with the reason for bad payloads', async () => {
		for (const body of [{ ticketId: 'INC-2', user: ACTIVE[1].mail, action: 'delete' }, { ticketId: 'INC-2', action: 'disable' }, { user: ACTIVE[1].mail, action: 'unlock' }]) {
			const response = await call(body);
			expect(response.status).toBe(400);
			expect(String(response.json.error)).toMatch(/ticketId, user .* and action/);
		}
	});

	it('disables (locks) an account and revokes its sessions, then reports noChange', async () => {
		const user = ACTIVE[2];
		const first = await call({ ticketId: 'INC-3', user: user.mail, action: 'disable' });
		expect(first.status).toBe(200);
		expect(first.json).toMatchObject({ ticketId: 'INC-3', action: 'disable', outcome: 'done', user: { id: user.id } });
		expect(sandbox.microsoft.state.findUser(user.id)!.accountEnabled).toBe(false);
		const again = await call({ ticketId: 'INC-3', user: user.mail, action: 'disable' });
		expect(again.json).toMatchObject({ outcome: 'noChange' });
	});

	it('unlocks (re-enables) an account', async () => {
		const user = ACTIVE[2];
		const response = await call({ ticketId: 'INC-4', user: user.userPrincipalName, action: 'unlock' });
		expect(response.json).toMatchObject({ action: 'unlock', outcome: 'done' });
		expect(sandbox.microsoft.state.findUser(user.id)!.accountEnabled).toBe(true);
	});

	it('revokes sessions', async () => {
		const response = await call({ ticketId: 'INC-5', user: ACTIVE[3].id, action: 'revokeSessions' });
		expect(response.json).toMatchObject({ action: 'revokeSessions', outcome: 'done', user: { id: ACTIVE[3].id } });
	});

	it('forces a password reset and emails the temporary password, which the answer never contains', async () => {
		const user = ACTIVE[4];
		const response = await call({ ticketId: 'INC-6', user: user.mail, action: 'forcePasswordReset', contactEmail: 'requester.private@example.net' });
		expect(response.status).toBe(200);
		expect(response.json).toMatchObject({ action: 'forcePasswordReset', outcome: 'done', emailSent: true, emailRecipient: 'requester.private@example.net' });
		expect(response.json.temporaryPassword).toBeUndefined();
		const mail = sandbox.microsoft.state.sentMail.at(-1)!;
		expect(JSON.stringify(mail)).toContain('requester.private@example.net');
		const password = sandbox.microsoft.state.passwords.get(user.id)!.password!;
		expect(JSON.stringify(mail)).toContain(password);
		expect(JSON.stringify(response.json)).not.toContain(password);
	});

	it('refuses to act on a holder of a privileged directory role', async () => {
		const admin = ACTIVE[5];
		sandbox.microsoft.state.assignDirectoryRole(admin.id, { roleTemplateId: '62e90394-69f5-4237-9190-012177145e10', displayName: 'Global Administrator' });
		const response = await call({ ticketId: 'INC-7', user: admin.mail, action: 'disable' });
		expect(response.status).toBe(403);
		expect(response.json).toMatchObject({ outcome: 'refused' });
		expect(sandbox.microsoft.state.findUser(admin.id)!.accountEnabled).not.toBe(false);
	});

	it('answers 404 for an unknown user', async () => {
		const response = await call({ ticketId: 'INC-8', user: 'nobody@contoso.com', action: 'revokeSessions' });
		expect(response.status).toBe(404);
		expect(response.json).toMatchObject({ outcome: 'failed', errorCode: 'notFound' });
	});
});
