/**
 * The sync's delta cursor in n8n's workflow static data (global scope, so List Users and Upsert
 * Requester share it), under `azureAdSync[syncId]`. The rules live in sync/cursor.ts; this file
 * only reads and writes. n8n saves static data after production (trigger or webhook) executions,
 * not after manual test runs.
 */
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import {
	DEFAULT_SYNC_ID,
	SYNC_STATE_KEY,
	commitNow,
	normaliseSyncId,
	promotePending,
	readSyncEntry,
	stagePending,
	writeSyncEntry,
	type DeltaCursor,
	type SyncEntry,
} from '../sync/cursor';

export const syncIdProperty: INodeProperties = {
	displayName: 'Sync ID',
	name: 'syncId',
	type: 'string',
	default: DEFAULT_SYNC_ID,
	description:
		'Name shared by the List Users and Upsert Requester nodes of one sync; use a different one for each sync in the same workflow',
};

type StaticDataContext = Pick<IExecuteFunctions, 'getWorkflowStaticData' | 'getExecutionId'>;

/** The Sync ID parameter's value, checked; throws SyncStateError naming "Sync ID" when unusable. */
export function syncIdFrom(value: unknown): string {
	return normaliseSyncId(value);
}

export function loadSyncEntry(context: StaticDataContext, syncId: string): SyncEntry {
	return readSyncEntry(context.getWorkflowStaticData('global')[SYNC_STATE_KEY], syncId);
}

function saveSyncEntry(context: StaticDataContext, syncId: string, entry: SyncEntry): void {
	const data = context.getWorkflowStaticData('global');
	// A new top-level value, so n8n notices the change and saves it.
	data[SYNC_STATE_KEY] = writeSyncEntry(data[SYNC_STATE_KEY], syncId, entry) as unknown as IDataObject;
}

/** Keeps what this run read up to, to be committed once its changes are applied. */
export function stagePendingCursor(context: StaticDataContext, syncId: string, cursor: DeltaCursor, runStartedAt: Date): void {
	const pending = { ...cursor, runStartedAt: runStartedAt.toISOString(), executionId: context.getExecutionId() };
	saveSyncEntry(context, syncId, stagePending(loadSyncEntry(context, syncId), pending));
}

/** Commits a cursor now, dropping any pending one. */
export function commitCursor(context: StaticDataContext, syncId: string, cursor: DeltaCursor): void {
	saveSyncEntry(context, syncId, commitNow(cursor));
}

/**
 * For the Upsert Requester node: promotes the cursor this execution staged once its changes are
 * applied or recorded as unsynced. Returns whether there was one to promote.
 */
export function commitPendingCursor(context: StaticDataContext, syncId: string): boolean {
	const { entry, promoted } = promotePending(loadSyncEntry(context, syncId), context.getExecutionId());
	if (promoted) saveSyncEntry(context, syncId, entry);
	return promoted;
}

/** Forgets the committed and pending cursors: the next incremental read is a full one. */
export function resetCursor(context: StaticDataContext, syncId: string): void {
	saveSyncEntry(context, syncId, {});
}
