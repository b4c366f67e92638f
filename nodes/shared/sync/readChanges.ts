/**
 * The read half of a sync run (List Users). An incremental read follows the committed cursor
 * only when it was taken for the same attributes and scope; otherwise, or when Graph says it
 * expired, it reads every user and takes a new cursor. The new cursor is staged until the apply
 * half (applyChanges.ts) has applied the changes, so a failed apply reads them again; a read
 * with nothing to apply commits it at once. Every user comes out with the sync's marker.
 */
import type { GraphClient } from '../graph/client';
import { planDeltaRead, readUsersSince } from '../graph/deltaRead';
import { listUsers } from '../graph/fullRead';
import type { UserSelection } from '../graph/userSelection';
import { scopeKeyFor, type UserScope } from '../graph/userScope';
import {
	SYNC_MARKER_KEY,
	commitNow,
	decideRead,
	describeFallback,
	normaliseSyncId,
	stagePending,
	type DeltaCursor,
	type FallbackReason,
	type ReadDecision,
	type SyncMarker,
} from './cursor';
import type { SyncRecords } from './engine';
import type { SyncHost, SyncLogger } from './store';
import type { DirectoryUser, UserChange } from './types';

/** What a read outputs: a user with the sync's marker, or the marker alone ("no changes"). */
export type ReadItem = Record<string, unknown> & { [SYNC_MARKER_KEY]: SyncMarker };

export interface UsersRead {
	mode: 'full' | 'incremental';
	/** Why an incremental read read everything. */
	fallbackReason?: FallbackReason;
	items: ReadItem[];
	/** What became of the cursor an incremental read took. */
	cursor?: 'committed' | 'staged';
}

export interface ReadAllRequest {
	selection: UserSelection;
	scope: UserScope;
	limit?: number;
}

export interface ChangesRequest {
	/** The Sync ID as typed; checked here. */
	syncId: unknown;
	selection: UserSelection;
	scope: UserScope;
	/** Commit the new cursor at once instead of waiting for the apply half. */
	commitAtOnce?: boolean;
	/** Forget the saved cursors first, so this read reads every user. */
	resetCursor?: boolean;
}

/** Every user in scope, no cursor involved. */
export async function readAllUsers(logger: SyncLogger, client: GraphClient, request: ReadAllRequest): Promise<UsersRead> {
	const items: ReadItem[] = [];
	for await (const users of listUsers(client, request.selection, request.scope, { limit: request.limit })) {
		for (const user of users) items.push(marked(user, { mode: 'full' }));
	}
	// With a limit, users beyond it are not gone; tell the upsert not to deactivate them.
	if (request.limit !== undefined && items.length >= request.limit) {
		for (const item of items) item[SYNC_MARKER_KEY].partial = true;
	}
	logger.info(`Azure AD List Users: read ${items.length} user(s)`);
	return { mode: 'full', items };
}

/** The users changed since the sync's committed cursor (all of them when it cannot be followed). */
export async function readChanges(host: SyncHost, request: ChangesRequest, connect: () => Promise<GraphClient>): Promise<UsersRead> {
	const syncId = normaliseSyncId(request.syncId);
	const now = host.now ?? (() => new Date());
	const client = await connect();
	const runStartedAt = now();
	const target = { select: planDeltaRead(request.selection, request.scope).select, scopeKey: scopeKeyFor(client.connection, request.scope) };
	const decision = decide(host, syncId, target, request);
	const fallbackFor = (cursorExpired: boolean): FallbackReason | undefined =>
		cursorExpired ? 'cursorExpired' : decision.mode === 'full' ? decision.reason : undefined;

	const items: ReadItem[] = [];
	const result = await readUsersSince(
		client,
		{
			selection: request.selection,
			scope: request.scope,
			deltaLink: decision.mode === 'incremental' ? decision.deltaLink : undefined,
			retryIds: retryIdsOf(host.store.loadRecords(syncId)),
		},
		(changes, info) => {
			const fallbackReason = fallbackFor(info.cursorExpired);
			const base: SyncMarker = { mode: info.mode, syncId, ...(fallbackReason ? { fallbackReason } : {}) };
			for (const change of changes) items.push(changeItem(change, base));
		},
	);

	const cursor: DeltaCursor = {
		deltaLink: result.deltaLink,
		select: target.select,
		scopeKey: target.scopeKey,
		takenAt: (result.mode === 'full' ? runStartedAt : now()).toISOString(),
	};
	// With nothing to apply, waiting for the upsert would only let the cursor age towards expiry.
	const kept = keepCursor(host, syncId, cursor, runStartedAt, request.commitAtOnce === true || items.length === 0);

	const fallbackReason = fallbackFor(result.cursorExpired);
	logRead(host.logger, syncId, result.mode, items, fallbackReason);
	// One marker item, so Upsert Requester still runs and records the sync (last synced time).
	if (items.length === 0) items.push({ [SYNC_MARKER_KEY]: { mode: result.mode, syncId, noChanges: true } });
	return { mode: result.mode, ...(fallbackReason ? { fallbackReason } : {}), items, cursor: kept };
}

/** Reset Cursor, the warning about a cursor never committed, and whether the committed one can be followed. */
function decide(host: SyncHost, syncId: string, target: { select: string; scopeKey: string }, request: ChangesRequest): ReadDecision {
	if (request.resetCursor) host.store.saveEntry(syncId, {});
	const entry = host.store.loadEntry(syncId);
	if (entry.pendingCursor && !request.commitAtOnce) {
		// A cursor left pending means its run's changes were never applied: they are read again now.
		host.logger.warn(
			`Azure AD List Users (Sync ID "${syncId}"): the run started ${entry.pendingCursor.runStartedAt} was never confirmed by Upsert Requester, so its changes are read again. ` +
				'Add Upsert Requester with the same Sync ID after this node, or set Commit Cursor to Immediately.',
		);
	}
	return decideRead(entry.cursor, target, request.resetCursor === true);
}

/** Commits the new cursor, or stages it for the apply half of this run to commit. */
function keepCursor(host: SyncHost, syncId: string, cursor: DeltaCursor, runStartedAt: Date, commit: boolean): 'committed' | 'staged' {
	if (commit) {
		host.store.saveEntry(syncId, commitNow(cursor));
		return 'committed';
	}
	const pending = { ...cursor, runStartedAt: runStartedAt.toISOString(), executionId: host.runId };
	host.store.saveEntry(syncId, stagePending(host.store.loadEntry(syncId), pending));
	return 'staged';
}

/** Users the apply half listed as unsynced because they could not be mapped: read them again. */
function retryIdsOf(records: SyncRecords): string[] {
	return Object.values(records.unsynced)
		.filter((entry) => entry.stage === 'mapping' || entry.stage === 'validation')
		.map((entry) => entry.azureObjectId);
}

function logRead(logger: SyncLogger, syncId: string, mode: 'full' | 'incremental', items: ReadItem[], fallbackReason?: FallbackReason): void {
	const prefix = `Azure AD List Users (Sync ID "${syncId}")`;
	if (fallbackReason === 'cursorExpired' || fallbackReason === 'attributesChanged' || fallbackReason === 'scopeChanged') {
		logger.warn(`${prefix}: ${describeFallback(fallbackReason)}`);
	} else if (fallbackReason) {
		logger.info(`${prefix}: ${describeFallback(fallbackReason)}`);
	}
	const removed = items.filter((item) => item[SYNC_MARKER_KEY].removed).length;
	logger.info(`${prefix}: ${mode} read, ${items.length - removed} user(s), ${removed} removed`);
}

function marked(user: DirectoryUser, marker: SyncMarker): ReadItem {
	// The user object is ours (freshly parsed), so it is extended in place rather than copied.
	return Object.assign(user, { [SYNC_MARKER_KEY]: marker });
}

function changeItem(change: UserChange, base: SyncMarker): ReadItem {
	return marked(change.user, change.removed ? { ...base, removed: change.removed } : { ...base });
}
