#!/usr/bin/env node
// Benchmark for Azure AD List Users: lists N synthetic users through the pack's real Graph client
// (HTTPS, keep-alive, JSON parsing, paging) and prints Graph requests, wall time and peak memory.
//
//   node bench/list-users.js [sizes...]            (default: 1000 10000 50000 100000)
//   node bench/list-users.js --mode incremental    (first incremental run: cursor, then full read)
//
// Three processes, so the figures are the lister's own: this one makes a throwaway CA and a
// 127.0.0.1 certificate with the openssl CLI (test/fixtures/standins/tls.ts), a server child plays
// Graph over HTTPS (999 users a page, rendered before the clock starts, and only for `$top=999`),
// and one measuring child per size bundles the TypeScript core with
// esbuild in memory, trusts the CA via NODE_EXTRA_CA_CERTS, and reads every user the way the node
// does (one n8n item per user, kept until the end). "lister CPU" is that child's own CPU time.
// Sign-in is not measured: the measuring child hands the client a fixed token, since the token
// endpoint is one request per hour.
'use strict';

const { fork } = require('node:child_process');
const fs = require('node:fs');
const https = require('node:https');
const Module = require('node:module');
const path = require('node:path');
const esbuild = require('esbuild');

const ROOT = path.join(__dirname, '..');
const TENANT_ID = '00000000-0000-4000-8000-0000000be7c4';
const CLIENT_ID = '11111111-1111-4111-8111-0000000be7c4';

/** Compiles TypeScript source (an inline entry) into a module of this process, without writing files. */
function bundle(contents) {
	const { outputFiles } = esbuild.buildSync({
		stdin: { contents, resolveDir: ROOT, sourcefile: 'bench-entry.ts', loader: 'ts' },
		bundle: true,
		platform: 'node',
		format: 'cjs',
		target: 'node20',
		write: false,
	});
	const filename = path.join(ROOT, 'bench-entry.js');
	const compiled = new Module(filename, module);
	compiled.filename = filename;
	compiled.paths = Module._nodeModulePaths(ROOT);
	compiled._compile(outputFiles[0].text, filename);
	return compiled.exports;
}

function megabytes(bytes) {
	return (bytes / 1024 / 1024).toFixed(1);
}

/* ------------------------------------------------------------------------------------------------
 * Server child: Graph's /users (and users/delta?$deltatoken=latest) over HTTPS
 * --------------------------------------------------------------------------------------------- */

const GIVEN = ['Adele', 'Zoë', 'Seán', '小龍', 'Kai', 'Megan', 'Ñúñez', 'Lee', 'Priya', 'Olu'];
const SURNAMES = ["O'Brien", 'Vance', 'Tanaka', '李', 'Gu', 'Bowen', 'Schäfer', 'Nguyen'];
const DEPARTMENTS = ['Retail', 'Finance', 'IT', 'Sales', null];

function userId(index) {
	return `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`;
}

/** A user as Graph returns it for the default requester mapping's $select and the manager $expand. */
function syntheticUser(index) {
	const givenName = GIVEN[index % GIVEN.length];
	const surname = SURNAMES[index % SURNAMES.length];
	const guest = index % 10 === 0;
	const local = `user${index}`;
	return {
		id: userId(index),
		accountEnabled: index % 50 !== 0,
		userPrincipalName: guest ? `${local}_partner.example#EXT#@contoso.onmicrosoft.com` : `${local}@contoso.com`,
		mail: guest || index % 17 === 0 ? null : `${local}@contoso.com`,
		displayName: `${givenName} ${surname}`,
		givenName,
		surname,
		mobilePhone: index % 3 === 0 ? `+1 425 555 ${String(index % 10000).padStart(4, '0')}` : null,
		businessPhones: index % 4 === 0 ? [] : ['+44 20 7946 0958'],
		department: DEPARTMENTS[index % DEPARTMENTS.length],
		jobTitle: index % 7 === 0 ? null : 'Analyst',
		companyName: 'Contoso Ltd',
		employeeId: `E${index}`,
		employeeType: 'Employee',
		officeLocation: `${index % 40}/${index % 3000}`,
		employeeOrgData: index % 5 === 0 ? null : { division: 'Consumer', costCenter: 'CC-4410' },
		employeeHireDate: '2019-03-04T00:00:00Z',
		streetAddress: '205 108th Ave NE',
		city: 'Bellevue',
		state: 'WA',
		postalCode: '98004',
		country: 'United States',
		...(index % 5 === 4
			? {}
			: {
					manager: {
						'@odata.type': '#microsoft.graph.user',
						id: userId(1_000_000 + (index % 500)),
						displayName: 'Megan Bowen',
						mail: 'megan@contoso.com',
						userPrincipalName: 'megan@contoso.com',
					},
				}),
	};
}

/** Renders every page up front, so the wall time measured is the lister's, not the generator's. */
function renderPages(total, base) {
	const pages = new Map();
	for (let offset = 0; offset === 0 || offset < total; offset += 999) {
		const value = [];
		for (let index = offset; index < Math.min(total, offset + 999); index++) value.push(syntheticUser(index));
		const body = { '@odata.context': `${base}/v1.0/$metadata#users`, value };
		if (offset + 999 < total) body['@odata.nextLink'] = `${base}/v1.0/users?$skiptoken=${offset + 999}`;
		pages.set(offset, Buffer.from(JSON.stringify(body)));
	}
	return pages;
}

function serve(total, tlsDir) {
	let requests = 0;
	let pages;
	let deltaLatest;
	const server = https.createServer(
		{ cert: fs.readFileSync(path.join(tlsDir, 'server.pem')), key: fs.readFileSync(path.join(tlsDir, 'server.key')) },
		(request, response) => {
			requests++;
			const url = new URL(request.url, 'https://127.0.0.1');
			const top = url.searchParams.get('$top');
			let body;
			if (url.pathname === '/v1.0/users/delta' && url.searchParams.get('$deltatoken') === 'latest') body = deltaLatest;
			// The lister must ask for 999 a page; anything else is a bug worth a loud 400.
			else if (url.pathname === '/v1.0/users' && (top === null || top === '999')) body = pages.get(Number(url.searchParams.get('$skiptoken') ?? 0));
			if (!body) {
				response.writeHead(400, { 'content-type': 'application/json' });
				response.end(JSON.stringify({ error: { code: 'BadRequest', message: `No bench route for ${request.url}` } }));
				return;
			}
			response.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
			response.end(body);
		},
	);
	server.listen(0, '127.0.0.1', () => {
		const base = `https://127.0.0.1:${server.address().port}`;
		pages = renderPages(total, base);
		deltaLatest = Buffer.from(JSON.stringify({ '@odata.deltaLink': `${base}/v1.0/users/delta?$deltatoken=bench`, value: [] }));
		process.send({ port: server.address().port });
	});
	process.on('message', (message) => {
		if (message === 'count') process.send({ requests });
		if (message === 'stop') server.close(() => process.exit(0));
	});
}

/* ------------------------------------------------------------------------------------------------
 * Measuring child: the core reads every user, kept as n8n items
 * --------------------------------------------------------------------------------------------- */

async function measure(total, url, mode) {
	const core = bundle(`
		export { GraphClient } from './nodes/shared/graph/client';
		export { buildConnection } from './nodes/shared/graph/connection';
		export { listUsers } from './nodes/shared/graph/fullRead';
		export { readUsersSince } from './nodes/shared/graph/deltaRead';
		export { selectionFromAttributes } from './nodes/shared/graph/userSelection';
		export { DEFAULT_MAPPING, requiredGraphAttributes } from './nodes/shared/requester';
	`);
	const connection = core.buildConnection({
		tenantId: TENANT_ID,
		clientId: CLIENT_ID,
		clientSecret: 'bench-not-a-secret',
		cloud: 'custom',
		authorityHost: url,
		graphEndpoint: url,
	});
	const client = new core.GraphClient(connection);
	client.token = async () => ({ token: 'bench-token', expiresOn: null, claims: {} });
	const required = core.requiredGraphAttributes(core.DEFAULT_MAPPING);
	const selection = core.selectionFromAttributes([...required.select, ...(required.needsManager ? ['manager'] : [])], 'Attributes');

	if (global.gc) global.gc();
	const before = process.memoryUsage();
	let peakHeap = before.heapUsed;
	const sample = () => {
		const heap = process.memoryUsage().heapUsed;
		if (heap > peakHeap) peakHeap = heap;
	};
	const sampler = setInterval(sample, 5);
	const items = [];
	const keep = (user, marker) => items.push({ json: Object.assign(user, { _sync: marker }), pairedItem: { item: 0 } });
	const cpuBefore = process.cpuUsage();
	const started = process.hrtime.bigint();
	if (mode === 'incremental') {
		await core.readUsersSince(client, { selection, scope: {} }, (changes, info) => {
			for (const change of changes) keep(change.user, { mode: info.mode, syncId: 'default', fallbackReason: 'firstRun' });
			sample();
		});
	} else {
		for await (const users of core.listUsers(client, selection, {})) {
			for (const user of users) keep(user, { mode: 'full' });
			sample();
		}
	}
	const seconds = Number(process.hrtime.bigint() - started) / 1e9;
	const cpu = process.cpuUsage(cpuBefore);
	clearInterval(sampler);
	sample();
	if (global.gc) global.gc();
	const retained = process.memoryUsage().heapUsed - before.heapUsed;
	if (items.length !== total) throw new Error(`Read ${items.length} users, expected ${total}`);
	return {
		users: items.length,
		seconds,
		cpuSeconds: (cpu.user + cpu.system) / 1e6,
		baselineRss: before.rss,
		peakRss: process.resourceUsage().maxRSS * 1024,
		peakHeap,
		retained,
	};
}

/* ------------------------------------------------------------------------------------------------
 * Main
 * --------------------------------------------------------------------------------------------- */

function onceMessage(child, predicate) {
	return new Promise((resolve, reject) => {
		const onMessage = (message) => {
			if (!predicate(message)) return;
			child.off('message', onMessage);
			resolve(message);
		};
		child.on('message', onMessage);
		child.once('exit', (code) => code !== 0 && reject(new Error(`child exited with ${code}`)));
	});
}

async function main(argv) {
	const modeIndex = argv.indexOf('--mode');
	const mode = modeIndex >= 0 ? argv[modeIndex + 1] : 'full';
	const sizes = argv.filter((arg, index) => /^\d+$/.test(arg) && (modeIndex < 0 || index !== modeIndex + 1)).map(Number);
	const runs = sizes.length > 0 ? sizes : [1000, 10000, 50000, 100000];

	const { createTestTls } = bundle(`export { createTestTls } from './test/fixtures/standins/tls';`);
	const tls = createTestTls();
	console.log(`Azure AD List Users, ${mode} read: Node ${process.version}, ${require('node:os').cpus().length} CPU(s)`);
	console.log('users     Graph requests  wall time  lister CPU   users/s  baseline RSS  peak RSS   peak heap  heap kept (items)  per user');
	try {
		for (const total of runs) {
			const server = fork(__filename, ['--serve', String(total), tls.dir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
			const { port } = await onceMessage(server, (message) => message.port);
			const measurer = fork(__filename, ['--measure', String(total), `https://127.0.0.1:${port}`, mode], {
				execArgv: ['--expose-gc'],
				env: { ...process.env, NODE_EXTRA_CA_CERTS: tls.caFile },
				stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
			});
			const result = await onceMessage(measurer, (message) => message.users !== undefined || message.error);
			if (result.error) throw new Error(result.error);
			server.send('count');
			const { requests } = await onceMessage(server, (message) => message.requests !== undefined);
			server.send('stop');
			console.log(
				[
					String(result.users).padEnd(8),
					`${requests} (ceil ${Math.ceil(result.users / 999)}${mode === 'incremental' ? ' + 1' : ''})`.padEnd(15),
					`${result.seconds.toFixed(2)} s`.padStart(9),
					`${result.cpuSeconds.toFixed(2)} s`.padStart(10),
					Math.round(result.users / result.seconds).toLocaleString('en-US').padStart(9),
					`${megabytes(result.baselineRss)} MB`.padStart(14),
					`${megabytes(result.peakRss)} MB`.padStart(10),
					`${megabytes(result.peakHeap)} MB`.padStart(11),
					`${megabytes(result.retained)} MB`.padStart(18),
					`${Math.round(result.retained / result.users)} B`.padStart(9),
				].join('  '),
			);
		}
	} finally {
		fs.rmSync(tls.dir, { recursive: true, force: true });
	}
}

const [role, ...rest] = process.argv.slice(2);
if (role === '--serve') {
	serve(Number(rest[0]), rest[1]);
} else if (role === '--measure') {
	measure(Number(rest[0]), rest[1], rest[2]).then(
		(result) => process.send(result, () => process.exit(0)),
		(error) => process.send({ error: error.stack ?? String(error) }, () => process.exit(1)),
	);
} else {
	main(process.argv.slice(2)).catch((error) => {
		console.error(error);
		process.exit(1);
	});
}
