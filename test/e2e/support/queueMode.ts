/**
 * n8n in queue mode for end-to-end tests: throwaway PostgreSQL and Redis on 127.0.0.1, one n8n main
 * (`n8n start`, webhooks and the schedule, EXECUTIONS_MODE=queue) and worker processes
 * (`n8n worker`) that take the executions from Redis, all on the cached n8n 2.41.1 / Node 24.
 *
 *   const queue = await startQueueSandbox({ users, tarball: packThePack(), workers: 2 });
 *   const id = await queue.main.importWorkflow(workflow);   // CLI commands talk to PostgreSQL
 *   await queue.main.activate(id);
 *   await queue.start({ staticDataHook: true });             // main, then the workers
 *   const mark = await queue.lastExecutionId();
 *   await fetch(queue.main.webhookUrl('azure-ad-sync/run'), …);
 *   const [run] = await queue.waitForExecutions(id, mark, 1);
 *   queue.workerOf(run.id);  await queue.staticData(id);  await queue.close();
 *
 * The services: PostgreSQL from Debian's packages (`initdb` as the `postgres` user, then the server
 * in the foreground, fsync off) and `redis-server` (no persistence), installed with apt-get when
 * missing, in a temp folder on free ports. Every process runs in its own process group and is
 * stopped by close(), also when a test fails; the temp folder is deleted.
 *
 * Every n8n process is an N8nInstance (test/e2e/support/n8n.ts) with the same database, Redis and
 * encryption key; the workers use the main instance's user folder, so they load the community
 * package installed there. `staticDataHook` gives the workers docs/queue-mode-static-data-hook.js:
 * n8n 2.41.1 starts every queue-mode production run from empty static data without it. Queries go through `psql` (asynchronously: the stand-ins run in this
 * process and must keep answering).
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureRuntime, freePort, N8nInstance } from './n8n';
import { startSandbox, type Sandbox } from './sandbox';
import type { SeedUser } from '../../fixtures/standins/microsoft';

const SERVICE_START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
const DATABASE = 'n8n';
const FINISHED = new Set(['success', 'error', 'canceled', 'crashed']);
export const STATIC_DATA_HOOK = resolve(__dirname, '..', '..', '..', 'docs', 'queue-mode-static-data-hook.js');

/** Process groups of the services; killed if the test process exits without stopping them. */
const serviceGroups = new Set<number>();
process.on('exit', () => {
	for (const pid of serviceGroups) {
		try {
			process.kill(-pid, 'SIGKILL');
		} catch {
			// Already gone.
		}
	}
});

function delay(ms: number): Promise<void> {
	return new Promise((done) => setTimeout(done, ms));
}

function which(command: string): boolean {
	try {
		execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
		return true;
	} catch {
		return false;
	}
}

/** /usr/lib/postgresql/<newest>/bin, where Debian keeps initdb and postgres. */
function postgresBinDir(): string | undefined {
	const root = '/usr/lib/postgresql';
	if (!existsSync(root)) return undefined;
	const versions = readdirSync(root)
		.filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
		.sort((a, b) => Number(b) - Number(a));
	return versions.length > 0 ? join(root, versions[0], 'bin') : undefined;
}

/** Installs PostgreSQL and Redis from Debian's packages when they are missing (needs root). */
export function ensureServicePackages(): { postgresBin: string } {
	if (!postgresBinDir() || !which('redis-server')) {
		if (process.getuid?.() !== 0) throw new Error('PostgreSQL or redis-server is missing: run `apt-get install -y postgresql redis-server` as root');
		const install = () =>
			execFileSync('apt-get', ['install', '-y', '-q', 'postgresql', 'redis-server'], {
				env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
				stdio: ['ignore', 'pipe', 'pipe'],
				timeout: 10 * 60_000,
			});
		try {
			install();
		} catch {
			execFileSync('apt-get', ['update', '-q'], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 5 * 60_000 });
			install();
		}
	}
	const postgresBin = postgresBinDir();
	if (!postgresBin || !which('redis-server')) throw new Error('PostgreSQL or redis-server is still missing after apt-get install');
	return { postgresBin };
}

interface ServiceProcess {
	child: ChildProcess;
	output: string;
}

function startService(command: string, args: string[], options: { uid?: number; gid?: number; cwd: string }): ServiceProcess {
	const child = spawn(command, args, { cwd: options.cwd, uid: options.uid, gid: options.gid, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
	const service: ServiceProcess = { child, output: '' };
	if (child.pid) serviceGroups.add(child.pid);
	child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (service.output = (service.output + chunk).slice(-8000)));
	child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (service.output = (service.output + chunk).slice(-8000)));
	return service;
}

/** SIGINT (PostgreSQL's fast shutdown; Redis exits too), SIGKILL to the group after a grace period. */
async function stopService(service: ServiceProcess | undefined): Promise<void> {
	if (!service) return;
	const { child } = service;
	const pid = child.pid;
	if (child.exitCode === null && child.signalCode === null && pid) {
		const exited = new Promise<void>((done) => child.once('close', () => done()));
		try {
			process.kill(-pid, 'SIGINT');
		} catch {
			// Already gone.
		}
		const timer = setTimeout(() => {
			try {
				process.kill(-pid, 'SIGKILL');
			} catch {
				// Already gone.
			}
		}, STOP_GRACE_MS);
		await exited;
		clearTimeout(timer);
	}
	if (pid) serviceGroups.delete(pid);
}

async function waitUntil(what: string, service: ServiceProcess, probe: () => Promise<boolean>): Promise<void> {
	const deadline = Date.now() + SERVICE_START_TIMEOUT_MS;
	while (Date.now() < deadline) {
		if (service.child.exitCode !== null) throw new Error(`${what} exited with code ${service.child.exitCode}:\n${service.output}`);
		if (await probe().catch(() => false)) return;
		await delay(250);
	}
	throw new Error(`${what} not ready after ${SERVICE_START_TIMEOUT_MS} ms:\n${service.output}`);
}

function redisPing(port: number): Promise<boolean> {
	return new Promise((resolvePing) => {
		const socket = connect(port, '127.0.0.1');
		let answer = '';
		socket.setTimeout(2000, () => socket.destroy());
		socket.on('connect', () => socket.write('PING\r\n'));
		socket.on('data', (chunk) => {
			answer += chunk.toString();
			if (answer.includes('\r\n')) socket.end();
		});
		socket.on('close', () => resolvePing(answer.startsWith('+PONG')));
		socket.on('error', () => resolvePing(false));
	});
}

export interface QueueServices {
	postgresPort: number;
	redisPort: number;
	/** Environment for every n8n process: queue mode on this PostgreSQL and Redis. */
	env: Record<string, string>;
	/** Runs SQL in the n8n database; rows as tab-separated lines. */
	query(sql: string): Promise<string>;
	stop(): Promise<void>;
}

/** PostgreSQL and Redis on free ports of 127.0.0.1, in a temp folder deleted by stop(). */
export async function startQueueServices(): Promise<QueueServices> {
	const { postgresBin } = ensureServicePackages();
	const dir = mkdtempSync(join(tmpdir(), 'aad-sync-queue-'));
	chmodSync(dir, 0o755);
	const asRoot = process.getuid?.() === 0;
	// PostgreSQL refuses to run as root: its data belongs to the `postgres` user.
	const owner = asRoot ? { uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })) } : {};
	const dataDir = join(dir, 'postgres');
	const socketDir = join(dir, 'postgres-socket');
	const redisDir = join(dir, 'redis');
	for (const folder of [dataDir, socketDir, redisDir]) mkdirSync(folder, { mode: 0o700 });
	if (owner.uid !== undefined) for (const folder of [dataDir, socketDir]) chownSync(folder, owner.uid, owner.gid!);

	let postgres: ServiceProcess | undefined;
	let redis: ServiceProcess | undefined;
	const [postgresPort, redisPort] = [await freePort(), await freePort()];
	const psql = join(postgresBin, 'psql');
	const query = (sql: string, database = DATABASE): Promise<string> =>
		new Promise((resolveQuery, reject) => {
			execFile(
				psql,
				['-h', '127.0.0.1', '-p', String(postgresPort), '-U', 'postgres', '-d', database, '-X', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-c', sql],
				{ encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, timeout: 60_000 },
				(error, stdout, stderr) => (error ? reject(new Error(`psql: ${stderr || error.message}`)) : resolveQuery(stdout.replace(/\n$/, ''))),
			);
		});
	const stop = async () => {
		await Promise.all([stopService(postgres), stopService(redis)]);
		rmSync(dir, { recursive: true, force: true });
	};
	try {
		execFileSync(join(postgresBin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync'], { ...owner, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
		postgres = startService(
			join(postgresBin, 'postgres'),
			['-D', dataDir, '-p', String(postgresPort), '-k', socketDir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
			{ ...owner, cwd: dir },
		);
		redis = startService('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', redisDir], { cwd: dir });
		await Promise.all([
			waitUntil('PostgreSQL', postgres, async () => (await query('SELECT 1', 'postgres')) === '1'),
			waitUntil('Redis', redis, () => redisPing(redisPort)),
		]);
		await query(`CREATE DATABASE ${DATABASE}`, 'postgres');
	} catch (error) {
		await stop();
		throw error;
	}
	return {
		postgresPort,
		redisPort,
		env: {
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_HOST: '127.0.0.1',
			QUEUE_BULL_REDIS_PORT: String(redisPort),
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: '127.0.0.1',
			DB_POSTGRESDB_PORT: String(postgresPort),
			DB_POSTGRESDB_DATABASE: DATABASE,
			DB_POSTGRESDB_USER: 'postgres',
			DB_POSTGRESDB_PASSWORD: '',
			// Editor runs go to the workers too (n8n 2.x warns when they stay on main in queue mode).
			OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
			// n8n's own choice in queue mode: binary data in the database, where every process finds it.
			N8N_DEFAULT_BINARY_DATA_MODE: 'database',
		},
		query,
		stop,
	};
}

export interface QueueExecution {
	id: number;
	status: string;
	mode: string;
	startedAt: string | null;
	stoppedAt: string | null;
}

export interface QueueSandbox {
	services: QueueServices;
	sandbox: Sandbox;
	/** `n8n start`: editor, webhooks, schedule; enqueues executions. Also runs the CLI imports. */
	main: N8nInstance;
	/** The running workers (replaced by restartWorkers). */
	workers: N8nInstance[];
	/** Starts main (unless running), then the workers; resolves once all are ready. */
	start(options?: WorkerOptions): Promise<void>;
	/** Stops the workers and starts new ones (a rolling restart would do the same). */
	restartWorkers(options?: WorkerOptions): Promise<void>;
	/** Highest execution id so far (0 before the first). */
	lastExecutionId(): Promise<number>;
	/** Waits until `count` executions of the workflow after `afterId` have finished; oldest first. */
	waitForExecutions(workflowId: string, afterId: number, count: number, timeoutMs?: number): Promise<QueueExecution[]>;
	/** The execution as `n8n execute --rawOutput` prints it (for nodeOutput()); needs saved data. */
	execution(id: number): Promise<unknown>;
	/** Index of the worker whose log says it started this execution, or -1. */
	workerOf(executionId: number): number;
	/** The workflow's global static data as saved in PostgreSQL. */
	staticData(workflowId: string): Promise<Record<string, unknown>>;
	/** Stops every n8n process, the stand-ins and the services; deletes their folders. */
	close(): Promise<void>;
}

export interface WorkerOptions {
	/** Worker processes (default 2). */
	workers?: number;
	/** Jobs each worker runs at once (`n8n worker --concurrency`, default 1). */
	concurrency?: number;
	/** Load docs/queue-mode-static-data-hook.js in the workers (default false: n8n as shipped). */
	staticDataHook?: boolean;
}

export interface QueueSandboxOptions {
	users?: SeedUser[];
	tarball: string;
}

export async function startQueueSandbox(options: QueueSandboxOptions): Promise<QueueSandbox> {
	const runtime = ensureRuntime();
	const services = await startQueueServices();
	let sandbox: Sandbox;
	try {
		sandbox = await startSandbox({ users: options.users, tarball: options.tarball, n8n: { runtime, env: services.env } });
	} catch (error) {
		await services.stop();
		throw error;
	}
	const main = sandbox.n8n;
	const workers: N8nInstance[] = [];
	const startWorkers = async (options: WorkerOptions) => {
		const hook: Record<string, string> = options.staticDataHook ? { EXTERNAL_HOOK_FILES: STATIC_DATA_HOOK, N8N_PRE_EXECUTE_ERROR_CREATES_EXECUTION: 'true' } : {};
		for (let index = 0; index < (options.workers ?? 2); index++) {
			const worker = new N8nInstance({
				runtime,
				userFolder: main.userFolder,
				// Each process its own event log file in the shared user folder.
				env: { ...services.env, NODE_EXTRA_CA_CERTS: sandbox.tls.caFile, N8N_EVENTBUS_LOGWRITER_LOGBASENAME: `n8nEventLog-worker${index + 1}`, ...hook },
			});
			workers.push(worker);
			// One at a time: each start is CPU-heavy on a 2-core machine.
			await worker.start(undefined, { command: 'worker', args: [`--concurrency=${options.concurrency ?? 1}`] });
		}
	};
	const stopWorkers = async () => {
		const stopping = workers.splice(0, workers.length);
		await Promise.allSettled(stopping.map((worker) => worker.dispose()));
	};
	// n8n's `flatted` (the format of execution_data.data), from the runtime that wrote it.
	const flatted = createRequire(join(runtime.dir, 'package.json'))('flatted') as { parse(text: string): unknown };

	const executions = async (workflowId: string, afterId: number): Promise<QueueExecution[]> => {
		const rows = await services.query(
			`SELECT id, status, mode, COALESCE(to_char("startedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), ''), COALESCE(to_char("stoppedAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), '') FROM execution_entity WHERE "workflowId" = '${workflowId.replace(/'/g, "''")}' AND id > ${Math.floor(afterId)} ORDER BY id`,
		);
		return rows
			.split('\n')
			.filter(Boolean)
			.map((line) => {
				const [id, status, mode, startedAt, stoppedAt] = line.split('\t');
				return { id: Number(id), status, mode, startedAt: startedAt || null, stoppedAt: stoppedAt || null };
			});
	};

	return {
		services,
		sandbox,
		main,
		workers,
		async start(workerOptions = {}) {
			if (main.pid === undefined) await main.start();
			await startWorkers(workerOptions);
		},
		async restartWorkers(workerOptions = {}) {
			await stopWorkers();
			await startWorkers(workerOptions);
		},
		async lastExecutionId() {
			return Number((await services.query('SELECT COALESCE(MAX(id), 0) FROM execution_entity')) || 0);
		},
		async waitForExecutions(workflowId, afterId, count, timeoutMs = 5 * 60_000) {
			const deadline = Date.now() + timeoutMs;
			for (;;) {
				const found = await executions(workflowId, afterId);
				if (found.length >= count && found.slice(0, count).every((execution) => FINISHED.has(execution.status))) return found.slice(0, count);
				if (Date.now() > deadline) {
					const logs = [main, ...workers].map((n8n, index) => `--- ${index === 0 ? 'main' : `worker ${index}`} ---\n${n8n.serverLog.stdout.slice(-3000)}\n${n8n.serverLog.stderr.slice(-2000)}`).join('\n');
					throw new Error(`${count} execution(s) of ${workflowId} after #${afterId} did not finish within ${timeoutMs} ms: ${JSON.stringify(found)}\n${logs}`);
				}
				await delay(500);
			}
		},
		async execution(id) {
			const status = await services.query(`SELECT status, finished FROM execution_entity WHERE id = ${Math.floor(id)}`);
			const data = await services.query(`SELECT data FROM execution_data WHERE "executionId" = ${Math.floor(id)}`);
			if (!data) throw new Error(`execution ${id} has no saved data`);
			const [state, finished] = status.split('\t');
			return { id: String(id), status: state, finished: finished === 't', data: flatted.parse(data) };
		},
		workerOf(executionId) {
			const started = new RegExp(`Worker started execution ${executionId} \\(`);
			return workers.findIndex((worker) => started.test(worker.serverLog.stdout));
		},
		async staticData(workflowId) {
			const text = await services.query(`SELECT COALESCE("staticData"::text, '{}') FROM workflow_entity WHERE id = '${workflowId.replace(/'/g, "''")}'`);
			const data = JSON.parse(text || '{}') as { global?: Record<string, unknown> };
			return data.global ?? {};
		},
		async close() {
			// Workers first: they share the main instance's user folder, which the sandbox deletes.
			await stopWorkers();
			await sandbox.close().catch(() => undefined);
			rmSync(sandbox.tls.dir, { recursive: true, force: true });
			await services.stop();
		},
	};
}
