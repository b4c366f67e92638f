/**
 * The unsynced registry: every record that did not reach the destination, with why, since when
 * and how often. It lives in the sync's static data, is retried on the next run (also in
 * incremental mode) and an entry leaves it only when that user syncs.
 */
import type { Requester } from '../requester/model';

export type FailureStage = 'mapping' | 'validation' | 'destination' | 'manager' | 'safeguard';

export interface UnsyncedEntry {
	azureObjectId: string;
	userPrincipalName: string | null;
	email: string | null;
	displayName: string | null;
	stage: FailureStage;
	/** Machine-readable: a validation code, the destination's error code, an HTTP status. */
	code: string;
	message: string;
	firstFailedAt: string;
	lastAttemptAt: string;
	attempts: number;
	/** What to retry with when the user does not come again (destination-stage failures). */
	requester: Requester | null;
	/** Set when the failed change was a deactivation. */
	removal?: RemovalReason;
}

export type RemovalReason = 'deleted' | 'changed' | 'disabled' | 'outOfScope';

export type UnsyncedRegistry = Record<string, UnsyncedEntry>;

export type FailureInput = Omit<UnsyncedEntry, 'firstFailedAt' | 'lastAttemptAt' | 'attempts'>;

export function recordFailure(registry: UnsyncedRegistry, failure: FailureInput, now: string): UnsyncedEntry {
	const previous = registry[failure.azureObjectId];
	const entry: UnsyncedEntry = {
		...failure,
		requester: failure.requester ?? previous?.requester ?? null,
		firstFailedAt: previous?.firstFailedAt ?? now,
		lastAttemptAt: now,
		attempts: (previous?.attempts ?? 0) + 1,
	};
	if (entry.removal === undefined) delete entry.removal;
	registry[failure.azureObjectId] = entry;
	return entry;
}

export function clearFailure(registry: UnsyncedRegistry, azureObjectId: string): boolean {
	if (!(azureObjectId in registry)) return false;
	delete registry[azureObjectId];
	return true;
}

/** Oldest failures first, so a CSV reads like a backlog. */
export function listUnsynced(registry: UnsyncedRegistry): UnsyncedEntry[] {
	return Object.values(registry).sort((a, b) => a.firstFailedAt.localeCompare(b.firstFailedAt) || a.azureObjectId.localeCompare(b.azureObjectId));
}
