/**
 * Issue #5 end to end at node level: the real Upsert Requester node, run by n8n's own execution
 * engine (test/harness/n8n.ts), against two destinations over real sockets:
 *   - the Freshservice stand-in (HTTPS), reached through a plain-http loopback front and the
 *     credential's Base URL override, as a proxy would be (the test process cannot trust the
 *     stand-in's CA on Node 20);
 *   - the generic requester REST stand-in (test/destinations/genericRest/standIn.ts), GENERIC_REST.md's
 *     default contract on plain http.
 * Input items are what Map To Requester emits (`mapUser` of a Graph user, with List Users' `_sync`
 * marker); each test uses its own Sync ID and users, so tests do not see each other's records.
 *
 * Overlapping runs, what the design guarantees:
 *   - In one n8n process (regular mode), runs of one sync (same workflow and Sync ID) take turns
 *     (nodes/shared/sync/lock.ts): a run that starts while another is applying waits, then starts
 *     from the records the earlier run saved rather than the static data copy it loaded when its
 *     execution began. So it neither creates a requester twice nor drops the earlier run's links,
 *     and whichever run saves static data last holds every link.
 *   - Across processes (queue mode), runs cannot see each other's memory. Every create is preceded
 *     by a lookup by key (and a destination refuses a second requester with the same key), so no
 *     requester is duplicated; a run that loses a race lists that user as unsynced and the next
 *     run links it. The last saver's state therefore covers every change since the shared
 *     committed cursor: each user is either linked or in its unsynced registry, and the cursor
 *     only moves past changes its own run applied or registered.
 */
import { rmSync } from 'node:fs';
import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';
import { UpsertRequester } from '../../nodes/UpsertRequester/UpsertRequester.node';
import { FreshserviceDestination } from '../../nodes/shared/destinations/freshservice';
import { GenericRestDestination } from '../../nodes/shared/destinations/genericRest';
import type { RequesterDestination } from '../../nodes/shared/destinations/types';
import { mapUser } from '../../nodes/shared/requester/mapping';
import { SYNC_STATE_KEY } from '../../nodes/shared/sync/cursor';
import { runRequesterSync, type SyncInput, type SyncRecords } from '../../nodes/shared/sync/engine';
import { SYNC_RECORDS_KEY } from '../../nodes/shared/sync/records';
import { startLoopbackFront } from '../destinations/support/loopbackFront';
import { startFreshserviceStandIn } from '../destinations/freshservice/standIn';
import { startGenericRestStandIn } from '../destinations/genericRest/standIn';
import type { FaultPlan, RecordedRequest } from '../fixtures/standins/server';
import { createTestTls } from '../fixtures/standins/tls';
import { globalStaticData, runNode, type RunResult, type TestCredentials } from '../harness/n8n';

const FRESHSERVICE_KEY = 'FAKE-upsert-node-key';
const GENERIC_TOKEN = 'FAKE-upsert-node-token';
const TIME_ZONE = 'Asia/Tokyo';

/** A requester as a stand-in holds it, in the same terms for both destinations. */
interface HeldRequester {
	id: string;
	active: boolean;
	email: string | null;
	jobTitle: string | null;
	managerId: string | null;
	azureObjectId: string | null;
}

/** One destination's stand-in, as the tests see it. */
interface Target {
	label: string;
	/** The node parameters choosing this destination; `storeAzureObjectId` maps the Azure object id to a field. */
	parameters(storeAzureObjectId?: boolean): INodeParameters;
	credentials(valid?: boolean): TestCredentials;
	/** Requesters with this email (primary), active or not. */
	withEmail(email: string): HeldRequester[];
	byId(id: string): HeldRequester | undefined;
	/** Every request since the stand-in started. */
	requests(): RecordedRequest[];
	faults: FaultPlan;
	/** Switches the stand-in's outage mode (503) on once `count` more requests of `method` have arrived. */
	outageAfter(count: number, method: string): void;
	/** The update request: method and the JSON name of the job title. */
	update: { method: 'PUT' | 'PATCH'; jobTitle: string };
	/** Whether a request deactivated a requester. */
	isDeactivation(request: RecordedRequest): boolean;
	/** A destination of the core (no node), for the cross-process test. */
	core(): RequesterDestination;
	close(): Promise<void>;
}

async function freshserviceTarget(): Promise<Target> {
	const tls = createTestTls();
	const fs = await startFreshserviceStandIn({
		tls,
		apiKey: FRESHSERVICE_KEY,
		departments: [{ id: 7, name: 'IT' }],
		customFields: [{ name: 'azure_object_id', label: 'Azure Object ID', type: 'custom_text' }],
	});
	const front = await startLoopbackFront(fs.url, tls.caPem);
	// The stand-in's outage is switched by hand; counting happens where it picks a fault for each request.
	let trigger: { remaining: number; method: string } | undefined;
	const take = fs.faults.take.bind(fs.faults);
	fs.faults.take = (method, path) => {
		if (trigger && trigger.method === method && --trigger.remaining < 0) {
			fs.faults.setOutage({ status: 503 });
			trigger = undefined;
		}
		return take(method, path);
	};
	const held = (raw: (typeof fs.state.requesters extends Map<number, infer R> ? R : never) | undefined): HeldRequester | undefined =>
		raw && {
			id: String(raw.id),
			active: raw.active,
			email: raw.primary_email,
			jobTitle: raw.job_title,
			managerId: raw.reporting_manager_id === null ? null : String(raw.reporting_manager_id),
			azureObjectId: (raw.custom_fields.azure_object_id as string | null | undefined) ?? null,
		};
	return {
		label: 'Freshservice',
		parameters: (storeAzureObjectId = true) => ({
			destination: 'freshservice',
			freshserviceCustomFields: storeAzureObjectId ? { fields: [{ value: 'azureObjectId', name: 'azure_object_id' }] } : {},
		}),
		credentials: (valid = true) => ({ freshserviceApi: { domain: 'acme', apiKey: valid ? FRESHSERVICE_KEY : 'FAKE-revoked-key', baseUrl: `${front.url}/api/v2` } }),
		withEmail: (email) => fs.state.all().filter((raw) => raw.primary_email?.toLowerCase() === email.toLowerCase()).map((raw) => held(raw)!),
		byId: (id) => held(fs.state.requesters.get(Number(id))),
		requests: () => fs.requests,
		faults: fs.faults,
		outageAfter: (count, method) => {
			trigger = { remaining: count, method };
		},
		update: { method: 'PUT', jobTitle: 'job_title' },
		isDeactivation: (request) => request.method === 'DELETE',
		core: () => new FreshserviceDestination({ baseUrl: `${front.url}/api/v2`, apiKey: FRESHSERVICE_KEY, customFields: { azureObjectId: 'azure_object_id' } }),
		close: async () => {
			await front.close();
			await fs.close();
			rmSync(tls.dir, { recursive: true, force: true });
		},
	};
}

async function genericTarget(): Promise<Target> {
	const api = await startGenericRestStandIn({ token: GENERIC_TOKEN });
	const held = (raw: Record<string, unknown> | undefined): HeldRequester | undefined =>
		raw && {
			id: String(raw.id),
			active: raw.active !== false,
			email: (raw.email as string | undefined) ?? null,
			jobTitle: (raw.jobTitle as string | undefined) ?? null,
			managerId: (raw.managerId as string | null | undefined) ?? null,
			azureObjectId: (raw.azureObjectId as string | undefined) ?? null,
		};
	return {
		label: 'Generic REST',
		parameters: (storeAzureObjectId = true) => ({
			destination: 'genericRest',
			genericFieldNames: storeAzureObjectId ? {} : { fields: [{ value: 'azureObjectId', name: '' }] },
		}),
		credentials: (valid = true) => ({ requesterRestApi: { baseUrl: api.url, authentication: 'bearer', token: valid ? GENERIC_TOKEN : 'FAKE-revoked-token' } }),
		withEmail: (email) => api.state.withEmail(email).map((raw) => held(raw)!),
		byId: (id) => held(api.state.requesters.get(id)),
		requests: () => api.requests,
		faults: api.faults,
		outageAfter: (count, method) => api.outageAfter(count, { method }),
		update: { method: 'PATCH', jobTitle: 'jobTitle' },
		isDeactivation: (request) => request.method === 'POST' && request.path.endsWith('/deactivate'),
		core: () => new GenericRestDestination({ baseUrl: api.url, headers: { Authorization: `Bearer ${GENERIC_TOKEN}` } }),
		close: () => api.close(),
	};
}

// ---- Azure AD users and the items Map To Requester makes of them ----------------------------------

let userCount = 0;
let syncCount = 0;

type GraphUser = Record<string, unknown> & { id: string; mail: string };

function graphUser(overrides: Record<string, unknown> = {}): GraphUser {
	const n = ++userCount;
	return {
		id: `0a000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
		displayName: `User ${n}`,
		givenName: 'User',
		surname: String(n),
		mail: `user${n}@contoso.test`,
		userPrincipalName: `user${n}@contoso.test`,
		jobTitle: 'Engineer',
		department: 'IT',
		accountEnabled: true,
		businessPhones: [],
		...overrides,
	};
}

function users(count: number): GraphUser[] {
	return Array.from({ length: count }, () => graphUser());
}

function managerOf(manager: GraphUser) {
	return { id: manager.id, displayName: manager.displayName, mail: manager.mail, userPrincipalName: manager.userPrincipalName };
}

type ReadMode = 'full' | 'incremental';

/** Map To Requester's Mapped output item for a user read by List Users. */
function mappedItem(user: GraphUser, mode: ReadMode, syncId: string): INodeExecutionData {
	const result = mapUser(user, {});
	if (!result.ok) throw new Error(`test user does not map: ${JSON.stringify(result.reasons)}`);
	return { json: { requester: result.requester as unknown as IDataObject, azureObjectId: user.id, user: { id: user.id, mail: user.mail }, _sync: { mode, syncId } } };
}

/** Map To Requester's Unmapped output item. */
function unmappedItem(user: GraphUser, mode: ReadMode, syncId: string, reasons: Array<{ field: string; code: string; message: string }>): INodeExecutionData {
	return {
		json: {
			azureObjectId: user.id,
			userPrincipalName: user.userPrincipalName as string,
			mail: user.mail,
			displayName: user.displayName as string,
			reasons,
			requester: null,
			_sync: { mode, syncId },
		},
	};
}

// ---- running the node ---------------------------------------------------------------------------

interface RunOptions {
	mapped?: INodeExecutionData[];
	unmapped?: INodeExecutionData[];
	/** Items on the Requesters input as given (e.g. the "no changes" marker item). */
	raw?: INodeExecutionData[];
	parameters?: INodeParameters;
	options?: IDataObject;
	executionId?: string;
	validCredential?: boolean;
	staticData?: IDataObject;
	continueOnFail?: boolean;
}

/** One sync (one Sync ID) of one workflow, carrying static data from run to run as n8n saves it. */
class Sync {
	readonly id = `sync-${++syncCount}`;
	staticData: IDataObject = {};

	constructor(
		readonly target: Target,
		private readonly base: INodeParameters = {},
	) {}

	items(list: GraphUser[], mode: ReadMode): INodeExecutionData[] {
		return list.map((user) => mappedItem(user, mode, this.id));
	}

	/** What reaches the node when an incremental read found no change: List Users' marker item, passed on by Map To Requester. */
	noChanges(): INodeExecutionData[] {
		return [{ json: { requester: null, _sync: { mode: 'incremental', syncId: this.id, noChanges: true } } }];
	}

	async run(options: RunOptions = {}): Promise<RunResult> {
		const result = await runNode({
			node: new UpsertRequester(),
			parameters: {
				syncId: this.id,
				...this.target.parameters(),
				// Two tries per request keep fault tests short; the retry policy itself is tested in test/destinations.
				destinationOptions: { maxTries: 2 },
				...this.base,
				...options.parameters,
				options: { timeZone: TIME_ZONE, concurrency: 4, ...(this.base.options as IDataObject | undefined), ...options.options },
			},
			credentials: this.target.credentials(options.validCredential ?? true),
			inputItemsByIndex: options.raw ? [options.raw, []] : [options.mapped ?? [], options.unmapped ?? []],
			staticData: options.staticData ?? this.staticData,
			// A scheduled run: n8n saves static data after it (unlike a manual test run).
			mode: 'trigger',
			executionId: options.executionId,
			continueOnFail: options.continueOnFail,
		});
		this.staticData = result.persistedStaticData;
		return result;
	}

	records(result?: RunResult): SyncRecords {
		const global = globalStaticData(result ? result.staticData : this.staticData);
		return (global[SYNC_RECORDS_KEY] as Record<string, SyncRecords> | undefined)?.[this.id] ?? { links: {}, unsynced: {} };
	}
}

function summaryOf(result: RunResult): IDataObject & { run: IDataObject; cumulative: IDataObject; safeguard: IDataObject; lastSynced: IDataObject } {
	if (result.error) throw result.error;
	return result.outputs[1][0].json as ReturnType<typeof summaryOf>;
}

function outcomesOf(result: RunResult): IDataObject[] {
	return result.outputs[0].map((item) => item.json);
}

// ---- the delta cursor List Users leaves in static data ------------------------------------------

function cursor(name: string) {
	return { deltaLink: `https://graph.microsoft.com/v1.0/users/delta?$deltatoken=${name}`, select: 'id,mail', scopeKey: 'tenant|graph', takenAt: '2026-11-26T10:00:00.000Z' };
}

/** The sync's static data with a committed cursor OLD and a cursor NEW staged by `executionId`, as List Users leaves it. */
function staged(sync: Sync, executionId: string): IDataObject {
	return {
		global: {
			...globalStaticData(sync.staticData),
			[SYNC_STATE_KEY]: { [sync.id]: { cursor: cursor('OLD'), pendingCursor: { ...cursor('NEW'), runStartedAt: '2026-11-26T11:00:00.000Z', executionId } } },
		},
	};
}

/** Requests a run made: everything the stand-in received while `work` ran. */
async function requestsDuring<T>(target: Target, work: () => Promise<T>): Promise<{ value: T; requests: RecordedRequest[] }> {
	const start = target.requests().length;
	const value = await work();
	return { value, requests: target.requests().slice(start) };
}

const writesIn = (requests: RecordedRequest[]) => requests.filter((request) => request.method !== 'GET');

/** The one requester the destination holds for this user; fails on none or a duplicate. */
function onlyRequester(target: Target, user: GraphUser): HeldRequester {
	const held = target.withEmail(user.mail);
	expect(held).toHaveLength(1);
	return held[0];
}

describe.each([
	['Freshservice', freshserviceTarget],
	['Generic REST', genericTarget],
])('Upsert Requester → %s stand-in', (_label, start) => {
	let target: Target;

	beforeAll(async () => {
		target = await start();
	});

	afterAll(async () => {
		await target.close();
	});

	beforeEach(() => {
		target.faults.clear();
	});

	describe('sync semantics', () => {
		it('creates every requester on the first sync, with statistics and the last synced time, and writes nothing on a second sync without changes', async () => {
			const sync = new Sync(target);
			const people = users(5);

			const first = await sync.run({ mapped: sync.items(people, 'full') });
			const summary = summaryOf(first);
			expect(summary.run).toMatchObject({ created: 5, updated: 0, unchanged: 0, failed: 0, totalSynced: 5, mode: 'full', dryRun: false });
			expect(summary.cumulative).toMatchObject({ runs: 1, created: 5, totalSynced: 5, currentlyUnsynced: 0 });
			expect(summary).toMatchObject({ syncedRequesters: 5, unsynced: 0, dryRun: false });
			// The human time is the ISO time shown in the chosen zone (Tokyo: UTC+9, no daylight saving).
			const iso = summary.lastSynced.iso as string;
			expect(iso).toBe(summary.cumulative.lastSyncedAt);
			const tokyo = new Date(Date.parse(iso) + 9 * 3600_000).toISOString().replace('T', ' ').slice(0, 19);
			expect(summary.lastSynced.local).toBe(`${tokyo} GMT+9`);
			expect(summary.lastSynced.relative).toMatch(/ago|in 0 seconds/);
			for (const person of people) {
				const held = onlyRequester(target, person);
				expect(held).toMatchObject({ active: true, jobTitle: 'Engineer' });
				expect(sync.records().links[person.id]).toBe(held.id);
			}
			expect(outcomesOf(first).map((outcome) => [outcome.action, outcome.status])).toEqual(Array(5).fill(['create', 'done']));

			const { value: second, requests } = await requestsDuring(target, () => sync.run({ mapped: sync.items(people, 'full') }));
			expect(writesIn(requests)).toEqual([]);
			expect(summaryOf(second).run).toMatchObject({ created: 0, updated: 0, unchanged: 5, totalSynced: 5 });
			expect(summaryOf(second).cumulative).toMatchObject({ runs: 2, created: 5, unchanged: 5, totalSynced: 10 });
			// Unchanged users are not listed by default ("changes and failures").
			expect(second.outputs[0]).toEqual([]);
		});

		it('with Max Writes Per Run, a first sync stops after that many writes, reports partial, and the next runs finish it without writing anyone twice', async () => {
			const sync = new Sync(target);
			const people = users(5);
			const creates: RecordedRequest[] = [];
			const partials: Array<[unknown, unknown, unknown]> = [];
			for (let run = 0; run < 3; run++) {
				const { value, requests } = await requestsDuring(target, () => sync.run({ mapped: sync.items(people, 'full'), options: { maxWritesPerRun: 2 } }));
				creates.push(...writesIn(requests));
				const summary = summaryOf(value);
				partials.push([summary.partial, summary.remaining, (summary.run as IDataObject).created]);
			}
			expect(partials).toEqual([
				[true, 3, 2],
				[true, 1, 2],
				[false, 0, 1],
			]);
			expect(creates.map((request) => request.method)).toEqual(Array(5).fill('POST'));
			for (const person of people) expect(sync.records().links[person.id]).toBe(onlyRequester(target, person).id);
			expect(sync.records().unsynced).toEqual({});
		});

		it('sends exactly the one changed field', async () => {
			const sync = new Sync(target);
			const people = users(3);
			await sync.run({ mapped: sync.items(people, 'full') });
			people[1].jobTitle = 'Architect';

			const { value: result, requests } = await requestsDuring(target, () => sync.run({ mapped: sync.items([people[1]], 'incremental') }));
			const held = onlyRequester(target, people[1]);
			expect(writesIn(requests).map((request) => [request.method, request.path, request.body])).toEqual([
				[target.update.method, expect.stringMatching(new RegExp(`/requesters/${held.id}$`)), { [target.update.jobTitle]: 'Architect' }],
			]);
			expect(held.jobTitle).toBe('Architect');
			expect(outcomesOf(result)).toEqual([expect.objectContaining({ action: 'update', status: 'done', changedFields: ['jobTitle'], destinationId: held.id })]);
			expect(summaryOf(result).run).toMatchObject({ updated: 1, mode: 'incremental' });
		});

		it('deactivates a disabled user without deleting it, and reactivates it when enabled again', async () => {
			const sync = new Sync(target);
			const [person, other] = users(2);
			await sync.run({ mapped: sync.items([person, other], 'full') });
			const id = onlyRequester(target, person).id;

			person.accountEnabled = false;
			const { value: disabled, requests } = await requestsDuring(target, () => sync.run({ mapped: sync.items([person], 'incremental') }));
			expect(writesIn(requests)).toHaveLength(1);
			expect(target.isDeactivation(writesIn(requests)[0])).toBe(true);
			expect(onlyRequester(target, person)).toMatchObject({ id, active: false });
			expect(outcomesOf(disabled)).toEqual([expect.objectContaining({ action: 'deactivate', status: 'done', reason: 'Disabled in Azure AD' })]);
			expect(summaryOf(disabled).run).toMatchObject({ deactivated: 1 });

			person.accountEnabled = true;
			const enabled = await sync.run({ mapped: sync.items([person], 'incremental') });
			expect(outcomesOf(enabled)).toEqual([expect.objectContaining({ action: 'reactivate', status: 'done' })]);
			expect(onlyRequester(target, person)).toMatchObject({ id, active: true });
			// Never deleted: no permanent-delete call (Freshservice's /forget, or a DELETE on the generic API).
			expect(target.requests().some((request) => request.path.endsWith('/forget') || (target.label === 'Generic REST' && request.method === 'DELETE'))).toBe(false);
		});

		it.each([
			['stored in a requester field', true],
			['not stored (followed through the link kept in static data)', false],
		])('follows a changed email to the same requester, Azure object ID %s', async (_how, stored) => {
			const sync = new Sync(target, target.parameters(stored));
			const [person, other] = users(2);
			await sync.run({ mapped: sync.items([person, other], 'full') });
			const before = onlyRequester(target, person);
			expect(before.azureObjectId).toBe(stored ? person.id : null);

			const oldMail = person.mail;
			person.mail = `renamed.${oldMail}`;
			const { value: renamed, requests } = await requestsDuring(target, () => sync.run({ mapped: sync.items([person], 'incremental') }));
			expect(writesIn(requests).map((request) => request.method)).toEqual([target.update.method]);
			expect(target.withEmail(oldMail)).toEqual([]);
			expect(onlyRequester(target, person).id).toBe(before.id);
			expect(outcomesOf(renamed)).toEqual([expect.objectContaining({ action: 'update', changedFields: expect.arrayContaining(['email']), destinationId: before.id })]);

			// A later full read also finds it (by the stored id, or by the link) and changes nothing.
			const { requests: fullRead } = await requestsDuring(target, () => sync.run({ mapped: sync.items([person, other], 'full') }));
			expect(writesIn(fullRead)).toEqual([]);
			expect(onlyRequester(target, person).id).toBe(before.id);
		});

		it('links a report to a manager created after it in the same run', async () => {
			const sync = new Sync(target);
			const manager = graphUser({ jobTitle: 'Head of IT' });
			const report = graphUser({ manager: managerOf(manager) });

			const result = await sync.run({ mapped: sync.items([report, manager], 'full') });
			const managerId = onlyRequester(target, manager).id;
			expect(onlyRequester(target, report).managerId).toBe(managerId);
			expect(outcomesOf(result)[0]).toMatchObject({ azureObjectId: report.id, action: 'create', manager: { status: 'linked', managerId } });
			expect(summaryOf(result).run).toMatchObject({ created: 2, managersLinked: 1 });

			const { value: again, requests } = await requestsDuring(target, () => sync.run({ mapped: sync.items([report, manager], 'full') }));
			expect(writesIn(requests)).toEqual([]);
			expect(summaryOf(again).run).toMatchObject({ unchanged: 2, managersLinked: 0 });
		});

		it('holds back every deactivation of a run over the safeguard, keeps them registered, and lets them through once raised', async () => {
			const sync = new Sync(target);
			const [stays, ...leavers] = users(4);
			await sync.run({ mapped: sync.items([stays, ...leavers], 'full') });

			// A full read that no longer contains three of the four: they are out of scope.
			const { value: held, requests } = await requestsDuring(target, () => sync.run({ mapped: sync.items([stays], 'full'), parameters: { safeguard: { maxCount: 2, maxPercent: 30 } } }));
			const summary = summaryOf(held);
			expect(requests.some((request) => target.isDeactivation(request))).toBe(false);
			expect(leavers.map((leaver) => onlyRequester(target, leaver).active)).toEqual([true, true, true]);
			expect(summary.safeguard).toMatchObject({ tripped: true, deactivations: 3, managed: 4 });
			expect(summary.safeguard.message).toMatch(/^Deactivation safeguard tripped: this run would deactivate 3 of 4 .*No requester was deactivated/);
			expect(summary.run).toMatchObject({ deactivated: 0, blocked: 3 });
			expect(held.logs.some((line) => line.startsWith('warn: ') && line.includes('Deactivation safeguard tripped'))).toBe(true);
			expect(outcomesOf(held).map((outcome) => [outcome.azureObjectId, outcome.action, outcome.status])).toEqual(
				leavers.map((leaver) => [leaver.id, 'deactivate', 'blocked']).sort((a, b) => a[0].localeCompare(b[0])),
			);
			const records = sync.records();
			expect(Object.keys(records.links).sort()).toEqual([stays, ...leavers].map((user) => user.id).sort());
			expect(Object.values(records.unsynced).map((entry) => [entry.azureObjectId, entry.stage, entry.code, entry.removal])).toEqual(
				expect.arrayContaining(leavers.map((leaver) => [leaver.id, 'safeguard', 'deactivationSafeguard', 'outOfScope'])),
			);
			expect(Object.keys(records.unsynced)).toHaveLength(3);

			// At the threshold (3 allowed, 3 to do) the run goes through.
			const passed = await sync.run({ mapped: sync.items([stays], 'full'), parameters: { safeguard: { maxCount: 3, maxPercent: 30 } } });
			expect(summaryOf(passed).safeguard).toMatchObject({ tripped: false, deactivations: 3 });
			expect(summaryOf(passed).run).toMatchObject({ deactivated: 3, blocked: 0 });
			expect(leavers.map((leaver) => onlyRequester(target, leaver).active)).toEqual([false, false, false]);
			expect(onlyRequester(target, stays).active).toBe(true);
			expect(sync.records().unsynced).toEqual({});
		});

		it('plans a dry run and writes nothing, leaving static data untouched', async () => {
			const sync = new Sync(target);
			const [changes, disabled] = users(2);
			await sync.run({ mapped: sync.items([changes, disabled], 'full') });
			const before = structuredClone(sync.staticData);
			changes.jobTitle = 'Architect';
			disabled.accountEnabled = false;
			const newcomer = graphUser();

			const { value: dry, requests } = await requestsDuring(target, () =>
				sync.run({ mapped: sync.items([changes, disabled, newcomer], 'incremental'), parameters: { dryRun: true } }),
			);
			expect(writesIn(requests)).toEqual([]);
			expect(dry.staticDataChanged).toBe(false);
			expect(dry.staticData).toEqual(before);
			expect(target.withEmail(newcomer.mail)).toEqual([]);
			expect(onlyRequester(target, changes).jobTitle).toBe('Engineer');
			expect(outcomesOf(dry).map((outcome) => [outcome.azureObjectId, outcome.action, outcome.status, outcome.changedFields])).toEqual([
				[changes.id, 'update', 'planned', ['jobTitle']],
				[disabled.id, 'deactivate', 'planned', []],
				[newcomer.id, 'create', 'planned', []],
			]);
			expect(summaryOf(dry)).toMatchObject({ dryRun: true, cursorCommitted: false, run: { dryRun: true, created: 0, updated: 0 } });
		});
	});

	describe('faults', () => {
		it('waits out throttling (429 with Retry-After) and loses nothing', async () => {
			const sync = new Sync(target, { destinationOptions: { maxTries: 6 } });
			const people = users(6);
			target.faults.failNext(3, { status: 429, retryAfter: 1 });
			const startedAt = Date.now();

			const { value: result, requests } = await requestsDuring(target, () => sync.run({ mapped: sync.items(people, 'incremental') }));
			expect(requests.filter((request) => request.status === 429)).toHaveLength(3);
			expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1000);
			expect(summaryOf(result).run).toMatchObject({ created: 6, failed: 0 });
			for (const person of people) onlyRequester(target, person);
		});

		it('registers the users that a 5xx stopped mid-run, and the next run without input changes syncs them', async () => {
			const sync = new Sync(target, { options: { concurrency: 1 } });
			const people = users(4);
			await sync.run({ mapped: sync.items(people, 'full') });
			for (const person of people) person.jobTitle = 'Architect';
			// Two tries per request (Max Tries 2): the first two updates fail twice each, the others go through.
			target.faults.failNext(4, { status: 500, method: target.update.method });

			const executionId = `exec-${sync.id}`;
			const failed = await sync.run({ mapped: sync.items(people, 'incremental'), staticData: staged(sync, executionId), executionId });
			expect(summaryOf(failed).run).toMatchObject({ updated: 2, failed: 2 });
			expect(summaryOf(failed).unsynced).toBe(2);
			// Every change read is applied or registered, so the cursor moves on: the registry, not Graph, brings the failures back.
			expect(summaryOf(failed).cursorCommitted).toBe(true);
			expect(globalStaticData(sync.staticData)[SYNC_STATE_KEY]).toEqual({ [sync.id]: { cursor: cursor('NEW') } });
			const unsynced = Object.values(sync.records().unsynced);
			expect(unsynced).toHaveLength(2);
			for (const entry of unsynced) {
				expect(entry).toMatchObject({ stage: 'destination', code: 'HTTP500', attempts: 1, requester: expect.objectContaining({ jobTitle: 'Architect' }) });
				expect(entry.message).toMatch(/HTTP 500/);
			}
			expect(outcomesOf(failed).filter((outcome) => outcome.status === 'failed')).toHaveLength(2);
			expect(people.filter((person) => onlyRequester(target, person).jobTitle === 'Architect')).toHaveLength(2);

			// The next incremental read has no changes: only the registry brings the two back.
			const retried = await sync.run({ raw: sync.noChanges() });
			expect(summaryOf(retried).run).toMatchObject({ updated: 2, failed: 0, mode: 'incremental' });
			expect(outcomesOf(retried).map((outcome) => outcome.source)).toEqual(['retry', 'retry']);
			expect(sync.records().unsynced).toEqual({});
			expect(summaryOf(retried).cumulative).toMatchObject({ failed: 2, currentlyUnsynced: 0 });
			for (const person of people) expect(onlyRequester(target, person).jobTitle).toBe('Architect');
		});

		it('finishes a run cut off by an outage, registers the rest, and the next run syncs them without duplicating or losing anyone', async () => {
			const sync = new Sync(target, { options: { concurrency: 1 } });
			const people = users(10);
			target.outageAfter(4, 'POST');

			const cut = await sync.run({ mapped: sync.items(people, 'incremental') });
			expect(cut.error).toBeUndefined();
			expect(summaryOf(cut).run).toMatchObject({ created: 4, failed: 6 });
			const unsynced = Object.values(sync.records().unsynced);
			expect(unsynced.map((entry) => [entry.stage, entry.code, entry.attempts])).toEqual(Array(6).fill(['destination', 'HTTP503', 1]));
			expect(unsynced.every((entry) => /HTTP 503/.test(entry.message))).toBe(true);
			expect(Object.keys(sync.records().links)).toHaveLength(4);

			target.faults.clearOutage();
			const healed = await sync.run({ raw: sync.noChanges() });
			expect(summaryOf(healed).run).toMatchObject({ created: 6, failed: 0, mode: 'incremental' });
			expect(sync.records().unsynced).toEqual({});
			const ids = people.map((person) => onlyRequester(target, person).id);
			expect(new Set(ids).size).toBe(10);
			expect(Object.values(sync.records().links).sort()).toEqual([...ids].sort());
		});
	});

	describe('the delta cursor', () => {
		it('commits the cursor List Users staged in this execution once the run is applied, and not one staged by another execution', async () => {
			const sync = new Sync(target);
			const person = graphUser();

			const other = await sync.run({ mapped: sync.items([person], 'incremental'), staticData: staged(sync, 'exec-other'), executionId: `exec-${sync.id}-a` });
			expect(summaryOf(other).cursorCommitted).toBe(false);
			expect(globalStaticData(other.staticData)[SYNC_STATE_KEY]).toEqual({ [sync.id]: expect.objectContaining({ cursor: cursor('OLD'), pendingCursor: expect.objectContaining({ executionId: 'exec-other' }) }) });

			const executionId = `exec-${sync.id}-b`;
			const own = await sync.run({ mapped: sync.items([person], 'incremental'), staticData: staged(sync, executionId), executionId });
			expect(summaryOf(own).cursorCommitted).toBe(true);
			expect(globalStaticData(own.persistedStaticData)[SYNC_STATE_KEY]).toEqual({ [sync.id]: { cursor: cursor('NEW') } });
		});

		it('does not commit the cursor when the run fails (the destination rejects the credential), and lists no one as unsynced', async () => {
			const sync = new Sync(target);
			const people = users(3);
			await sync.run({ mapped: sync.items(people, 'full') });
			for (const person of people) person.jobTitle = 'Architect';
			const executionId = `exec-${sync.id}`;
			const start = staged(sync, executionId);

			const failed = await sync.run({ mapped: sync.items(people, 'incremental'), staticData: start, executionId, validCredential: false });
			expect(failed.error?.message).toMatch(/401/);
			expect(failed.outputs).toEqual([]);
			expect(failed.persistedStaticData).toEqual(start);
			expect(globalStaticData(failed.staticData)[SYNC_STATE_KEY]).toEqual(globalStaticData(start)[SYNC_STATE_KEY]);
			expect(globalStaticData(failed.staticData)[SYNC_RECORDS_KEY]).toEqual(globalStaticData(start)[SYNC_RECORDS_KEY]);
			for (const person of people) expect(onlyRequester(target, person).jobTitle).toBe('Engineer');
		});
	});

	describe('overlapping runs', () => {
		it('two runs of one sync started together create each requester once, and the later-saved records hold every link', async () => {
			const sync = new Sync(target);
			const people = users(8);
			const items = sync.items(people, 'incremental');

			const [a, b] = await Promise.all([sync.run({ mapped: items, staticData: {} }), sync.run({ mapped: items, staticData: {} })]);
			const runs = [summaryOf(a).run, summaryOf(b).run];
			expect(runs.map((run) => run.created as number).sort()).toEqual([0, 8]);
			expect(runs.map((run) => run.failed)).toEqual([0, 0]);
			for (const person of people) onlyRequester(target, person);

			const later = (runs[0].finishedAt as string) > (runs[1].finishedAt as string) ? a : b;
			// It started from the records the earlier run saved, not from the empty static data it was given.
			expect(summaryOf(later).cumulative).toMatchObject({ runs: 2, created: 8, unchanged: 8 });
			const links = sync.records(later).links;
			expect(Object.keys(links).sort()).toEqual(people.map((person) => person.id).sort());
			expect(people.map((person) => links[person.id])).toEqual(people.map((person) => onlyRequester(target, person).id));
		});

		it('runs in separate processes (no shared lock) never duplicate a requester, and the last saver covers every user', async () => {
			const people = users(8);
			const requesters = people.map((person) => {
				const result = mapUser(person, {});
				if (!result.ok) throw new Error('test user does not map');
				return result.requester;
			});
			const input: SyncInput = { mapped: requesters.map((requester, itemIndex) => ({ requester, itemIndex })), removed: [], unmapped: [], completeRead: false, mode: 'incremental' };
			const options = { dryRun: false, concurrency: 4, deactivateDisabled: true, safeguard: { maxCount: 500, maxPercent: 30 } };
			const empty: SyncRecords = { links: {}, unsynced: {} };

			const [a, b] = await Promise.all([runRequesterSync(target.core(), input, empty, options), runRequesterSync(target.core(), input, empty, options)]);
			for (const person of people) onlyRequester(target, person);
			expect(a.run.created + b.run.created).toBe(8);
			for (const last of [a, b]) {
				// Whichever saves last: every user is linked or waits in its unsynced registry.
				for (const person of people) expect(person.id in last.records.links || person.id in last.records.unsynced).toBe(true);
			}
			const next = await runRequesterSync(target.core(), { ...input, mapped: [] }, b.records, options);
			expect(next.records.unsynced).toEqual({});
			expect(people.map((person) => next.records.links[person.id])).toEqual(people.map((person) => onlyRequester(target, person).id));
		});
	});

	describe('unmapped users and paired items', () => {
		it('registers Unmapped input items with their reasons, counts them as failed, and pairs every output with its input item', async () => {
			const sync = new Sync(target, { options: { outputUsers: 'all' } });
			const [first, second] = users(2);
			const invalid = graphUser({ mail: 'not-an-email' });
			const reasons = [{ field: 'email', code: 'invalidEmail', message: 'Email "not-an-email" is not an email address' }];

			const result = await sync.run({ mapped: sync.items([first, second], 'incremental'), unmapped: [unmappedItem(invalid, 'incremental', sync.id, reasons)] });
			const summary = summaryOf(result);
			expect(summary.run).toMatchObject({ created: 2, failed: 1 });
			expect(summary.unsynced).toBe(1);
			expect(sync.records().unsynced[invalid.id]).toMatchObject({
				stage: 'validation',
				code: 'invalidEmail',
				message: 'email: Email "not-an-email" is not an email address',
				email: 'not-an-email',
				attempts: 1,
				requester: null,
			});
			expect(target.withEmail('not-an-email')).toEqual([]);

			const paired = Object.fromEntries(result.outputs[0].map((item) => [item.json.azureObjectId as string, item.pairedItem]));
			expect(paired).toEqual({ [first.id]: { item: 0, input: 0 }, [second.id]: { item: 1, input: 0 }, [invalid.id]: { item: 0, input: 1 } });
			expect(result.outputs[0].find((item) => item.json.azureObjectId === invalid.id)?.json).toMatchObject({
				status: 'failed',
				error: { stage: 'validation', code: 'invalidEmail', fields: [{ field: 'email', message: reasons[0].message }] },
			});
			expect(result.outputs[1][0].pairedItem).toEqual([
				{ item: 0, input: 0 },
				{ item: 1, input: 0 },
				{ item: 0, input: 1 },
			]);
		});
	});

	describe('settings that cannot work', () => {
		it('stop the node even with Continue On Fail: a Time Zone that is not a zone, users read for another Sync ID', async () => {
			const sync = new Sync(target);
			const people = users(1);
			const badZone = await sync.run({ mapped: sync.items(people, 'full'), options: { timeZone: 'Mars/Olympus' }, continueOnFail: true });
			expect(badZone.error?.message).toBe('Time Zone "Mars/Olympus" is not a known IANA time zone');
			expect((badZone.error as { description?: string }).description).toBe('Use a name such as Europe/Oslo or America/New_York');
			const other = new Sync(target);
			const foreign = await sync.run({ mapped: other.items(people, 'full'), continueOnFail: true });
			expect(foreign.error?.message).toBe(`The users were read for Sync ID "${other.id}" but this node uses "${sync.id}"`);
			expect(target.withEmail(people[0].mail)).toEqual([]);
		});

		it('stop the node on a Rate Budget Share of 150 %, naming the field, before any request', async () => {
			const sync = new Sync(target);
			const people = users(1);
			const before = target.requests().length;
			const result = await sync.run({ mapped: sync.items(people, 'full'), parameters: { destinationOptions: { maxTries: 2, rateBudgetShare: 150 } } });
			expect(result.error?.message).toBe('Rate Budget Share must be a percentage above 0 and at most 100, got 150');
			expect((result.error as { description?: string }).description).toBe('Fix "Rate Budget Share" in the Destination Options.');
			expect(target.requests().length).toBe(before);
		});
	});
});
