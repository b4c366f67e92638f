import {
	SyncStateError,
	commitNow,
	decideRead,
	describeFallback,
	normaliseSyncId,
	promotePending,
	readSyncEntry,
	stagePending,
	writeSyncEntry,
	type DeltaCursor,
	type PendingCursor,
} from '../../nodes/shared/sync/cursor';

const cursor: DeltaCursor = {
	deltaLink: 'https://graph.microsoft.com/v1.0/users/delta?$deltatoken=T1',
	select: 'id,displayName',
	scopeKey: '{"tenant":"t"}',
	takenAt: '2026-01-01T00:00:00.000Z',
};
const pending: PendingCursor = {
	...cursor,
	deltaLink: 'https://graph.microsoft.com/v1.0/users/delta?$deltatoken=T2',
	runStartedAt: '2026-01-02T00:00:00.000Z',
	executionId: '42',
};

describe('decideRead', () => {
	const current = { select: cursor.select, scopeKey: cursor.scopeKey };

	it('follows a committed cursor taken for the same attributes and scope', () => {
		expect(decideRead(cursor, current)).toEqual({ mode: 'incremental', deltaLink: cursor.deltaLink });
	});

	it.each([
		['firstRun', undefined, current, false],
		['cursorReset', cursor, current, true],
		['attributesChanged', cursor, { ...current, select: 'id,displayName,mail' }, false],
		['scopeChanged', cursor, { ...current, scopeKey: '{"tenant":"other"}' }, false],
	] as const)('reads everything when %s', (reason, committed, wanted, reset) => {
		expect(decideRead(committed, wanted, reset)).toEqual({ mode: 'full', reason });
		expect(describeFallback(reason)).toMatch(/read every user and took a new cursor/);
	});
});

describe('pending and committed cursors', () => {
	it('stages a pending cursor next to the committed one, and promotes it', () => {
		const staged = stagePending({ cursor }, pending);
		expect(staged).toEqual({ cursor, pendingCursor: pending });
		const { entry, promoted } = promotePending(staged, '42');
		expect(promoted).toBe(true);
		expect(entry).toEqual({ cursor: { deltaLink: pending.deltaLink, select: pending.select, scopeKey: pending.scopeKey, takenAt: pending.takenAt } });
	});

	it('does not promote a cursor another execution staged, nor a missing one', () => {
		const staged = stagePending({ cursor }, pending);
		expect(promotePending(staged, '43')).toEqual({ entry: staged, promoted: false });
		expect(promotePending({ cursor }, '42')).toEqual({ entry: { cursor }, promoted: false });
	});

	it('commits immediately and drops the pending cursor', () => {
		expect(commitNow(pending)).toEqual({ cursor: { deltaLink: pending.deltaLink, select: pending.select, scopeKey: pending.scopeKey, takenAt: pending.takenAt } });
	});
});

describe('static data shape', () => {
	it('round-trips an entry per Sync ID and removes empty entries', () => {
		const store = writeSyncEntry(undefined, 'default', { cursor, pendingCursor: pending });
		const both = writeSyncEntry(store, 'guests', { cursor });
		expect(Object.keys(both)).toEqual(['default', 'guests']);
		expect(readSyncEntry(both, 'default')).toEqual({ cursor, pendingCursor: pending });
		expect(readSyncEntry(both, 'guests')).toEqual({ cursor });
		expect(writeSyncEntry(both, 'guests', {})).toEqual({ default: { cursor, pendingCursor: pending } });
		// The input is not modified.
		expect(Object.keys(both)).toEqual(['default', 'guests']);
	});

	it.each([
		['nothing stored', undefined],
		['a string', 'oops'],
		['a cursor without deltaLink', { default: { cursor: { ...cursor, deltaLink: undefined } } }],
		['a plain-http deltaLink', { default: { cursor: { ...cursor, deltaLink: 'http://evil.test/x' } } }],
		['a pending cursor without runStartedAt', { default: { pendingCursor: cursor } }],
	])('treats %s as no cursor (a full read), never as an error', (_label, store) => {
		expect(readSyncEntry(store, 'default')).toEqual({});
	});

	it('does not read inherited keys as a Sync ID', () => {
		expect(readSyncEntry({}, 'constructor')).toEqual({});
	});
});

describe('normaliseSyncId', () => {
	it('trims and accepts a short name', () => {
		expect(normaliseSyncId('  employees ')).toBe('employees');
	});

	it.each([[''], ['   '], [undefined], ['x'.repeat(101)], ['a\nb']])('rejects %p naming the field', (value) => {
		expect(() => normaliseSyncId(value)).toThrow(SyncStateError);
		try {
			normaliseSyncId(value);
		} catch (error) {
			expect((error as SyncStateError).field).toBe('Sync ID');
		}
	});
});
