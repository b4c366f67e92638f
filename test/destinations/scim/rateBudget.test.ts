/**
 * The SCIM destination paced on the service's rate budget: the SCIMMY service under a budget of 30
 * requests per (scaled) 2 s window, announced with the IETF RateLimit / RateLimit-Policy headers,
 * every request counted and 429 with Retry-After past it. A first sync of 40 users needs more
 * requests than one window holds.
 */
import { ScimDestination, type ScimOptions } from '../../../nodes/shared/destinations/scim';
import { forgetRateBudgets } from '../../../nodes/shared/http/rateBudget';
import { runRequesterSync } from '../../../nodes/shared/sync/engine';
import { AccountBudget } from '../../fixtures/standins/rateBudget';
import { makeRequester } from '../support/requesters';
import { startScimmyServer, type ScimmyServer } from './scimmyServer';

const TOKEN = 'FAKE-scim-budget-token';
const WINDOW_MS = 2000;
const PER_WINDOW = 30;
const USERS = 40;

let server: ScimmyServer | undefined;
let budget: AccountBudget;

afterEach(async () => {
	await server?.close();
	server = undefined;
	forgetRateBudgets();
});

async function serve(): Promise<ScimmyServer> {
	budget = new AccountBudget({ perWindow: PER_WINDOW, windowMs: WINDOW_MS, headers: ['ietf'] });
	server = await startScimmyServer({ token: TOKEN, budget });
	return server;
}

async function firstSync(options: Partial<ScimOptions>) {
	const destination = new ScimDestination({ baseUrl: server!.url, headers: { authorization: `Bearer ${TOKEN}` }, retry: { maxAttempts: 6 }, ...options });
	const mapped = Array.from({ length: USERS }, (_, n) => {
		const email = `paced${n + 1}@contoso.test`;
		const azureObjectId = `0c000000-0000-4000-8000-${String(n + 1).padStart(12, '0')}`;
		return { itemIndex: n, requester: makeRequester({ azureObjectId, email, username: email, ssoKey: { kind: 'email', value: email } }) };
	});
	const result = await runRequesterSync(destination, { mapped, removed: [], unmapped: [], completeRead: true, mode: 'full' }, { links: {}, unsynced: {} }, {
		dryRun: false,
		concurrency: 4,
		deactivateDisabled: true,
		safeguard: { maxCount: USERS + 1, maxPercent: 100 },
	});
	return { destination, result };
}

describe('a first sync paced on the SCIM service budget', () => {
	it('learns the budget from the IETF headers and creates every user without a single 429', async () => {
		await serve();
		const { destination, result } = await firstSync({ rateBudget: { share: 0.8 } });
		expect(result.run).toMatchObject({ created: USERS, failed: 0 });
		expect(server!.users()).toHaveLength(USERS);
		// More requests than one window holds, so the pace (not luck) kept it under the budget.
		expect(budget.served).toBeGreaterThan(PER_WINDOW);
		expect(budget.rejected).toBe(0);
		expect(destination.rateBudget!.stats()).toMatchObject({
			budget: { limit: PER_WINDOW, windowMs: WINDOW_MS, perMinute: 900, source: 'ratelimit' },
			share: 0.8,
			throttled: 0,
		});
	}, 30_000);

	it('without a budget the same sync runs into 429s (what the pacing prevents)', async () => {
		await serve();
		const { destination, result } = await firstSync({});
		expect(destination.rateBudget).toBeUndefined();
		expect(result.run.created).toBe(USERS);
		expect(budget.rejected).toBeGreaterThan(0);
	}, 30_000);
});
