/** How long and how many audit records a store keeps; the oldest go first. */

export interface AuditRetention {
	/** Records older than this many days are dropped (0: no age limit). */
	maxAgeDays: number;
	/** At most this many records are kept, the newest (0: no count limit). */
	maxCount: number;
}

export const DEFAULT_AUDIT_RETENTION: AuditRetention = { maxAgeDays: 90, maxCount: 10_000 };

const DAY = 86_400_000;

/** A kept record: the audit log's, or one of the SSO store's events. */
interface Timed {
	time: string;
}

export class AuditSettingError extends Error {
	readonly field: string;
	constructor(field: string, message: string) {
		super(message);
		this.name = 'AuditSettingError';
		this.field = field;
	}
}

/** `labels`: the settings' names as the node shows them. */
export function checkRetention(retention: AuditRetention, labels: Record<keyof AuditRetention, string> = { maxAgeDays: 'Keep Days', maxCount: 'Keep Records' }): AuditRetention {
	for (const field of ['maxAgeDays', 'maxCount'] as const) {
		const label = labels[field];
		const value = retention[field];
		if (!Number.isInteger(value) || value < 0) throw new AuditSettingError(label, `${label} must be a whole number of 0 or more (0: no limit), not ${String(value)}`);
	}
	return retention;
}

/** The time before which records are dropped, or null without an age limit. */
function retentionCutoff(retention: AuditRetention, now: Date): Date | null {
	return retention.maxAgeDays > 0 ? new Date(now.getTime() - retention.maxAgeDays * DAY) : null;
}

/** The records kept, oldest first: within the age limit, then the newest `maxCount`. */
export function applyRetention<T extends Timed>(records: readonly T[], retention: AuditRetention, now: Date): T[] {
	return retainInOrder(sortOldestFirst(records), retention, now);
}

/** applyRetention for records already oldest first (appended as they happen): the same rules, no sort. */
export function retainInOrder<T extends Timed>(records: readonly T[], retention: AuditRetention, now: Date): T[] {
	const kept = withinAgeLimit(records, retention, now);
	return retention.maxCount > 0 && kept.length > retention.maxCount ? kept.slice(kept.length - retention.maxCount) : kept;
}

/**
 * The records not older than the age limit at `now`, in their order. Applied on read too: records
 * age past Keep Days while nothing is written. No retention (a store written before it was kept): all.
 */
export function withinAgeLimit<T extends Timed>(records: readonly T[], retention: AuditRetention | undefined, now: Date): T[] {
	const cutoff = retention && retentionCutoff(retention, now);
	return cutoff ? records.filter((record) => Date.parse(record.time) >= cutoff.getTime()) : [...records];
}

/** A retention kept with a store's data, or undefined when it is not one. */
export function parseRetention(raw: unknown): AuditRetention | undefined {
	if (typeof raw !== 'object' || raw === null) return undefined;
	const { maxAgeDays, maxCount } = raw as Record<string, unknown>;
	const valid = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;
	return valid(maxAgeDays) && valid(maxCount) ? { maxAgeDays, maxCount } : undefined;
}

/** By time, then by position (stable): records of one run share a time. */
export function sortOldestFirst<T extends Timed>(records: readonly T[]): T[] {
	return records
		.map((record, index) => ({ record, index, time: Date.parse(record.time) }))
		.sort((a, b) => a.time - b.time || a.index - b.index)
		.map(({ record }) => record);
}
