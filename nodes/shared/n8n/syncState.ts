/**
 * The sync's state in n8n's workflow static data (global scope, so List Users and Upsert
 * Requester share it): the cursor entry under `azureAdSync[syncId]`, the records beside it
 * (syncRecords.ts). The rules live in nodes/shared/sync; this file only reads and writes. n8n
 * saves static data after production (trigger or webhook) executions, not after manual test runs.
 */
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { DEFAULT_SYNC_ID, SYNC_STATE_KEY, normaliseSyncId, readSyncEntry, writeSyncEntry } from '../sync/cursor';
import type { SyncHost, SyncStore } from '../sync/store';
import { loadSyncRecords, saveSyncRecords } from './syncRecords';

export const syncIdProperty: INodeProperties = {
	displayName: 'Sync ID',
	name: 'syncId',
	type: 'string',
	default: DEFAULT_SYNC_ID,
	description:
		'Name shared by the List Users and Upsert Requester nodes of one sync; use a different one for each sync in the same workflow',
};

type StaticDataContext = Pick<IExecuteFunctions, 'getWorkflowStaticData'>;

/** The Sync ID parameter's value, checked; throws SyncStateError naming "Sync ID" when unusable. */
export function syncIdFrom(value: unknown): string {
	return normaliseSyncId(value);
}

/** The sync store over the workflow's global static data. */
export function workflowSyncStore(context: StaticDataContext): SyncStore {
	return {
		loadEntry: (syncId) => readSyncEntry(context.getWorkflowStaticData('global')[SYNC_STATE_KEY], syncId),
		saveEntry: (syncId, entry) => {
			const data = context.getWorkflowStaticData('global');
			// A new top-level value, so n8n notices the change and saves it.
			data[SYNC_STATE_KEY] = writeSyncEntry(data[SYNC_STATE_KEY], syncId, entry) as unknown as IDataObject;
		},
		loadRecords: (syncId) => loadSyncRecords(context, syncId),
		saveRecords: (syncId, records) => saveSyncRecords(context, syncId, records),
	};
}

/** Where a node's sync run happens: this workflow's static data, the node's log, this execution. */
export function syncHostFor(context: IExecuteFunctions): SyncHost {
	return {
		store: workflowSyncStore(context),
		logger: context.logger,
		runId: context.getExecutionId(),
		workflowId: context.getWorkflow().id ?? 'workflow',
	};
}
