/**
 * The audit records of one applied sync run, one per requester change: created, updated (the
 * fields, old → new), deactivated, reactivated, or unsynced with the reason. Unchanged, skipped
 * and deferred users leave no record; a dry run leaves none.
 */
import { auditEntry, type AuditActor, type AuditEntry, type AuditEvent } from '../audit/record';
import type { UserOutcome } from './engine';

const DONE_ACTIONS: Partial<Record<UserOutcome['action'], string>> = {
	create: 'requesterCreated',
	update: 'requesterUpdated',
	reactivate: 'requesterReactivated',
	deactivate: 'requesterDeactivated',
};

/** A record and the input item of the user it is about (none for retries and out-of-scope users). */
export interface RequesterChangeRecord {
	record: AuditEntry;
	itemIndex?: number;
}

/** `timeOf`: when the outcome was written (its last write). */
export function requesterChangeEntries(outcomes: readonly UserOutcome[], actor: AuditActor, timeOf: (outcome: UserOutcome) => Date): RequesterChangeRecord[] {
	return outcomes.flatMap((outcome) =>
		requesterChangeEvents(outcome).map((event) => ({
			record: auditEntry(actor, { ...event, time: timeOf(outcome) }),
			...(outcome.itemIndex === undefined ? {} : { itemIndex: outcome.itemIndex }),
		})),
	);
}

function requesterChangeEvents(outcome: UserOutcome): Array<Omit<AuditEvent, 'time'>> {
	const subject = { azureObjectId: outcome.azureObjectId, requesterId: outcome.destinationId, email: outcome.email };
	const base = { source: 'sync' as const, subject };
	if (outcome.status === 'failed') {
		const cause = outcome.error ? `${outcome.error.message} (${outcome.error.stage}, ${outcome.error.code})` : outcome.reason;
		return [{ ...base, action: 'requesterUnsynced', outcome: 'failed', reason: `${outcome.reason}: ${cause}` }];
	}
	if (outcome.status === 'blocked') {
		return [{ ...base, action: 'requesterUnsynced', outcome: 'refused', reason: `${outcome.reason}: held back by the deactivation safeguard` }];
	}
	if (outcome.status !== 'done') return [];
	const events: Array<Omit<AuditEvent, 'time'>> = [];
	const action = DONE_ACTIONS[outcome.action];
	const changes = outcome.fieldChanges ?? [];
	if (action) events.push({ ...base, action, outcome: 'done', changes, reason: outcome.reason || null });
	// An otherwise unchanged requester whose reporting manager was linked or cleared.
	else if (changes.length > 0) events.push({ ...base, action: 'requesterUpdated', outcome: 'done', changes, reason: 'Reporting manager changed' });
	if (outcome.manager?.status === 'failed') {
		events.push({ ...base, action: 'requesterUnsynced', outcome: 'failed', reason: `Reporting manager not linked: ${outcome.manager.message ?? 'unknown error'}` });
	}
	return events;
}
