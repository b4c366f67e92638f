/**
 * One audit record for every source: requester changes of a sync run, account actions from
 * tickets, SSO events. Flat on purpose, so a record is one CSV row and one database row: the
 * field changes are one text column. Records never carry a secret: every change passes
 * `guardChange`, the one place that decides which field values may be written down.
 */
import { randomUUID } from 'node:crypto';
import { REQUESTER_FIELDS } from '../requester/model';

export type AuditSource = 'sync' | 'accountAction' | 'sso';
export type AuditOutcome = 'done' | 'refused' | 'failed';

export interface AuditEntry {
	/** Unique (a UUID): rows appended by two workers never collide. Not `id`: Data Tables keep their own. */
	recordId: string;
	/** ISO 8601, UTC. */
	time: string;
	source: AuditSource;
	/** Sync: requesterCreated, requesterUpdated, requesterDeactivated, requesterReactivated, requesterUnsynced; account actions: their operation; SSO: its event. */
	action: string;
	outcome: AuditOutcome;
	workflowId: string | null;
	workflowName: string | null;
	executionId: string | null;
	/** How the execution started: n8n's mode (`trigger` for a Schedule or other trigger, `webhook`, `manual`, ...). */
	trigger: string | null;
	ticketId: string | null;
	/** Who asked: a ticket's agent, a client address. */
	caller: string | null;
	azureObjectId: string | null;
	requesterId: string | null;
	email: string | null;
	/** `field: "old" → "new"` joined by `; `, secrets never (see guardChange). */
	changes: string;
	reason: string | null;
}

/** Who caused the records of one node run. */
export interface AuditActor {
	workflowId: string | null;
	workflowName: string | null;
	executionId: string | null;
	trigger: string | null;
}

export interface AuditSubject {
	azureObjectId?: string | null;
	requesterId?: string | null;
	email?: string | null;
}

/** One written field. `from` / `to` absent: the change has no values (e.g. "sessions revoked"). */
export interface AuditChange {
	field: string;
	from?: unknown;
	to?: unknown;
}

export interface AuditEvent {
	source: AuditSource;
	action: string;
	outcome: AuditOutcome;
	subject: AuditSubject;
	changes?: readonly AuditChange[];
	reason?: string | null;
	ticketId?: string | null;
	caller?: string | null;
	/** Defaults to now. */
	time?: Date;
	/** Defaults to a new UUID; a source that is read again (the SSO store) gives a stable one. */
	recordId?: string;
}

/** The canonical record columns, in CSV and Data Table order. */
export const AUDIT_FIELDS: readonly (keyof AuditEntry)[] = [
	'recordId',
	'time',
	'source',
	'action',
	'outcome',
	'workflowId',
	'workflowName',
	'executionId',
	'trigger',
	'ticketId',
	'caller',
	'azureObjectId',
	'requesterId',
	'email',
	'changes',
	'reason',
];

export const NO_ACTOR: AuditActor = { workflowId: null, workflowName: null, executionId: null, trigger: null };

/** Fields whose values are known to be plain data: the requester model and the account state. */
const PLAIN_FIELDS = new Set<string>([...REQUESTER_FIELDS.map((spec) => spec.id), 'accountEnabled', 'forceChangePasswordNextSignIn']);

/** Any other field whose name says it may hold a secret keeps only its name. */
const SECRET_FIELD = /pass(word)?|secret|token|api.?key|credential|private.?key|cookie|assertion|otp|pkce|verifier|nonce|^code$|auth.?code/i;

export const REDACTED = '[not recorded]';

/** The change as it may be recorded: values of a field that may hold a secret are dropped. */
export function guardChange(change: AuditChange): AuditChange {
	if (PLAIN_FIELDS.has(change.field) || !SECRET_FIELD.test(change.field)) return change;
	return { field: change.field, ...(change.from !== undefined || change.to !== undefined ? { to: REDACTED } : {}) };
}

function formatChanges(changes: readonly AuditChange[]): string {
	return changes
		.map(guardChange)
		.map((change) => {
			if (change.from === undefined && change.to === undefined) return change.field;
			if (change.from === undefined) return `${change.field}: ${formatValue(change.to)}`;
			return `${change.field}: ${formatValue(change.from)} → ${formatValue(change.to)}`;
		})
		.join('; ');
}

function formatValue(value: unknown): string {
	if (value === REDACTED) return REDACTED;
	if (value === undefined || value === null || value === '') return 'empty';
	return JSON.stringify(value);
}

export function auditEntry(actor: AuditActor, event: AuditEvent): AuditEntry {
	return {
		recordId: event.recordId ?? randomUUID(),
		time: (event.time ?? new Date()).toISOString(),
		source: event.source,
		action: event.action,
		outcome: event.outcome,
		workflowId: actor.workflowId,
		workflowName: actor.workflowName,
		executionId: actor.executionId,
		trigger: actor.trigger,
		ticketId: textOrNull(event.ticketId),
		caller: textOrNull(event.caller),
		azureObjectId: textOrNull(event.subject.azureObjectId),
		requesterId: textOrNull(event.subject.requesterId),
		email: textOrNull(event.subject.email),
		changes: formatChanges(event.changes ?? []),
		reason: textOrNull(event.reason),
	};
}

function textOrNull(value: string | null | undefined): string | null {
	return value === undefined || value === null || value.trim() === '' ? null : value.trim();
}

/** A stored record, or null when it is not one (static data edited by hand, another version). */
export function parseAuditEntry(raw: unknown): AuditEntry | null {
	if (typeof raw !== 'object' || raw === null) return null;
	const value = raw as Record<string, unknown>;
	if (typeof value.recordId !== 'string' || typeof value.time !== 'string' || Number.isNaN(Date.parse(value.time))) return null;
	const entry = Object.fromEntries(AUDIT_FIELDS.map((field) => [field, typeof value[field] === 'string' ? value[field] : null])) as unknown as AuditEntry;
	entry.changes = entry.changes ?? '';
	return entry;
}
