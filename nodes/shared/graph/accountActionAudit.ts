/** An account action's own audit record (accountActions.ts) as a record of the audit log. */
import { auditEntry, type AuditActor, type AuditEntry } from '../audit/record';
import type { AccountActionResult } from './accountActions';

export function accountActionEntry({ audit: record, written }: AccountActionResult, actor: AuditActor, caller: string | null): AuditEntry {
	const failed = record.outcome === 'failed' && record.errorCode ? ` (${record.errorCode})` : '';
	return auditEntry(actor, {
		source: 'accountAction',
		action: record.action,
		// "noChange" is a request carried out with nothing to write: done, with no changes.
		outcome: record.outcome === 'noChange' ? 'done' : record.outcome,
		subject: { azureObjectId: record.user?.id ?? null, email: record.user?.userPrincipalName ?? record.requestedUser },
		changes: written,
		reason: `${record.reason}${failed}`,
		ticketId: record.ticketId,
		caller,
		time: new Date(record.timestamp),
	});
}

