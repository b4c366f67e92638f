/**
 * What a sync run needs from where it runs: somewhere to keep each sync's cursor entry and
 * records, a log, and who the run is. The n8n adapter implements it over workflow static data
 * (nodes/shared/n8n/syncState.ts); tests keep it in memory.
 */
import type { AuditActor } from '../audit/record';
import type { RequesterChangeRecord } from './auditTrail';
import type { SyncEntry } from './cursor';
import type { SyncRecords } from './engine';

/** A sync's saved state, by Sync ID. Loads return copies the caller may keep; saves replace. */
export interface SyncStore {
	loadEntry(syncId: string): SyncEntry;
	saveEntry(syncId: string, entry: SyncEntry): void;
	loadRecords(syncId: string): SyncRecords;
	saveRecords(syncId: string, records: SyncRecords): void;
}

export interface SyncLogger {
	info(message: string): void;
	warn(message: string): void;
}

export interface SyncHost {
	store: SyncStore;
	logger: SyncLogger;
	/** This run (n8n: the execution); a staged cursor is committed only by the run that staged it. */
	runId?: string;
	/** The workflow the sync belongs to: overlapping runs of one sync in one workflow take turns. */
	workflowId: string;
	/** Who runs the sync, for the audit records of its requester changes. */
	actor?: AuditActor;
	/** A run that fails after writing is told the records of what it wrote, before its error is rethrown. */
	keepFailedRunAudit?: (records: RequesterChangeRecord[]) => void;
	now?: () => Date;
}
