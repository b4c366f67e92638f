/**
 * What the SSO node keeps in workflow static data (global scope, key `azureAdSso`): consumed login
 * states, sessions, failed-attempt counters and the audit log. Everything is bounded and pruned
 * on write. Malformed data (edited by hand, left by another version) is read as empty parts.
 *
 * n8n loads static data when an execution starts and saves the whole object when it ends, so two
 * logins running at once would each save their own copy and one would lose the other's session.
 * Within one n8n process the store is therefore kept in memory too, and every change is made on
 * the freshest copy (memory or static data, by revision) and written back at once. Queue mode
 * with several workers can still lose a concurrent update; run webhooks on one process there.
 */
import type { SsoKeyKind } from '../requester/model';
import { revisionOf } from '../revisionedStore';
import { parseRetention, type AuditRetention } from '../audit/retention';
import type { AuditRecord } from './audit';

export const SSO_STORE_KEY = 'azureAdSso';

export interface SessionRecord {
	/** The requester's SSO key value, normalised (sessions are listed and revoked by it). */
	requesterKey: string;
	keyKind: SsoKeyKind;
	/** The destination's id of the requester. */
	requesterId: string;
	azureObjectId: string;
	displayName: string | null;
	email: string | null;
	createdAt: string;
	expiresAt: string;
	lastSeenAt: string;
	device: string;
	clientAddress: string | null;
	userAgent: string | null;
}

export interface AttemptRecord {
	/** Times (ms) of recent failures, oldest first, within the window. */
	failures: number[];
	/** Refused until this time (ms) after too many failures. */
	lockedUntil?: number;
}

export interface SsoStoreData {
	version: 1;
	/** Bumped on every change; the fresher of two copies is the one with the higher revision. */
	revision: number;
	/** Login state id → when it expires (ms): a state is accepted once. */
	consumedStates: Record<string, number>;
	/** Session id → session. */
	sessions: Record<string, SessionRecord>;
	/** `requester:<key>` or `address:<ip>` → recent failures. */
	attempts: Record<string, AttemptRecord>;
	/** Oldest first, the last N events. */
	audit: AuditRecord[];
	/** The retention of the last append, so a read applies its age limit too. */
	auditRetention?: AuditRetention;
}

/** Consumed states are kept only until they expire; this caps them under a flood of logins. */
export const MAX_CONSUMED_STATES = 20_000;
export const MAX_ATTEMPT_SUBJECTS = 10_000;

export function emptyStore(): SsoStoreData {
	return { version: 1, revision: 0, consumedStates: {}, sessions: {}, attempts: {}, audit: [] };
}

export function parseStore(raw: unknown): SsoStoreData {
	if (!isRecord(raw)) return emptyStore();
	const auditRetention = parseRetention(raw.auditRetention);
	return {
		version: 1,
		revision: revisionOf(raw),
		consumedStates: filterValues(raw.consumedStates, (value): value is number => typeof value === 'number'),
		sessions: filterValues(raw.sessions, isSessionRecord),
		attempts: filterValues(raw.attempts, isAttemptRecord),
		audit: Array.isArray(raw.audit) ? (raw.audit.filter((entry) => isRecord(entry) && typeof entry.time === 'string') as unknown as AuditRecord[]) : [],
		...(auditRetention ? { auditRetention } : {}),
	};
}


/** Marks a state consumed; false when it already was. Drops expired entries on the way. */
export function consumeState(data: SsoStoreData, stateId: string, expiresAt: number, now: number): boolean {
	if (Object.prototype.hasOwnProperty.call(data.consumedStates, stateId)) return false;
	for (const [id, expiry] of Object.entries(data.consumedStates)) if (expiry <= now) delete data.consumedStates[id];
	data.consumedStates[stateId] = expiresAt;
	const ids = Object.keys(data.consumedStates);
	if (ids.length > MAX_CONSUMED_STATES) {
		const oldest = ids.sort((a, b) => data.consumedStates[a] - data.consumedStates[b]).slice(0, ids.length - MAX_CONSUMED_STATES);
		for (const id of oldest) delete data.consumedStates[id];
	}
	return true;
}

function isSessionRecord(value: unknown): value is SessionRecord {
	return isRecord(value) && typeof value.requesterKey === 'string' && typeof value.expiresAt === 'string' && typeof value.createdAt === 'string';
}

function isAttemptRecord(value: unknown): value is AttemptRecord {
	return isRecord(value) && Array.isArray(value.failures) && value.failures.every((time) => typeof time === 'number');
}

function filterValues<T>(value: unknown, keep: (entry: unknown) => entry is T): Record<string, T> {
	if (!isRecord(value)) return {};
	return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, T] => keep(entry[1])));
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
