/**
 * A requester destination: the ITSM's requester list. One interface, one implementation per
 * system; the sync engine and the nodes only ever see this interface, so adding a system never
 * touches them.
 */
import type { RateBudget } from '../http/rateBudget';
import type { MappedRequesterFields, Requester, RequesterFieldId, SsoKey } from '../requester/model';

/** A requester as the destination holds it, read back in canonical field names for diffing. */
export interface DestinationRecord {
	/** The destination's own id for the requester. */
	id: string;
	/** The value the SSO unique key is matched on, already passed through normaliseKey. */
	key: string | null;
	/** The Azure object id stored on the requester, when the destination can keep one. */
	azureObjectId: string | null;
	active: boolean;
	/** Canonical values of the fields this destination stores (see `supportedFields`). */
	fields: Partial<MappedRequesterFields>;
	/** The destination's id of the reporting manager, when it has one. */
	managerId: string | null;
}

/** The changed canonical fields of one update; `manager` is linked separately (second pass). */
export type RequesterChanges = Partial<Omit<MappedRequesterFields, 'manager'>>;

export interface DestinationCapabilities {
	/** Whether the requester can carry the Azure object id, so a changed email does not duplicate. */
	storesAzureObjectId: boolean;
	/** Whether requesters can point at a reporting manager. */
	reportingManager: boolean;
}

/** A destination refused a record: field-level reasons the unsynced registry and CSV can show. */
export class DestinationValidationError extends Error {
	readonly reasons: Array<{ field: string; message: string; code?: string }>;
	readonly status: number;
	constructor(message: string, status: number, reasons: Array<{ field: string; message: string; code?: string }>) {
		super(message);
		this.name = 'DestinationValidationError';
		this.status = status;
		this.reasons = reasons;
	}
}

export interface RequesterDestination {
	/** Shown in outputs and logs, e.g. "Freshservice (acme.freshservice.com)". */
	readonly label: string;
	readonly capabilities: DestinationCapabilities;
	/** Canonical fields the destination stores; only these are compared and written. */
	readonly supportedFields: readonly RequesterFieldId[];
	/** The limiter pacing this destination's requests, when they are paced; the sync's progress shows its figures. */
	readonly rateBudget?: RateBudget;

	/**
	 * The `supportedFields` values a read-back shows after writing `requester`, after the
	 * destination's own fallbacks (Freshservice requires a first name, so it uses the full name when
	 * Azure has none). Plans diff these against `DestinationRecord.fields`, so a derived value never
	 * counts as a change on every run.
	 */
	expectedFields(requester: Requester): Partial<MappedRequesterFields>;

	/** The requester with this destination id, or null when it no longer exists. */
	findById(id: string): Promise<DestinationRecord | null>;
	/** Exact match on the SSO key (case-insensitive), active or not. */
	findByKey(key: SsoKey): Promise<DestinationRecord | null>;
	/** Match on the stored Azure object id; null when not stored or not found. */
	findByAzureObjectId(azureObjectId: string): Promise<DestinationRecord | null>;
	/** Every requester, page by page (used to plan full syncs and find out-of-scope requesters). */
	list(): AsyncIterable<DestinationRecord[]>;
	/**
	 * Creates a requester. If the outcome is unknown (connection dropped after sending), the
	 * implementation looks the key up before any retry, so a retry never duplicates a requester.
	 * `managerId` (a destination id) sets the reporting manager in the same request, when the
	 * destination supports managers; without it the manager is left empty.
	 */
	create(requester: Requester, options?: { managerId?: string }): Promise<DestinationRecord>;
	/**
	 * Writes only the given fields, plus the stored Azure object id and key when they differ from
	 * what was last read for this id (call it with empty changes when only those differ).
	 */
	update(id: string, changes: RequesterChanges, requester: Requester): Promise<DestinationRecord>;
	/** Deactivates (never deletes) the requester. */
	deactivate(id: string): Promise<void>;
	reactivate(id: string): Promise<void>;
	/** Points the requester at its manager (a destination id), or clears it with null. */
	setManager(id: string, managerId: string | null): Promise<void>;
}
