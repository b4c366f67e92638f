/**
 * The delta cursor of a sync, as kept in workflow static data, and the pure rules around it.
 *
 * One entry per Sync ID under `azureAdSync` in the workflow's global static data:
 *   { [syncId]: { cursor?: DeltaCursor, pendingCursor?: PendingCursor } }
 * `cursor` is committed: every change before it has been applied or recorded as unsynced.
 * `pendingCursor` is what the latest read reached; it becomes `cursor` only once that read's
 * changes are applied (the Upsert Requester node promotes it), so a failed run replays its
 * changes next time instead of skipping them.
 */

import type { RemovedReason } from './types';

export const SYNC_STATE_KEY = 'azureAdSync';
export const DEFAULT_SYNC_ID = 'default';
const MAX_SYNC_ID_LENGTH = 100;

export interface DeltaCursor {
	/** Graph's `@odata.deltaLink`: an absolute URL, opaque to us. */
	deltaLink: string;
	/** The `$select` the cursor was taken with; delta only reports these properties. */
	select: string;
	/** Tenant, Graph endpoint and filters the cursor belongs to; a different scope needs a full read. */
	scopeKey: string;
	/** ISO time the cursor was taken. */
	takenAt: string;
}

export interface PendingCursor extends DeltaCursor {
	/** ISO time the run that produced it started. */
	runStartedAt: string;
	/** The n8n execution that staged it, so a later execution does not promote a stale one. */
	executionId?: string;
}

export interface SyncEntry {
	cursor?: DeltaCursor;
	pendingCursor?: PendingCursor;
}

export type SyncStateStore = Record<string, SyncEntry>;

/** Why an incremental read became a full read. */
export type FallbackReason = 'firstRun' | 'cursorReset' | 'cursorExpired' | 'attributesChanged' | 'scopeChanged';

/**
 * What List Users puts under `_sync` on every user item, so Map To Requester passes it on and
 * Upsert Requester knows the sync, whether the list is complete, and which users to deactivate.
 */
export interface SyncMarker {
	/** `full`: every user in scope (unless `partial`); `incremental`: only changes since the cursor. */
	mode: 'full' | 'incremental';
	/** Set in incremental mode (also when it fell back to a full read). */
	syncId?: string;
	/** The user is gone from the scope: deactivate its requester. */
	removed?: RemovedReason;
	/** Set on the one item an incremental read outputs when nothing changed. */
	noChanges?: boolean;
	/** Why an incremental read read everything. */
	fallbackReason?: FallbackReason;
	/** A Limit cut the list short: users missing from it are not gone. */
	partial?: true;
}

export const SYNC_MARKER_KEY = '_sync';

export type ReadDecision = { mode: 'incremental'; deltaLink: string } | { mode: 'full'; reason: FallbackReason };

/** A sync setting or input that cannot work as given; `field` names it, `hint` says what to do. */
export class SyncStateError extends Error {
	constructor(
		readonly field: string,
		message: string,
		readonly hint?: string,
	) {
		super(message);
		this.name = 'SyncStateError';
	}
}

/** Follow the committed cursor only if it was taken for exactly what is asked now. */
export function decideRead(
	committed: DeltaCursor | undefined,
	current: { select: string; scopeKey: string },
	resetCursor = false,
): ReadDecision {
	if (resetCursor) return { mode: 'full', reason: 'cursorReset' };
	if (!committed) return { mode: 'full', reason: 'firstRun' };
	// Delta only reports the properties selected when the cursor was taken, and users that entered
	// a wider scope without changing would never show up: both need a fresh full read.
	if (committed.select !== current.select) return { mode: 'full', reason: 'attributesChanged' };
	if (committed.scopeKey !== current.scopeKey) return { mode: 'full', reason: 'scopeChanged' };
	return { mode: 'incremental', deltaLink: committed.deltaLink };
}

const FALLBACK_MESSAGES: Record<FallbackReason, string> = {
	firstRun: 'No saved cursor for this Sync ID yet: read every user and took a new cursor',
	cursorReset: 'Reset Cursor is on: read every user and took a new cursor',
	cursorExpired: 'Microsoft Graph no longer accepts the saved cursor (it expired): read every user and took a new cursor',
	attributesChanged: 'The attributes to read changed since the cursor was taken: read every user and took a new cursor',
	scopeChanged: 'The filters, tenant or Graph endpoint changed since the cursor was taken: read every user and took a new cursor',
};

export function describeFallback(reason: FallbackReason): string {
	return FALLBACK_MESSAGES[reason];
}

export function stagePending(entry: SyncEntry, pending: PendingCursor): SyncEntry {
	return { ...entry, pendingCursor: pending };
}

/** Commits a cursor at once (nothing left to apply, or the user chose not to wait for the upsert). */
export function commitNow(cursor: DeltaCursor): SyncEntry {
	return { cursor: toCommitted(cursor) };
}

/**
 * Promotes the pending cursor to committed. With `executionId`, only a cursor staged by that
 * execution is promoted, so an upsert never commits past changes another run read but did not apply.
 */
export function promotePending(entry: SyncEntry, executionId?: string): { entry: SyncEntry; promoted: boolean } {
	const pending = entry.pendingCursor;
	if (!pending) return { entry, promoted: false };
	if (executionId !== undefined && pending.executionId !== undefined && pending.executionId !== executionId) {
		return { entry, promoted: false };
	}
	return { entry: commitNow(pending), promoted: true };
}

function toCommitted(cursor: DeltaCursor): DeltaCursor {
	return { deltaLink: cursor.deltaLink, select: cursor.select, scopeKey: cursor.scopeKey, takenAt: cursor.takenAt };
}

/** Checks a Sync ID typed by the user; it is a key in static data, so keep it short and printable. */
export function normaliseSyncId(value: unknown): string {
	const syncId = typeof value === 'string' ? value.trim() : '';
	if (syncId === '') throw new SyncStateError('Sync ID', 'Sync ID is empty: give each sync a short name such as "default" or "employees"');
	if (syncId.length > MAX_SYNC_ID_LENGTH || [...syncId].some((char) => char.charCodeAt(0) < 0x20)) {
		throw new SyncStateError('Sync ID', `Sync ID must be at most ${MAX_SYNC_ID_LENGTH} printable characters`);
	}
	return syncId;
}

/**
 * The entry for `syncId` out of whatever static data holds. Static data can be edited by hand or
 * left by an older version, so anything malformed counts as absent (a full read) rather than failing.
 */
export function readSyncEntry(store: unknown, syncId: string): SyncEntry {
	const raw = isRecord(store) && Object.prototype.hasOwnProperty.call(store, syncId) ? store[syncId] : undefined;
	if (!isRecord(raw)) return {};
	const cursor = parseCursor(raw.cursor);
	const pending = parseCursor(raw.pendingCursor);
	const entry: SyncEntry = {};
	if (cursor) entry.cursor = cursor;
	if (pending && isRecord(raw.pendingCursor) && typeof raw.pendingCursor.runStartedAt === 'string') {
		const executionId = raw.pendingCursor.executionId;
		entry.pendingCursor = {
			...pending,
			runStartedAt: raw.pendingCursor.runStartedAt,
			...(typeof executionId === 'string' ? { executionId } : {}),
		};
	}
	return entry;
}

/** A copy of `store` with `syncId` set to `entry` (removed when the entry is empty). */
export function writeSyncEntry(store: unknown, syncId: string, entry: SyncEntry): SyncStateStore {
	const next: SyncStateStore = isRecord(store) ? { ...(store as SyncStateStore) } : {};
	if (entry.cursor || entry.pendingCursor) next[syncId] = entry;
	else delete next[syncId];
	return next;
}

function parseCursor(value: unknown): DeltaCursor | undefined {
	if (!isRecord(value)) return undefined;
	const { deltaLink, select, scopeKey, takenAt } = value;
	if (typeof deltaLink !== 'string' || !/^https:\/\//i.test(deltaLink)) return undefined;
	if (typeof select !== 'string' || typeof scopeKey !== 'string' || typeof takenAt !== 'string') return undefined;
	return { deltaLink, select, scopeKey, takenAt };
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
