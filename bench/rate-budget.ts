/**
 * Rate budget benchmark (issue #23): a first sync through the real client (runRequesterSync +
 * FreshserviceDestination) against the Freshservice stand-in enforcing an account budget of 3,000
 * calls a minute, counted in 6 s windows of 300 (windows scaled down, the per-minute rate is real).
 * Runs (--configs, default paced,second,naive): `paced` with an 80 % share alone; `second`, paced
 * beside a second consumer using 30 % of each window; `naive`, the same load from the same http
 * layer with no rate budget (its retry policy only); `peer`, the HTTP Request peer workflow
 * (bench/peer-sync.json as shipped) in real n8n 2.41.1 against the same budget (bench/rate-peer.ts);
 * `peerRetry`, the same with n8n's Retry On Fail at its most (5 tries, 5 s apart) on every HTTP
 * Request node.
 * Prints one JSON line per run.
 *
 *   node scripts/run-ts.js bench/rate-budget.ts [--users 2400] [--configs paced,second,naive,peer]
 */
import { forgetRateBudgets } from '../nodes/shared/http/rateBudget';
import { firstSync, startBudgetedAccount } from '../test/destinations/freshservice/budgetedSync';
import { runPeerUnderBudget } from './rate-peer';

const PER_WINDOW = 300;
const WINDOW_MS = 6000;
const SHARE = 0.8;
const LATENCY_MS = 20;
const PER_MINUTE = (PER_WINDOW * 60_000) / WINDOW_MS;

function print(line: string): void {
	process.stdout.write(`${line}\n`);
}

function argument(name: string, fallback: number): number {
	const at = process.argv.indexOf(`--${name}`);
	return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

async function run(label: string, users: number, secondConsumerShare: number | undefined, paced: boolean): Promise<void> {
	const account = await startBudgetedAccount({ perWindow: PER_WINDOW, windowMs: WINDOW_MS, secondConsumerShare }, LATENCY_MS);
	let retries = 0;
	const started = Date.now();
	try {
		const result = await firstSync(account, users, paced ? { share: SHARE, windowMs: WINDOW_MS } : undefined, {
			concurrency: 4,
			maxAttempts: paced ? 8 : undefined,
			onRetry: () => retries++,
		});
		const elapsedMs = Date.now() - started;
		const budget = account.standIn.budget!;
		const calls = budget.served + budget.rejected;
		const perMinute = (calls * 60_000) / elapsedMs;
		const free = PER_MINUTE * (1 - (secondConsumerShare ?? 0));
		print(
			JSON.stringify({
				run: label,
				users,
				created: result.run.created,
				failed: result.run.failed,
				finished: result.run.created === users,
				calls,
				answered: budget.served,
				throttled429: budget.rejected,
				retries,
				seconds: Math.round(elapsedMs / 100) / 10,
				perMinute: Math.round(perMinute),
				shareTarget: Math.round(SHARE * PER_MINUTE),
				ofShare: Math.round((perMinute / (SHARE * PER_MINUTE)) * 1000) / 10,
				freeForUs: Math.round(free),
				ofAvailable: Math.round((perMinute / Math.min(SHARE * PER_MINUTE, free)) * 1000) / 10,
			}),
		);
	} finally {
		await account.close();
		forgetRateBudgets();
	}
}

/** Today's default runs; the peer runs (real n8n, about a minute of set-up each) are asked for by name. */
const DEFAULT_CONFIGS = ['paced', 'second', 'naive'];
const PEER_TIMEOUT_MS = 15 * 60_000;
/** The most n8n's Retry On Fail allows: 5 tries, 5,000 ms apart. */
const N8N_MOST_RETRIES = { tries: 5, waitMs: 5000 };

async function main(): Promise<void> {
	const users = argument('users', 2400);
	const peer = { users, perWindow: PER_WINDOW, windowMs: WINDOW_MS, latencyMs: LATENCY_MS, timeoutMs: PEER_TIMEOUT_MS };
	const runs: Record<string, () => Promise<void>> = {
		paced: () => run('paced, alone', users, undefined, true),
		second: () => run('paced, 30 % second consumer', users, 0.3, true),
		naive: () => run('naive (no rate budget), alone', users, undefined, false),
		peer: async () => print(JSON.stringify(await runPeerUnderBudget(peer))),
		peerRetry: async () => print(JSON.stringify(await runPeerUnderBudget({ ...peer, retryOnFail: N8N_MOST_RETRIES }))),
	};
	const at = process.argv.indexOf('--configs');
	const configs = at > 0 ? process.argv[at + 1].split(',').map((config) => config.trim()) : DEFAULT_CONFIGS;
	const unknown = configs.filter((config) => !(config in runs));
	if (unknown.length > 0) throw new Error(`--configs: '${unknown.join(', ')}' is not one of ${Object.keys(runs).join(', ')}`);
	print(JSON.stringify({ budgetPerMinute: PER_MINUTE, window: `${PER_WINDOW} per ${WINDOW_MS / 1000} s`, share: SHARE, latencyMs: LATENCY_MS, date: new Date().toISOString() }));
	for (const config of configs) await runs[config]();
}

main().catch((error: unknown) => {
	process.stderr.write(`${String(error instanceof Error ? error.stack : error)}\n`);
	process.exit(1);
});
