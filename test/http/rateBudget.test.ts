/**
 * The rate budget against a real loopback server that enforces an account-wide budget (the
 * stand-in's AccountBudget), with real timers and scaled windows: 60 requests per 2 s window, so
 * the default 80 % share is 24 requests a second. Bounds leave room for a busy machine, and each
 * would fail if the behaviour it checks broke.
 */
import { sendOnce, type HttpResponse } from '../../nodes/shared/http/request';
import {
	forgetRateBudgets,
	RateBudget,
	RateBudgetOptionError,
	rateBudgetFor,
	rateBudgetKey,
	type RateBudgetOptions,
} from '../../nodes/shared/http/rateBudget';
import { AccountBudget, type RateHeaderStyle } from '../fixtures/standins/rateBudget';
import { startBudgetServer, type Arrival, type BudgetServer, type BudgetServerOptions } from '../support/budgetServer';

const PER_WINDOW = 60;
const WINDOW_MS = 2000;
/** 80 % of 60 per 2 s, per second. */
const SHARE_RATE = 24;

let server: BudgetServer | undefined;

afterEach(async () => {
	await server?.close();
	server = undefined;
	forgetRateBudgets();
});

async function serve(budget?: AccountBudget, override?: BudgetServerOptions['override']): Promise<BudgetServer> {
	server = await startBudgetServer({ budget, override });
	return server;
}

/** `count` GETs through the budget, all queued at once; `onStart` sees each request start. */
function fire(budget: RateBudget, url: string, count: number, onStart?: () => void): Promise<HttpResponse[]> {
	return Promise.all(
		Array.from({ length: count }, () =>
			budget.run(() => {
				onStart?.();
				return sendOnce({ method: 'GET', url: `${url}/api/v2/requesters` });
			}),
		),
	);
}

/** Requests per second between arrival `from` and the last one. */
function rateFrom(arrivals: Arrival[], from: number): number {
	const last = arrivals[arrivals.length - 1].at;
	return ((arrivals.length - 1 - from) * 1000) / (last - arrivals[from].at);
}

/** The most arrivals in any span of `spanMs`. */
function busiest(times: number[], spanMs: number): number {
	let most = 0;
	for (let i = 0, j = 0; i < times.length; i++) {
		while (times[i] - times[j] >= spanMs) j++;
		most = Math.max(most, i - j + 1);
	}
	return most;
}

function startsBetween(times: number[], from: number, to: number): number {
	return times.filter((t) => t > from && t < to).length;
}

describe('options', () => {
	test.each([0, -0.2, 1.5, Number.NaN])('Rate Budget Share %p is refused, naming the option', (share) => {
		expect(() => new RateBudget('k', { share })).toThrow(RateBudgetOptionError);
		expect(() => new RateBudget('k', { share })).toThrow(/^Rate Budget Share must be above 0 and at most 1/);
	});

	test.each([0, -10, Number.POSITIVE_INFINITY])('a ceiling of %p requests per minute is refused, naming the option', (ceilingPerMinute) => {
		expect(() => new RateBudget('k', { ceilingPerMinute })).toThrow(/^Max Requests per Minute must be a positive number/);
	});

	test('concurrency must be a whole number of at least 1; share 1 and small ceilings are fine', () => {
		expect(() => new RateBudget('k', { concurrency: 0 })).toThrow(/^Concurrency must be a whole number/);
		expect(() => new RateBudget('k', { concurrency: 1.5 })).toThrow(RateBudgetOptionError);
		expect(new RateBudget('k', { share: 1, ceilingPerMinute: 0.5 }).stats()).toMatchObject({ share: 1, ceilingPerMinute: 0.5 });
	});

	test('one budget per key in the process; the latest options win', () => {
		const key = rateBudgetKey('https://Acme.freshservice.com/api/v2/requesters?page=2');
		expect(key).toBe('https://acme.freshservice.com');
		const first = rateBudgetFor(key, { share: 0.5 });
		const second = rateBudgetFor(key, { share: 0.7, ceilingPerMinute: 100 });
		expect(second).toBe(first);
		expect(first.stats()).toMatchObject({ share: 0.7, ceilingPerMinute: 100 });
		expect(rateBudgetFor(key).stats().share).toBe(0.7);
		expect(rateBudgetFor('https://other.freshservice.com')).not.toBe(first);
		expect(() => rateBudgetFor(key, { share: 2 })).toThrow(/Rate Budget Share/);
		expect(first.stats().share).toBe(0.7);
	});
});

describe('pacing against a loopback server', () => {
	test('(a) learns the budget from X-RateLimit-* and keeps to 80 % of it, with no 429', async () => {
		const account = new AccountBudget({ perWindow: PER_WINDOW, windowMs: WINDOW_MS });
		const { url, arrivals } = await serve(account);
		const budget = rateBudgetFor(rateBudgetKey(url), { windowMs: WINDOW_MS, concurrency: 4 });

		const answers = await fire(budget, url, 72);

		expect(answers.every((answer) => answer.status === 200)).toBe(true);
		expect(account.rejected).toBe(0);
		const steady = rateFrom(arrivals, 8);
		expect(steady).toBeLessThanOrEqual(SHARE_RATE * 1.04);
		expect(steady).toBeGreaterThanOrEqual(SHARE_RATE * 0.9);
		// Never more than the share in any window, bar the first requests sent before anything was known.
		expect(busiest(arrivals.map((a) => a.at), WINDOW_MS)).toBeLessThanOrEqual(0.8 * PER_WINDOW + 4);
		const stats = budget.stats();
		expect(stats.budget).toMatchObject({ limit: 60, windowMs: 2000, perMinute: 1800, source: 'x-ratelimit' });
		expect(stats).toMatchObject({ sent: 72, throttled: 0, backoff: 1, othersPerMinute: 0 });
		expect(stats.targetPerMinute).toBeLessThanOrEqual(1440);
		expect(stats.lastMinute).toBe(72);
		expect(stats.waitedMs).toBeGreaterThan(0);
	});

	test.each<RateHeaderStyle>(['ietf', 'ietf-07', 'ietf-triple'])('(b) learns budget and window from IETF headers (%s)', async (style) => {
		const account = new AccountBudget({ perWindow: PER_WINDOW, windowMs: WINDOW_MS, headers: [style] });
		const { url, arrivals } = await serve(account);
		// No windowMs option: the window comes from the policy's w=2.
		const budget = rateBudgetFor(rateBudgetKey(url), { concurrency: 4 });

		await fire(budget, url, 40);

		expect(account.rejected).toBe(0);
		const steady = rateFrom(arrivals, 6);
		expect(steady).toBeLessThanOrEqual(SHARE_RATE * 1.05);
		expect(steady).toBeGreaterThanOrEqual(SHARE_RATE * 0.88);
		expect(budget.stats().budget).toMatchObject({ limit: 60, windowMs: 2000, source: 'ratelimit' });
	});

	test('(c) a second consumer using 30 % of the budget: the pace adapts down, no 429 storm', async () => {
		const account = new AccountBudget({ perWindow: PER_WINDOW, windowMs: WINDOW_MS, otherConsumerShare: 0.3 });
		const { url, arrivals } = await serve(account);
		const budget = rateBudgetFor(rateBudgetKey(url), { windowMs: WINDOW_MS, concurrency: 4 });

		await fire(budget, url, 70);

		expect(account.rejected).toBeLessThanOrEqual(2);
		expect(account.otherCalls()).toBeGreaterThan(25);
		// After the first second: below our 80 % (24/s), within what the other consumer leaves (21/s).
		const settled = arrivals.findIndex((a) => a.at >= arrivals[0].at + 1000);
		const steady = rateFrom(arrivals, settled);
		expect(steady).toBeLessThanOrEqual(0.7 * 30 + 1);
		expect(steady).toBeGreaterThanOrEqual(0.45 * 30);
		const stats = budget.stats();
		// The other consumer takes 540 a minute.
		expect(stats.othersPerMinute).toBeGreaterThan(350);
		expect(stats.othersPerMinute).toBeLessThan(800);
		expect(stats.targetPerMinute).toBeLessThan(1440 * 0.95);
	});

	test('(d) a 429 with Retry-After pauses every caller of the key until then and halves the pace', async () => {
		const account = new AccountBudget({ perWindow: PER_WINDOW, windowMs: WINDOW_MS });
		const { url, arrivals } = await serve(account, (n) => (n === 16 ? { status: 429, headers: { 'retry-after': '1' } } : undefined));
		const key = rateBudgetKey(url);
		const starts: Record<'a' | 'b', number[]> = { a: [], b: [] };
		let duringPause: ReturnType<RateBudget['stats']> | undefined;
		const caller = (name: 'a' | 'b') => {
			// Two callers (two nodes, say) get the same budget by key.
			const budget = rateBudgetFor(key, { windowMs: WINDOW_MS, concurrency: 4 });
			return Promise.all(
				Array.from({ length: 20 }, () =>
					budget.run(async () => {
						starts[name].push(Date.now());
						const answer = await sendOnce({ method: 'GET', url: `${url}/x` });
						if (answer.status === 429) setTimeout(() => (duringPause = budget.stats()), 300);
						return answer;
					}),
				),
			);
		};

		await Promise.all([caller('a'), caller('b')]);

		const refused = arrivals.find((a) => a.status === 429);
		expect(refused).toBeDefined();
		const t429 = refused!.at;
		for (const name of ['a', 'b'] as const) {
			expect(startsBetween(starts[name], t429 + 50, t429 + 950)).toBe(0);
			expect(starts[name].filter((t) => t >= t429 + 950).length).toBeGreaterThan(0);
		}
		expect(duringPause?.pausedUntil).toBeGreaterThan(t429 + 900);
		expect(duringPause?.backoff).toBe(0.5);
		expect(duringPause?.targetPerMinute).toBeGreaterThanOrEqual(0.45 * 1440);
		expect(duringPause?.targetPerMinute).toBeLessThanOrEqual(0.55 * 1440);
		// The second after the pause runs at about half the pace (12/s rather than 24/s).
		const all = [...starts.a, ...starts.b].sort((x, y) => x - y);
		const resumed = all.find((t) => t >= t429 + 950)!;
		expect(startsBetween(all, resumed - 1, resumed + 1000)).toBeLessThanOrEqual(16);
		expect(startsBetween(all, resumed - 1, resumed + 1000)).toBeGreaterThanOrEqual(6);
		expect(rateBudgetFor(key).stats().throttled).toBe(1);
		expect(account.rejected).toBe(0);
	});

	test('(d) without any budget headers, a 429 pauses and then paces at half the pace measured before it', async () => {
		const { url } = await serve(undefined, (n) => (n === 40 ? { status: 429, headers: { 'retry-after': '1' } } : undefined));
		const budget = rateBudgetFor(rateBudgetKey(url), { concurrency: 4 });
		const starts: number[] = [];
		let t429 = 0;

		await Promise.all(
			Array.from({ length: 60 }, () =>
				budget.run(async () => {
					starts.push(Date.now());
					const answer = await sendOnce({ method: 'GET', url: `${url}/x` });
					if (answer.status === 429) t429 = Date.now();
					return answer;
				}),
			),
		);

		expect(t429).toBeGreaterThan(0);
		expect(startsBetween(starts, t429 + 50, t429 + 950)).toBe(0);
		const before = starts.filter((t) => t <= t429);
		const after = starts.filter((t) => t >= t429 + 950);
		expect(after.length).toBeGreaterThanOrEqual(15);
		const rateBefore = ((before.length - 1) * 1000) / Math.max(1, before[before.length - 1] - before[0]);
		const rateAfter = ((after.length - 1) * 1000) / (after[after.length - 1] - after[0]);
		// 40 requests in well under a second, measured over a second: 40/s, halved: 20/s.
		expect(rateAfter).toBeLessThanOrEqual(25);
		expect(rateAfter * 2).toBeLessThan(rateBefore);
		expect(budget.stats()).toMatchObject({ throttled: 1, backoff: 0.5 });
	});

	test('(e) a fixed ceiling is kept when the server sends no headers', async () => {
		const { url, arrivals } = await serve();
		const budget = rateBudgetFor(rateBudgetKey(url), { ceilingPerMinute: 600, concurrency: 4 });

		await fire(budget, url, 21);

		// 20 gaps of 100 ms.
		const span = arrivals[20].at - arrivals[0].at;
		expect(span).toBeGreaterThanOrEqual(1900);
		expect(span).toBeLessThan(2600);
		expect(busiest(arrivals.map((a) => a.at), 1000)).toBeLessThanOrEqual(11);
		expect(budget.stats()).toMatchObject({ targetPerMinute: 600, budget: undefined });
	});

	test('(e) the ceiling also caps a learned budget', async () => {
		const account = new AccountBudget({ perWindow: PER_WINDOW, windowMs: WINDOW_MS });
		const { url, arrivals } = await serve(account);
		const budget = rateBudgetFor(rateBudgetKey(url), { windowMs: WINDOW_MS, ceilingPerMinute: 600, concurrency: 2 });

		await fire(budget, url, 16);

		const steady = rateFrom(arrivals, 3);
		expect(steady).toBeLessThanOrEqual(10.5);
		expect(steady).toBeGreaterThanOrEqual(9);
		expect(budget.stats().targetPerMinute).toBeLessThanOrEqual(600);
	});

	test('(f) no headers and no ceiling: nothing is slowed down', async () => {
		const { url, arrivals } = await serve();
		const budget = rateBudgetFor(rateBudgetKey(url));
		let starts = 0;
		let startsAtFirstAnswer: number | undefined;

		await Promise.all(
			Array.from({ length: 200 }, () =>
				budget.run(async () => {
					starts += 1;
					const answer = await sendOnce({ method: 'GET', url: `${url}/x` });
					startsAtFirstAnswer ??= starts;
					return answer;
				}),
			),
		);

		expect(arrivals).toHaveLength(200);
		// Unthrottled, every request starts at once, before any answer is back.
		expect(startsAtFirstAnswer).toBe(200);
		const stats = budget.stats();
		expect(stats).toMatchObject({ targetPerMinute: undefined, sent: 200, throttled: 0, backoff: 1 });
	});
});

describe('back-off and recovery', () => {
	test('one throttling event halves once; a later one halves again; a quiet window brings the pace back', async () => {
		const options: RateBudgetOptions = { windowMs: 400, ceilingPerMinute: 6000 };
		const budget = new RateBudget('recovery', options);
		budget.observe({ status: 429, headers: { 'retry-after': '0' } });
		budget.observe({ status: 429, headers: { 'Retry-After': '0' } });
		expect(budget.stats()).toMatchObject({ backoff: 0.5, throttled: 2, targetPerMinute: 3000 });
		await new Promise((resolve) => setTimeout(resolve, 550));
		budget.observe({ status: 429, headers: {} });
		const halvedAgain = budget.stats();
		expect(halvedAgain.backoff).toBe(0.25);
		// No Retry-After: a one-second pause.
		expect(halvedAgain.pausedUntil).toBeGreaterThan(Date.now() + 800);
		// Quiet for a window (400 ms), then +0.1 per 100 ms.
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(budget.stats().backoff).toBe(0.25);
		await new Promise((resolve) => setTimeout(resolve, 1000));
		expect(budget.stats()).toMatchObject({ backoff: 1, targetPerMinute: 6000 });
	});

	test('a Retry-After HTTP date pauses until that date; a 503 with Retry-After throttles, a bare 503 does not', () => {
		const budget = new RateBudget('dates');
		const at = new Date(Date.now() + 3000);
		budget.observe({ status: 503, headers: {} });
		expect(budget.stats()).toMatchObject({ throttled: 0, backoff: 1, pausedUntil: undefined });
		budget.observe({ status: 503, headers: { 'retry-after': at.toUTCString() } });
		const stats = budget.stats();
		expect(stats.throttled).toBe(1);
		// HTTP dates carry whole seconds.
		expect(stats.pausedUntil).toBeGreaterThan(at.getTime() - 1000);
		expect(stats.pausedUntil).toBeLessThanOrEqual(at.getTime());
	});

	test('a long Retry-After is capped by maxPauseMs, with or without a learned window', () => {
		const budget = new RateBudget('cap', { maxPauseMs: 5000 });
		budget.observe({ status: 429, headers: { 'retry-after': '3600' } });
		expect(budget.stats().pausedUntil).toBeLessThanOrEqual(Date.now() + 5000);

		// ServiceNow's hourly rule: the window counts as spent for the capped pause, not for the hour.
		const hourly = new RateBudget('cap-hourly', { maxPauseMs: 5000, windowMs: 3_600_000 });
		hourly.observe({ status: 200, headers: { 'x-ratelimit-limit': '6000', 'x-ratelimit-remaining': '10' } });
		hourly.observe({ status: 429, headers: { 'x-ratelimit-limit': '6000', 'retry-after': '3600' } });
		expect(hourly.stats().pausedUntil).toBeLessThanOrEqual(Date.now() + 5000);
	});
});
