/**
 * The shipped "Azure AD → Requesters: scheduled sync" workflow in real n8n 2.41.1, with the pack
 * installed from its tarball and Microsoft + Freshservice stand-ins: first sync, an incremental
 * run without changes, changes and a disabled user, a destination outage that is registered,
 * exported and healed.
 */
import { rmSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { makeUsers } from '../fixtures/standins/microsoft';
import { nodeOutput, executionSucceeded, type ExecutionResult } from './support/n8n';
import { packThePack, readWorkflow, startSandbox, SYNC_WORKFLOW, type Sandbox } from './support/sandbox';

const USERS = makeUsers(40);
const SYNCABLE = USERS.filter((user) => user.accountEnabled !== false);

let sandbox: Sandbox;
let workflowId: string;

beforeAll(async () => {
	sandbox = await startSandbox({ users: USERS, tarball: packThePack() });
	workflowId = await sandbox.n8n.importWorkflow(readWorkflow(SYNC_WORKFLOW));
});

afterAll(async () => {
	await sandbox?.close();
	if (sandbox) rmSync(sandbox.tls.dir, { recursive: true, force: true });
});

interface Summary {
	run: Record<string, number>;
	cumulative: Record<string, number>;
	unsynced: number;
	cursorCommitted: boolean;
	lastSynced: { iso: string; local: string; relative: string };
}

async function runSync(): Promise<{ execution: ExecutionResult; graphRequests: number; writes: number }> {
	const graphBefore = sandbox.microsoft.graphRequests().length;
	const writesBefore = sandbox.freshservice.writes().length;
	const execution = await sandbox.n8n.execute(workflowId);
	expect(executionSucceeded(execution.json)).toBe(true);
	return {
		execution,
		graphRequests: sandbox.microsoft.graphRequests().length - graphBefore,
		writes: sandbox.freshservice.writes().length - writesBefore,
	};
}

const summaryOf = (execution: ExecutionResult) => nodeOutput(execution.json, 'Upsert Requester', 1)[0] as Summary | undefined;
const requesters = () => [...sandbox.freshservice.state.requesters.values()];

describe('scheduled sync workflow in real n8n', () => {
	it('first run creates every enabled user as a requester, with statistics', async () => {
		const { execution, graphRequests, writes } = await runSync();
		const summary = summaryOf(execution)!;
		expect(summary.run).toMatchObject({ created: SYNCABLE.length, failed: 0 });
		// The floor: one write per requester. Managers are created first, so each create carries its manager.
		expect(writes).toBe(SYNCABLE.length);
		expect(summary.run.managersLinked).toBeGreaterThan(0);
		expect(summary.cumulative).toMatchObject({ runs: 1, created: SYNCABLE.length });
		expect(summary.cursorCommitted).toBe(true);
		expect(summary.lastSynced.iso).toMatch(/^\d{4}-\d{2}-\d{2}T/);
		expect(requesters()).toHaveLength(SYNCABLE.length);
		// The delta cursor first ($deltatoken=latest), then ceil(40/999) = 1 page of /users.
		expect(graphRequests).toBe(2);
		const managed = requesters().filter((r) => r.reporting_manager_id !== null && r.reporting_manager_id !== undefined);
		expect(managed.length).toBeGreaterThan(0);
	});

	it('an incremental run without changes makes one Graph request and no destination writes', async () => {
		const { execution, graphRequests, writes } = await runSync();
		expect(graphRequests).toBe(1);
		expect(writes).toBe(0);
		const summary = summaryOf(execution)!;
		expect(summary.run).toMatchObject({ created: 0, updated: 0, deactivated: 0, failed: 0 });
		expect(summary.cumulative).toMatchObject({ runs: 2 });
	});

	it('applies a changed attribute as one field and deactivates a disabled user', async () => {
		const changed = SYNCABLE[3];
		const disabled = SYNCABLE[5];
		sandbox.microsoft.state.updateUser(changed.id, { jobTitle: 'Principal Engineer' });
		sandbox.microsoft.state.disableUser(disabled.id);
		const writesBefore = sandbox.freshservice.writes().length;
		const { execution } = await runSync();
		const summary = summaryOf(execution)!;
		expect(summary.run).toMatchObject({ updated: 1, deactivated: 1, created: 0, failed: 0 });
		const writes = sandbox.freshservice.writes().slice(writesBefore);
		expect(writes.map((w) => w.method)).toEqual(['PUT', 'DELETE']);
		expect(requesters().find((r) => r.primary_email === changed.mail?.toLowerCase())?.job_title).toBe('Principal Engineer');
		expect(requesters().find((r) => r.primary_email === disabled.mail?.toLowerCase())?.active).toBe(false);
		expect(requesters()).toHaveLength(SYNCABLE.length);
	});

	it('registers failures during a destination outage, exports them as CSV, and heals them next run', async () => {
		const first = SYNCABLE[7];
		const second = SYNCABLE[8];
		sandbox.microsoft.state.updateUser(first.id, { department: 'Sales' });
		sandbox.microsoft.state.updateUser(second.id, { department: 'Finance' });
		sandbox.freshservice.faults.setOutage({ method: 'PUT' });
		const outage = await runSync();
		const summary = summaryOf(outage.execution)!;
		expect(summary.run.failed).toBe(2);
		expect(summary.unsynced).toBe(2);
		const exported = nodeOutput(outage.execution.json, 'Export Unsynced')[0] as { rows: number };
		expect(exported.rows).toBe(2);
		const csv = binaryText(outage.execution, 'Export Unsynced');
		const rows = parse(csv, { columns: true, bom: true }) as Array<Record<string, string>>;
		expect(rows.map((row) => row['Object ID']).sort()).toEqual([first.id, second.id].sort());
		expect(rows.every((row) => row.Stage === 'destination' && /503/.test(row.Message))).toBe(true);

		sandbox.freshservice.faults.clearOutage();
		const healed = await runSync();
		const after = summaryOf(healed.execution)!;
		expect(after.run).toMatchObject({ updated: 2, failed: 0 });
		expect(after.unsynced).toBe(0);
		expect(requesters()).toHaveLength(SYNCABLE.length);
		expect(nodeOutput(healed.execution.json, 'Export Unsynced')).toEqual([]);
	});
});

/** The text of a node's first binary output, as `n8n execute --rawOutput` prints it. */
function binaryText(execution: ExecutionResult, nodeName: string): string {
	const runs = (execution.json as { data: { resultData: { runData: Record<string, Array<{ data: { main: Array<Array<{ binary?: Record<string, { data: string }> }>> } }>> } } }).data.resultData.runData[nodeName];
	const binary = runs[runs.length - 1].data.main[0][0].binary!.data;
	return Buffer.from(binary.data, 'base64').toString('utf8');
}
