/**
 * Overlapping runs of one sync in one n8n process (a schedule firing while the previous sync still
 * runs) take turns: the later run waits, then starts from the records the earlier one finished
 * with, instead of the copy of static data it loaded when its execution began.
 */
import type { SyncRecords } from './engine';

const queues = new Map<string, Promise<unknown>>();
const latest = new Map<string, SyncRecords>();

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

/**
 * The newer of the loaded records and the ones the last run in this process saved. No copies: the
 * engine never changes the records it is given, it builds new ones.
 */
export function freshestRecords(key: string, loaded: SyncRecords): SyncRecords {
	const remembered = latest.get(key);
	if (!remembered) return loaded;
	const loadedAt = loaded.lastRun?.finishedAt ?? '';
	const rememberedAt = remembered.lastRun?.finishedAt ?? '';
	return rememberedAt > loadedAt ? remembered : loaded;
}

export function rememberRecords(key: string, records: SyncRecords): void {
	latest.set(key, records);
}
