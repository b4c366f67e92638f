/**
 * A first sync killed with SIGKILL in the middle, in real n8n (#23): n8n saves workflow static data
 * only when an execution ends, so the killed run's links are lost; the next run reads everyone again,
 * finds the requesters the killed run created by their key instead of creating them twice, and
 * creates the rest. No duplicate, no one lost, and only the killed run's writes since the last saved
 * point (the previous run's end) are looked up again, none written twice.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { makeUsers } from '../fixtures/standins/microsoft';
import { executionSucceeded, nodeOutput } from './support/n8n';
import { packThePack, readWorkflow, startSandbox, SYNC_WORKFLOW, type Sandbox } from './support/sandbox';

const USERS = makeUsers(120);
const SYNCABLE = USERS.filter((user) => user.accountEnabled !== false);
const KILL_AFTER_WRITES = 30;

let sandbox: Sandbox;
let workflowId: string;

beforeAll(async () => {
	// 150 ms a write keeps the first sync running long enough to be killed in the middle.
	sandbox = await startSandbox({ users: USERS, tarball: packThePack(), freshservice: { latencyMs: 150 } });
	workflowId = await sandbox.n8n.importWorkflow(readWorkflow(SYNC_WORKFLOW));
});

afterAll(async () => {
	await sandbox?.close();
	if (sandbox) rmSync(sandbox.tls.dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const requesters = () => [...sandbox.freshservice.state.requesters.values()];

describe('a first sync killed mid-run in real n8n', () => {
	it('the next run creates no duplicate and ends with every user synced', async () => {
		const running = sandbox.n8n.execute(workflowId, { allowFailure: true }).then(
			() => 'finished',
			() => 'killed',
		);
		const deadline = Date.now() + 5 * 60_000;
		while (sandbox.freshservice.writes().length < KILL_AFTER_WRITES && Date.now() < deadline) await sleep(50);
		// SIGKILL the `n8n execute` process (and its task runner): no chance to save anything.
		execFileSync('pkill', ['-KILL', '-f', `execute --id=${workflowId}`]);
		expect(await running).toBe('killed');
		// Creates in flight when the process died still land in Freshservice, unacknowledged.
		await sleep(1_000);
		const createdBeforeKill = requesters().length;
		expect(createdBeforeKill).toBeGreaterThanOrEqual(KILL_AFTER_WRITES);
		expect(createdBeforeKill).toBeLessThan(SYNCABLE.length);
		const writesBefore = sandbox.freshservice.writes().length;

		const execution = await sandbox.n8n.execute(workflowId);
		expect(executionSucceeded(execution.json)).toBe(true);
		const summary = nodeOutput(execution.json, 'Upsert Requester', 1)[0] as { run: Record<string, number>; cursorCommitted: boolean; syncedRequesters: number };
		// The killed run's requesters are found again, not created twice.
		expect(summary.run.created).toBe(SYNCABLE.length - createdBeforeKill);
		expect(summary.run.failed).toBe(0);
		expect(summary.syncedRequesters).toBe(SYNCABLE.length);
		expect(summary.cursorCommitted).toBe(true);
		const creates = sandbox.freshservice.writes().slice(writesBefore).filter((write) => write.method === 'POST');
		expect(creates).toHaveLength(SYNCABLE.length - createdBeforeKill);
		const emails = requesters().map((requester) => requester.primary_email);
		expect(new Set(emails).size).toBe(emails.length);
		expect(emails).toHaveLength(SYNCABLE.length);
	});
});
