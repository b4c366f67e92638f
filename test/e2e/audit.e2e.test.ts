/**
 * Issue #28 in real n8n 2.41.1 (`n8n start`, the pack installed from its tarball): the shipped sync
 * and ticket workflows keep their audit records in static data and serve them as CSV behind the
 * Audit export key. A ticket disables a user; the next sync deactivates that user's requester and
 * writes a changed job title; both exports show exactly that.
 */
import { rmSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { makeUsers } from '../fixtures/standins/microsoft';
import { AUDIT_EXPORT_KEY, packThePack, serveShippedWorkflows, startSandbox, SYNC_WEBHOOK_KEY, TICKET_WEBHOOK_KEY, type Sandbox } from './support/sandbox';

const USERS = makeUsers(12, { guestRatio: 0, disabledRatio: 0, noMailRatio: 0, managers: false });
type Row = Record<string, string>;

let sandbox: Sandbox;

beforeAll(async () => {
	sandbox = await startSandbox({ users: USERS, tarball: packThePack() });
	await serveShippedWorkflows(sandbox.n8n);
	await sandbox.n8n.waitForWebhook('ticket/azure-ad-action');
	await sandbox.n8n.waitForWebhook('ticket/audit', 'GET');
	await sandbox.n8n.waitForWebhook('azure-ad-sync/audit', 'GET');
});

afterAll(async () => {
	await sandbox?.close();
	if (sandbox) rmSync(sandbox.tls.dir, { recursive: true, force: true });
});

async function exportAudit(path: string, query: Record<string, string> = {}, key: string | null = AUDIT_EXPORT_KEY): Promise<{ status: number; rows: Row[]; text: string }> {
	const url = `${sandbox.n8n.webhookUrl(path)}?${new URLSearchParams(query).toString()}`;
	const response = await fetch(url, { headers: key === null ? {} : { 'X-Audit-Key': key } });
	const text = await response.text();
	return { status: response.status, text, rows: response.ok ? (parse(text, { columns: true, bom: true }) as Row[]) : [] };
}

/** Starts a sync over its webhook and waits until its records are in the exported log. */
async function syncUntil(done: (rows: Row[]) => boolean): Promise<Row[]> {
	const started = await fetch(sandbox.n8n.webhookUrl('azure-ad-sync/run'), { method: 'POST', headers: { 'X-Sync-Key': SYNC_WEBHOOK_KEY } });
	expect(started.status).toBe(200);
	const deadline = Date.now() + 180_000;
	for (;;) {
		const { rows } = await exportAudit('azure-ad-sync/audit');
		if (done(rows)) return rows;
		if (Date.now() > deadline) throw new Error(`the sync's audit records did not appear: ${JSON.stringify(rows.map((row) => row.action))}`);
		await new Promise((resolve) => setTimeout(resolve, 1000));
	}
}

describe('audit log of the shipped workflows in real n8n', () => {
	const leaver = USERS[1];
	const promoted = USERS[2];

	it('refuses an export without the Audit export key', async () => {
		expect((await exportAudit('ticket/audit', {}, null)).status).toBe(403);
		expect((await exportAudit('azure-ad-sync/audit', {}, 'FAKE-wrong-key')).status).toBe(403);
	});

	it('records the first sync: one requesterCreated per user', async () => {
		const rows = await syncUntil((current) => current.length > 0);
		expect(rows.map((row) => [row.action, row.outcome, row.source, row.trigger])).toEqual(USERS.map(() => ['requesterCreated', 'done', 'sync', 'webhook']));
		expect(new Set(rows.map((row) => row.azureObjectId))).toEqual(new Set(USERS.map((user) => user.id)));
		expect(rows.every((row) => row.workflowId === 'aadRequesterSync01' && row.executionId !== '' && /^\d+$/.test(row.requesterId))).toBe(true);
	});

	it("records the ticket's disable and the sync's deactivation and update, exported as CSV", async () => {
		const ticket = await fetch(sandbox.n8n.webhookUrl('ticket/azure-ad-action'), {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'X-Ticket-Key': TICKET_WEBHOOK_KEY },
			body: JSON.stringify({ ticketId: 'INC-2801', user: leaver.userPrincipalName, action: 'disable', requestedBy: 'agent.smith' }),
		});
		expect(ticket.status).toBe(200);
		sandbox.microsoft.state.updateUser(promoted.id, { jobTitle: 'Chief Auditor' });

		const actions = await exportAudit('ticket/audit');
		expect(actions.rows).toEqual([
			expect.objectContaining({
				source: 'accountAction',
				action: 'disable',
				outcome: 'done',
				ticketId: 'INC-2801',
				caller: 'agent.smith',
				azureObjectId: leaver.id,
				trigger: 'webhook',
				changes: 'accountEnabled: true → false; signInSessionsRevoked',
			}),
		]);

		const rows = await syncUntil((current) => current.some((row) => row.action === 'requesterDeactivated'));
		const second = rows.filter((row) => row.action !== 'requesterCreated');
		expect(second.map((row) => [row.action, row.azureObjectId]).sort()).toEqual(
			[
				['requesterDeactivated', leaver.id],
				['requesterUpdated', promoted.id],
			].sort(),
		);
		expect(second.find((row) => row.action === 'requesterUpdated')!.changes).toBe(`jobTitle: ${JSON.stringify(promoted.jobTitle)} → "Chief Auditor"`);
		expect(second.find((row) => row.action === 'requesterDeactivated')!.reason).toBe('Disabled in Azure AD');

		// Filtered by subject (any case) and by action, as the query string asks.
		const aboutLeaver = await exportAudit('azure-ad-sync/audit', { subject: leaver.userPrincipalName.toUpperCase() });
		expect(aboutLeaver.rows.map((row) => row.action)).toEqual(['requesterCreated', 'requesterDeactivated']);
		const deactivations = await exportAudit('azure-ad-sync/audit', { action: 'requesterDeactivated' });
		expect(deactivations.rows.map((row) => row.azureObjectId)).toEqual([leaver.id]);
	});
});
