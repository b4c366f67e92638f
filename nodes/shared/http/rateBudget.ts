/**
 * Client-side pacing for one rate budget (a destination account, an API host), shared by every
 * caller in the process that names the same key. Wrap each send:
 *
 *   const budget = rateBudgetFor(rateBudgetKey(url), { share: 0.8 });
 *   const answer = await budget.run(() => sendOnce(request));   // or schedule(), then observe(answer)
 *
 * The pace follows what the server says (see docs/rate-budget.md): the budget from `X-RateLimit-*`
 * or IETF `RateLimit*` headers, kept to `share` of it and below what other consumers leave free;
 * a 429 (or 503 with Retry-After) pauses every caller until Retry-After and halves the pace, which
 * then recovers step by step after a quiet window. With no headers and no ceiling nothing is slowed
 * down until a 429 comes. Timing is bottleneck's: one job per request start, spaced by `minTime`.
 */
import { Bottleneck } from '../vendor';
import { readRateLimitHeaders, type HeaderBag } from './rateHeaders';
import { ServerWindow, SlidingCount } from './rateWindow';
import { isThrottling, parseRetryAfter } from './retry';

export type { HeaderBag } from './rateHeaders';

export interface RateBudgetOptions {
	/** Share of the server's budget this process may use, above 0 and at most 1 (default 0.8). */
	share?: number;
	/** Requests per minute at most: the pace when the server sends no headers, and a cap otherwise. */
	ceilingPerMinute?: number;
	/** Requests in flight at once on this budget (default: not limited here). */
	concurrency?: number;
	/** Window of budgets that do not state it (`X-RateLimit-*`; Freshservice counts per minute). */
	windowMs?: number;
	/** Longest pause one Retry-After may impose on every caller (default 2 minutes). */
	maxPauseMs?: number;
}

export interface RateBudgetStats {
	key: string;
	/** The budget the server announced, once it did. */
	budget?: { limit: number; windowMs: number; perMinute: number; remaining?: number; source: 'x-ratelimit' | 'ratelimit' };
	share: number;
	ceilingPerMinute?: number;
	/** The pace allowed now, in requests per minute; undefined while nothing is slowed down. */
	targetPerMinute?: number;
	/** Other consumers' estimated use of the budget, in requests per minute. */
	othersPerMinute: number;
	/** Requests started in the last minute. */
	lastMinute: number;
	sent: number;
	/** Throttling answers seen (429, 503 with Retry-After). */
	throttled: number;
	/** Time requests spent waiting here, summed over requests. */
	waitedMs: number;
	/** 1 is the full pace; halved by each throttling answer, recovering after a quiet window. */
	backoff: number;
	/** Epoch milliseconds until which no request starts, while paused. */
	pausedUntil?: number;
}

/** One request's terms with the budget. */
export interface ScheduleOptions {
	/**
	 * Longest this request waits for its turn (a pause after someone's 429, the pace) before it goes
	 * anyway: for interactive callers (a login, a ticket's account action) that must not sit out a
	 * pause a long sync caused. Default: as long as the budget says.
	 */
	maxWaitMs?: number;
}

export interface ObservedAnswer {
	status: number;
	headers: HeaderBag;
}

/** An option outside its range; `option` is the name the user sees. */
export class RateBudgetOptionError extends RangeError {
	constructor(
		readonly option: string,
		message: string,
	) {
		super(`${option} ${message}`);
		this.name = 'RateBudgetOptionError';
	}
}

interface Settings {
	share: number;
	ceilingPerMinute: number | undefined;
	concurrency: number | undefined;
	windowMs: number;
	maxPauseMs: number;
}

const DEFAULT_SHARE = 0.8;
const DEFAULT_WINDOW_MS = 60_000;
const DEFAULT_MAX_PAUSE_MS = 120_000;
/** Kept unused in every window so the last requests of a window do not run it dry. */
const RESERVE_SHARE = 0.05;
/** The pace never drops below this share of the budget for other consumers' sake alone. */
const MIN_PACE_SHARE = 0.05;
const MIN_BACKOFF = 1 / 16;
/** Recovery: +10 % of the full pace per quarter window, after one window without throttling. */
const RECOVERY_STEP = 0.1;
const RECOVERY_STEPS_PER_WINDOW = 4;
/** A 429 without Retry-After pauses this long. */
const DEFAULT_PAUSE_MS = 1000;
/** Throttling answers closer together than this (or than their pause) are one event. */
const MIN_DECREASE_GAP_MS = 500;
/** The pace measured at a first 429 without any budget: over at least a second, at least 1/s. */
const MEASURE_FLOOR_MS = 1000;
const MIN_MEASURED_RATE = 1 / 1000;

export function resolveRateBudgetOptions(options: RateBudgetOptions = {}): Settings {
	const share = options.share ?? DEFAULT_SHARE;
	if (typeof share !== 'number' || !Number.isFinite(share) || share <= 0 || share > 1) {
		throw new RateBudgetOptionError('Rate Budget Share', `must be above 0 and at most 1 (0.8 means 80 %), got ${String(share)}`);
	}
	const ceiling = options.ceilingPerMinute;
	if (ceiling !== undefined && (typeof ceiling !== 'number' || !Number.isFinite(ceiling) || ceiling <= 0)) {
		throw new RateBudgetOptionError('Max Requests per Minute', `must be a positive number, got ${String(ceiling)}`);
	}
	const concurrency = options.concurrency;
	if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) {
		throw new RateBudgetOptionError('Concurrency', `must be a whole number of at least 1, got ${String(concurrency)}`);
	}
	const windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
	if (!Number.isFinite(windowMs) || windowMs <= 0) throw new RateBudgetOptionError('Rate Window', `must be a positive number of milliseconds, got ${String(windowMs)}`);
	const maxPauseMs = options.maxPauseMs ?? DEFAULT_MAX_PAUSE_MS;
	if (!Number.isFinite(maxPauseMs) || maxPauseMs < 0) throw new RateBudgetOptionError('Max Pause', `must be zero or more milliseconds, got ${String(maxPauseMs)}`);
	return { share, ceilingPerMinute: ceiling, concurrency, windowMs, maxPauseMs };
}

function delay(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/** bottleneck's updateSettings returns a promise at run time (its types say otherwise). */
function settle(result: unknown): void {
	void Promise.resolve(result).catch(() => undefined);
}

function headerText(headers: HeaderBag, name: string): string | undefined {
	for (const [key, value] of Object.entries(headers)) {
		if (key.toLowerCase() !== name || value === undefined) continue;
		return Array.isArray(value) ? value[0] : String(value);
	}
	return undefined;
}

export class RateBudget {
	private settings: Settings;
	/** Hands out request starts one at a time, `minTime` apart (0 while unthrottled). */
	private readonly pacer = new Bottleneck({ maxConcurrent: 1, minTime: 0 });
	private slots: Bottleneck | undefined;
	private appliedMinTime = 0;
	private waitingForPacer = 0;
	private window: ServerWindow | undefined;
	private readonly starts = new SlidingCount();
	private firstStartAt: number | undefined;
	private inFlight = 0;
	private rate: number | undefined;
	private factor = 1;
	private measuredRate: number | undefined;
	private lastThrottleAt = 0;
	private lastRecoveryAt = 0;
	private decreaseLockedUntil = 0;
	private pausedUntil = 0;
	private holdUntil = 0;
	private sent = 0;
	private throttled = 0;
	private waitedMs = 0;

	constructor(
		readonly key: string,
		options: RateBudgetOptions = {},
	) {
		this.settings = resolveRateBudgetOptions(options);
		if (this.settings.concurrency !== undefined) this.slots = new Bottleneck({ maxConcurrent: this.settings.concurrency });
		this.refresh(Date.now());
	}

	/** Replaces the options (the latest configuration of a shared budget wins). */
	configure(options: RateBudgetOptions = {}): void {
		const settings = resolveRateBudgetOptions(options);
		if (settings.concurrency === undefined) this.slots = undefined;
		else if (!this.slots) this.slots = new Bottleneck({ maxConcurrent: settings.concurrency });
		else if (settings.concurrency !== this.settings.concurrency) settle(this.slots.updateSettings({ maxConcurrent: settings.concurrency }));
		this.settings = settings;
		this.refresh(Date.now());
	}

	/** Runs `send` when the budget allows; call `observe` with its answer. */
	schedule<T>(send: () => Promise<T>, options: ScheduleOptions = {}): Promise<T> {
		const queuedAt = Date.now();
		const task = async (): Promise<T> => {
			await this.ticket(options.maxWaitMs);
			this.begin(queuedAt);
			try {
				return await send();
			} finally {
				this.inFlight -= 1;
			}
		};
		return this.slots ? this.slots.schedule(task) : task();
	}

	/** `schedule` and `observe` in one. */
	async run<R extends ObservedAnswer>(send: () => Promise<R>, options: ScheduleOptions = {}): Promise<R> {
		const answer = await this.schedule(send, options);
		this.observe(answer);
		return answer;
	}

	/** Learns from one answer (any status) of a request sent through this budget. */
	observe(answer: ObservedAnswer): void {
		const now = Date.now();
		const info = readRateLimitHeaders(answer.headers, now);
		if (info) {
			const limit = info.limit ?? this.window?.limit;
			const windowMs = info.windowMs ?? (this.window?.source === info.source ? this.window.windowMs : this.settings.windowMs);
			if (limit !== undefined && limit > 0) {
				if (!this.window?.matches(limit, windowMs, info.source)) this.window = new ServerWindow(limit, windowMs, info.source, now);
				this.window.observe(info, this.inFlight, now);
			}
		}
		const retryAfterMs = parseRetryAfter(headerText(answer.headers, 'retry-after'), now);
		if (isThrottling(answer.status, retryAfterMs)) this.throttle(retryAfterMs, now);
		this.refresh(now);
	}

	stats(): RateBudgetStats {
		const now = Date.now();
		this.refresh(now);
		const window = this.window;
		const blockedUntil = Math.max(this.pausedUntil, this.holdUntil);
		return {
			key: this.key,
			budget: window && {
				limit: window.limit,
				windowMs: window.windowMs,
				perMinute: Math.round((window.limit * 60_000) / window.windowMs),
				remaining: window.remaining,
				source: window.source,
			},
			share: this.settings.share,
			ceilingPerMinute: this.settings.ceilingPerMinute,
			targetPerMinute: this.rate === undefined ? undefined : Math.round(this.rate * 60_000),
			othersPerMinute: window ? Math.round(window.othersRate(now) * 60_000) : 0,
			lastMinute: this.starts.sum(now, 60_000),
			sent: this.sent,
			throttled: this.throttled,
			waitedMs: Math.round(this.waitedMs),
			backoff: this.factor,
			pausedUntil: blockedUntil > now ? blockedUntil : undefined,
		};
	}

	private async ticket(maxWaitMs: number | undefined): Promise<void> {
		const now = Date.now();
		this.refresh(now);
		const free = this.appliedMinTime === 0 && this.waitingForPacer === 0 && Math.max(this.pausedUntil, this.holdUntil) <= now;
		if (free) return;
		this.waitingForPacer += 1;
		await new Promise<void>((resolve) => {
			let released = false;
			let gaveUp: NodeJS.Timeout | undefined;
			const release = () => {
				if (released) return;
				released = true;
				clearTimeout(gaveUp);
				this.waitingForPacer -= 1;
				resolve();
			};
			// A caller that stops waiting goes now; its job keeps its place in the pacer and releases nobody.
			if (maxWaitMs !== undefined) gaveUp = setTimeout(release, maxWaitMs);
			const job = async () => {
				const waited = await this.waitWhileBlocked();
				release();
				// After a pause the pacer's own spacing is stale: keep the next start one interval away.
				if (waited) await delay(this.appliedMinTime);
			};
			// The pacer never drops jobs; should it fail anyway, the request goes rather than hangs.
			this.pacer.schedule(job).catch(release);
		});
	}

	/** Waits out a pause or hold; says whether it had to. */
	private async waitWhileBlocked(): Promise<boolean> {
		let waited = false;
		for (;;) {
			const now = Date.now();
			this.refresh(now);
			const until = Math.max(this.pausedUntil, this.holdUntil);
			if (until <= now) return waited;
			waited = true;
			await delay(until - now);
		}
	}

	private begin(queuedAt: number): void {
		const now = Date.now();
		this.sent += 1;
		this.inFlight += 1;
		this.waitedMs += now - queuedAt;
		this.starts.add(now);
		this.firstStartAt ??= now;
	}

	private throttle(retryAfterMs: number | undefined, now: number): void {
		this.throttled += 1;
		this.lastThrottleAt = now;
		const pauseMs = Math.min(retryAfterMs ?? DEFAULT_PAUSE_MS, this.settings.maxPauseMs);
		this.pausedUntil = Math.max(this.pausedUntil, now + pauseMs);
		// The window counts as spent for the pause only: a Retry-After of an hour (ServiceNow's hourly
		// rules) must not hold every caller longer than maxPauseMs.
		this.window?.exhausted(retryAfterMs === undefined ? undefined : pauseMs, now);
		if (now < this.decreaseLockedUntil) return;
		if (this.factor === 1) this.measuredRate = this.measure(now);
		this.factor = Math.max(MIN_BACKOFF, this.factor / 2);
		this.decreaseLockedUntil = now + Math.max(MIN_DECREASE_GAP_MS, pauseMs);
	}

	/** Our own pace lately, the base a back-off halves when the server states no budget. */
	private measure(now: number): number {
		const span = Math.min(this.windowMs(), Math.max(MEASURE_FLOOR_MS, now - (this.firstStartAt ?? now)));
		return Math.max(MIN_MEASURED_RATE, this.starts.sum(now, span) / span);
	}

	private windowMs(): number {
		return this.window?.windowMs ?? this.settings.windowMs;
	}

	/** Additive recovery after a quiet window. */
	private recover(now: number): void {
		if (this.factor >= 1) return;
		const stepMs = this.windowMs() / RECOVERY_STEPS_PER_WINDOW;
		const from = Math.max(this.lastThrottleAt + this.windowMs(), this.lastRecoveryAt);
		const steps = Math.floor((now - from) / stepMs);
		if (steps < 1) return;
		this.lastRecoveryAt = from + steps * stepMs;
		this.factor = Math.min(1, this.factor + steps * RECOVERY_STEP);
		if (this.factor > 0.999) {
			this.factor = 1;
			this.measuredRate = undefined;
		}
	}

	/** Recomputes the pace (requests per ms, undefined for none) and hands it to the pacer. */
	private refresh(now: number): void {
		this.recover(now);
		this.rate = this.targetRate(now);
		const minTime = this.rate === undefined ? 0 : 1 / this.rate;
		if (Math.abs(minTime - this.appliedMinTime) > 0.01 * Math.max(minTime, this.appliedMinTime)) {
			this.appliedMinTime = minTime;
			settle(this.pacer.updateSettings({ minTime }));
		}
	}

	private targetRate(now: number): number | undefined {
		this.holdUntil = 0;
		const { share, ceilingPerMinute } = this.settings;
		const ceiling = ceilingPerMinute === undefined ? Infinity : ceilingPerMinute / 60_000;
		const window = this.window;
		if (!window) {
			if (ceiling < Infinity) return ceiling * this.factor;
			return this.factor < 1 ? (this.measuredRate ?? MIN_MEASURED_RATE) * this.factor : undefined;
		}
		const { limit, windowMs } = window;
		const reserve = Math.max(1, RESERVE_SHARE * limit);
		const othersRate = window.othersRate(now);
		// Our share, but no more than other consumers leave free.
		const perWindow = Math.max(MIN_PACE_SHARE * limit, Math.min(share * limit, limit - othersRate * windowMs - reserve));
		let rate = Math.min(perWindow / windowMs, ceiling) * this.factor;
		const outlook = window.outlook(now);
		if (outlook) {
			// Spread what is left of this window (less our unanswered requests and the reserve) over
			// the time it may still last, after other consumers' expected use.
			const left = outlook.endsBy - now;
			const guard = (outlook.remaining - this.inFlight - reserve) / left - othersRate;
			if (guard * left < 1) this.holdUntil = outlook.endsBy;
			else rate = Math.min(rate, guard);
		}
		return rate;
	}
}

const budgets = new Map<string, RateBudget>();

/** The process-wide budget for `key`, created on first use; `options` replace its settings. */
export function rateBudgetFor(key: string, options?: RateBudgetOptions): RateBudget {
	const existing = budgets.get(key);
	if (existing) {
		if (options) existing.configure(options);
		return existing;
	}
	const budget = new RateBudget(key, options);
	budgets.set(key, budget);
	return budget;
}

/** One budget per scheme and host (a Freshservice account is its own host). */
export function rateBudgetKey(url: string, account?: string): string {
	const parsed = new URL(url);
	const host = `${parsed.protocol}//${parsed.host}`.toLowerCase();
	return account ? `${host}#${account}` : host;
}

/** Drops every shared budget (tests). */
export function forgetRateBudgets(): void {
	budgets.clear();
}
