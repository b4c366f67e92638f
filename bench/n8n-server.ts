/**
 * Memory of a scheduled sync the way it runs in production (a script, not a test): `n8n start`
 * with the shipped sync workflow published, run through its authenticated "Sync Now (HTTP)"
 * webhook (the same path as the hourly Schedule Trigger), against the stand-ins. Unlike
 * `npm run bench` (one `n8n execute` per run, which prints the whole execution when it ends),
 * this watches the long-running n8n server: its resident set at rest, then per run the peak and
 * the CPU time, for a first full sync, a run without changes and a run with 1% changed.
 *
 *   npm run bench:server -- --sizes 100000 --graph-latency 20 --dest-latency 20
 *   npm run bench:server -- --sizes 100000 --save-success all     (what saving every run costs)
 *
 * Options: --sizes N,N (100000) --graph-latency MS (20) --dest-latency MS (20) --timeout-min M
 * (40, per run) --save-success none|all (none: the shipped setting) --tarball FILE --out FILE.
 */
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { makeUsers } from '../test/fixtures/standins/microsoft';
import { createTestTls } from '../test/fixtures/standins/tls';
import { ensureRuntime, N8nInstance } from '../test/e2e/support/n8n';
import { credentialsFor, packThePack, readWorkflow, SYNC_WEBHOOK_KEY, SYNC_WORKFLOW } from '../test/e2e/support/sandbox';
import { startBenchFreshservice, startBenchMicrosoft } from './standins';
import { changeOnePercent, latestExecution, loadAverage, round1, watchGroup, workflowStaticData } from './measure';

const ROOT = resolve(__dirname, '..');
const WEBHOOK_PATH = 'azure-ad-sync/run';
const POLL_MS = 1000;
type Phase = 'full' | 'noChange' | 'changed1pct';

interface ServerRun {
	size: number;
	phase: Phase;
	saveSuccess: 'none' | 'all';
	outcome: 'ok' | 'failed' | 'timed out';
	/** The run's own statistics from Upsert Requester (kept in the workflow's static data). */
	lastRun?: Record<string, unknown>;
	graphRequests: number;
	destinationRequests: number;
	destinationWrites: number;
	changedUsers: number;
	/** Webhook call → the run's statistics saved (polled every POLL_MS). */
	wallMs: number;
	cpuMs: number;
	/** n8n at rest before the run (the process tree's resident set). */
	restTreeMb: number;
	peakTreeMb: number;
	peakLargestMb: number;
	loadBefore: string;
}

function parseArgs(argv: string[]) {
	const value = (name: string) => {
		const index = argv.indexOf(`--${name}`);
		return index >= 0 ? argv[index + 1] : undefined;
	};
	const number = (name: string, fallback: number) => {
		const raw = value(name);
		const parsed = raw === undefined ? fallback : Number(raw);
		if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`--${name} must be a number, got '${raw}'`);
		return parsed;
	};
	const save = value('save-success') ?? 'none';
	if (save !== 'none' && save !== 'all') throw new Error(`--save-success must be none or all, got '${save}'`);
	return {
		sizes: (value('sizes') ?? '100000').split(',').map((size) => Number(size.trim())),
		graphLatencyMs: number('graph-latency', 20),
		destinationLatencyMs: number('dest-latency', 20),
		timeoutMs: number('timeout-min', 40) * 60_000,
		saveSuccess: save as 'none' | 'all',
		tarball: value('tarball'),
		out: value('out') ?? join(tmpdir(), `aad-sync-bench-server-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
	};
}

function log(message: string): void {
	process.stderr.write(`[bench:server ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

const delay = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function main(): Promise<void> {
	const settings = parseArgs(process.argv.slice(2));
	if (!settings.tarball) execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
	const tarball = settings.tarball ? resolve(settings.tarball) : packThePack();
	const runtime = ensureRuntime();
	const runs: ServerRun[] = [];
	const save = () => writeFileSync(settings.out, JSON.stringify({ settings, tarball, machine: { cpus: cpus().length, memoryGb: round1(totalmem() / 2 ** 30) }, runs }, null, '\t'));
	log(`results: ${settings.out}`);
	for (const size of settings.sizes) {
		const users = makeUsers(size);
		const tls = createTestTls();
		const microsoft = await startBenchMicrosoft(tls, users, settings.graphLatencyMs);
		const freshservice = await startBenchFreshservice(tls, settings.destinationLatencyMs);
		const n8n = new N8nInstance({ runtime, env: { NODE_EXTRA_CA_CERTS: tls.caFile } });
		try {
			await n8n.installPackage(tarball);
			await n8n.importCredentials(credentialsFor(microsoft, freshservice));
			const shipped = readWorkflow(SYNC_WORKFLOW);
			const workflowId = await n8n.importWorkflow({ ...shipped, settings: { ...shipped.settings, saveDataSuccessExecution: settings.saveSuccess } });
			await n8n.activate(workflowId);
			await n8n.start();
			await n8n.waitForWebhook(WEBHOOK_PATH);
			const pid = (n8n as unknown as { server?: { pid?: number } }).server?.pid;
			if (!pid) throw new Error('n8n start has no process id');
			const watch = watchGroup(pid);
			const database = join(n8n.userFolder, '.n8n', 'database.sqlite');
			const lastRun = () => (workflowStaticData(runtime, database, workflowId).global as Record<string, Record<string, Record<string, Record<string, unknown>>>> | undefined)?.azureAdSyncRecords?.default?.lastRun;
			try {
				await delay(5000);
				for (const phase of ['full', 'noChange', 'changed1pct'] as Phase[]) {
					const changedUsers = phase === 'changed1pct' ? changeOnePercent(microsoft, users, 1) : 0;
					microsoft.requests.length = 0;
					freshservice.requests.length = 0;
					const before = lastRun()?.finishedAt;
					const failedBefore = latestExecution(runtime, database, workflowId)?.id;
					const loadBefore = loadAverage();
					const rest = watch.window();
					const started = Date.now();
					const response = await fetch(n8n.webhookUrl(WEBHOOK_PATH), { method: 'POST', headers: { 'X-Sync-Key': SYNC_WEBHOOK_KEY } });
					if (!response.ok) throw new Error(`the Sync Now webhook answered ${response.status}`);
					let outcome: ServerRun['outcome'] = 'timed out';
					let stats: Record<string, unknown> | undefined;
					while (Date.now() - started < settings.timeoutMs) {
						await delay(POLL_MS);
						stats = lastRun();
						if (stats && stats.finishedAt !== before) {
							outcome = 'ok';
							break;
						}
						// Failed executions are always saved; a new one means the run ended without statistics.
						const latest = latestExecution(runtime, database, workflowId);
						if (latest && latest.id !== failedBefore && latest.status !== 'running' && latest.status !== 'new' && latest.status !== 'success') {
							outcome = 'failed';
							break;
						}
					}
					const wallMs = Date.now() - started;
					const figures = watch.window();
					const run: ServerRun = {
						size,
						phase,
						saveSuccess: settings.saveSuccess,
						outcome,
						lastRun: outcome === 'ok' ? stats : undefined,
						graphRequests: microsoft.graphRequests().length,
						destinationRequests: freshservice.requests.length,
						destinationWrites: freshservice.writes().length,
						changedUsers,
						wallMs,
						cpuMs: figures.cpuMs,
						restTreeMb: rest.lastTreeMb,
						peakTreeMb: figures.peakTreeMb,
						peakLargestMb: figures.peakLargestMb,
						loadBefore,
					};
					runs.push(run);
					save();
					log(
						`${size} ${phase}: ${outcome}, graph ${run.graphRequests}, destination ${run.destinationRequests} (writes ${run.destinationWrites}), ` +
							`wall ${(wallMs / 1000).toFixed(1)} s, cpu ${(run.cpuMs / 1000).toFixed(1)} s, at rest ${run.restTreeMb} MB, peak tree ${run.peakTreeMb} MB, largest ${run.peakLargestMb} MB, load ${loadBefore}`,
					);
					if (outcome !== 'ok') break;
					// Let a saved execution finish writing before the next run starts.
					await delay(3000);
				}
			} finally {
				watch.stop();
			}
		} finally {
			await n8n.dispose();
			await microsoft.close();
			await freshservice.close();
			rmSync(tls.dir, { recursive: true, force: true });
		}
	}
	process.stdout.write(`${JSON.stringify(runs, null, 2)}\nEvery run: ${settings.out}\n`);
}

main().catch((error: Error) => {
	process.stderr.write(`${error.stack ?? error.message}\n`);
	process.exit(1);
});
