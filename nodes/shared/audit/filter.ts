/** Which audit records an export shows: a time range, a subject, actions. */
import type { AuditEntry } from './record';
import { AuditSettingError, sortOldestFirst } from './retention';

export interface AuditFilter {
	/** Inclusive, ISO 8601. */
	from?: Date;
	/** Exclusive, ISO 8601. */
	to?: Date;
	/** An Azure object ID, requester ID or email; compared case-insensitively, whole value. */
	subject?: string;
	/** Any of these actions (empty: all). */
	actions?: readonly string[];
}

/** Builds a filter from typed text, naming the field that cannot be read. */
export function parseAuditFilter(input: { from?: string; to?: string; subject?: string; actions?: string | readonly string[] }): AuditFilter {
	const filter: AuditFilter = {};
	const from = parseTime(input.from, 'From');
	const to = parseTime(input.to, 'To');
	if (from) filter.from = from;
	if (to) filter.to = to;
	if (from && to && from.getTime() >= to.getTime()) throw new AuditSettingError('To', '"To" must be later than "From"');
	const subject = input.subject?.trim();
	if (subject) filter.subject = subject;
	const actions = (typeof input.actions === 'string' ? input.actions.split(',') : (input.actions ?? [])).map((action) => action.trim()).filter(Boolean);
	if (actions.length > 0) filter.actions = actions;
	return filter;
}

function parseTime(value: string | undefined, field: string): Date | undefined {
	const text = value?.trim();
	if (!text) return undefined;
	const time = new Date(text);
	if (Number.isNaN(time.getTime())) throw new AuditSettingError(field, `"${field}" is not a date and time: "${text}"; use ISO 8601, e.g. 2026-12-01T00:00:00Z`);
	return time;
}

function matchesAuditFilter(record: AuditEntry, filter: AuditFilter): boolean {
	const time = Date.parse(record.time);
	if (filter.from && time < filter.from.getTime()) return false;
	if (filter.to && time >= filter.to.getTime()) return false;
	if (filter.actions && !filter.actions.some((action) => action.toLowerCase() === record.action.toLowerCase())) return false;
	if (filter.subject) {
		const wanted = filter.subject.toLowerCase();
		if (![record.azureObjectId, record.requesterId, record.email].some((value) => value?.toLowerCase() === wanted)) return false;
	}
	return true;
}

export function filterAudit(records: readonly AuditEntry[], filter: AuditFilter): AuditEntry[] {
	return records.filter((record) => matchesAuditFilter(record, filter));
}

/** What an export writes: the matching records, oldest first. */
export function selectAudit(records: readonly AuditEntry[], filter: AuditFilter): AuditEntry[] {
	return sortOldestFirst(filterAudit(records, filter));
}
