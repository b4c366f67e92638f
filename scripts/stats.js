#!/usr/bin/env node
/*
 * Prints the last sync's statistics and the unsynced users of the running sandbox (npm run main),
 * read from the workflow's static data in n8n's database. `--sync` first starts a sync through the
 * workflow's "Sync Now (HTTP)" webhook and waits for it to finish.
 */
const { execFileSync } = require('node:child_process');
const { existsSync, readFileSync } = require('node:fs');
const path = require('node:path');

const sessionFile = path.join(__dirname, '..', '.sandbox', 'session.json');

function readSession() {
	if (!existsSync(sessionFile)) {
		process.stderr.write('No sandbox is running: start it with `npm run main` first.\n');
		process.exit(2);
	}
	return JSON.parse(readFileSync(sessionFile, 'utf8'));
}

/** n8n's sqlite3 is built for its own Node 24, so the query runs there. */
function readStaticData(session) {
	const query = `
		const sqlite3 = require(${JSON.stringify(path.join(session.runtime.dir, 'node_modules', 'sqlite3'))});
		const db = new sqlite3.Database(${JSON.stringify(session.database)}, sqlite3.OPEN_READONLY);
		db.get('SELECT staticData FROM workflow_entity WHERE id = ?', [${JSON.stringify(session.syncWorkflowId)}], (error, row) => {
			if (error) { console.error(error.message); process.exit(1); }
			process.stdout.write(row && row.staticData ? row.staticData : '{}');
			db.close();
		});`;
	const text = execFileSync(session.runtime.node, ['-e', query], { encoding: 'utf8' });
	const data = JSON.parse(text || '{}');
	return (data.global && data.global.azureAdSyncRecords && data.global.azureAdSyncRecords.default) || {};
}

function print(records) {
	if (!records.stats) {
		process.stdout.write('No sync has finished yet. Run `npm run sync`.\n');
		return;
	}
	const unsynced = Object.values(records.unsynced || {});
	process.stdout.write(
		`${JSON.stringify(
			{
				lastRun: records.lastRun,
				// Only while a first sync spread over several runs is unfinished (and on the run that ends it).
				...(records.progress ? { progress: records.progress } : {}),
				cumulative: records.stats,
				syncedRequesters: Object.keys(records.links || {}).length,
				unsynced: unsynced.map((entry) => ({ user: entry.email || entry.userPrincipalName || entry.azureObjectId, stage: entry.stage, code: entry.code, message: entry.message, attempts: entry.attempts })),
			},
			null,
			2,
		)}\n`,
	);
}

async function main() {
	const session = readSession();
	if (process.argv.includes('--sync')) {
		const before = readStaticData(session).lastRun;
		const response = await fetch(session.syncWebhook, { method: 'POST', headers: { [session.syncKeyHeader]: session.syncKey } });
		if (!response.ok) throw new Error(`The sync webhook answered ${response.status}: ${await response.text()}`);
		process.stdout.write('Sync started; waiting for it to finish…\n');
		const deadline = Date.now() + 10 * 60_000;
		for (;;) {
			const now = readStaticData(session).lastRun;
			if (now && JSON.stringify(now) !== JSON.stringify(before)) break;
			if (Date.now() > deadline) throw new Error('The sync did not finish within 10 minutes (an incremental run with no changes writes no statistics).');
			await new Promise((resolve) => setTimeout(resolve, 2000));
		}
	}
	print(readStaticData(session));
}

main().catch((error) => {
	process.stderr.write(`${error.message}\n`);
	process.exit(1);
});
