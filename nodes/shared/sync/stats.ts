/**
 * Sync statistics, per run and cumulative (the seed's "Total Data Synced", "Failed During Data
 * Sync", "Last Synced Time"), with the time shown in a chosen zone by luxon.
 */
import type { RateBudgetStats } from '../http/rateBudget';
import { DateTime, Duration, IANAZone } from '../vendor';

export interface RunCounts {
	created: number;
	updated: number;
	unchanged: number;
	deactivated: number;
	reactivated: number;
	managersLinked: number;
	failed: number;
	/** Deactivations held back by the safeguard. */
	blocked: number;
}

export interface RunStatistics extends RunCounts {
	/** Users that reached the destination in the wanted state (created + updated + unchanged + deactivated + reactivated). */
	totalSynced: number;
	startedAt: string;
	finishedAt: string;
	durationMs: number;
	mode: 'full' | 'incremental' | 'retryOnly';
	dryRun: boolean;
}

export interface CumulativeStatistics extends RunCounts {
	totalSynced: number;
	runs: number;
	firstRunAt: string | null;
	lastSyncedAt: string | null;
	/** Requesters currently listed as unsynced. */
	currentlyUnsynced: number;
}

export interface SyncProgress {
	/** Whether users are still left for a next run. */
	unfinished: boolean;
	/** Requesters this sync manages / users in scope so far (managed + left + unsynced). */
	done: number;
	total: number;
	/** Writes per minute the last run achieved. */
	writesPerMinute: number;
	/** Sync time still needed at that rate, in minutes, and in words. */
	etaMinutes: number | null;
	eta: string | null;
	updatedAt: string;
	/** The destination's rate budget, when its requests are paced (Rate Budget Share, Max Requests per Minute). */
	pacing?: SyncPacing;
}

/** The rate against the destination's budget at the end of the last run. */
export interface SyncPacing {
	/** Requests a minute the destination allows, as learned from its rate-limit headers; null while it has stated none. */
	budgetPerMinute: number | null;
	/** Rate Budget Share, in %. */
	sharePercent: number;
	/** Max Requests per Minute, when set. */
	maxRequestsPerMinute: number | null;
	/** The pace the sync keeps to now, in requests a minute; null while nothing slows it down. */
	pacedToPerMinute: number | null;
	/** Requests sent to the destination in the last minute of the run. */
	requestsLastMinute: number;
	/** Answers on the destination's budget that said "too many requests" (429, or 503 with Retry-After) while the run lasted. */
	throttled: number;
	/** The same in one sentence. */
	summary: string;
}

export function emptyCounts(): RunCounts {
	return { created: 0, updated: 0, unchanged: 0, deactivated: 0, reactivated: 0, managersLinked: 0, failed: 0, blocked: 0 };
}

export function totalSynced(counts: RunCounts): number {
	return counts.created + counts.updated + counts.unchanged + counts.deactivated + counts.reactivated;
}

export function accumulate(previous: CumulativeStatistics | undefined, run: RunStatistics, currentlyUnsynced: number): CumulativeStatistics {
	const base = previous ?? { ...emptyCounts(), totalSynced: 0, runs: 0, firstRunAt: null, lastSyncedAt: null, currentlyUnsynced: 0 };
	const sum = (key: keyof RunCounts) => base[key] + run[key];
	return {
		created: sum('created'),
		updated: sum('updated'),
		unchanged: sum('unchanged'),
		deactivated: sum('deactivated'),
		reactivated: sum('reactivated'),
		managersLinked: sum('managersLinked'),
		failed: sum('failed'),
		blocked: sum('blocked'),
		totalSynced: base.totalSynced + run.totalSynced,
		runs: base.runs + 1,
		firstRunAt: base.firstRunAt ?? run.startedAt,
		lastSyncedAt: run.finishedAt,
		currentlyUnsynced,
	};
}

/** "2026-11-26 14:05:09 CET (3 minutes ago)" style rendering of an ISO time in a time zone. */
export function describeTime(iso: string | null, timeZone: string, now: Date = new Date()): { iso: string | null; local: string | null; relative: string | null } {
	if (!iso) return { iso: null, local: null, relative: null };
	const zone = IANAZone.isValidZone(timeZone) ? timeZone : 'UTC';
	const time = DateTime.fromISO(iso, { zone });
	return {
		iso,
		local: time.toFormat('yyyy-MM-dd HH:mm:ss ZZZZ'),
		relative: time.toRelative({ base: DateTime.fromJSDate(now, { zone }) }),
	};
}

/** A number of minutes in words, e.g. "about 3 hours, 20 minutes of sync time" (luxon). */
export function describeDuration(minutes: number): string {
	if (minutes <= 0) return 'done';
	const duration = Duration.fromObject({ minutes: Math.ceil(minutes) }).shiftTo('days', 'hours', 'minutes');
	const parts = (['days', 'hours', 'minutes'] as const)
		.filter((unit) => duration.get(unit) > 0)
		.map((unit) => Duration.fromObject({ [unit]: duration.get(unit) }).toHuman({ unitDisplay: 'long' }));
	return `about ${parts.slice(0, 2).join(', ')} of sync time`;
}

/** One decimal below 10 a minute (an hourly budget of 120 is 2 a minute, of 90 is 1.5), whole numbers above. */
function perMinute(value: number): number {
	return value < 10 ? Math.round(value * 10) / 10 : Math.round(value);
}

/** The pacing figures of a run, from the destination limiter's stats before and after it. */
export function describePacing(before: RateBudgetStats, after: RateBudgetStats): SyncPacing {
	const budgetPerMinute = after.budget ? perMinute((after.budget.limit * 60_000) / after.budget.windowMs) : null;
	const sharePercent = Math.round(after.share * 100);
	const pacedToPerMinute = after.targetPerMinute ?? null;
	const throttled = after.throttled - before.throttled;
	// Others' use is seen only through a remaining count (Freshservice, IETF RateLimit); ServiceNow sends none.
	const othersSeen = after.budget?.remaining !== undefined ? ', less what others use' : '';
	const pace =
		pacedToPerMinute === null
			? 'not slowed down'
			: `paced to ${pacedToPerMinute} a minute${budgetPerMinute === null ? '' : ` (${sharePercent} % of the ${budgetPerMinute} a minute the destination allows${othersSeen})`}`;
	return {
		budgetPerMinute,
		sharePercent,
		maxRequestsPerMinute: after.ceilingPerMinute ?? null,
		pacedToPerMinute,
		requestsLastMinute: after.lastMinute,
		throttled,
		summary: `${after.lastMinute} requests in the last minute, ${pace}; ${throttled === 0 ? 'no' : throttled} "too many requests" answer${throttled === 1 ? '' : 's'} during this run`,
	};
}

export function isValidTimeZone(timeZone: string): boolean {
	return IANAZone.isValidZone(timeZone);
}
