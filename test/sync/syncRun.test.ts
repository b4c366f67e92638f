/**
 * One sync run at the core level: the read half (readChanges) and the apply half (applyChanges)
 * over an in-memory SyncStore, a fake directory client and the in-memory destination. No n8n.
 */
import type { GraphClient, GraphPage } from '../../nodes/shared/graph/client';
import type { UserSelection } from '../../nodes/shared/graph/userSelection';
import { RateBudget } from '../../nodes/shared/http/rateBudget';
import { DEFAULT_MAPPING } from '../../nodes/shared/requester';
import { mapUser } from '../../nodes/shared/requester/mapping';
import { applyChanges, type ApplyRequest } from '../../nodes/shared/sync/applyChanges';
import type { SyncInput } from '../../nodes/shared/sync/engine';
import { readChanges, type ChangesRequest } from '../../nodes/shared/sync/readChanges';
import type { SyncHost } from '../../nodes/shared/sync/store';
import { describeDuration, describePacing } from '../../nodes/shared/sync/stats';
import { MemoryDestination } from '../support/memoryDestination';
import { MemoryStore } from '../support/memorySyncStore';

const uid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const person = (n: number, name = `User ${n}`) => ({ id: uid(n), displayName: name, mail: `user${n}@example.test`, userPrincipalName: `user${n}@example.test` });

/** Answers the requests of a delta read: the cursor, the full listing, a cursor's changes, look-ups by id. */
class FakeDirectory {
	users: Array<Record<string, unknown>> = [person(1), person(2)];
	/** deltaLink → the changes it reports and the deltaLink after them. */
	readonly rounds = new Map<string, { value: Array<Record<string, unknown>>; next: string }>();
	readonly requests: Array<{ path: string; query?: Record<string, unknown> }> = [];
	private taken = 0;

	client(): GraphClient {
		const answer = (path: string, query?: Record<string, unknown>) => {
			this.requests.push({ path, query });
			return this.answer(path, query);
		};
		return {
			connection: { tenantId: 'fake-tenant', graphEndpoint: 'https://graph.example.test' },
			async *paginate(path: string, query?: Record<string, unknown>): AsyncGenerator<GraphPage<unknown>> {
				yield answer(path, query);
			},
		} as unknown as GraphClient;
	}

	private answer(path: string, query?: Record<string, unknown>): GraphPage<unknown> {
		if (path === '/users/delta') return { value: [], deltaLink: `delta:T${++this.taken}`, requestId: undefined };
		if (path === '/users') {
			const filter = String(query?.$filter ?? '');
			const value = filter.includes('id in') ? this.users.filter((user) => filter.includes(user.id as string)) : this.users;
			return { value, requestId: undefined };
		}
		const round = this.rounds.get(path);
		if (!round) throw new Error(`no fake round for ${path}`);
		return { value: round.value, deltaLink: round.next, requestId: undefined };
	}
}

const selection: UserSelection = { select: ['id', 'displayName', 'mail', 'userPrincipalName'], expandManager: false };
const logs: string[] = [];
let store: MemoryStore;
let directory: FakeDirectory;
let clock: Date;

function host(runId: string): SyncHost {
	return {
		store,
		runId,
		workflowId: 'wf-1',
		now: () => clock,
		logger: { info: (message) => logs.push(`info ${message}`), warn: (message) => logs.push(`warn ${message}`) },
	};
}

const read = (runId: string, request: Partial<ChangesRequest> = {}) =>
	readChanges(host(runId), { syncId: 'nightly', selection, scope: {}, ...request }, async () => directory.client());

function applyRequest(users: Array<Record<string, unknown>>): ApplyRequest {
	const input: SyncInput = { mapped: [], removed: [], unmapped: [], completeRead: false, mode: 'incremental' };
	for (const [itemIndex, user] of users.entries()) {
		const mapped = mapUser(user as never, DEFAULT_MAPPING);
		if (mapped.ok) input.mapped.push({ requester: mapped.requester, itemIndex });
	}
	return {
		syncId: 'nightly',
		input,
		readFor: ['nightly'],
		dryRun: false,
		safeguard: { maxCount: 500, maxPercent: 30 },
		concurrency: 2,
		deactivateDisabled: true,
		outputUsers: 'changes',
		timeZone: 'UTC',
	};
}

beforeEach(() => {
	store = new MemoryStore();
	directory = new FakeDirectory();
	clock = new Date('2026-12-01T08:00:00Z');
	logs.length = 0;
});

describe('one sync run over an in-memory store', () => {
	it('stages the cursor it read up to and commits it only once the apply half has applied the changes', async () => {
		const first = await read('run-1');
		expect(first).toMatchObject({ mode: 'full', fallbackReason: 'firstRun', cursor: 'staged' });
		expect(first.items.map((item) => item.id)).toEqual([uid(1), uid(2)]);
		const staged = store.loadEntry('nightly');
		expect(staged.cursor).toBeUndefined();
		expect(staged.pendingCursor).toMatchObject({ deltaLink: 'delta:T1', executionId: 'run-1', runStartedAt: '2026-12-01T08:00:00.000Z' });

		// Another run's apply does not commit what run-1 read.
		const destination = new MemoryDestination();
		const other = await applyChanges(host('run-2'), applyRequest([]), async () => destination);
		expect(other.summary.cursorCommitted).toBe(false);
		expect(store.loadEntry('nightly').cursor).toBeUndefined();

		const applied = await applyChanges(host('run-1'), applyRequest(first.items), async () => destination);
		expect(applied.summary).toMatchObject({ syncId: 'nightly', cursorCommitted: true, run: { created: 2 } });
		expect(store.loadEntry('nightly')).toEqual({ cursor: expect.objectContaining({ deltaLink: 'delta:T1' }) });
		expect(Object.keys(store.loadRecords('nightly').links).sort()).toEqual([uid(1), uid(2)]);

		// The next read follows the committed cursor.
		directory.rounds.set('delta:T1', { value: [person(2, 'Renamed')], next: 'delta:T1b' });
		const second = await read('run-3');
		expect(second).toMatchObject({ mode: 'incremental', cursor: 'staged' });
		expect(second.items).toEqual([expect.objectContaining({ id: uid(2), displayName: 'Renamed', _sync: { mode: 'incremental', syncId: 'nightly' } })]);
		expect(store.loadEntry('nightly')).toMatchObject({ cursor: { deltaLink: 'delta:T1' }, pendingCursor: { deltaLink: 'delta:T1b', executionId: 'run-3' } });
	});

	it('a read that fails to apply leaves the cursor where it was, and the next read warns and reads the changes again', async () => {
		store.saveEntry('nightly', { cursor: { deltaLink: 'delta:T0', select: 'displayName,id,mail,userPrincipalName', scopeKey: '', takenAt: '2026-11-30T08:00:00.000Z' } });
		await read('run-1');
		const failing = new MemoryDestination();
		await expect(applyChanges(host('run-1'), { ...applyRequest([]), timeZone: 'Not/AZone' }, async () => failing)).rejects.toThrow('Time Zone');
		expect(store.loadEntry('nightly').cursor?.deltaLink).toBe('delta:T0');
		await read('run-2');
		expect(logs.some((line) => line.startsWith('warn') && line.includes('was never confirmed by Upsert Requester'))).toBe(true);
	});

	it('a read with no changes commits its cursor at once and outputs the no-changes marker alone', async () => {
		await read('run-1', { commitAtOnce: true });
		const committed = store.loadEntry('nightly').cursor!;
		directory.rounds.set(committed.deltaLink, { value: [], next: 'delta:quiet' });
		clock = new Date('2026-12-02T08:00:00Z');
		const quiet = await read('run-2');
		expect(quiet).toMatchObject({ mode: 'incremental', cursor: 'committed' });
		expect(quiet.items).toEqual([{ _sync: { mode: 'incremental', syncId: 'nightly', noChanges: true } }]);
		expect(store.loadEntry('nightly')).toEqual({ cursor: expect.objectContaining({ deltaLink: 'delta:quiet', takenAt: '2026-12-02T08:00:00.000Z' }) });
		expect(logs).toContain('info Azure AD List Users (Sync ID "nightly"): incremental read, 0 user(s), 0 removed');
	});

	it('Reset Cursor forgets both cursors and reads every user', async () => {
		await read('run-1', { commitAtOnce: true });
		directory.rounds.set(store.loadEntry('nightly').cursor!.deltaLink, { value: [person(1, 'Changed')], next: 'delta:T2' });
		await read('run-2');
		expect(store.loadEntry('nightly').pendingCursor).toMatchObject({ deltaLink: 'delta:T2', executionId: 'run-2' });
		const reset = await read('run-3', { resetCursor: true });
		expect(reset).toMatchObject({ mode: 'full', fallbackReason: 'cursorReset', cursor: 'staged' });
		expect(reset.items).toHaveLength(2);
		const entry = store.loadEntry('nightly');
		expect(entry.cursor).toBeUndefined();
		expect(entry.pendingCursor).toMatchObject({ executionId: 'run-3' });
		// The reset dropped run-2's pending cursor, so there is nothing left to warn about.
		expect(logs.filter((line) => line.includes('was never confirmed'))).toHaveLength(0);
	});

	it('reads again the users the apply half listed as unsynced at mapping or validation, not those failed at the destination', async () => {
		await read('run-1', { commitAtOnce: true });
		const committed = store.loadEntry('nightly').cursor!;
		directory.rounds.set(committed.deltaLink, { value: [], next: 'delta:T9' });
		const unsynced = (n: number, stage: 'mapping' | 'validation' | 'destination') => ({
			azureObjectId: uid(n),
			userPrincipalName: null,
			email: null,
			displayName: null,
			stage,
			code: 'x',
			message: 'x',
			firstFailedAt: '2026-11-30T08:00:00.000Z',
			lastAttemptAt: '2026-11-30T08:00:00.000Z',
			attempts: 1,
			requester: null,
		});
		store.saveRecords('nightly', { links: {}, unsynced: { [uid(1)]: unsynced(1, 'mapping'), [uid(2)]: unsynced(2, 'destination'), [uid(7)]: unsynced(7, 'validation') } });
		const result = await read('run-2');
		const lookups = directory.requests.filter((request) => request.path === '/users' && String(request.query?.$filter).includes('id in'));
		expect(lookups).toHaveLength(1);
		expect(String(lookups[0].query?.$filter)).toContain(uid(1));
		expect(String(lookups[0].query?.$filter)).toContain(uid(7));
		expect(String(lookups[0].query?.$filter)).not.toContain(uid(2));
		// uid(1) is still in the directory; uid(7) is gone, so it comes as deleted.
		expect(result.items).toEqual([
			expect.objectContaining({ id: uid(1), _sync: { mode: 'incremental', syncId: 'nightly' } }),
			{ id: uid(7), _sync: { mode: 'incremental', syncId: 'nightly', removed: 'deleted' } },
		]);
		expect(result.cursor).toBe('staged');
	});
	it('a first sync bounded by Max Writes Per Run goes on over several runs, creates every user once, and commits the cursor only at the end', async () => {
		directory.users = [1, 2, 3, 4, 5].map((n) => person(n));
		const destination = new MemoryDestination();
		const creates: string[] = [];
		const create = destination.create.bind(destination);
		destination.create = async (requester, options) => {
			creates.push(requester.azureObjectId);
			return await create(requester, options);
		};
		const summaries = [];
		for (let run = 1; run <= 3; run++) {
			const changes = await read(`run-${run}`);
			// No cursor is committed before the whole first read is applied: every run reads in full.
			expect(changes.mode).toBe('full');
			const applied = await applyChanges(host(`run-${run}`), { ...applyRequest(changes.items), maxWritesPerRun: 2 }, async () => destination);
			summaries.push(applied.summary);
			expect(store.loadEntry('nightly').cursor === undefined).toBe(run < 3);
		}
		expect(summaries.map((summary) => [summary.run.created, summary.run.unchanged, summary.partial, summary.remaining, summary.cursorCommitted])).toEqual([
			[2, 0, true, 3, false],
			[2, 2, true, 1, false],
			[1, 4, false, 0, true],
		]);
		// Progress while unfinished, and once more when the run that finishes it says so.
		expect(summaries.map((summary) => summary.progress && [summary.progress.unfinished, summary.progress.done, summary.progress.total])).toEqual([
			[true, 2, 5],
			[true, 4, 5],
			[false, 5, 5],
		]);
		expect(summaries[2].progress).toMatchObject({ etaMinutes: 0, eta: 'done' });
		expect(store.loadRecords('nightly').progress).toMatchObject({ unfinished: false, done: 5 });
		expect(creates.sort()).toEqual([1, 2, 3, 4, 5].map(uid));
		expect(Object.keys(store.loadRecords('nightly').links)).toHaveLength(5);
		// Deferred users are neither failures nor unsynced.
		expect(store.loadRecords('nightly').unsynced).toEqual({});
		expect(logs.some((line) => line.includes('Max Writes Per Run (2) reached; 3 user(s) left for the next run'))).toBe(true);
		// The committed cursor is the one the completing run read up to; the next run is incremental.
		expect(store.loadEntry('nightly').cursor).toMatchObject({ deltaLink: 'delta:T3' });
		directory.rounds.set('delta:T3', { value: [], next: 'delta:T4' });
		expect(await read('run-4')).toMatchObject({ mode: 'incremental' });
		const caughtUp = await applyChanges(host('run-4'), applyRequest([]), async () => destination);
		expect(caughtUp.summary.progress).toBeNull();
		expect(store.loadRecords('nightly').progress).toBeUndefined();
	});

	it("a paced destination's progress carries the rate against its budget: learned budget, share, pace, last minute, 429s of the run", async () => {
		directory.users = [1, 2, 3].map((n) => person(n));
		const budget = new RateBudget('memory-destination', { share: 0.8 });
		const destination = Object.assign(new MemoryDestination(), { rateBudget: budget });
		let remaining = 400;
		let refuseNext = false;
		const create = destination.create.bind(destination);
		// Each create is one request answered with Freshservice's budget headers (400 a minute).
		destination.create = async (requester, options) => {
			if (refuseNext) {
				refuseNext = false;
				await budget.run(async () => ({ status: 429, headers: { 'retry-after': '0' } }));
			}
			remaining -= 1;
			await budget.run(async () => ({ status: 200, headers: { 'x-ratelimit-total': '400', 'x-ratelimit-remaining': String(remaining) } }));
			return await create(requester, options);
		};

		const first = await applyChanges(host('run-1'), { ...applyRequest((await read('run-1')).items), maxWritesPerRun: 2 }, async () => destination);
		expect(first.summary.progress?.pacing).toEqual({
			budgetPerMinute: 400,
			sharePercent: 80,
			maxRequestsPerMinute: null,
			pacedToPerMinute: 320,
			requestsLastMinute: 2,
			throttled: 0,
			summary: '2 requests in the last minute, paced to 320 a minute (80 % of the 400 a minute the destination allows, less what others use); no "too many requests" answers during this run',
		});
		expect(store.loadRecords('nightly').progress?.pacing).toEqual(first.summary.progress?.pacing);

		// The run that finishes meets one 429: counted for this run, and the pace halved.
		refuseNext = true;
		const second = await applyChanges(host('run-2'), applyRequest((await read('run-2')).items), async () => destination);
		expect(second.summary.progress).toMatchObject({ unfinished: false, pacing: { throttled: 1, pacedToPerMinute: 160, requestsLastMinute: 4 } });
		expect(second.summary.progress?.pacing?.summary).toContain('1 "too many requests" answer during this run');

		// A destination without a limiter (a first read again, bounded): progress, but no pacing figures.
		store = new MemoryStore();
		const unpaced = await applyChanges(host('run-4'), { ...applyRequest((await read('run-4')).items), maxWritesPerRun: 1 }, async () => new MemoryDestination());
		expect(unpaced.summary.progress).toMatchObject({ unfinished: true });
		expect(unpaced.summary.progress).not.toHaveProperty('pacing');
	});

	it("the pacing summary says others' use is allowed for only when the destination reports a remaining count", () => {
		// ServiceNow's rate limit rules send the hourly limit and the reset, never what is left.
		const hourly = new RateBudget('servicenow-like', { share: 0.8, windowMs: 3_600_000 });
		const before = hourly.stats();
		hourly.observe({ status: 200, headers: { 'x-ratelimit-limit': '36000', 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 1800) } });
		expect(describePacing(before, hourly.stats()).summary).toBe('0 requests in the last minute, paced to 480 a minute (80 % of the 600 a minute the destination allows); no "too many requests" answers during this run');
	});

	it('Max Run Time stops starting writes once the run has lasted that long', async () => {
		directory.users = [1, 2, 3].map((n) => person(n));
		const destination = new MemoryDestination();
		const create = destination.create.bind(destination);
		// Each create takes 30 minutes on the run's clock: the third would start at minute 60.
		destination.create = async (requester, options) => {
			clock = new Date(clock.getTime() + 30 * 60_000);
			return await create(requester, options);
		};
		const changes = await read('run-1');
		const applied = await applyChanges(host('run-1'), { ...applyRequest(changes.items), concurrency: 1, maxRunMinutes: 45 }, async () => destination);
		expect(applied.summary).toMatchObject({ partial: true, remaining: 1, cursorCommitted: false, run: { created: 2 } });
		expect(applied.users.filter((user) => user.status === 'deferred')).toHaveLength(1);
	});
});

describe('progress in words', () => {
	it('describes the sync time left with luxon', () => {
		expect(describeDuration(0)).toBe('done');
		expect(describeDuration(45)).toBe('about 45 minutes of sync time');
		expect(describeDuration(200)).toBe('about 3 hours, 20 minutes of sync time');
		expect(describeDuration(60 * 24 * 2 + 61)).toBe('about 2 days, 1 hour of sync time');
	});
});
