/** A SyncStore in memory, standing in for workflow static data in core sync tests. */
import type { SyncEntry } from '../../nodes/shared/sync/cursor';
import type { SyncRecords } from '../../nodes/shared/sync/engine';
import type { SyncStore } from '../../nodes/shared/sync/store';

export class MemoryStore implements SyncStore {
	readonly entries = new Map<string, SyncEntry>();
	readonly records = new Map<string, SyncRecords>();
	loadEntry(syncId: string): SyncEntry {
		return structuredClone(this.entries.get(syncId) ?? {});
	}
	saveEntry(syncId: string, entry: SyncEntry): void {
		this.entries.set(syncId, structuredClone(entry));
	}
	loadRecords(syncId: string): SyncRecords {
		return structuredClone(this.records.get(syncId) ?? { links: {}, unsynced: {} });
	}
	saveRecords(syncId: string, records: SyncRecords): void {
		this.records.set(syncId, structuredClone(records));
	}
}
