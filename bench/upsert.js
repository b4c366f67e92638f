#!/usr/bin/env node
// Benchmark for the Upsert Requester node: the real node in n8n's execution engine (the test
// harness, n8n-core's WorkflowExecute) against the generic requester REST stand-in over HTTP on
// 127.0.0.1, with a fixed latency added to every answer. Per size it measures, in this order:
//   first    first full sync into an empty destination (creates everyone)
//   again    a second full sync with no change (lists the destination, writes nothing)
//   delta    an incremental run where 1% of the users changed one attribute
//   nothing  an incremental run with nothing changed (List Users' "no changes" marker item)
// and prints destination requests by method, wall time, the node process's CPU time, and its
// peak RSS and peak JS heap.
//
//   node bench/upsert.js                          default plan (below), about 3 minutes
//   node bench/upsert.js 10000:120:16 2000:120:4  size:latencyMs:concurrency, one scenario each
//
// Why the generic stand-in and not the Freshservice one: the Freshservice stand-in scans all its
// requesters on every lookup and create (fine for tests, O(N^2) at 100k), and the test process
// cannot trust its CA without a TLS front. The generic stand-in indexes its keys, so the figures
// are the node's, not the stand-in's. It runs in a child process, so memory and CPU figures are
// the node's process alone. Each scenario runs in a fresh process, so peaks do not carry over.
//
// Default plan, bounded: 10k users at 120 ms per request with concurrency 16 (the node's
// maximum): about 10,000 x 0.12 s / 16 = 75 s for the creates. 100k users at 120 ms would take
// 100,000 x 0.12 s / 16 = 750 s of creates alone (50 min at the default concurrency 4), so 100k
// runs at 10 ms per request; the request counts, CPU time and memory do not depend on latency.
// Wall time at another latency: creates and lookups take about count x latency / concurrency,
// listing pages (GET, 100 per page) one after another about pages x latency.
'use strict';

const path = require('node:path');
const os = require('node:os');
const fs = require('node:fs');
const Module = require('node:module');
const { fork } = require('node:child_process');
const esbuild = require('esbuild');

const ROOT = path.join(__dirname, '..');
const TOKEN = 'FAKE-bench-token';
const DEFAULT_PLAN = ['10000:120:16', '100000:10:16'];

function loadBundle() {
	const contents = [
		"export { runNode } from './test/harness/n8n';",
		"export { UpsertRequester } from './nodes/UpsertRequester/UpsertRequester.node';",
		"export { mapUser } from './nodes/shared/requester/mapping';",
		"export { startGenericRestStandIn } from './test/destinations/genericRest/standIn';",
	].join('\n');
	const { outputFiles } = esbuild.buildSync({
		stdin: { contents, resolveDir: ROOT, loader: 'ts', sourcefile: 'bench-upsert-entry.ts' },
		bundle: true,
		platform: 'node',
		format: 'cjs',
		target: 'node20',
		// n8n-core, n8n-workflow, luxon… load from node_modules as in n8n.
		packages: 'external',
		write: false,
		logLevel: 'error',
	});
	const filename = path.join(ROOT, 'bench', 'upsert.bundle.js');
	const bundle = new Module(filename, module);
	bundle.filename = filename;
	bundle.paths = Module._nodeModulePaths(ROOT);
	bundle._compile(outputFiles[0].text, filename);
	return bundle.exports;
}

// ---- the stand-in process ------------------------------------------------------------------------

async function standInProcess(latencyMs) {
	const { startGenericRestStandIn } = loadBundle();
	const api = await startGenericRestStandIn({ token: TOKEN, latencyMs, record: false });
	process.on('message', (message) => {
		if (message === 'counts') process.send({ counts: { ...api.counts } });
		if (message === 'close') api.close().then(() => process.exit(0));
	});
	process.send({ url: api.url });
}

// ---- the node process ------------------------------------------------------------------------------

function syntheticUser(index, managers) {
	const id = `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`;
	// One user in fifty reports to one of the first fifty (who are created in the same run).
	const manager = index >= managers && index % 50 === 0 ? index % managers : undefined;
	return {
		id,
		accountEnabled: true,
		displayName: `User ${index}`,
		givenName: 'User',
		surname: String(index),
		mail: `user${index}@contoso.com`,
		userPrincipalName: `user${index}@contoso.com`,
		jobTitle: ['Engineer', 'Analyst', 'Manager'][index % 3],
		department: ['IT', 'Sales', 'Finance', 'Retail'][index % 4],
		officeLocation: `Building ${index % 7}`,
		city: ['Oslo', 'Zürich', 'Lyon'][index % 3],
		country: ['Norway', 'Switzerland', 'France'][index % 3],
		mobilePhone: null,
		businessPhones: [`+47 21 00 ${String(index % 10000).padStart(4, '0')}`],
		...(manager === undefined
			? {}
			: { manager: { id: `00000000-0000-4000-8000-${String(manager).padStart(12, '0')}`, displayName: `User ${manager}`, mail: `user${manager}@contoso.com`, userPrincipalName: `user${manager}@contoso.com` } }),
	};
}

function request(child, message) {
	return new Promise((resolve) => {
		child.once('message', resolve);
		child.send(message);
	});
}

function diffCounts(after, before) {
	const methods = new Set([...Object.keys(after), ...Object.keys(before)]);
	return Object.fromEntries([...methods].sort().map((method) => [method, (after[method] ?? 0) - (before[method] ?? 0)]).filter(([, n]) => n > 0));
}

async function nodeProcess(size, latencyMs, concurrency) {
	process.env.N8N_USER_FOLDER ??= fs.mkdtempSync(path.join(os.tmpdir(), 'bench-upsert-'));
	process.env.N8N_DIAGNOSTICS_ENABLED = 'false';
	const { runNode, UpsertRequester, mapUser } = loadBundle();
	const standIn = fork(__filename, ['--stand-in', String(latencyMs)]);
	const { url } = await new Promise((resolve) => standIn.once('message', resolve));

	const syncId = 'bench';
	const managers = Math.min(50, size);
	const graphUsers = Array.from({ length: size }, (_, index) => syntheticUser(index, managers));
	const itemsFor = (list, mode) =>
		list.map((user) => {
			const result = mapUser(user, {});
			if (!result.ok) throw new Error(`user ${user.id} does not map`);
			return { json: { requester: result.requester, azureObjectId: user.id, _sync: { mode, syncId } } };
		});
	const full = itemsFor(graphUsers, 'full');

	let staticData = {};
	const rows = [];
	const phase = async (name, inputItems) => {
		const before = (await request(standIn, 'counts')).counts;
		global.gc?.();
		let heapPeak = process.memoryUsage().heapUsed;
		const sampler = setInterval(() => {
			heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
		}, 25);
		const cpu = process.cpuUsage();
		const started = process.hrtime.bigint();
		const result = await runNode({
			node: new UpsertRequester(),
			parameters: { syncId, destination: 'genericRest', options: { concurrency, timeZone: 'UTC' } },
			credentials: { requesterRestApi: { baseUrl: url, authentication: 'bearer', token: TOKEN } },
			inputItemsByIndex: [inputItems, []],
			staticData,
			mode: 'trigger',
		});
		const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
		const cpuUsed = process.cpuUsage(cpu);
		clearInterval(sampler);
		heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
		if (result.error) throw result.error;
		staticData = result.persistedStaticData;
		const requests = diffCounts((await request(standIn, 'counts')).counts, before);
		const total = Object.values(requests).reduce((a, b) => a + b, 0);
		const run = result.outputs[1][0].json.run;
		rows.push({
			size,
			latencyMs,
			concurrency,
			phase: name,
			run: `${run.created} created, ${run.updated} updated, ${run.unchanged} unchanged, ${run.managersLinked} managers, ${run.failed} failed`,
			requests,
			totalRequests: total,
			wallS: +(wallMs / 1000).toFixed(1),
			cpuS: +((cpuUsed.user + cpuUsed.system) / 1e6).toFixed(1),
			peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
			peakHeapMb: Math.round(heapPeak / 1048576),
		});
	};

	await phase('first', full);
	await phase('again', full);
	const changed = graphUsers.filter((_, index) => index % 100 === 7).map((user) => ({ ...user, jobTitle: 'Architect' }));
	await phase('delta', itemsFor(changed, 'incremental'));
	await phase('nothing', [{ json: { requester: null, _sync: { mode: 'incremental', syncId, noChanges: true } } }]);

	await new Promise((resolve) => {
		standIn.once('exit', resolve);
		standIn.send('close');
	});
	// Run on its own (`node bench/upsert.js --node 10000 120 16`, e.g. with --cpu-prof), it prints its rows.
	if (process.send) process.send(rows);
	else console.log(JSON.stringify(rows, null, 1));
	process.exit(0);
}

// ---- orchestration ---------------------------------------------------------------------------------

function runScenario(spec) {
	const [size, latencyMs, concurrency] = spec.split(':').map(Number);
	if (![size, latencyMs, concurrency].every(Number.isFinite)) throw new Error(`bad scenario "${spec}" (size:latencyMs:concurrency)`);
	return new Promise((resolve, reject) => {
		const child = fork(__filename, ['--node', String(size), String(latencyMs), String(concurrency)], { execArgv: ['--expose-gc', '--max-old-space-size=8192'] });
		let rows;
		child.on('message', (message) => {
			rows = message;
		});
		child.on('exit', (code) => (code === 0 && rows ? resolve(rows) : reject(new Error(`scenario ${spec} exited with ${code}`))));
	});
}

async function main() {
	const plan = process.argv.slice(2).length > 0 ? process.argv.slice(2) : DEFAULT_PLAN;
	console.log(`Upsert Requester → generic REST stand-in (127.0.0.1), Node ${process.version}, ${os.cpus().length} CPUs`);
	for (const spec of plan) {
		for (const row of await runScenario(spec)) {
			const requests = Object.entries(row.requests).map(([method, n]) => `${method} ${n}`).join(', ') || 'none';
			console.log(
				`${String(row.size).padStart(6)} users  ${String(row.latencyMs).padStart(3)} ms  c=${String(row.concurrency).padEnd(2)}  ${row.phase.padEnd(7)}  ` +
					`requests ${String(row.totalRequests).padStart(6)} (${requests})  wall ${row.wallS} s  cpu ${row.cpuS} s  ` +
					`peak RSS ${row.peakRssMb} MB  peak heap ${row.peakHeapMb} MB  [${row.run}]`,
			);
		}
	}
}

if (process.argv[2] === '--stand-in') {
	standInProcess(Number(process.argv[3])).catch((error) => {
		console.error(error);
		process.exit(1);
	});
} else if (process.argv[2] === '--node') {
	nodeProcess(Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5])).catch((error) => {
		console.error(error);
		process.exit(1);
	});
} else {
	main().catch((error) => {
		console.error(error);
		process.exit(1);
	});
}
