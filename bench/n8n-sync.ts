/**
 * Benchmark (a script, not a test): the shipped scheduled-sync workflow against a peer workflow
 * built only from n8n's own nodes (bench/peer-sync.json: HTTP Request nodes; optionally
 * bench/peer-sync-entra.json: n8n's Microsoft Entra ID node for the read), in the same real n8n
 * 2.41.1, against the local Microsoft and Freshservice stand-ins with a fixed latency on every
 * answer. Results and how to read them: docs/benchmarks.md.
 *
 *   npm run bench                                        1k and 10k users, 3 repeats each
 *   npm run bench -- --sizes 50000 --graph-latency 20 --dest-latency 30 --repeats 3
 *   npm run bench -- --tarball /tmp/pack/n8n-nodes-azure-ad-sync-0.1.0.tgz   (skip build + pack)
 *
 * Options: --sizes N,N (1000,10000) --repeats R (3) --graph-latency MS (80) --dest-latency MS (120)
 * --rate-limit PER_MINUTE (none) --timeout-min M (20, per run) --configs ours,peer[,entra] --out FILE
 * (JSON of every run, rewritten after each one; default under the system temp folder)
 * --keep-going (run a workflow again at a size after one of its runs there failed or timed out)
 * --phases full,noChange,changed1pct (which runs) --n8n-heap-mb MB (cap n8n's heap)
 * --first-repeat K (number the repeats from K, so a long series can be split over several
 * invocations and read together with --report: e.g. --repeats 1 --first-repeat 2)
 * --report FILE[,FILE] (print the tables and checks of saved --out files; runs nothing).
 *
 * Per size and repeat: fresh stand-ins (N users from makeUsers, one Freshservice account per
 * workflow), a fresh n8n user folder with the pack installed from its tarball and both workflows
 * imported (successful executions saved, so their stored size can be read). Then, one after the
 * other: ours full, peer full, ours incremental without change, peer again, 1% of the users get a
 * new job title, ours incremental, peer again. The peer has no delta: each of its runs reads every
 * user and looks up and writes every requester.
 *
 * Per run: Graph requests (paths under /v1.0; sign-in requests separately), destination requests
 * and writes, wall time of `n8n execute` (n8n start-up included) and n8n's own execution time,
 * CPU time and peak memory of the n8n process tree (bench/measure.ts), the stored execution's
 * size in sqlite, and the load average before the run.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import type { FreshserviceStandIn } from '../test/destinations/freshservice/standIn';
import { makeUsers, type MicrosoftStandIn, type SeedUser } from '../test/fixtures/standins/microsoft';
import { createTestTls } from '../test/fixtures/standins/tls';
import { ensureRuntime, N8nInstance, type CredentialJson, type N8nRuntime, type WorkflowJson } from '../test/e2e/support/n8n';
import { APP_ROLES, CLIENT_ID, CLIENT_SECRET, credentialsFor, packThePack, readWorkflow, SYNC_WORKFLOW } from '../test/e2e/support/sandbox';
import { peerCredential, peerWorkflow, PEER_WORKFLOW } from './peerWorkflow';
import { startBenchFreshservice, startBenchMicrosoft } from './standins';
import { changeOnePercent, countByMethod, latestExecution, loadAverage, measureExecute, median, peakWithin, round1, workflowStaticData, type ProcessFigures } from './measure';

const ROOT = resolve(__dirname, '..');
const ENTRA_WORKFLOW = join(ROOT, 'bench', 'peer-sync-entra.json');
const ENTRA_CREDENTIAL_ID = 'peerEntraOAuth1';
/** Handed to n8n's Entra credential as if a browser sign-in had produced it (see entraCredential). */
const ENTRA_ACCESS_TOKEN = 'FAKE-bench-entra-access-token';

/**
 * ours: the shipped workflow; peer: bench/peer-sync.json; entra: bench/peer-sync-entra.json;
 * empty: a Manual Trigger alone, run once per repeat, to show what `n8n execute` costs by itself.
 */
type Config = 'ours' | 'peer' | 'entra' | 'empty';
const CONFIGS: Config[] = ['ours', 'peer', 'entra'];
const EMPTY_WORKFLOW: WorkflowJson = {
	id: 'benchEmptyFlow01',
	name: 'Bench: Manual Trigger alone (n8n start-up cost)',
	settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all' },
	nodes: [{ id: '7e3a0c10-00ff-4b1e-9d00-00000000a0ff', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} }],
	connections: {},
};
type Phase = 'full' | 'noChange' | 'changed1pct';
const PHASES: Phase[] = ['full', 'noChange', 'changed1pct'];
const PHASE_LABEL: Record<Phase, string> = { full: 'first (full) run', noChange: 'incremental, no change', changed1pct: 'incremental, 1% changed' };

interface Settings {
	sizes: number[];
	repeats: number;
	/** --first-repeat: the number of the first repeat (default 1); also seeds which users the 1% run changes. */
	firstRepeat: number;
	graphLatencyMs: number;
	destinationLatencyMs: number;
	rateLimitPerMinute?: number;
	timeoutMs: number;
	configs: Config[];
	tarball?: string;
	out: string;
	keepGoing: boolean;
	/** --phases: which runs, in order (default full,noChange,changed1pct); later ones need the first. */
	phases: Phase[];
	/** --report FILE[,FILE]: print the tables and checks of saved results (--out files) and run nothing. */
	report?: string[];
	/** --n8n-heap-mb: caps n8n's JavaScript heap (NODE_OPTIONS=--max-old-space-size), to show what a run really needs. */
	heapMb?: number;
}

interface RunRecord {
	size: number;
	repeat: number;
	config: Config;
	phase: Phase;
	loadBefore: string;
	graphRequests: number;
	/** The first few Graph requests (method, path, query), to see what a run asked for. */
	graphSample: string[];
	signInRequests: number;
	destinationRequests: number;
	destinationWrites: number;
	destinationByMethod: Record<string, number>;
	/** Users whose attributes changed before this run (the writes an incremental run needs). */
	changedUsers: number;
	process: ProcessFigures;
	/** n8n's own startedAt → stoppedAt. */
	executionMs: number | null;
	executionStatus: string | null;
	/**
	 * Largest resident set polled while the workflow ran (n8n's startedAt → stoppedAt): what a
	 * scheduled run in `n8n start` needs, without `n8n execute` printing the execution afterwards.
	 */
	duringExecution?: { treeMb: number; largestMb: number };
	storedBytes: number | null;
	/** Ours: the run statistics Upsert Requester kept in the workflow's static data. */
	syncRun?: Record<string, unknown>;
	requestersInDestination: number;
	outcome: 'ok' | 'failed' | `did not finish within ${number} min` | 'not run: an earlier run of this workflow at this size failed or did not finish';
	note?: string;
}

function parseArgs(argv: string[]): Settings {
	const value = (name: string): string | undefined => {
		const index = argv.indexOf(`--${name}`);
		return index >= 0 ? argv[index + 1] : undefined;
	};
	const number = (name: string, fallback: number): number => {
		const raw = value(name);
		if (raw === undefined) return fallback;
		const parsed = Number(raw);
		if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`--${name} must be a number, got '${raw}'`);
		return parsed;
	};
	const stamp = new Date().toISOString().replace(/[:.]/g, '-');
	const rateLimit = value('rate-limit');
	const firstRepeat = number('first-repeat', 1);
	if (!Number.isInteger(firstRepeat) || firstRepeat < 1) throw new Error(`--first-repeat must be a whole number from 1, got '${value('first-repeat')}'`);
	return {
		sizes: (value('sizes') ?? '1000,10000').split(',').map((size) => Number(size.trim())),
		repeats: number('repeats', 3),
		firstRepeat,
		graphLatencyMs: number('graph-latency', 80),
		destinationLatencyMs: number('dest-latency', 120),
		rateLimitPerMinute: rateLimit === undefined ? undefined : Number(rateLimit),
		timeoutMs: number('timeout-min', 20) * 60_000,
		configs: (value('configs') ?? 'ours,peer').split(',').map((config) => {
			if (!CONFIGS.includes(config.trim() as Config)) throw new Error(`--configs: '${config}' is not one of ${CONFIGS.join(', ')}`);
			return config.trim() as Config;
		}),
		tarball: value('tarball'),
		out: value('out') ?? join(tmpdir(), `aad-sync-bench-${stamp}.json`),
		keepGoing: argv.includes('--keep-going'),
		phases: (value('phases') ?? PHASES.join(',')).split(',').map((phase) => {
			if (!PHASES.includes(phase.trim() as Phase)) throw new Error(`--phases: '${phase}' is not one of ${PHASES.join(', ')}`);
			return phase.trim() as Phase;
		}),
		report: value('report')?.split(',').map((file) => resolve(file.trim())),
		heapMb: value('n8n-heap-mb') === undefined ? undefined : number('n8n-heap-mb', 0),
	};
}

function log(message: string): void {
	process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** The shipped workflow, saving successful executions so their size can be read. */
function oursWorkflow(): WorkflowJson {
	const workflow = readWorkflow(SYNC_WORKFLOW);
	return { ...workflow, settings: { ...workflow.settings, saveDataSuccessExecution: 'all' } };
}

/**
 * n8n's Entra credential is delegated OAuth2 (authorization code, which needs a browser), so the
 * bench registers an access token with the stand-in and imports the credential as if the sign-in
 * had happened. Its Graph base URL is a dropdown of the four Microsoft clouds in the editor, but
 * the stored value is a plain URL that the node honours, so it can point at the stand-in.
 */
function entraCredential(microsoft: MicrosoftStandIn): CredentialJson {
	microsoft.state.tokens.set(ENTRA_ACCESS_TOKEN, { clientId: CLIENT_ID, roles: [...APP_ROLES], directoryRoles: [], audience: microsoft.url, expiresAt: Date.now() + 24 * 3_600_000 });
	return {
		id: ENTRA_CREDENTIAL_ID,
		name: 'Microsoft Entra ID (bench)',
		type: 'microsoftEntraOAuth2Api',
		data: {
			clientId: CLIENT_ID,
			clientSecret: CLIENT_SECRET,
			authUrl: `${microsoft.authority}/oauth2/v2.0/authorize`,
			accessTokenUrl: `${microsoft.authority}/oauth2/v2.0/token`,
			graphApiBaseUrl: microsoft.url,
			oauthTokenData: { token_type: 'Bearer', access_token: ENTRA_ACCESS_TOKEN, expires_in: 86_400, refresh_token: 'FAKE-bench-refresh-token' },
		},
	};
}

interface Bench {
	runtime: N8nRuntime;
	n8n: N8nInstance;
	microsoft: MicrosoftStandIn;
	destinations: Partial<Record<Config, FreshserviceStandIn>>;
	workflowIds: Partial<Record<Config, string>>;
	close(): Promise<void>;
}

async function setUp(settings: Settings, users: SeedUser[], tarball: string, installedNodes: { folder?: string }): Promise<Bench> {
	const runtime = ensureRuntime();
	const tls = createTestTls();
	const microsoft = await startBenchMicrosoft(tls, users, settings.graphLatencyMs);
	const destination = () => startBenchFreshservice(tls, settings.destinationLatencyMs, { rateLimitPerMinute: settings.rateLimitPerMinute });
	const destinations: Partial<Record<Config, FreshserviceStandIn>> = {};
	for (const config of settings.configs) destinations[config] = await destination();
	const n8n = new N8nInstance({ runtime, env: { NODE_EXTRA_CA_CERTS: tls.caFile } });
	if (installedNodes.folder) {
		cpSync(installedNodes.folder, n8n.nodesFolder, { recursive: true });
	} else {
		await n8n.installPackage(tarball);
		installedNodes.folder = mkdtempSync(join(tmpdir(), 'aad-sync-bench-nodes-'));
		cpSync(n8n.nodesFolder, installedNodes.folder, { recursive: true });
	}
	// Ours keeps its own credentials' ids; the peers' Freshservice credential is a separate one.
	const oursDestination = destinations.ours ?? (await destination());
	await n8n.importCredentials([...credentialsFor(microsoft, oursDestination), peerCredential(), entraCredential(microsoft)]);
	const workflowIds: Partial<Record<Config, string>> = {};
	if (destinations.ours) workflowIds.ours = await n8n.importWorkflow(oursWorkflow());
	if (destinations.peer) workflowIds.peer = await n8n.importWorkflow(peerWorkflow(PEER_WORKFLOW, microsoft, destinations.peer));
	if (destinations.entra) workflowIds.entra = await n8n.importWorkflow(peerWorkflow(ENTRA_WORKFLOW, microsoft, destinations.entra));
	workflowIds.empty = await n8n.importWorkflow(EMPTY_WORKFLOW);
	destinations.empty = oursDestination;
	return {
		runtime,
		n8n,
		microsoft,
		destinations,
		workflowIds,
		async close() {
			await n8n.dispose();
			await microsoft.close();
			for (const standIn of new Set([oursDestination, ...Object.values(destinations)])) await standIn.close();
			rmSync(tls.dir, { recursive: true, force: true });
		},
	};
}

function syncRecords(staticData: Record<string, unknown>): Record<string, unknown> | undefined {
	const global = staticData.global as Record<string, Record<string, Record<string, unknown>>> | undefined;
	return global?.azureAdSyncRecords?.default;
}

async function runOnce(bench: Bench, settings: Settings, config: Config, context: { size: number; repeat: number; phase: Phase; changedUsers: number }): Promise<RunRecord> {
	const { n8n, microsoft, runtime } = bench;
	const destination = bench.destinations[config === 'empty' ? 'ours' : config] ?? bench.destinations.empty!;
	const workflowId = bench.workflowIds[config]!;
	// The request logs are only counted; emptying them keeps the benchmark's own memory flat.
	microsoft.requests.length = 0;
	destination.requests.length = 0;
	const database = join(n8n.userFolder, '.n8n', 'database.sqlite');
	const before = latestExecution(runtime, database, workflowId);
	const folder = join(n8n.userFolder, 'bench-runs');
	mkdirSync(folder, { recursive: true });
	const name = `${config}-${context.phase}-${context.repeat}`;
	const loadBefore = loadAverage();
	const env = settings.heapMb ? { NODE_OPTIONS: `--max-old-space-size=${settings.heapMb}` } : undefined;
	const { figures } = await measureExecute(n8n, workflowId, { folder, name, timeoutMs: settings.timeoutMs, env });
	const execution = latestExecution(runtime, database, workflowId);
	const fresh = execution && execution.id !== before?.id ? execution : undefined;
	const byMethod = countByMethod(destination.requests);
	const graphRequests = microsoft.graphRequests().length;
	const executionMs = fresh?.startedAt && fresh.stoppedAt ? sqliteTime(fresh.stoppedAt) - sqliteTime(fresh.startedAt) : null;
	const duringExecution = fresh?.startedAt && fresh.stoppedAt && figures.series ? peakWithin(figures.series, sqliteTime(fresh.startedAt), sqliteTime(fresh.stoppedAt)) : undefined;
	delete figures.series;
	const succeeded = fresh?.status === 'success';
	const minutes = Math.round(settings.timeoutMs / 60_000);
	const record: RunRecord = {
		size: context.size,
		repeat: context.repeat,
		config,
		phase: context.phase,
		loadBefore,
		graphRequests,
		graphSample: microsoft
			.graphRequests()
			.slice(0, 5)
			.map((request) => `${request.method} ${request.path} ${Object.keys(request.query).join(',')}`),
		signInRequests: microsoft.requests.length - graphRequests,
		destinationRequests: destination.requests.length,
		destinationWrites: destination.writes().length,
		destinationByMethod: byMethod,
		changedUsers: context.changedUsers,
		process: figures,
		executionMs: Number.isFinite(executionMs) ? executionMs : null,
		executionStatus: fresh?.status ?? null,
		...(duringExecution ? { duringExecution } : {}),
		storedBytes: fresh?.dataBytes ?? null,
		requestersInDestination: destination.state.requesters.size,
		outcome: figures.timedOut ? `did not finish within ${minutes} min` : succeeded ? 'ok' : 'failed',
	};
	if (config === 'ours') {
		const records = syncRecords(workflowStaticData(runtime, database, workflowId));
		record.syncRun = records?.lastRun as Record<string, unknown> | undefined;
	}
	if (record.outcome === 'failed') record.note = `n8n exit ${figures.exitCode ?? figures.signal}; see ${join(folder, name)}.stdout/.stderr`;
	return record;
}

/** n8n's sqlite timestamps are UTC without a zone: `2025-11-26 13:40:01.123`. */
function sqliteTime(text: string): number {
	return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
}

function notRun(config: Config, context: { size: number; repeat: number; phase: Phase; changedUsers: number }): RunRecord {
	const figures: ProcessFigures = { wallMs: NaN, cpuMs: NaN, cpuSource: 'proc-poll', maxRssMb: NaN, peakTreeRssMb: NaN, peakTreeAtS: NaN, rssTimeline: [], exitCode: null, signal: null, timedOut: false };
	return {
		...context,
		config,
		loadBefore: loadAverage(),
		graphRequests: 0,
		graphSample: [],
		signInRequests: 0,
		destinationRequests: 0,
		destinationWrites: 0,
		destinationByMethod: {},
		process: figures,
		executionMs: null,
		executionStatus: null,
		storedBytes: null,
		requestersInDestination: 0,
		outcome: 'not run: an earlier run of this workflow at this size failed or did not finish',
	};
}

function describe(record: RunRecord): string {
	const p = record.process;
	return (
		`${record.config} ${record.phase} #${record.repeat}: ${record.outcome}, graph ${record.graphRequests}, destination ${record.destinationRequests} ` +
		`(writes ${record.destinationWrites}), wall ${(p.wallMs / 1000).toFixed(1)} s, execution ${record.executionMs === null ? '?' : (record.executionMs / 1000).toFixed(1)} s, ` +
		`cpu ${(p.cpuMs / 1000).toFixed(1)} s, max rss ${p.maxRssMb} MB, tree ${p.peakTreeRssMb} MB at ${p.peakTreeAtS} s, ` +
		`while running: largest ${record.duringExecution?.largestMb ?? '?'} MB, tree ${record.duringExecution?.treeMb ?? '?'} MB, stored ${record.storedBytes ?? '?'} B, load ${record.loadBefore}`
	);
}

interface Row {
	size: number;
	config: Config;
	phase: Phase;
	runs: number;
	ok: number;
	graph?: number;
	destination?: number;
	writes?: number;
	changed?: number;
	wallS?: number;
	executionS?: number;
	cpuS?: number;
	maxRssMb?: number;
	treeRssMb?: number;
	runRssMb?: number;
	runTreeMb?: number;
	storedMb?: number;
	outcomes: string[];
}

function summarise(records: RunRecord[]): Row[] {
	const rows: Row[] = [];
	const sizes = [...new Set(records.map((record) => record.size))];
	for (const size of sizes) {
		for (const config of [...CONFIGS, 'empty'] as Config[]) {
			for (const phase of PHASES) {
				const runs = records.filter((record) => record.size === size && record.config === config && record.phase === phase);
				if (runs.length === 0) continue;
				const ok = runs.filter((record) => record.outcome === 'ok');
				const pick = (get: (record: RunRecord) => number | null | undefined) => median(ok.map(get).filter((value): value is number => typeof value === 'number'));
				rows.push({
					size,
					config,
					phase,
					runs: runs.length,
					ok: ok.length,
					graph: pick((record) => record.graphRequests),
					destination: pick((record) => record.destinationRequests),
					writes: pick((record) => record.destinationWrites),
					changed: pick((record) => record.changedUsers),
					wallS: pick((record) => record.process.wallMs / 1000),
					executionS: pick((record) => (record.executionMs === null ? null : record.executionMs / 1000)),
					cpuS: pick((record) => record.process.cpuMs / 1000),
					maxRssMb: pick((record) => record.process.maxRssMb),
					treeRssMb: pick((record) => record.process.peakTreeRssMb),
					runRssMb: pick((record) => record.duringExecution?.largestMb),
					runTreeMb: pick((record) => record.duringExecution?.treeMb),
					storedMb: pick((record) => (record.storedBytes === null ? null : record.storedBytes / 1024 / 1024)),
					outcomes: [...new Set(runs.map((record) => record.outcome))],
				});
			}
		}
	}
	return rows;
}

/** Every request the run made: Graph, sign-in and destination. */
const total = (record: RunRecord) => record.graphRequests + record.signInRequests + record.destinationRequests;

/** Median over repeats of ours/other, each ratio from the same repeat (same machine conditions). */
function ratio(records: RunRecord[], size: number, phase: Phase, get: (record: RunRecord) => number, other: Config = 'peer'): number | undefined {
	const ratios: number[] = [];
	for (const repeat of new Set(records.map((record) => record.repeat))) {
		const ours = records.find((record) => record.size === size && record.phase === phase && record.repeat === repeat && record.config === 'ours' && record.outcome === 'ok');
		const peer = records.find((record) => record.size === size && record.phase === phase && record.repeat === repeat && record.config === other && record.outcome === 'ok');
		if (ours && peer && get(peer) > 0) ratios.push(get(ours) / get(peer));
	}
	return median(ratios);
}

const format = (value: number | undefined, digits = 0) => (value === undefined ? '–' : value.toFixed(digits));

function table(records: RunRecord[]): string {
	const lines = [
		'| users | workflow | run | ok/runs | Graph req. | dest. req. | dest. writes | wall s | exec. s | CPU s | max RSS MB | tree RSS MB | while running: max RSS MB | while running: tree MB | stored MB |',
		'|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
	];
	for (const row of summarise(records)) {
		const outcome = row.ok === row.runs ? `${row.ok}/${row.runs}` : `${row.ok}/${row.runs} (${row.outcomes.filter((o) => o !== 'ok').join('; ')})`;
		lines.push(
			`| ${row.size} | ${row.config} | ${row.config === 'empty' ? 'Manual Trigger alone (n8n start-up)' : PHASE_LABEL[row.phase]} | ${outcome} | ${format(row.graph)} | ${format(row.destination)} | ${format(row.writes)} | ${format(row.wallS, 1)} | ${format(row.executionS, 1)} | ${format(row.cpuS, 1)} | ${format(row.maxRssMb)} | ${format(row.treeRssMb)} | ${format(row.runRssMb)} | ${format(row.runTreeMb)} | ${format(row.storedMb, 2)} |`,
		);
	}
	lines.push('', '| users | run | vs | total requests ours/other | wall time ours/other | CPU ours/other | max RSS ours/other | max RSS while running ours/other |', '|---:|---|---|---:|---:|---:|---:|---:|');
	for (const size of new Set(records.map((record) => record.size))) {
		for (const other of ['peer', 'entra'] as Config[]) {
			if (!records.some((record) => record.config === other)) continue;
			for (const phase of PHASES) {
				lines.push(
					`| ${size} | ${PHASE_LABEL[phase]} | ${other} | ${format(ratio(records, size, phase, total, other), 4)} | ${format(ratio(records, size, phase, (record) => record.process.wallMs, other), 3)} | ${format(ratio(records, size, phase, (record) => record.process.cpuMs, other), 3)} | ${format(ratio(records, size, phase, (record) => record.process.maxRssMb, other), 3)} | ${format(ratio(records, size, phase, (record) => record.duringExecution?.largestMb ?? NaN, other), 3)} |`,
				);
			}
		}
	}
	return lines.join('\n');
}

/** The contract of issue #9, checked on every successful run of ours. */
function checks(records: RunRecord[]): string {
	const lines: string[] = [];
	for (const size of new Set(records.map((record) => record.size))) {
		for (const phase of PHASES) {
			const unsuccessful = records.filter((record) => record.size === size && record.config === 'ours' && record.phase === phase && record.outcome !== 'ok');
			if (unsuccessful.length > 0) lines.push(`${size}: ours, ${PHASE_LABEL[phase]}: ${unsuccessful.length} run(s) without success: ${[...new Set(unsuccessful.map((record) => record.outcome))].join('; ')}`);
		}
		const okRuns = (config: Config, phase: Phase) => records.filter((record) => record.size === size && record.config === config && record.phase === phase && record.outcome === 'ok');
		const ours = (phase: Phase) => okRuns('ours', phase);
		const floor = Math.ceil(size / 999) + 1;
		const full = ours('full');
		if (full.length > 0) {
			const worst = Math.max(...full.map((record) => record.graphRequests));
			lines.push(`${size}: full sync Graph requests ${full.map((r) => r.graphRequests).join(', ')} vs floor ceil(N/999)+1 = ${floor}: ${worst <= floor * 1.01 ? 'MET' : 'NOT MET'}`);
		}
		const none = ours('noChange');
		if (none.length > 0) {
			const met = none.every((record) => record.graphRequests === 1 && record.destinationWrites === 0);
			lines.push(`${size}: no change: Graph ${none.map((r) => r.graphRequests).join(', ')}, writes ${none.map((r) => r.destinationWrites).join(', ')}: ${met ? 'MET' : 'NOT MET'}`);
		}
		const changed = ours('changed1pct');
		if (changed.length > 0) {
			const met = changed.every((record) => record.destinationWrites === record.changedUsers);
			lines.push(`${size}: 1% changed: writes ${changed.map((r) => r.destinationWrites).join(', ')} vs changed ${changed.map((r) => r.changedUsers).join(', ')}: ${met ? 'MET' : 'NOT MET'}`);
		}
		// Against each peer that ran: the HTTP Request peer and the one that reads with n8n's Entra ID node.
		for (const other of ['peer', 'entra'] as Config[]) {
			for (const phase of ['noChange', 'changed1pct'] as Phase[]) {
				const requests = ratio(records, size, phase, total, other);
				if (requests !== undefined) lines.push(`${size}: ${PHASE_LABEL[phase]}: total requests ours/${other} ${requests.toFixed(4)} (need ≤ 0.2): ${requests <= 0.2 ? 'MET' : 'NOT MET'}`);
				const wall = ratio(records, size, phase, (record) => record.process.wallMs, other);
				if (wall !== undefined) lines.push(`${size}: ${PHASE_LABEL[phase]}: wall time ours/${other} ${wall.toFixed(3)}${size >= 10_000 ? ` (need < 1): ${wall < 1 ? 'MET' : 'NOT MET'}` : ''}`);
			}
		}
		// "Every configuration at least 3 times": per configuration, the fewest successful repeats of its three runs (0 when absent).
		const repeats = (['ours', 'peer', 'entra'] as Config[]).map((config) => {
			const okRepeats = (phase: Phase) => new Set(okRuns(config, phase).map((record) => record.repeat)).size;
			return { config, fewest: Math.min(...PHASES.map(okRepeats)) };
		});
		lines.push(`${size}: successful repeats (fewest of the three runs) ${repeats.map(({ config, fewest }) => `${config} ${fewest}`).join(', ')} (need ≥ 3 each): ${repeats.every(({ fewest }) => fewest >= 3) ? 'MET' : 'NOT MET'}`);
	}
	return lines.join('\n');
}

function buildTarball(settings: Settings): string {
	if (settings.tarball) return resolve(settings.tarball);
	log('building the pack (npm run build) and packing it');
	execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
	return packThePack();
}

async function main(): Promise<void> {
	const settings = parseArgs(process.argv.slice(2));
	if (settings.report) {
		// Results of several invocations (e.g. ours and the peer run separately) read together.
		const saved = settings.report.flatMap((file) => (JSON.parse(readFileSync(file, 'utf8')) as { records: RunRecord[] }).records);
		process.stdout.write(`${table(saved)}\n\n${checks(saved)}\n`);
		return;
	}
	const tarball = buildTarball(settings);
	const records: RunRecord[] = [];
	const save = () =>
		writeFileSync(settings.out, JSON.stringify({ settings, tarball, machine: { cpus: cpus().length, memoryGb: round1(totalmem() / 2 ** 30) }, records }, null, '\t'));
	log(`results: ${settings.out}`);
	const installedNodes: { folder?: string } = {};
	const givenUp = new Set<string>();
	for (const size of settings.sizes) {
		const users = makeUsers(size);
		const lastRepeat = settings.firstRepeat + settings.repeats - 1;
		for (let repeat = settings.firstRepeat; repeat <= lastRepeat; repeat += 1) {
			log(`${size} users, repeat ${repeat} (of ${settings.firstRepeat}–${lastRepeat}): setting up`);
			const bench = await setUp(settings, users, tarball, installedNodes);
			try {
				records.push(await runOnce(bench, settings, 'empty', { size, repeat, phase: 'full', changedUsers: 0 }));
				log(describe(records[records.length - 1]));
				let changedUsers = 0;
				for (const phase of settings.phases) {
					if (phase === 'changed1pct') changedUsers = changeOnePercent(bench.microsoft, users, repeat);
					for (const config of settings.configs) {
						const context = { size, repeat, phase, changedUsers: phase === 'changed1pct' ? changedUsers : 0 };
						// Every run of the peer reads and writes everything, and ours' later runs need its first:
						// once a workflow failed or ran out of time at a size, the later runs would too
						// (unless --keep-going), and each would cost up to the time bound.
						const record = givenUp.has(`${size}:${config}`) ? notRun(config, context) : await runOnce(bench, settings, config, context);
						if (record.outcome !== 'ok' && !settings.keepGoing) givenUp.add(`${size}:${config}`);
						records.push(record);
						save();
						log(describe(record));
					}
				}
			} finally {
				await bench.close();
			}
		}
		process.stdout.write(`\n${table(records.filter((record) => record.size === size))}\n\n${checks(records.filter((record) => record.size === size))}\n`);
	}
	if (installedNodes.folder) rmSync(installedNodes.folder, { recursive: true, force: true });
	process.stdout.write(`\nAll sizes\n\n${table(records)}\n\n${checks(records)}\n\nEvery run: ${settings.out}\n`);
}

main().catch((error: Error) => {
	process.stderr.write(`${error.stack ?? error.message}\n`);
	process.exit(1);
});
