/**
 * Issue #28 in real n8n 2.41.1 (`n8n start`, the pack installed from its tarball): the shipped sync
 * and ticket workflows keep their audit records in static data and serve them as CSV behind the
 * Audit export key. A ticket disables a user; the next sync deactivates that user's requester and
 * writes a changed job title; both exports show exactly that. With both workflows' Audit output
 * also appended to one n8n Data Table (docs/audit.md, "One log for everything"), one CSV exported
 * from that table holds the ticket's and the sync's records together.
 */
import { rmSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { makeUsers } from '../fixtures/standins/microsoft';
import {
	appendAuditToTable,
	auditTableExportWorkflow,
	auditTablePruneWorkflow,
	auditTableSetupWorkflow,
	AUDIT_TABLE_EXPORT_PATH,
	AUDIT_TABLE_PRUNE_PATH,
	AUDIT_TABLE_SETUP_PATH,
} from './support/auditTable';
import { AUDIT_EXPORT_KEY, packThePack, readWorkflow, startSandbox, SYNC_WEBHOOK_KEY, SYNC_WORKFLOW, TICKET_WEBHOOK_KEY, TICKET_WORKFLOW, type Sandbox } from './support/sandbox';

const USERS = makeUsers(12, { guestRatio: 0, disabledRatio: 0, noMailRatio: 0, managers: false });
type Row = Record<string, string>;

let sandbox: Sandbox;

beforeAll(async () => {
	sandbox = await startSandbox({ users: USERS, tarball: packThePack() });
	const sync = readWorkflow(SYNC_WORKFLOW);
	appendAuditToTable(sync, ['Upsert Requester']);
	const ticket = readWorkflow(TICKET_WORKFLOW);
	appendAuditToTable(ticket, ['Disable (Lock) Account', 'Unlock Account', 'Force Password Reset', 'Revoke Sessions']);
	for (const workflow of [sync, ticket, auditTableSetupWorkflow(), auditTableExportWorkflow(), auditTablePruneWorkflow()]) await sandbox.n8n.activate(await sandbox.n8n.importWorkflow(workflow));
	await sandbox.n8n.start();
	await sandbox.n8n.waitForWebhook('azure-ad-sync/run');
	await sandbox.n8n.waitForWebhook(AUDIT_TABLE_SETUP_PATH);
	await sandbox.n8n.waitForWebhook(AUDIT_TABLE_EXPORT_PATH, 'GET');
	await sandbox.n8n.waitForWebhook(AUDIT_TABLE_PRUNE_PATH);
	expect((await fetch(sandbox.n8n.webhookUrl(AUDIT_TABLE_SETUP_PATH), { method: 'POST' })).status).toBe(200);
	await sandbox.n8n.waitForWebhook('ticket/azure-ad-action');
	await sandbox.n8n.waitForWebhook('ticket/audit', 'GET');
	await sandbox.n8n.waitForWebhook('azure-ad-sync/audit', 'GET');
});

afterAll(async () => {
	await sandbox?.close();
	if (sandbox) rmSync(sandbox.tls.dir, { recursive: true, force: true });
});

/** Every row of the audit Data Table, exported as CSV by its export workflow. */
async function tableRows(): Promise<Row[]> {
	const exported = await fetch(sandbox.n8n.webhookUrl(AUDIT_TABLE_EXPORT_PATH));
	expect(exported.status).toBe(200);
	return parse(await exported.text(), { columns: true, bom: true }) as Row[];
}

async function pruneTable(body: { days?: number; before?: string }): Promise<void> {
	const pruned = await fetch(sandbox.n8n.webhookUrl(AUDIT_TABLE_PRUNE_PATH), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
	expect(pruned.status).toBe(200);
}

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

	it("exports the ticket's disable and the sync's changes together in one CSV from one n8n Data Table", async () => {
		const rows = await tableRows();
		const kept = [...(await exportAudit('azure-ad-sync/audit')).rows, ...(await exportAudit('ticket/audit')).rows];
		// The same records as the two workflows' own logs, every one once, in one file.
		expect(rows.map((row) => row.recordId).sort()).toEqual(kept.map((row) => row.recordId).sort());
		const summary = rows.filter((row) => row.action !== 'requesterCreated').map((row) => [row.source, row.action, row.azureObjectId, row.ticketId]);
		expect(summary.sort()).toEqual(
			[
				['accountAction', 'disable', leaver.id, 'INC-2801'],
				['sync', 'requesterDeactivated', leaver.id, ''],
				['sync', 'requesterUpdated', promoted.id, ''],
			].sort(),
		);
		expect(rows.filter((row) => row.action === 'requesterCreated')).toHaveLength(USERS.length);
	});

	it('keeps the Data Table bounded by age: a Data Table Delete of rows older than the cutoff drops the oldest only', async () => {
		const before = await tableRows();
		// The scheduled form (docs/audit.md): older than 90 days, in UTC. Every row here is minutes old.
		await pruneTable({ days: 90 });
		expect((await tableRows()).map((row) => row.recordId).sort()).toEqual(before.map((row) => row.recordId).sort());

		// Cut at the ticket's disable: the first sync's creates are older, the second sync's changes newer.
		const ticketTime = before.find((row) => row.source === 'accountAction')!.time;
		await pruneTable({ before: ticketTime });
		const after = await tableRows();
		expect(after.map((row) => row.recordId).sort()).toEqual(before.filter((row) => row.time >= ticketTime).map((row) => row.recordId).sort());
		expect(after.map((row) => [row.source, row.action]).sort()).toEqual(
			[
				['accountAction', 'disable'],
				['sync', 'requesterDeactivated'],
				['sync', 'requesterUpdated'],
			].sort(),
		);
		expect(before.length - after.length).toBe(USERS.length);
	});
});
