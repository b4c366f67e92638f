/**
 * The sync's records in workflow static data, beside the cursor: `azureAdSyncRecords[syncId]`
 * holds the links, the unsynced registry and the statistics. Malformed data (edited by hand, left
 * by another version) is read as empty parts rather than failing the sync.
 */
import type { SyncRecords } from './engine';

export const SYNC_RECORDS_KEY = 'azureAdSyncRecords';

export function readSyncRecords(store: unknown, syncId: string): SyncRecords {
	const raw = isRecord(store) && Object.prototype.hasOwnProperty.call(store, syncId) ? store[syncId] : undefined;
	const entry = isRecord(raw) ? raw : {};
	return {
		links: isRecord(entry.links) ? (Object.fromEntries(Object.entries(entry.links).filter(([, v]) => typeof v === 'string')) as Record<string, string>) : {},
		unsynced: isRecord(entry.unsynced) ? (entry.unsynced as SyncRecords['unsynced']) : {},
		...(isRecord(entry.stats) ? { stats: entry.stats as unknown as SyncRecords['stats'] } : {}),
		...(isRecord(entry.lastRun) ? { lastRun: entry.lastRun as unknown as SyncRecords['lastRun'] } : {}),
	};
}

export function writeSyncRecords(store: unknown, syncId: string, records: SyncRecords): Record<string, SyncRecords> {
	const next = isRecord(store) ? { ...(store as Record<string, SyncRecords>) } : {};
	next[syncId] = records;
	return next;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
