/**
 * What a server's answers tell about one rate budget: its size and window, how much of the
 * current window is left, when that window ends at the latest, and how fast other consumers of the
 * same budget (agents' other apps, a second process) are using it. Pure bookkeeping: the caller
 * passes the clock.
 */
import type { RateLimitInfo } from './rateHeaders';

const SLOT_MS = 25;
const HISTORY_MS = 60_000;

/** Event counts in 25 ms slots over the last minute (negative counts allowed, for corrections). */
export class SlidingCount {
	private readonly slots: Array<{ at: number; n: number }> = [];

	add(now: number, n = 1): void {
		const at = now - (now % SLOT_MS);
		const last = this.slots[this.slots.length - 1];
		if (last && last.at === at) last.n += n;
		else this.slots.push({ at, n });
		this.prune(now);
	}

	/** Sum over the last `overMs` (at most a minute). */
	sum(now: number, overMs: number): number {
		this.prune(now);
		let total = 0;
		for (let i = this.slots.length - 1; i >= 0 && this.slots[i].at > now - overMs; i--) total += this.slots[i].n;
		return total;
	}

	private prune(now: number): void {
		while (this.slots.length > 0 && this.slots[0].at <= now - HISTORY_MS - SLOT_MS) this.slots.shift();
	}
}

/** A rise of remaining by more than this share of the limit (beyond reordering) is a new window. */
const RESET_JUMP_SHARE = 0.1;

export class ServerWindow {
	/** Lowest remaining seen in the current window, and our answers counted since it was seen. */
	private low: number | undefined;
	private oursSinceLow = 0;
	/** When we first saw the current window: it ends one window length later at the latest. */
	private seenAt: number | undefined;
	/** When the server said the window resets (reset header, or Retry-After on a 429). */
	private resetAt: number | undefined;
	/** Whether a window change was ever seen; a window outliving its length without one may slide. */
	private sawReset = false;
	private sliding = false;
	private readonly others = new SlidingCount();
	private readonly since: number;

	constructor(
		readonly limit: number,
		readonly windowMs: number,
		readonly source: RateLimitInfo['source'],
		now: number,
	) {
		this.since = now;
	}

	matches(limit: number, windowMs: number, source: RateLimitInfo['source']): boolean {
		return this.limit === limit && this.windowMs === windowMs && this.source === source;
	}

	/** Requests left in the current window as last seen. */
	get remaining(): number | undefined {
		return this.low;
	}

	/**
	 * One of our answers. `inFlight` is how many other requests of ours are still unanswered: their
	 * answers may arrive out of order, so remaining may rise by that much without a new window.
	 */
	observe(info: RateLimitInfo, inFlight: number, now: number): void {
		this.expire(now);
		if (info.resetMs !== undefined) this.resetAt = now + info.resetMs;
		const remaining = info.remaining;
		if (remaining === undefined) return;
		const jump = this.low !== undefined && remaining > this.low + inFlight + Math.max(1, RESET_JUMP_SHARE * this.limit);
		if (this.low === undefined || jump) {
			if (jump) {
				this.sawReset = true;
				this.sliding = false;
			}
			this.low = remaining;
			this.oursSinceLow = 0;
			// The window holding this answer began by now, so it ends within one window from now.
			this.seenAt = now;
			return;
		}
		this.oursSinceLow += info.cost ?? 1;
		if (remaining < this.low) {
			// The drop beyond our own answers since the last low was used by someone else.
			this.others.add(now, this.low - remaining - this.oursSinceLow);
			this.low = remaining;
			this.oursSinceLow = 0;
		}
	}

	/** A refusal: the server says the budget is back after `retryAfterMs`. */
	exhausted(retryAfterMs: number | undefined, now: number): void {
		this.expire(now);
		this.low = 0;
		this.oursSinceLow = 0;
		if (retryAfterMs !== undefined) this.resetAt = now + retryAfterMs;
	}

	/** Other consumers' use, in requests per millisecond, over the last window (or minute). */
	othersRate(now: number): number {
		const span = Math.min(this.windowMs, HISTORY_MS);
		const observed = Math.max(Math.min(span, now - this.since), this.windowMs / 8);
		return Math.max(0, this.others.sum(now, span)) / observed;
	}

	/** What is left of the current window and when it ends at the latest; undefined when unknown. */
	outlook(now: number): { remaining: number; endsBy: number } | undefined {
		this.expire(now);
		if (this.low === undefined) return undefined;
		const bound = this.seenAt === undefined || this.sliding ? Infinity : this.seenAt + this.windowMs;
		const endsBy = Math.min(bound, this.resetAt ?? Infinity);
		return endsBy === Infinity ? undefined : { remaining: this.low, endsBy };
	}

	/** Once the window has surely ended, forget what was left in it. */
	private expire(now: number): void {
		if (this.resetAt !== undefined && now >= this.resetAt) {
			this.resetAt = undefined;
			this.low = undefined;
		}
		if (this.seenAt !== undefined && now >= this.seenAt + this.windowMs) {
			// With windows seen changing, one was missed: re-learn at the next answer. Without, the
			// server may count over a sliding window, which has no end to wait for.
			this.seenAt = undefined;
			if (this.sawReset) this.low = undefined;
			else this.sliding = true;
		}
	}
}
