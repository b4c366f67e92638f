/**
 * Issue #10: the shipped workflows in n8n queue mode. Real n8n 2.41.1 (Node 24): one main process
 * (`n8n start`, EXECUTIONS_MODE=queue) and two `n8n worker --concurrency=1` processes on a
 * throwaway PostgreSQL and Redis (test/e2e/support/queueMode.ts), the pack installed once as a
 * community package in the user folder all three share, Microsoft and Freshservice stand-ins.
 * Every sync goes through the workflow's "Sync Now (HTTP)" webhook and runs on a worker.
 *
 * First, n8n as shipped: n8n 2.41.1 stores a queue-mode execution's workflow without its static
 * data and the worker does not reload it for a new execution, so every production run starts from
 * empty static data (a full read, statistics of one run, the unsynced list forgotten). The test
 * proves it, then restarts the workers with docs/queue-mode-static-data-hook.js, which loads the
 * saved static data before the first node runs. With it:
 *   - the same results as one process: every requester once, statistics, the cursor committed once
 *     per run (one Graph request for a run without changes), and the ticket webhook answered from
 *     a worker through main;
 *   - two syncs started at the same moment run on the two workers at once and duplicate nobody
 *     (a lookup precedes every create, and Freshservice refuses a second requester with the same
 *     email); every change is applied; static data is the last saver's, so the cumulative
 *     statistics count one of the two runs (asserted: the documented cost) and users whose create
 *     lost the race wait as unsynced until the next run links them;
 *   - audit records of account actions running on both workers at once are all in the n8n Data Table
 *     their Audit output is appended to (row inserts; docs/audit.md), and export as CSV from it;
 *   - a worker killed (SIGKILL) in the middle of a sync loses nothing: its run saved no static data,
 *     so the cursor has not moved; the next run, on the other worker, replays the same changes,
 *     finds the requesters the killed run created and creates only the rest.
 *
 * Workers run one job each (--concurrency=1) so two overlapping syncs land on different processes,
 * the case no in-process lock covers. Run with `npm run test:queue` (as root the first time: it
 * apt-get installs postgresql and redis-server when they are missing). Prints the figures used in
 * docs/scale.md.
 */
import { parse } from 'csv-parse/sync';
import { makeUsers, type SeedUser } from '../fixtures/standins/microsoft';
import type { Requester as FreshserviceRequester } from '../destinations/freshservice/standIn';
import { appendAuditToTable, auditTableExportWorkflow, auditTableSetupWorkflow, AUDIT_TABLE_EXPORT_PATH, AUDIT_TABLE_SETUP_PATH } from './support/auditTable';
import { executionSucceeded, nodeOutput } from './support/n8n';
import { startQueueSandbox, type QueueExecution, type QueueSandbox } from './support/queueMode';
import { packThePack, readWorkflow, SYNC_WEBHOOK_KEY, SYNC_WORKFLOW, TICKET_WEBHOOK_KEY, TICKET_WORKFLOW } from './support/sandbox';

const USERS = makeUsers(40);
/** Added before the overlapping runs. */
const JOINERS = makeUsers(20, { startIndex: 1000, seed: 7 });
/** Added before the run whose worker is killed: enough work that the kill lands mid-run. */
const BIG_BATCH = makeUsers(800, { startIndex: 2000, seed: 11 });
const SYNC_PATH = 'azure-ad-sync/run';
const TICKET_PATH = 'ticket/azure-ad-action';

const syncable = (users: SeedUser[]) => users.filter((user) => user.accountEnabled !== false);

let queue: QueueSandbox;
let syncWorkflowId: string;
let ticketWorkflowId: string;
const figures: Record<string, unknown> = {};
const suiteStartedAt = Date.now();

beforeAll(async () => {
	const startedAt = Date.now();
	queue = await startQueueSandbox({ users: USERS, tarball: packThePack() });
	const sync = readWorkflow(SYNC_WORKFLOW);
	// The shipped workflow keeps no data of successful runs (large tenants); here each run's summary is read back.
	sync.settings = { ...sync.settings, saveDataSuccessExecution: 'all' };
	syncWorkflowId = await queue.main.importWorkflow(sync);
	const ticket = readWorkflow(TICKET_WORKFLOW);
	const reset = (ticket.nodes as Array<{ name: string; parameters: Record<string, unknown> }>).find((node) => node.name === 'Force Password Reset')!;
	reset.parameters.senderMailbox = USERS.find((user) => user.accountEnabled !== false && user.mail)!.mail;
	appendAuditToTable(ticket, ['Disable (Lock) Account', 'Unlock Account', 'Force Password Reset', 'Revoke Sessions']);
	ticketWorkflowId = await queue.main.importWorkflow(ticket);
	for (const workflow of [auditTableSetupWorkflow(), auditTableExportWorkflow()]) await queue.main.activate(await queue.main.importWorkflow(workflow));
	await queue.main.activate(syncWorkflowId);
	await queue.main.activate(ticketWorkflowId);
	const processesAt = Date.now();
	// n8n as shipped first; the second test restarts the workers with the static data hook.
	await queue.start({ workers: 2, concurrency: 1, staticDataHook: false });
	await queue.main.waitForWebhook(SYNC_PATH);
	await queue.main.waitForWebhook(TICKET_PATH);
	await queue.main.waitForWebhook(AUDIT_TABLE_SETUP_PATH);
	await queue.main.waitForWebhook(AUDIT_TABLE_EXPORT_PATH, 'GET');
	expect((await fetch(queue.main.webhookUrl(AUDIT_TABLE_SETUP_PATH), { method: 'POST' })).status).toBe(200);
	figures.setupSeconds = seconds(startedAt);
	figures.startMainAndWorkersSeconds = seconds(processesAt);
});

afterAll(async () => {
	figures.suiteSeconds = seconds(suiteStartedAt);
	process.stdout.write(`queue-mode figures: ${JSON.stringify(figures)}\n`);
	await queue?.close();
});

function seconds(since: number): number {
	return Math.round((Date.now() - since) / 100) / 10;
}

interface Summary {
	run: Record<string, number> & { startedAt: string; finishedAt: string };
	cumulative: Record<string, number>;
	unsynced: number;
	syncedRequesters: number;
	cursorCommitted: boolean;
}

interface SyncRun extends QueueExecution {
	worker: number;
	summary: Summary;
}

interface CursorEntry {
	cursor?: { deltaLink: string; takenAt: string };
	pendingCursor?: unknown;
}

interface StoredRecords {
	links: Record<string, string>;
	unsynced: Record<string, { code: string; message: string }>;
	stats: Record<string, number>;
}

async function postSync(): Promise<void> {
	const response = await fetch(queue.main.webhookUrl(SYNC_PATH), { method: 'POST', headers: { 'X-Sync-Key': SYNC_WEBHOOK_KEY } });
	expect(response.status).toBe(200);
	await response.text();
}

/** Starts `count` syncs through the webhook at the same moment and waits for all of them. */
async function sync(count = 1): Promise<SyncRun[]> {
	const mark = await queue.lastExecutionId();
	await Promise.all(Array.from({ length: count }, () => postSync()));
	return readRuns(await queue.waitForExecutions(syncWorkflowId, mark, count));
}

async function readRuns(executions: QueueExecution[]): Promise<SyncRun[]> {
	const runs: SyncRun[] = [];
	for (const execution of executions) {
		const json = await queue.execution(execution.id);
		expect({ id: execution.id, succeeded: executionSucceeded(json) }).toEqual({ id: execution.id, succeeded: true });
		runs.push({ ...execution, worker: queue.workerOf(execution.id), summary: nodeOutput(json, 'Upsert Requester', 1)[0] as Summary });
	}
	return runs;
}

async function state(): Promise<{ cursor: CursorEntry; records: StoredRecords }> {
	const data = await queue.staticData(syncWorkflowId);
	return {
		cursor: ((data.azureAdSync as Record<string, CursorEntry> | undefined)?.default ?? {}) as CursorEntry,
		records: ((data.azureAdSyncRecords as Record<string, StoredRecords> | undefined)?.default ?? { links: {}, unsynced: {}, stats: {} }) as StoredRecords,
	};
}

const requesters = (): FreshserviceRequester[] => [...queue.sandbox.freshservice.state.requesters.values()];

/** Requesters that share an Azure object ID (external_id) or an email with another one. */
function duplicates(): string[] {
	const seen = new Map<string, number>();
	for (const requester of requesters()) {
		for (const key of [`id:${requester.external_id ?? `none-${requester.id}`}`, `mail:${(requester.primary_email ?? `none-${requester.id}`).toLowerCase()}`]) {
			seen.set(key, (seen.get(key) ?? 0) + 1);
		}
	}
	return [...seen].filter(([, count]) => count > 1).map(([key]) => key);
}

/** Requesters the stand-in created (answered 201). */
const creates = () => queue.sandbox.freshservice.writes().filter((request) => request.method === 'POST' && request.path.endsWith('/requesters') && request.status === 201);
const startedExecutions = () => queue.workers.map((worker) => (worker.serverLog.stdout.match(/Worker started execution \d+ /g) ?? []).length);

describe('queue mode: main + two workers on PostgreSQL and Redis', () => {
	it('runs the first sync on a worker: every requester once, statistics, cursor committed', async () => {
		const graphBefore = queue.sandbox.microsoft.graphRequests().length;
		const started = Date.now();
		const [run] = await sync();
		figures.firstSync = { users: USERS.length, requesters: syncable(USERS).length, seconds: seconds(started), worker: run.worker };
		expect(run.worker).toBeGreaterThanOrEqual(0);
		expect(run.summary.run).toMatchObject({ created: syncable(USERS).length, failed: 0 });
		expect(run.summary.cumulative).toMatchObject({ runs: 1, created: syncable(USERS).length });
		expect(run.summary.cursorCommitted).toBe(true);
		// As in one process: the delta cursor first, then ceil(40/999) = 1 page of /users.
		expect(queue.sandbox.microsoft.graphRequests().length - graphBefore).toBe(2);
		expect(requesters()).toHaveLength(syncable(USERS).length);
		expect(duplicates()).toEqual([]);

		const saved = await state();
		expect(saved.cursor.cursor?.deltaLink).toMatch(/^https:/);
		expect(saved.cursor.pendingCursor).toBeUndefined();
		expect(saved.records.stats).toMatchObject({ runs: 1, created: syncable(USERS).length, currentlyUnsynced: 0 });
		expect(Object.keys(saved.records.links)).toHaveLength(syncable(USERS).length);
	});

	it('n8n 2.41.1 as shipped starts the next run from empty static data (the worker never loads it)', async () => {
		const graphBefore = queue.sandbox.microsoft.graphRequests().length;
		const [run] = await sync();
		const listed = nodeOutput(await queue.execution(run.id), 'Azure AD List Users') as Array<{ _sync: { fallbackReason?: string } }>;
		// The cursor, links and statistics the first run saved are in PostgreSQL, but this run did not get them.
		expect(listed[0]._sync.fallbackReason).toBe('firstRun');
		expect(run.summary.cumulative).toMatchObject({ runs: 1 });
		expect(queue.sandbox.microsoft.graphRequests().length - graphBefore).toBe(2);
		// The lookup before every create still keeps every requester single.
		expect(run.summary.run).toMatchObject({ created: 0, unchanged: syncable(USERS).length, failed: 0 });
		expect(duplicates()).toEqual([]);
		expect((await state()).records.stats.runs).toBe(1);
	});

	it('with the static data hook on the workers: a run without changes makes one Graph request and no writes, and commits the cursor once more', async () => {
		const restartedAt = Date.now();
		await queue.restartWorkers({ workers: 2, concurrency: 1, staticDataHook: true });
		figures.restartWorkersSeconds = seconds(restartedAt);
		const before = await state();
		const graphBefore = queue.sandbox.microsoft.graphRequests().length;
		const writesBefore = queue.sandbox.freshservice.writes().length;
		const [run] = await sync();
		const graph = queue.sandbox.microsoft.graphRequests().slice(graphBefore);
		expect(graph.map((request) => `${request.method} ${request.path}`)).toEqual(['GET /v1.0/users/delta']);
		expect(queue.sandbox.freshservice.writes().length - writesBefore).toBe(0);
		expect(run.summary.run).toMatchObject({ created: 0, updated: 0, deactivated: 0, failed: 0 });
		expect(run.summary.cumulative).toMatchObject({ runs: 2 });
		const after = await state();
		expect(after.cursor.cursor!.takenAt).not.toBe(before.cursor.cursor!.takenAt);
		expect(after.cursor.pendingCursor).toBeUndefined();
		expect(after.records.stats.runs).toBe(2);
	});

	it('answers the ticket webhook from a worker, through main', async () => {
		const user = USERS.find((candidate) => candidate.accountEnabled !== false && candidate.mail)!;
		const call = async (body: unknown, key = TICKET_WEBHOOK_KEY) => {
			const response = await fetch(queue.main.webhookUrl(TICKET_PATH), { method: 'POST', headers: { 'content-type': 'application/json', 'X-Ticket-Key': key }, body: JSON.stringify(body) });
			return { status: response.status, json: (await response.json().catch(() => ({}))) as Record<string, unknown> };
		};
		const startedBefore = startedExecutions();
		const wrongKey = await call({ ticketId: 'INC-1', user: user.mail, action: 'disable' }, 'FAKE-wrong-key');
		expect(wrongKey.status).toBe(403);
		const disabled = await call({ ticketId: 'INC-2', user: user.mail, action: 'disable' });
		expect(disabled.status).toBe(200);
		expect(disabled.json).toMatchObject({ ticketId: 'INC-2', action: 'disable', outcome: 'done', user: { id: user.id } });
		expect(queue.sandbox.microsoft.state.findUser(user.id)!.accountEnabled).toBe(false);
		const again = await call({ ticketId: 'INC-2', user: user.mail, action: 'disable' });
		expect(again.json).toMatchObject({ outcome: 'noChange' });
		const unlocked = await call({ ticketId: 'INC-3', user: user.userPrincipalName, action: 'unlock' });
		expect(unlocked.json).toMatchObject({ action: 'unlock', outcome: 'done' });
		expect(queue.sandbox.microsoft.state.findUser(user.id)!.accountEnabled).toBe(true);
		// The three authorised calls ran on workers (the wrong key was refused by main).
		const started = startedExecutions().map((count, index) => count - startedBefore[index]);
		expect(started.reduce((sum, count) => sum + count, 0)).toBe(3);
	});

	it('keeps the audit records of account actions run on both workers at once, in one n8n Data Table', async () => {
		const targets = syncable(USERS).slice(20, 26);
		const mark = await queue.lastExecutionId();
		const startedBefore = startedExecutions();
		const answers = await Promise.all(
			targets.map((user, index) =>
				fetch(queue.main.webhookUrl(TICKET_PATH), {
					method: 'POST',
					headers: { 'content-type': 'application/json', 'X-Ticket-Key': TICKET_WEBHOOK_KEY },
					body: JSON.stringify({ ticketId: `AUD-${index}`, user: user.id, action: 'revokeSessions', requestedBy: 'queue.tester' }),
				}).then((response) => response.status),
			),
		);
		expect(answers).toEqual(targets.map(() => 200));
		const executions = await queue.waitForExecutions(ticketWorkflowId, mark, targets.length);
		const workers = new Set(executions.map((execution) => queue.workerOf(execution.id)));
		expect(workers).toEqual(new Set([0, 1]));
		expect(startedExecutions().every((count, index) => count > startedBefore[index])).toBe(true);

		const exported = await fetch(queue.main.webhookUrl(AUDIT_TABLE_EXPORT_PATH));
		expect(exported.status).toBe(200);
		const rows = (parse(await exported.text(), { columns: true, bom: true }) as Array<Record<string, string>>).filter((row) => row.ticketId.startsWith('AUD-'));
		expect(rows.map((row) => row.ticketId).sort()).toEqual(targets.map((_, index) => `AUD-${index}`));
		for (const row of rows) expect(row).toMatchObject({ source: 'accountAction', action: 'revokeSessions', outcome: 'done', caller: 'queue.tester', trigger: 'webhook' });
		expect(new Set(rows.map((row) => row.executionId))).toEqual(new Set(executions.map((execution) => String(execution.id))));

		// Static data too (sink "Both"): saved whole by each execution, so the last to finish wins there.
		const kept = ((await queue.staticData(ticketWorkflowId)).azureAdAudit as { records: Array<{ ticketId: string }> } | undefined)?.records ?? [];
		figures.auditRecords = { executions: targets.length, workers: workers.size, dataTableRows: rows.length, staticDataRecords: kept.filter((record) => record.ticketId.startsWith('AUD-')).length };
	});

	it('two syncs at the same moment run on both workers at once and duplicate nobody; the next run links what the race left', async () => {
		const changed = syncable(USERS).slice(10, 20);
		for (const user of changed) queue.sandbox.microsoft.state.updateUser(user.id, { jobTitle: 'Queue Tester' });
		queue.sandbox.microsoft.state.addUsers(JOINERS);
		const everyone = syncable([...USERS, ...JOINERS]);
		const before = await state();

		const started = Date.now();
		const [a, b] = await sync(2);
		const overlapSeconds = seconds(started);
		// Different processes, at the same time: the case no in-process lock covers.
		expect(new Set([a.worker, b.worker])).toEqual(new Set([0, 1]));
		expect(a.startedAt! < b.stoppedAt! && b.startedAt! < a.stoppedAt!).toBe(true);

		expect(duplicates()).toEqual([]);
		expect(requesters()).toHaveLength(everyone.length);
		expect(a.summary.run.created + b.summary.run.created).toBe(syncable(JOINERS).length);
		for (const user of changed) expect(requesters().find((requester) => requester.external_id === user.id)?.job_title).toBe('Queue Tester');

		// Static data is saved whole at the end of each execution: the last saver's wins. Its
		// cursor, links and unsynced list belong together; its statistics count its own run only.
		const after = await state();
		expect(after.records.stats.runs).toBe(before.records.stats.runs + 1);
		expect(after.cursor.pendingCursor).toBeUndefined();
		expect(after.cursor.cursor!.takenAt).not.toBe(before.cursor.cursor!.takenAt);
		for (const user of everyone) expect(user.id in after.records.links || user.id in after.records.unsynced).toBe(true);

		const [heal] = await sync();
		const healed = await state();
		figures.overlap = {
			seconds: overlapSeconds,
			runs: [a, b].map((run) => ({ worker: run.worker, ...pick(run.summary.run, ['created', 'updated', 'unchanged', 'failed']) })),
			unsyncedAfterOverlap: Object.keys(after.records.unsynced).length,
			nextRun: pick(heal.summary.run, ['created', 'updated', 'unchanged', 'failed']),
			duplicates: duplicates().length,
		};
		expect(heal.summary.run).toMatchObject({ created: 0, failed: 0 });
		expect(healed.records.unsynced).toEqual({});
		expect(Object.keys(healed.records.links).sort()).toEqual(everyone.map((user) => user.id).sort());
		expect(requesters()).toHaveLength(everyone.length);
		expect(duplicates()).toEqual([]);
	});

	it('a worker killed in the middle of a sync loses nothing: the next run, on the other worker, finishes it without duplicates', async () => {
		queue.sandbox.microsoft.state.addUsers(BIG_BATCH);
		const everyone = syncable([...USERS, ...JOINERS, ...BIG_BATCH]);
		const before = await state();
		const createsBefore = creates().length;

		const mark = await queue.lastExecutionId();
		await postSync();
		// Wait until the run is writing requesters, then kill its worker's process group.
		const deadline = Date.now() + 5 * 60_000;
		let victim = -1;
		let killedId = 0;
		while (Date.now() < deadline) {
			if (killedId === 0) {
				const last = await queue.lastExecutionId();
				if (last > mark) killedId = last;
			}
			if (killedId > 0 && victim < 0) victim = queue.workerOf(killedId);
			if (victim >= 0 && creates().length - createsBefore >= 25) break;
			await new Promise((done) => setTimeout(done, 20));
		}
		expect(victim).toBeGreaterThanOrEqual(0);
		await queue.workers[victim].kill();
		// A request in flight at the kill may still land; then nothing more arrives.
		await new Promise((done) => setTimeout(done, 1000));
		const createdByKilledRun = creates().length - createsBefore;
		expect(createdByKilledRun).toBeGreaterThanOrEqual(25);
		expect(createdByKilledRun).toBeLessThan(syncable(BIG_BATCH).length);

		// The killed run saved no static data: the cursor and statistics are where they were.
		const afterKill = await state();
		expect(afterKill.cursor.cursor).toEqual(before.cursor.cursor);
		expect(afterKill.records.stats.runs).toBe(before.records.stats.runs);

		const started = Date.now();
		const [heal] = await sync();
		figures.workerKill = {
			users: everyone.length,
			createdBeforeKill: createdByKilledRun,
			healingRun: { seconds: seconds(started), worker: heal.worker, ...pick(heal.summary.run, ['created', 'updated', 'unchanged', 'failed']) },
			duplicates: duplicates().length,
		};
		expect(heal.id).toBeGreaterThan(killedId);
		expect(heal.worker).toBe(1 - victim);
		expect(heal.summary.run.failed).toBe(0);
		// It replayed every change since the committed cursor and created only what was missing.
		expect(heal.summary.run.created).toBe(syncable(BIG_BATCH).length - createdByKilledRun);
		expect(duplicates()).toEqual([]);
		expect(requesters()).toHaveLength(everyone.length);
		const healed = await state();
		expect(healed.records.unsynced).toEqual({});
		expect(Object.keys(healed.records.links)).toHaveLength(everyone.length);
		expect(healed.records.stats.runs).toBe(before.records.stats.runs + 1);
		expect(healed.cursor.cursor!.takenAt).not.toBe(before.cursor.cursor!.takenAt);
		expect(healed.cursor.pendingCursor).toBeUndefined();
		figures.requestersSynced = requesters().length;
	});
});

function pick<T extends Record<string, unknown>>(record: T, keys: string[]): Record<string, unknown> {
	return Object.fromEntries(keys.map((key) => [key, record[key]]));
}
