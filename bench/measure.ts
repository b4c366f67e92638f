/**
 * Measuring one `n8n execute` process for the n8n benchmark (bench/n8n-sync.ts): wall time, CPU
 * time and peak memory of its process tree, and what n8n stored about the run in its sqlite
 * database.
 *
 * CPU time comes from GNU time (`/usr/bin/time`, user + system of every process it waited for,
 * n8n and its task runner); without it, from polling /proc. Memory is polled from /proc every
 * POLL_MS: the sum of the resident sets of every process in the run's process group at its peak,
 * plus the largest single resident set (GNU time's maximum RSS when available, exact).
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { N8nInstance, N8nRuntime } from '../test/e2e/support/n8n';
import type { MicrosoftStandIn, SeedUser } from '../test/fixtures/standins/microsoft';

const POLL_MS = 200;
const TIMELINE_MS = 5000;
const GNU_TIME = '/usr/bin/time';
const PAGE_KB = 4;
const CLOCK_TICKS_PER_SECOND = 100;

export interface ProcessFigures {
	wallMs: number;
	/** User + system CPU of the whole process tree, ms. */
	cpuMs: number;
	cpuSource: 'gnu-time' | 'proc-poll';
	/** Largest resident set of any single process of the tree, MB. */
	maxRssMb: number;
	/** Largest sum of the resident sets of the tree at one moment (polled), MB. */
	peakTreeRssMb: number;
	/** When the tree's resident set peaked, seconds after the start (polled). */
	peakTreeAtS: number;
	/** The tree's resident set every TIMELINE_MS: [seconds after the start, MB]. */
	rssTimeline: Array<[number, number]>;
	/**
	 * Every poll: [epoch ms, tree KB, largest process KB]; for peakWithin(). Not saved with the
	 * results (runOnce drops it after use).
	 */
	series?: Array<[number, number, number]>;
	exitCode: number | null;
	/** Signal that ended n8n (n8n 2.41.1 on Node 24 often segfaults at exit after a saved run). */
	signal: string | null;
	timedOut: boolean;
}

interface ProcSample {
	pgrp: number;
	cpuTicks: number;
	rssKb: number;
}

function readProc(pid: number): ProcSample | undefined {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		// Field numbers of proc(5) minus 3: pgrp is field 5, utime 14, stime 15, rss 24 (pages).
		return { pgrp: Number(fields[2]), cpuTicks: Number(fields[11]) + Number(fields[12]), rssKb: Number(fields[21]) * PAGE_KB };
	} catch {
		return undefined;
	}
}

function groupMembers(pgrp: number): Map<number, ProcSample> {
	const members = new Map<number, ProcSample>();
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		const sample = readProc(Number(entry));
		if (sample && sample.pgrp === pgrp) members.set(Number(entry), sample);
	}
	return members;
}

/** GNU time's `-o` file: maybe "Command terminated by signal N", then "%e %U %S %M". */
function readGnuTime(file: string): { cpuMs: number; maxRssKb: number; signal: string | null } | undefined {
	if (!existsSync(file)) return undefined;
	const lines = readFileSync(file, 'utf8').trim().split('\n');
	const figures = lines[lines.length - 1].trim().split(/\s+/).map(Number);
	if (figures.length !== 4 || figures.some((value) => Number.isNaN(value))) return undefined;
	const signalLine = lines.find((line) => /terminated by signal/.test(line));
	const signalNumber = signalLine ? /signal (\d+)/.exec(signalLine)?.[1] : undefined;
	return { cpuMs: Math.round((figures[1] + figures[2]) * 1000), maxRssKb: figures[3], signal: signalNumber ? `signal ${signalNumber}` : null };
}

/**
 * `n8n execute` of one imported workflow, measured, in the instance's own environment (the one its
 * own `execute` uses) plus `env`; stdout, stderr and GNU time's figures go to `<folder>/<name>.stdout`,
 * `.stderr` and `.time`.
 */
export async function measureExecute(
	n8n: N8nInstance,
	workflowId: string,
	run: { folder: string; name: string; timeoutMs: number; env?: Record<string, string> },
): Promise<{ figures: ProcessFigures; stdoutFile: string }> {
	const file = (kind: string) => join(run.folder, `${run.name}.${kind}`);
	const figures = await runMeasured(n8n.runtime.node, [n8n.runtime.n8n, 'execute', `--id=${workflowId}`, '--rawOutput'], {
		env: await n8n['environment'](run.env),
		cwd: n8n.userFolder,
		timeoutMs: run.timeoutMs,
		stdoutFile: file('stdout'),
		stderrFile: file('stderr'),
		timeFile: file('time'),
	});
	return { figures, stdoutFile: file('stdout') };
}

/** How many of `requests` each HTTP method made. */
export function countByMethod(requests: ReadonlyArray<{ method: string }>): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const request of requests) counts[request.method] = (counts[request.method] ?? 0) + 1;
	return counts;
}

/**
 * Runs `command args` in its own process group with stdout and stderr to files, kills the group
 * after `timeoutMs`, and returns the figures.
 */
async function runMeasured(
	command: string,
	args: string[],
	options: { env: Record<string, string>; cwd: string; timeoutMs: number; stdoutFile: string; stderrFile: string; timeFile: string },
): Promise<ProcessFigures> {
	const useGnuTime = existsSync(GNU_TIME);
	const argv = useGnuTime ? ['-f', '%e %U %S %M', '-o', options.timeFile, command, ...args] : args;
	const stdout = openSync(options.stdoutFile, 'w');
	const stderr = openSync(options.stderrFile, 'w');
	const started = Date.now();
	const child = spawn(useGnuTime ? GNU_TIME : command, argv, { env: options.env, cwd: options.cwd, detached: true, stdio: ['ignore', stdout, stderr] });
	closeSync(stdout);
	closeSync(stderr);
	const pgrp = child.pid ?? 0;
	const lastCpu = new Map<number, number>();
	let peakTreeKb = 0;
	let peakTreeAtMs = 0;
	let maxSingleKb = 0;
	const timeline: Array<[number, number]> = [];
	const series: Array<[number, number, number]> = [];
	let timedOut = false;
	const poll = () => {
		let treeKb = 0;
		let largestKb = 0;
		for (const [pid, sample] of groupMembers(pgrp)) {
			treeKb += sample.rssKb;
			largestKb = Math.max(largestKb, sample.rssKb);
			lastCpu.set(pid, sample.cpuTicks);
		}
		maxSingleKb = Math.max(maxSingleKb, largestKb);
		const now = Date.now();
		series.push([now, treeKb, largestKb]);
		const elapsed = now - started;
		if (treeKb > peakTreeKb) {
			peakTreeKb = treeKb;
			peakTreeAtMs = elapsed;
		}
		if (elapsed >= timeline.length * TIMELINE_MS) timeline.push([Math.round(elapsed / 1000), round1(treeKb / 1024)]);
	};
	const poller = setInterval(poll, POLL_MS);
	const killer = setTimeout(() => {
		timedOut = true;
		try {
			process.kill(-pgrp, 'SIGKILL');
		} catch {
			// Already gone.
		}
	}, options.timeoutMs);
	const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (exitCode, exitSignal) => resolve({ code: exitCode, signal: exitSignal })));
	const wallMs = Date.now() - started;
	clearInterval(poller);
	clearTimeout(killer);
	// A task runner n8n did not reap belongs to the same group.
	try {
		process.kill(-pgrp, 'SIGKILL');
	} catch {
		// Nothing left.
	}
	const gnu = useGnuTime ? readGnuTime(options.timeFile) : undefined;
	const polledCpuMs = ([...lastCpu.values()].reduce((sum, ticks) => sum + ticks, 0) * 1000) / CLOCK_TICKS_PER_SECOND;
	return {
		wallMs,
		cpuMs: gnu?.cpuMs ?? Math.round(polledCpuMs),
		cpuSource: gnu ? 'gnu-time' : 'proc-poll',
		maxRssMb: round1(Math.max(gnu?.maxRssKb ?? 0, maxSingleKb) / 1024),
		peakTreeRssMb: round1(peakTreeKb / 1024),
		peakTreeAtS: round1(peakTreeAtMs / 1000),
		rssTimeline: timeline,
		series,
		exitCode: useGnuTime && gnu?.signal ? null : code,
		signal: gnu?.signal ?? signal,
		timedOut,
	};
}

/**
 * The largest resident sets polled between two moments (epoch ms), in MB: the tree's and the
 * largest single process's. Used to tell the memory a workflow needs while it runs (between n8n's
 * startedAt and stoppedAt) from what `n8n execute` needs afterwards to print the whole execution.
 */
export function peakWithin(series: Array<[number, number, number]>, fromMs: number, toMs: number): { treeMb: number; largestMb: number } | undefined {
	const inside = series.filter(([at]) => at >= fromMs && at <= toMs);
	if (inside.length === 0) return undefined;
	return { treeMb: round1(Math.max(...inside.map(([, tree]) => tree)) / 1024), largestMb: round1(Math.max(...inside.map(([, , largest]) => largest)) / 1024) };
}

/**
 * Polls a long-running process group (e.g. `n8n start`) every POLL_MS; window() returns the peak
 * resident sets and the CPU time spent since the previous window() call.
 */
export function watchGroup(pgrp: number): { window(): { peakTreeMb: number; peakLargestMb: number; cpuMs: number; lastTreeMb: number }; stop(): void } {
	let peakTreeKb = 0;
	let peakLargestKb = 0;
	let lastTreeKb = 0;
	const cpu = new Map<number, number>();
	const cpuTotal = () => [...cpu.values()].reduce((sum, ticks) => sum + ticks, 0);
	const poll = () => {
		let treeKb = 0;
		for (const [pid, sample] of groupMembers(pgrp)) {
			treeKb += sample.rssKb;
			peakLargestKb = Math.max(peakLargestKb, sample.rssKb);
			cpu.set(pid, sample.cpuTicks);
		}
		lastTreeKb = treeKb;
		peakTreeKb = Math.max(peakTreeKb, treeKb);
	};
	poll();
	let cpuAtStart = cpuTotal();
	const timer = setInterval(poll, POLL_MS);
	return {
		window() {
			poll();
			const figures = {
				peakTreeMb: round1(peakTreeKb / 1024),
				peakLargestMb: round1(peakLargestKb / 1024),
				cpuMs: Math.round(((cpuTotal() - cpuAtStart) * 1000) / CLOCK_TICKS_PER_SECOND),
				lastTreeMb: round1(lastTreeKb / 1024),
			};
			peakTreeKb = lastTreeKb;
			peakLargestKb = 0;
			cpuAtStart = cpuTotal();
			return figures;
		},
		stop: () => clearInterval(timer),
	};
}

/** Spread over the directory: every k-th enabled user with an address gets a new job title. */
export function changeOnePercent(microsoft: MicrosoftStandIn, users: SeedUser[], repeat: number): number {
	const syncable = users.filter((user) => user.accountEnabled !== false && (user.mail || user.userPrincipalName));
	const count = Math.max(1, Math.ceil(users.length / 100));
	const step = Math.floor(syncable.length / count);
	for (let index = 0; index < count; index += 1) {
		microsoft.state.updateUser(syncable[index * step].id, { jobTitle: `Benchmark change ${repeat}-${index}` });
	}
	return count;
}

export function round1(value: number): number {
	return Math.round(value * 10) / 10;
}

/** Runs one query against n8n's sqlite database with n8n's own sqlite3 (built for its Node 24). */
export function queryN8nDb<T>(runtime: N8nRuntime, database: string, sql: string, params: unknown[] = []): T[] {
	const script = `
		const sqlite3 = require(${JSON.stringify(join(runtime.dir, 'node_modules', 'sqlite3'))});
		const db = new sqlite3.Database(${JSON.stringify(database)}, sqlite3.OPEN_READONLY);
		db.all(${JSON.stringify(sql)}, ${JSON.stringify(params)}, (error, rows) => {
			if (error) { console.error(error.message); process.exit(1); }
			process.stdout.write(JSON.stringify(rows));
			db.close();
		});`;
	const text = execFileSync(runtime.node, ['-e', script], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
	return JSON.parse(text) as T[];
}

export interface StoredExecution {
	id: number;
	status: string;
	finished: number;
	startedAt: string | null;
	stoppedAt: string | null;
	/** length(execution_data.data): the stored run data, in bytes (characters of the JSON). */
	dataBytes: number | null;
}

/** The newest execution of a workflow, if any. */
export function latestExecution(runtime: N8nRuntime, database: string, workflowId: string): StoredExecution | undefined {
	const rows = queryN8nDb<StoredExecution>(
		runtime,
		database,
		`SELECT e.id AS id, e.status AS status, e.finished AS finished, e.startedAt AS startedAt, e.stoppedAt AS stoppedAt, length(d.data) AS dataBytes
		 FROM execution_entity e LEFT JOIN execution_data d ON d.executionId = e.id WHERE e.workflowId = ? ORDER BY e.id DESC LIMIT 1`,
		[workflowId],
	);
	return rows[0];
}

export function workflowStaticData(runtime: N8nRuntime, database: string, workflowId: string): Record<string, unknown> {
	const rows = queryN8nDb<{ staticData: string | null }>(runtime, database, 'SELECT staticData FROM workflow_entity WHERE id = ?', [workflowId]);
	const text = rows[0]?.staticData;
	return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export function loadAverage(): string {
	return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

export function median(values: number[]): number | undefined {
	const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
	if (sorted.length === 0) return undefined;
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
