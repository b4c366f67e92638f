/**
 * The per-process memory of the sync's records (nodes/shared/sync/lock.ts) is only a cache of
 * static data: it is used when it descends from what an execution loaded, never over static data
 * another process saved since (queue mode).
 */
import type { SyncRecords } from '../../nodes/shared/sync/engine';
import { freshestRecords, rememberRecords } from '../../nodes/shared/sync/lock';

let keys = 0;
const newKey = () => `workflow-${++keys}:default`;

function records(finishedAt: string | null, links: Record<string, string> = {}): SyncRecords {
	return {
		links,
		unsynced: {},
		...(finishedAt ? { lastRun: { finishedAt } as SyncRecords['lastRun'] } : {}),
	};
}

/** What one run does with the lock held: start from the freshest records, remember what it saved. */
function run(key: string, loaded: SyncRecords, finishedAt: string, link: string): SyncRecords {
	const base = freshestRecords(key, loaded);
	const saved = records(finishedAt, { ...base.links, [link]: link });
	rememberRecords(key, base, saved);
	return saved;
}

describe('remembered sync records', () => {
	it('a run that loaded static data before an earlier run in the same process saved starts from that run', () => {
		const key = newKey();
		const loaded = records('2026-01-01T00:00:00.000Z');
		const first = run(key, loaded, '2026-01-01T01:00:00.000Z', 'a');
		// Both executions loaded the same static data; the second takes turns and builds on the first.
		expect(freshestRecords(key, loaded)).toBe(first);
		const second = run(key, loaded, '2026-01-01T01:00:01.000Z', 'b');
		expect(second.links).toEqual({ a: 'a', b: 'b' });
		// A third that also loaded the old copy still starts from the newest one.
		expect(freshestRecords(key, loaded)).toBe(second);
		// So does one that loaded what the first run saved.
		expect(freshestRecords(key, first)).toBe(second);
	});

	it('works from empty static data (first sync)', () => {
		const key = newKey();
		const first = run(key, records(null), '2026-01-01T01:00:00.000Z', 'a');
		expect(freshestRecords(key, records(null))).toBe(first);
	});

	it('static data saved by another process wins, even when this process finished a run later', () => {
		const key = newKey();
		const shared = records('2026-01-01T00:00:00.000Z');
		// This process's run finished last, but another worker's execution saved static data last.
		run(key, shared, '2026-01-01T01:00:05.000Z', 'mine');
		const theirs = records('2026-01-01T01:00:00.000Z', { theirs: 'theirs' });
		expect(freshestRecords(key, theirs)).toBe(theirs);
		// The next run here builds on theirs, and its successor in this process on that.
		const next = run(key, theirs, '2026-01-01T02:00:00.000Z', 'next');
		expect(next.links).toEqual({ theirs: 'theirs', next: 'next' });
		expect(freshestRecords(key, theirs)).toBe(next);
	});

	it('sync IDs and workflows do not share memory', () => {
		const key = newKey();
		run(key, records(null), '2026-01-01T01:00:00.000Z', 'a');
		const other = records(null);
		expect(freshestRecords(newKey(), other)).toBe(other);
	});
});
