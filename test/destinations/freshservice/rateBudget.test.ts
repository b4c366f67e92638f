/**
 * Issue #23 at client level: a first sync through FreshserviceDestination with its rate budget
 * wired into every request, against the stand-in enforcing an account budget (every call counted,
 * 429 + Retry-After past it). Windows are scaled down: 90 calls per 3 s.
 */
import { forgetRateBudgets } from '../../../nodes/shared/http/rateBudget';
import { firstSync, startBudgetedAccount, type BudgetedAccount } from './budgetedSync';

const WINDOW_MS = 3000;
const USERS = 60;

let account: BudgetedAccount | undefined;

afterEach(async () => {
	await account?.close();
	account = undefined;
	forgetRateBudgets();
});

describe('a first sync paced on the Freshservice account budget', () => {
	it('creates 60 users against 90 calls per window without a single 429', async () => {
		account = await startBudgetedAccount({ perWindow: 90, windowMs: WINDOW_MS });
		const result = await firstSync(account, USERS, { share: 0.8, windowMs: WINDOW_MS });
		expect(result.run).toMatchObject({ created: USERS, failed: 0 });
		expect(account.standIn.state.all()).toHaveLength(USERS);
		// More calls than one window holds, so the pace (not luck) kept it under the budget.
		expect(account.standIn.budget!.served).toBeGreaterThan(90);
		expect(account.standIn.budget!.rejected).toBe(0);
	}, 20_000);

	it('leaves room for a second consumer using 30 % of each window: at most a couple of 429s', async () => {
		account = await startBudgetedAccount({ perWindow: 90, windowMs: WINDOW_MS, secondConsumerShare: 0.3 });
		const result = await firstSync(account, USERS, { share: 0.8, windowMs: WINDOW_MS });
		expect(result.run).toMatchObject({ created: USERS, failed: 0 });
		expect(account.standIn.budget!.rejected).toBeLessThanOrEqual(2);
	}, 20_000);

	it('without a budget the same sync runs into 429s (what the pacing prevents)', async () => {
		account = await startBudgetedAccount({ perWindow: 90, windowMs: WINDOW_MS });
		const result = await firstSync(account, USERS);
		expect(result.run.created).toBe(USERS);
		expect(account.standIn.budget!.rejected).toBeGreaterThan(0);
	}, 20_000);
});
