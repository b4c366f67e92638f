/** The SSO audit log as CSV rows, oldest first, through the shared CSV writer. */
import type { AuditEvent, AuditRecord } from '../sso/audit';
import { toCsv, type CsvColumn } from './csv';

const EVENT_LABELS: Record<AuditEvent, string> = {
	loginStarted: 'Login started',
	loginSucceeded: 'Login succeeded',
	loginFailed: 'Login failed',
	lockedOut: 'Locked out',
	sessionRevoked: 'Session revoked',
	signedOutEverywhere: 'Signed out everywhere',
};

export const SSO_AUDIT_COLUMNS: readonly CsvColumn<AuditRecord>[] = [
	{ header: 'Time (UTC)', value: (row) => row.time },
	{ header: 'Event', value: (row) => EVENT_LABELS[row.event] ?? row.event },
	{ header: 'Requester', value: (row) => row.requester },
	{ header: 'Requester ID', value: (row) => row.requesterId },
	{ header: 'Session ID', value: (row) => row.sessionId },
	{ header: 'Client Address', value: (row) => row.clientAddress },
	{ header: 'User Agent', value: (row) => row.userAgent },
	{ header: 'Code', value: (row) => row.code },
	{ header: 'Reason', value: (row) => row.reason },
];

export function ssoAuditCsv(rows: readonly AuditRecord[], options: { bom?: boolean } = {}): string {
	return toCsv(SSO_AUDIT_COLUMNS, rows, options);
}
