/**
 * ServiceNow's rate limit rules through the shared limiter: the stand-in answers every Table API
 * request with X-RateLimit-Limit (per hour), -Reset (epoch seconds) and -Rule, and past the limit
 * with 429 + Retry-After. Scaled where timing matters: a "hour" of 2 s in the second test. The last
 * test runs the real sync engine: an hour-long Retry-After on writes defers the run's writes.
 */
import { rmSync } from 'node:fs';
import { ServiceNowDestination, type ServiceNowOptions } from '../../../nodes/shared/destinations/servicenow';
import { HttpError, RetryAfterTooLongError } from '../../../nodes/shared/http/errors';
import { forgetRateBudgets } from '../../../nodes/shared/http/rateBudget';
import { mapUser } from '../../../nodes/shared/requester/mapping';
import { runRequesterSync, type SyncInput, type SyncOptions } from '../../../nodes/shared/sync/engine';
import { createTestTls, type TestTls } from '../../fixtures/standins/tls';
import { startLoopbackFront, type LoopbackFront } from '../support/loopbackFront';
import { startServiceNowStandIn, type ServiceNowStandIn, type ServiceNowStandInOptions } from './standIn';

const ACCOUNT = 'svc.azure.sync';
const PASSWORD = 'FAKE-sn-password-0123';

let tls: TestTls;
let sn: ServiceNowStandIn | undefined;
let front: LoopbackFront | undefined;
const retrySleeps: number[] = [];

beforeAll(() => {
	tls = createTestTls();
});

afterAll(() => {
	rmSync(tls.dir, { recursive: true, force: true });
});

afterEach(async () => {
	await front?.close();
	await sn?.close();
	front = undefined;
	sn = undefined;
	retrySleeps.length = 0;
	forgetRateBudgets();
});

async function instance(options: Partial<ServiceNowStandInOptions>): Promise<string> {
	sn = await startServiceNowStandIn({ tls, accounts: { [ACCOUNT]: PASSWORD }, ...options });
	front = await startLoopbackFront(sn.url, tls.caPem);
	return front.url;
}

function destination(baseUrl: string, options: Partial<ServiceNowOptions> = {}) {
	return new ServiceNowDestination({
		baseUrl,
		auth: { kind: 'basic', username: ACCOUNT, password: PASSWORD },
		sleep: async (ms) => {
			retrySleeps.push(ms);
		},
		...options,
	});
}

const lookup = (subject: ServiceNowDestination, n: number) => subject.findByKey({ kind: 'email', value: `user${n}@contoso.com` });
const refusals = () => sn!.requests.filter((request) => request.status === 429).length;

describe('ServiceNow rate limit rules paced by the shared limiter', () => {
	it('learns the hourly rule as a per-minute budget and keeps to 80 % of it', async () => {
		// 36,000 an hour is 600 a minute; 80 % of it is one request per 125 ms.
		const subject = destination(await instance({ rateLimitPerHour: 36_000 }), { rateBudget: { share: 0.8 } });
		await lookup(subject, 0);
		const started = Date.now();
		for (let n = 1; n <= 10; n++) await lookup(subject, n);
		const elapsed = Date.now() - started;

		const stats = subject.rateBudget!.stats();
		expect(stats.budget).toMatchObject({ limit: 36_000, windowMs: 3_600_000, perMinute: 600, source: 'x-ratelimit' });
		expect(stats.targetPerMinute).toBe(480);
		expect(stats).toMatchObject({ sent: 11, throttled: 0 });
		// Ten more starts, each at least 125 ms after the one before (a busy machine only adds time).
		expect(elapsed).toBeGreaterThanOrEqual(9 * 125);
		expect(refusals()).toBe(0);
	}, 20_000);

	it('stays under a tight rule with zero 429s, where the same lookups unpaced are refused', async () => {
		// 10 requests per (scaled) hour of 2 s; 16 lookups need two windows.
		const paced = destination(await instance({ rateLimitPerHour: 10, rateLimitWindowMs: 2000 }), { rateBudget: { share: 0.8, windowMs: 2000 }, retry: { maxAttempts: 1 } });
		for (let n = 0; n < 16; n++) await lookup(paced, n);
		expect(paced.rateBudget!.stats()).toMatchObject({ sent: 16, throttled: 0, budget: { limit: 10, windowMs: 2000 } });
		expect(refusals()).toBe(0);
		await front!.close();
		await sn!.close();

		const unpaced = destination(await instance({ rateLimitPerHour: 10, rateLimitWindowMs: 2000 }), { retry: { maxAttempts: 1 } });
		const outcomes = await Promise.allSettled(Array.from({ length: 16 }, (_, n) => lookup(unpaced, n)));
		expect(unpaced.rateBudget).toBeUndefined();
		expect(outcomes.filter((outcome) => outcome.status === 'rejected').length).toBeGreaterThan(0);
		expect(refusals()).toBeGreaterThan(0);
	}, 30_000);

	it('an hour-long Retry-After fails the refused request at once and holds the others only for Max Pause', async () => {
		const subject = destination(await instance({ rateLimitPerHour: 36_000 }), { rateBudget: { share: 0.8, maxPauseMs: 300 } });
		await lookup(subject, 1);
		// The rule's hour is spent (by another integration of the same user, say) until an hour from now.
		sn!.faults.failNext(1, { status: 429, retryAfter: 3600 });
		const refused = await lookup(subject, 2).catch((caught: unknown) => caught);
		expect(refused).toBeInstanceOf(HttpError);
		expect((refused as HttpError).status).toBe(429);
		expect(String(refused)).toContain('Too Many Requests');
		expect(refused).toBeInstanceOf(RetryAfterTooLongError);
		expect((refused as Error).message).toContain('it asks to wait 60 min (Retry-After), longer than requests wait (2 min)');
		expect(retrySleeps).toEqual([]);

		const started = Date.now();
		await lookup(subject, 3);
		const waited = Date.now() - started;
		// Paused for every caller (not sent at once), but not for the hour the server named.
		expect(waited).toBeGreaterThanOrEqual(250);
		expect(waited).toBeLessThan(10_000);
		expect(subject.rateBudget!.stats()).toMatchObject({ sent: 3, throttled: 1, backoff: 0.5 });
	}, 20_000);

	it('an hour-long Retry-After on writes stops the sync starting writes: the users are left for the next run, not failed one by one', async () => {
		const emails = Array.from({ length: 8 }, (_, n) => `hour${n}@contoso.com`);
		const input: SyncInput = {
			mapped: emails.map((mail, n) => {
				const mapped = mapUser({ id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, displayName: `Hour ${n}`, mail, userPrincipalName: mail, accountEnabled: true }, {});
				if (!mapped.ok) throw new Error('mapping failed');
				return { requester: mapped.requester, itemIndex: n };
			}),
			removed: [],
			unmapped: [],
			completeRead: false,
			mode: 'incremental',
		};
		const options: SyncOptions = { dryRun: false, safeguard: { maxCount: 500, maxPercent: 50 }, concurrency: 2, deactivateDisabled: true };
		const url = await instance({ rateLimitPerHour: 360_000 });
		// Another integration of the same account spent the rule's hour: every write is refused until it ends.
		sn!.faults.setOutage({ status: 429, retryAfter: 3600, method: 'POST' });
		const started = Date.now();
		const first = await runRequesterSync(destination(url, { rateBudget: { share: 0.8, maxPauseMs: 300 } }), input, { links: {}, unsynced: {} }, options);

		expect(first.partial).toEqual({ deferred: 8, reason: expect.stringMatching(/^The destination asks to wait until .+ \(HTTP 429, Retry-After 3600 s\), longer than requests wait \(120 s\)$/) });
		expect(first.run).toMatchObject({ created: 0, failed: 0 });
		expect(first.records.unsynced).toEqual({});
		expect(first.outcomes.map((outcome) => outcome.status)).toEqual(emails.map(() => 'deferred'));
		expect(first.outcomes[7].reason).toBe(`${first.partial!.reason}: left for the next run`);
		// Only the writes already started when the first refusal came were sent (concurrency 2).
		const refusedWrites = sn!.requests.filter((request) => request.method === 'POST' && request.status === 429).length;
		expect(refusedWrites).toBeGreaterThanOrEqual(1);
		expect(refusedWrites).toBeLessThanOrEqual(2);
		expect(retrySleeps).toEqual([]);
		expect(Date.now() - started).toBeLessThan(10_000);

		// The hour is over: the next run writes every user once.
		sn!.faults.clearOutage();
		const second = await runRequesterSync(destination(url, { rateBudget: { share: 0.8, maxPauseMs: 300 } }), input, first.records, options);
		expect(second.partial).toBeUndefined();
		expect(second.run).toMatchObject({ created: 8, failed: 0 });
		expect(sn!.state.users().filter((row) => emails.includes(String(row.email))).map((row) => row.email).sort()).toEqual([...emails].sort());
	}, 30_000);
});
