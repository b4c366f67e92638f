/**
 * Invalid login attempts, counted per requester and per client address in a sliding window.
 * Reaching the limit locks that requester or address out for a cool-down; attempts refused while
 * locked do not count (so a lockout always ends), and once released the count starts afresh.
 * A successful login clears the requester's count (not the address's: an attacker must not be
 * able to wash their address clean with their own account).
 */
import type { AttemptRecord, SsoStoreData } from './store';
import { MAX_ATTEMPT_SUBJECTS } from './store';

export interface LockoutSettings {
	maxFailuresPerRequester: number;
	maxFailuresPerAddress: number;
	windowMs: number;
	coolDownMs: number;
}

export const DEFAULT_LOCKOUT: LockoutSettings = {
	maxFailuresPerRequester: 5,
	maxFailuresPerAddress: 5,
	windowMs: 15 * 60_000,
	coolDownMs: 15 * 60_000,
};

export type Subject = `requester:${string}` | `address:${string}`;

export function subjectsFor(who: { requesterKey?: string | null; clientAddress?: string | null }): Subject[] {
	const subjects: Subject[] = [];
	if (who.requesterKey) subjects.push(`requester:${who.requesterKey}`);
	// Without a known address every unknown client would share one counter and lock each other out.
	if (who.clientAddress) subjects.push(`address:${who.clientAddress}`);
	return subjects;
}

export interface ActiveLockout {
	subject: Subject;
	until: number;
}

export function activeLockout(data: SsoStoreData, subjects: readonly Subject[], now: number): ActiveLockout | undefined {
	for (const subject of subjects) {
		const until = data.attempts[subject]?.lockedUntil;
		if (until !== undefined && until > now) return { subject, until };
	}
	return undefined;
}

/** Counts one failure for each subject; returns the subjects this failure locked out. */
export function recordFailure(data: SsoStoreData, subjects: readonly Subject[], now: number, settings: LockoutSettings): ActiveLockout[] {
	pruneAttempts(data, now, settings);
	const locked: ActiveLockout[] = [];
	for (const subject of subjects) {
		const record: AttemptRecord = data.attempts[subject] ?? { failures: [] };
		if (record.lockedUntil !== undefined && record.lockedUntil > now) continue;
		delete record.lockedUntil;
		record.failures = [...record.failures.filter((time) => time > now - settings.windowMs), now];
		if (record.failures.length >= limitFor(subject, settings)) {
			record.failures = [];
			record.lockedUntil = now + settings.coolDownMs;
			locked.push({ subject, until: record.lockedUntil });
		}
		data.attempts[subject] = record;
	}
	return locked;
}

export function clearFailures(data: SsoStoreData, subject: Subject): void {
	delete data.attempts[subject];
}

function limitFor(subject: Subject, settings: LockoutSettings): number {
	return subject.startsWith('requester:') ? settings.maxFailuresPerRequester : settings.maxFailuresPerAddress;
}

/** Drops counters with nothing left in the window and no running lockout; caps the rest. */
function pruneAttempts(data: SsoStoreData, now: number, settings: LockoutSettings): void {
	for (const [subject, record] of Object.entries(data.attempts)) {
		const locked = record.lockedUntil !== undefined && record.lockedUntil > now;
		if (!locked && !record.failures.some((time) => time > now - settings.windowMs)) delete data.attempts[subject];
	}
	const subjects = Object.keys(data.attempts);
	if (subjects.length < MAX_ATTEMPT_SUBJECTS) return;
	const latestOf = (subject: string) => Math.max(data.attempts[subject].lockedUntil ?? 0, ...data.attempts[subject].failures);
	const oldest = subjects.sort((a, b) => latestOf(a) - latestOf(b)).slice(0, subjects.length - MAX_ATTEMPT_SUBJECTS + 1);
	for (const subject of oldest) delete data.attempts[subject];
}

/** "14 minutes" for a user message. */
export function minutesUntil(until: number, now: number): number {
	return Math.max(1, Math.ceil((until - now) / 60_000));
}
