/**
 * The SSO audit log: one record per event, output on the item and kept (the last N) in the store.
 * Records name the requester by SSO key and destination id, never a token or a code. The
 * workflow's audit log reads them as its own records (ssoAuditEntry): one model, kept here once.
 */
import { createHash } from 'node:crypto';
import { auditEntry, type AuditActor, type AuditEntry, type AuditOutcome } from '../audit/record';
import { retainInOrder, withinAgeLimit, type AuditRetention } from '../audit/retention';

export type AuditEvent = 'loginStarted' | 'loginSucceeded' | 'loginFailed' | 'lockedOut' | 'sessionRevoked' | 'signedOutEverywhere';

export interface AuditRecord {
	time: string;
	event: AuditEvent;
	/** The requester's SSO key value, when known. */
	requester: string | null;
	requesterId: string | null;
	sessionId: string | null;
	clientAddress: string | null;
	userAgent: string | null;
	/** Failure code, or why a session ended (`revoked`, `signedOutEverywhere`, `sessionLimit`). */
	code: string | null;
	/** The admin's reason for failures and lockouts. */
	reason: string | null;
}

/** The newest 1,000 events of the last 90 days (the node's Audit Log Size and Audit Log Days). */
export const DEFAULT_SSO_AUDIT_RETENTION: AuditRetention = { maxCount: 1000, maxAgeDays: 90 };

export interface AuditContext {
	clientAddress: string | null;
	userAgent: string | null;
}

export function auditRecord(event: AuditEvent, now: number, context: AuditContext, fields: Partial<Omit<AuditRecord, 'time' | 'event'>> = {}): AuditRecord {
	return {
		time: new Date(now).toISOString(),
		event,
		requester: fields.requester ?? null,
		requesterId: fields.requesterId ?? null,
		sessionId: fields.sessionId ?? null,
		clientAddress: context.clientAddress,
		userAgent: context.userAgent,
		code: fields.code ?? null,
		reason: fields.reason ?? null,
	};
}

/** The store's audit part; audit.ts needs nothing else of it. */
interface AuditPart {
	audit: AuditRecord[];
	auditRetention?: AuditRetention;
}

/** Appends, then keeps what the retention allows, oldest dropped first; the retention is kept for reads. */
export function appendAudit(data: AuditPart, records: readonly AuditRecord[], retention: AuditRetention, now: number): void {
	// Events are appended as they happen, oldest first: the retention drops from the front, no sort.
	data.audit = retainInOrder([...data.audit, ...records], retention, new Date(now));
	data.auditRetention = retention;
}

/** The events the store keeps at `now`: those aged past the last append's Audit Log Days are left out. */
export function readAudit(data: AuditPart, now: Date): AuditRecord[] {
	return withinAgeLimit(data.audit, data.auditRetention, now);
}

const OUTCOMES: Record<AuditEvent, AuditOutcome> = {
	loginStarted: 'done',
	loginSucceeded: 'done',
	loginFailed: 'failed',
	lockedOut: 'refused',
	sessionRevoked: 'done',
	signedOutEverywhere: 'done',
};

/** Stable across reads: a hash of the event's fields in a fixed order (not of the stored object, whose keys may come in any order or with extra ones). */
function ssoRecordId(record: AuditRecord): string {
	const fields = [record.time, record.event, record.requester, record.requesterId, record.sessionId, record.clientAddress, record.userAgent, record.code, record.reason];
	return `sso-${createHash('sha256').update(JSON.stringify(fields)).digest('hex').slice(0, 32)}`;
}

const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The SSO record as a record of the audit log: the SSO key goes to the subject column it is. */
export function ssoAuditEntry(record: AuditRecord, actor: AuditActor): AuditEntry {
	const key = record.requester;
	const keyColumn = key === null ? null : key.includes('@') ? 'email' : OBJECT_ID.test(key) ? 'azureObjectId' : null;
	const reason = [keyColumn === null && key !== null ? `requester ${key}` : null, record.code, record.reason, record.sessionId ? `session ${record.sessionId}` : null]
		.filter((part): part is string => part !== null && part !== '')
		.join('; ');
	return auditEntry(actor, {
		source: 'sso',
		action: record.event,
		outcome: OUTCOMES[record.event] ?? 'done',
		subject: { requesterId: record.requesterId, ...(keyColumn ? { [keyColumn]: key } : {}) },
		reason,
		caller: record.clientAddress,
		time: new Date(record.time),
		recordId: ssoRecordId(record),
	});
}
