/**
 * A first sync through the real Freshservice client against the stand-in with an account budget,
 * reached over the plain-http loopback front as the node tests reach it. Shared by the rate budget
 * test and bench/rate-budget.ts.
 */
import { rmSync } from 'node:fs';
import { FreshserviceDestination } from '../../../nodes/shared/destinations/freshservice';
import type { RateBudgetOptions } from '../../../nodes/shared/http/rateBudget';
import { runRequesterSync, type SyncInput, type SyncResult } from '../../../nodes/shared/sync/engine';
import { createTestTls } from '../../fixtures/standins/tls';
import { requester } from '../../support/requesters';
import { startLoopbackFront } from '../support/loopbackFront';
import { startFreshserviceStandIn, type FreshserviceStandIn, type FreshserviceStandInOptions } from './standIn';

export const BUDGETED_API_KEY = 'FAKE-rate-budget-key';

export interface BudgetedAccount {
	standIn: FreshserviceStandIn;
	/** The API root through the loopback front. */
	apiRoot: string;
	close(): Promise<void>;
}

export async function startBudgetedAccount(budget: NonNullable<FreshserviceStandInOptions['budget']>, latencyMs = 0): Promise<BudgetedAccount> {
	const tls = createTestTls();
	const standIn = await startFreshserviceStandIn({ tls, apiKey: BUDGETED_API_KEY, budget, latencyMs, indexEmails: true });
	const front = await startLoopbackFront(standIn.url, tls.caPem);
	return {
		standIn,
		apiRoot: `${front.url}/api/v2`,
		close: async () => {
			await front.close();
			await standIn.close();
			rmSync(tls.dir, { recursive: true, force: true });
		},
	};
}

/** `count` new users, none in the account yet: each costs a lookup by email and a create. */
export function firstSyncInput(count: number, prefix = 'rate'): SyncInput {
	const mapped = Array.from({ length: count }, (_, n) => ({
		itemIndex: n,
		requester: requester({
			azureObjectId: `0b000000-0000-4000-8000-${String(n + 1).padStart(12, '0')}`,
			firstName: 'User',
			lastName: String(n + 1),
			email: `${prefix}${n + 1}@contoso.test`,
		}),
	}));
	return { mapped, removed: [], unmapped: [], completeRead: false, mode: 'full' };
}

/** A first sync of `count` users with the client paced on `rateBudget` (none: not paced). */
export async function firstSync(
	account: BudgetedAccount,
	count: number,
	rateBudget?: RateBudgetOptions,
	options: { concurrency?: number; maxAttempts?: number; onRetry?: () => void } = {},
): Promise<SyncResult> {
	const destination = new FreshserviceDestination({
		baseUrl: account.apiRoot,
		apiKey: BUDGETED_API_KEY,
		rateBudget,
		retry: { maxAttempts: options.maxAttempts ?? 8 },
		onRetry: options.onRetry,
	});
	const concurrency = options.concurrency ?? 4;
	return await runRequesterSync(destination, firstSyncInput(count), { links: {}, unsynced: {} }, {
		dryRun: false,
		concurrency,
		deactivateDisabled: true,
		safeguard: { maxCount: count + 1, maxPercent: 100 },
	});
}
