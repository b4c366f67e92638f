/**
 * Overlapping runs of one sync in one n8n process (a schedule firing while the previous sync still
 * runs) take turns: the later run waits, then starts from the records the earlier one finished
 * with, instead of the copy of static data it loaded when its execution began.
 *
 * The remembered records are only a cache of static data. They are used only when they descend
 * from what the execution loaded (built by runs in this process on top of it); static data saved
 * by another process since (queue mode: another worker's run saved last) always wins, so a run
 * never pairs one process's links and unsynced list with another process's cursor.
 */
import type { SyncRecords } from './engine';

/** Finish times of the records each remembered version was built on; enough for any realistic backlog. */
const MAX_LINEAGE = 100;

interface Remembered {
	records: SyncRecords;
	/** `lastRun.finishedAt` of every version in this process's chain up to `records`, oldest first. */
	lineage: Set<string>;
}

const queues = new Map<string, Promise<unknown>>();
const latest = new Map<string, Remembered>();

export async function withSyncLock<T>(key: string, work: () => Promise<T>): Promise<T> {
	const previous = queues.get(key) ?? Promise.resolve();
	const run = previous.catch(() => undefined).then(work);
	const settled = run.catch(() => undefined);
	queues.set(key, settled);
	try {
		return await run;
	} finally {
		if (queues.get(key) === settled) queues.delete(key);
	}
}

function stampOf(records: SyncRecords): string {
	return records.lastRun?.finishedAt ?? '';
}

/**
 * The records to start from: the ones the last run in this process saved when they descend from
 * the loaded ones, otherwise the loaded ones. No copies: the engine never changes the records it
 * is given, it builds new ones.
 */
export function freshestRecords(key: string, loaded: SyncRecords): SyncRecords {
	const remembered = latest.get(key);
	return remembered?.lineage.has(stampOf(loaded)) ? remembered.records : loaded;
}

/** Remembers what a run saved; `base` is what it started from (freshestRecords' answer). */
export function rememberRecords(key: string, base: SyncRecords, records: SyncRecords): void {
	const remembered = latest.get(key);
	const lineage = remembered?.records === base ? new Set(remembered.lineage) : new Set([stampOf(base)]);
	lineage.add(stampOf(records));
	for (const stamp of lineage) {
		if (lineage.size <= MAX_LINEAGE) break;
		lineage.delete(stamp);
	}
	latest.set(key, { records, lineage });
}
