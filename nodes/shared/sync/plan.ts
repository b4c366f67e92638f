/**
 * Planning: what one user needs in the destination, decided from the mapped requester and the
 * requester the destination holds. Pure functions; nothing here talks to a destination.
 */
import type { DestinationRecord, RequesterChanges } from '../destinations/types';
import type { MappedRequesterFields, Requester, RequesterFieldId } from '../requester/model';
import type { RemovalReason } from './registry';

export type PlannedAction = 'create' | 'update' | 'unchanged' | 'deactivate' | 'reactivate' | 'skip' | 'conflict';

export interface UserPlan {
	action: PlannedAction;
	reason: string;
	/** Fields to write (update and reactivate). */
	changes: RequesterChanges;
}

export interface PlanOptions {
	/** Deactivate requesters whose Azure AD account is disabled (the default; never deletes). */
	deactivateDisabled: boolean;
}

/**
 * Only fields the destination stores are compared, as the destination would store them
 * (`expected`); the manager is linked in its own pass.
 */
export function diffRequester(expected: Partial<MappedRequesterFields>, record: DestinationRecord, supported: readonly RequesterFieldId[]): RequesterChanges {
	const changes: Record<string, unknown> = {};
	for (const field of supported) {
		if (field === 'manager') continue;
		const wanted = expected[field];
		const current = record.fields[field];
		if (!sameValue(wanted, current)) changes[field] = wanted;
	}
	return changes as RequesterChanges;
}

/** One field an update writes: what the destination held, what it gets (the audit log's old → new). */
export interface FieldChange {
	field: string;
	from: unknown;
	to: unknown;
}

export function describeChanges(record: DestinationRecord, changes: RequesterChanges): FieldChange[] {
	return Object.entries(changes).map(([field, to]) => ({ field, from: record.fields[field as keyof RequesterChanges] ?? null, to: to ?? null }));
}

function sameValue(wanted: unknown, current: unknown): boolean {
	if (Array.isArray(wanted) || Array.isArray(current)) {
		const a = [...((wanted as string[] | null) ?? [])].sort();
		const b = [...((current as string[] | null) ?? [])].sort();
		return a.length === b.length && a.every((value, index) => value === b[index]);
	}
	const normalise = (value: unknown) => (value === undefined || value === null || value === '' ? null : String(value).trim());
	return normalise(wanted) === normalise(current);
}

export interface FieldModel {
	supportedFields: readonly RequesterFieldId[];
	capabilities: { storesAzureObjectId: boolean };
	expectedFields(requester: Requester): Partial<MappedRequesterFields>;
}

export function planRequester(requester: Requester, record: DestinationRecord | null, fields: FieldModel, options: PlanOptions): UserPlan {
	const wantActive = requester.accountEnabled || !options.deactivateDisabled;
	if (!record) {
		return wantActive
			? { action: 'create', reason: 'New in Azure AD', changes: {} }
			: { action: 'skip', reason: 'Disabled in Azure AD and not in the destination: not created', changes: {} };
	}
	if (record.azureObjectId && record.azureObjectId !== requester.azureObjectId) {
		return {
			action: 'conflict',
			reason: `The destination requester with this key belongs to another Azure AD user (${record.azureObjectId})`,
			changes: {},
		};
	}
	if (!wantActive) {
		return record.active
			? { action: 'deactivate', reason: 'Disabled in Azure AD', changes: {} }
			: { action: 'unchanged', reason: 'Disabled in Azure AD and already inactive', changes: {} };
	}
	const changes = diffRequester(fields.expectedFields(requester), record, fields.supportedFields);
	const changed = Object.keys(changes);
	if (!record.active) {
		return { action: 'reactivate', reason: changed.length ? `Enabled again in Azure AD; changed: ${changed.join(', ')}` : 'Enabled again in Azure AD', changes };
	}
	if (changed.length > 0) return { action: 'update', reason: `Changed: ${changed.join(', ')}`, changes };
	// A requester matched by key gets the Azure object id (and the key as matched) stored, so a
	// later change of email still finds it.
	if (fields.capabilities.storesAzureObjectId && (record.azureObjectId !== requester.azureObjectId || record.key !== requester.ssoKey.value)) {
		return { action: 'update', reason: 'Store the Azure object ID on the requester', changes };
	}
	return { action: 'unchanged', reason: 'Up to date', changes: {} };
}

export function planRemoval(record: DestinationRecord | null, reason: RemovalReason): UserPlan {
	const why: Record<RemovalReason, string> = {
		deleted: 'Deleted in Azure AD',
		changed: 'Removed from the Azure AD read (moved out of scope or soft-deleted)',
		disabled: 'Disabled in Azure AD',
		outOfScope: 'No longer in the synced scope',
	};
	if (!record) return { action: 'skip', reason: `${why[reason]}; not in the destination`, changes: {} };
	if (!record.active) return { action: 'unchanged', reason: `${why[reason]}; already inactive`, changes: {} };
	return { action: 'deactivate', reason: why[reason], changes: {} };
}

export interface SafeguardSettings {
	/** Most deactivations one run may make. */
	maxCount: number;
	/** Most deactivations one run may make, as a percentage of the requesters this sync manages. */
	maxPercent: number;
}

export interface SafeguardVerdict {
	tripped: boolean;
	deactivations: number;
	managed: number;
	percent: number;
	message: string;
}

/** Below this many deactivations the percentage limit is not applied: a few leavers in a small tenant are normal. */
export const PERCENT_LIMIT_FLOOR = 10;

/** Like Entra provisioning's accidental-deletion prevention: all or none of a run's deactivations. */
export function checkSafeguard(deactivations: number, managed: number, settings: SafeguardSettings): SafeguardVerdict {
	const percent = managed > 0 ? Math.round((deactivations / managed) * 1000) / 10 : deactivations > 0 ? 100 : 0;
	const overCount = deactivations > settings.maxCount;
	const overPercent = deactivations >= PERCENT_LIMIT_FLOOR && percent > settings.maxPercent;
	const tripped = overCount || overPercent;
	const message = tripped
		? `Deactivation safeguard tripped: this run would deactivate ${deactivations} of ${managed} synced requesters (${percent}%), over the limit of ${settings.maxCount} or ${settings.maxPercent}%. No requester was deactivated; they are listed as unsynced. If this is expected, raise the limits and run again.`
		: `${deactivations} deactivation(s), within the safeguard (${settings.maxCount} / ${settings.maxPercent}%)`;
	return { tripped, deactivations, managed, percent, message };
}
