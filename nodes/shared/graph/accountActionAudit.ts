/** An account action's own audit record (accountActions.ts) as a record of the audit log. */
import { auditEntry, type AuditActor, type AuditChange, type AuditEntry } from '../audit/record';
import type { AuditRecord as AccountActionAudit } from './accountActions';

/** `field: old → new`, or a bare fact such as `signInSessionsRevoked`, as the account action writes them down. */
const WRITTEN = /^(\w+): (.*?)(?: → (.*))?$/;

export function accountActionEntry(record: AccountActionAudit, actor: AuditActor, caller: string | null): AuditEntry {
	const failed = record.outcome === 'failed' && record.errorCode ? ` (${record.errorCode})` : '';
	return auditEntry(actor, {
		source: 'accountAction',
		action: record.action,
		// "noChange" is a request carried out with nothing to write: done, with no changes.
		outcome: record.outcome === 'noChange' ? 'done' : record.outcome,
		subject: { azureObjectId: record.user?.id ?? null, email: record.user?.userPrincipalName ?? record.requestedUser },
		changes: record.changes.map(toChange),
		reason: `${record.reason}${failed}`,
		ticketId: record.ticketId,
		caller,
		time: new Date(record.timestamp),
	});
}

function toChange(written: string): AuditChange {
	const match = WRITTEN.exec(written);
	if (!match) return { field: written };
	const [, field, first, second] = match;
	return second === undefined ? { field, to: first } : { field, from: typed(first), to: typed(second) };
}

/** `true` / `false` as written by the account action are the account's booleans. */
function typed(value: string): unknown {
	return value === 'true' ? true : value === 'false' ? false : value;
}
