#!/usr/bin/env node
// Benchmark for the requester mapping core: maps synthetic Graph users and prints throughput and
// peak memory. Bundles the TypeScript source in memory with esbuild, so no build step is needed.
//
//   node --expose-gc bench/map-requesters.js [sizes...]      (default: 1000 10000 50000 100000)
//
// Mapped results are kept, as a sync holds them until the plan is applied, so the memory figures
// include them. "per-item config" rebuilds the config for every user, which is what a node does
// when a field is an n8n expression (the literal differs per item) and defeats the compile cache.
'use strict';

const path = require('node:path');
const Module = require('node:module');
const esbuild = require('esbuild');

function loadMapping() {
	const entry = path.join(__dirname, '..', 'nodes', 'shared', 'requester', 'mapping.ts');
	const { outputFiles } = esbuild.buildSync({
		entryPoints: [entry],
		bundle: true,
		platform: 'node',
		format: 'cjs',
		target: 'node20',
		write: false,
	});
	const bundle = new Module(entry, module);
	bundle.filename = entry;
	bundle.paths = module.paths;
	bundle._compile(outputFiles[0].text, entry);
	return bundle.exports;
}

const FIRST_NAMES = [
	'Adele',
	'Zoë',
	'Seán',
	'小龍',
	'Kai',
	'Megan',
	'Ñúñez',
	'Lee',
	'Priya',
	'Olu',
];
const LAST_NAMES = ["O'Brien", 'Vance', 'Tanaka', '李', 'Gu', 'Bowen', 'Schäfer', 'Nguyen'];
const DEPARTMENTS = ['Retail', 'Finance', 'IT', 'Sales', null];

function syntheticUser(index) {
	const given = FIRST_NAMES[index % FIRST_NAMES.length];
	const surname = LAST_NAMES[index % LAST_NAMES.length];
	const isGuest = index % 10 === 0;
	// One user in a hundred has a broken address, so the failure path is measured too.
	const local = index % 100 === 99 ? `user${index}@` : `user${index}`;
	return {
		id: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
		accountEnabled: index % 50 !== 0,
		displayName: `${given} ${surname}`,
		givenName: given,
		surname,
		mail: isGuest || index % 17 === 0 ? null : `${local}@contoso.com`,
		userPrincipalName: isGuest
			? `${local}_partner.example#EXT#@contoso.onmicrosoft.com`
			: `${local}@contoso.com`,
		mobilePhone: index % 3 === 0 ? `+1 (425) 555-${String(index % 10000).padStart(4, '0')}` : null,
		businessPhones: index % 4 === 0 ? [] : ['+44 (0)20 7946 0958'],
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
		manager:
			index % 5 === 4
				? null
				: {
						id: `00000000-0000-4000-9000-${String(index % 500).padStart(12, '0')}`,
						displayName: 'Megan Bowen',
						mail: 'megan@contoso.com',
						userPrincipalName: 'megan@contoso.com',
					},
	};
}

function megabytes(bytes) {
	return (bytes / 1024 / 1024).toFixed(1);
}

function collectGarbage() {
	if (global.gc) global.gc();
}

const SAMPLE_EVERY = 2000;

const WARM_UP_USERS = 2000;

function run(label, users, configFor, mapUser) {
	// Let the JIT settle first, so small sizes measure mapping rather than compilation.
	for (let index = 0; index < Math.min(WARM_UP_USERS, users.length); index++) {
		mapUser(users[index], configFor(index));
	}
	collectGarbage();
	const before = process.memoryUsage();
	let peakRss = before.rss;
	let peakHeap = before.heapUsed;
	const results = new Array(users.length);
	let failed = 0;
	const started = process.hrtime.bigint();
	for (let index = 0; index < users.length; index++) {
		const result = mapUser(users[index], configFor(index));
		if (!result.ok) failed++;
		results[index] = result;
		if (index % SAMPLE_EVERY === 0) {
			const usage = process.memoryUsage();
			if (usage.rss > peakRss) peakRss = usage.rss;
			if (usage.heapUsed > peakHeap) peakHeap = usage.heapUsed;
		}
	}
	const seconds = Number(process.hrtime.bigint() - started) / 1e9;
	const after = process.memoryUsage();
	peakRss = Math.max(peakRss, after.rss);
	peakHeap = Math.max(peakHeap, after.heapUsed);
	console.log(
		[
			label.padEnd(16),
			String(users.length).padStart(7),
			`${seconds.toFixed(3)} s`.padStart(9),
			`${Math.round(users.length / seconds).toLocaleString('en-US')} users/s`.padStart(17),
			`${((seconds * 1e6) / users.length).toFixed(1)} µs/user`.padStart(14),
			`peak RSS ${megabytes(peakRss)} MB`.padStart(20),
			`peak heap ${megabytes(peakHeap)} MB`.padStart(21),
			`(+${megabytes(peakHeap - before.heapUsed)} MB for results)`,
			`failed ${failed}`,
		].join('  '),
	);
	return results.length;
}

function main() {
	const sizes = process.argv
		.slice(2)
		.map(Number)
		.filter((size) => size > 0);
	const { mapUser } = loadMapping();
	const sharedConfig = { fields: { tags: { source: ['department'] } } };
	console.log(`node ${process.version}, gc ${global.gc ? 'exposed' : 'not exposed'}`);
	for (const size of sizes.length > 0 ? sizes : [1000, 10000, 50000, 100000]) {
		const users = Array.from({ length: size }, (_, index) => syntheticUser(index));
		run('shared config', users, () => sharedConfig, mapUser);
		run(
			'per-item config',
			users,
			(index) => ({ fields: { company: { literal: `Co ${index % 3}` } } }),
			mapUser,
		);
	}
}

main();
