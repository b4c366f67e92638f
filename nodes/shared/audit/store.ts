/**
 * The audit log in workflow static data (global scope, key `azureAdAudit`): the records of this
 * workflow, oldest first, within the retention. Concurrent executions in one process share the
 * freshest copy (revisionedStore.ts); several queue-mode workers each save their own copy, so use
 * the Data Table sink there (docs/audit.md).
 */
import { revisionedStore, type RevisionedStore, type StoreMemory, type StoreSlot } from '../revisionedStore';
import { parseAuditEntry, type AuditEntry } from './record';
import { applyRetention, parseRetention, withinAgeLimit, type AuditRetention } from './retention';

export const AUDIT_STORE_KEY = 'azureAdAudit';

export interface AuditStoreData {
	version: 1;
	revision: number;
	records: AuditEntry[];
	/** The retention of the last append, so a read applies its age limit too. */
	retention?: AuditRetention;
}

function emptyAuditStore(): AuditStoreData {
	return { version: 1, revision: 0, records: [] };
}

function parseAuditStore(raw: unknown): AuditStoreData {
	const value = (typeof raw === 'object' && raw !== null ? raw : {}) as { revision?: unknown; records?: unknown; retention?: unknown };
	const records = Array.isArray(value.records) ? value.records.map(parseAuditEntry).filter((entry): entry is AuditEntry => entry !== null) : [];
	const retention = parseRetention(value.retention);
	return { version: 1, revision: typeof value.revision === 'number' ? value.revision : 0, records, ...(retention ? { retention } : {}) };
}

const latest: StoreMemory<AuditStoreData> = new Map();

/** `scope` names the log across executions: the workflow id. */
export function auditStoreAccess(scope: string, slot: StoreSlot<AuditStoreData>): RevisionedStore<AuditStoreData> {
	return revisionedStore(latest, scope, slot, { empty: emptyAuditStore, parse: parseAuditStore });
}

/**
 * Appends the records and applies the retention; returns how many of the new records it dropped
 * at once (more records in one run than Keep Records allows, or older than Keep Days).
 */
export function appendAuditEntries(store: RevisionedStore<AuditStoreData>, records: readonly AuditEntry[], retention: AuditRetention, now: Date): number {
	return store.update((data) => {
		data.records = applyRetention([...data.records, ...records], retention, now);
		data.retention = retention;
		const kept = new Set(data.records.map((record) => record.recordId));
		return records.filter((record) => !kept.has(record.recordId)).length;
	});
}

/** The records the store keeps at `now`: those aged past the last append's Keep Days are left out. */
export function readAuditEntries(store: RevisionedStore<AuditStoreData>, now: Date): AuditEntry[] {
	const data = store.read();
	return withinAgeLimit(data.records, data.retention, now);
}

/** Forgets the in-memory copies (tests; static data stays the source after a restart). */
export function forgetAuditStores(): void {
	latest.clear();
}
