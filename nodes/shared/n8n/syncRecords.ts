/**
 * The sync's records (links, unsynced registry, statistics) in n8n's global workflow static data,
 * beside the cursor kept by syncState.ts. n8n saves static data after production executions.
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import type { SyncRecords } from '../sync/engine';
import { SYNC_RECORDS_KEY, readSyncRecords, writeSyncRecords } from '../sync/records';

type StaticDataContext = Pick<IExecuteFunctions, 'getWorkflowStaticData'>;

/** A plain copy: n8n wraps static data in change-tracking proxies, which cannot be cloned. */
export function loadSyncRecords(context: StaticDataContext, syncId: string): SyncRecords {
	const stored = context.getWorkflowStaticData('global')[SYNC_RECORDS_KEY];
	return readSyncRecords(stored === undefined ? undefined : JSON.parse(JSON.stringify(stored)), syncId);
}

export function saveSyncRecords(context: StaticDataContext, syncId: string, records: SyncRecords): void {
	const data = context.getWorkflowStaticData('global');
	// A new top-level value, so n8n notices the change and saves it.
	data[SYNC_RECORDS_KEY] = writeSyncRecords(data[SYNC_RECORDS_KEY], syncId, records) as unknown as IDataObject;
}
