/**
 * The SSO audit log: one record per event, output on the item and kept (the last N) in the store.
 * Records name the requester by SSO key and destination id, never a token or a code.
 */
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

export const DEFAULT_AUDIT_LIMIT = 1000;

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

/** Appends and keeps only the newest `limit` records (the store's audit list; audit.ts needs nothing else of it). */
export function appendAudit(data: { audit: AuditRecord[] }, records: readonly AuditRecord[], limit = DEFAULT_AUDIT_LIMIT): void {
	data.audit.push(...records);
	if (data.audit.length > limit) data.audit.splice(0, data.audit.length - limit);
}
