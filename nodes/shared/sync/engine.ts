/**
 * The sync of requesters into a destination: resolve what the destination holds, plan every user,
 * hold back mass deactivations, apply with bounded concurrency, link managers in a second pass,
 * and keep the unsynced registry, the links and the statistics. Nothing is lost: a change that
 * fails is registered with its reason and retried on the next run.
 */
import type { DestinationRecord, RequesterChanges, RequesterDestination } from '../destinations/types';
import { describeError } from '../errorSummary';
import { DestinationValidationError } from '../destinations/types';
import { HttpError } from '../http/errors';
import type { Requester } from '../requester/model';
import { mapWithConcurrency } from './concurrency';
import { WriteGate, type RunBounds } from './writeGate';
import { recordResolver, type RecordLookup } from './lookup';
import { managersFirst } from './managers';
import { checkSafeguard, describeChanges, planRemoval, planRequester, type FieldChange, type PlannedAction, type SafeguardSettings, type SafeguardVerdict } from './plan';
import { clearFailure, listUnsynced, recordFailure, type FailureStage, type RemovalReason, type UnsyncedRegistry } from './registry';
import { accumulate, emptyCounts, totalSynced, type CumulativeStatistics, type RunStatistics, type SyncProgress } from './stats';

export interface MappedUser {
	requester: Requester;
	itemIndex?: number;
}

export interface RemovedUser {
	azureObjectId: string;
	reason: RemovalReason;
	itemIndex?: number;
}

export interface UnmappedUser {
	azureObjectId: string;
	userPrincipalName: string | null;
	email: string | null;
	displayName: string | null;
	stage: 'mapping' | 'validation';
	reasons: Array<{ field: string; code: string; message: string }>;
	itemIndex?: number;
}

export interface SyncInput {
	mapped: MappedUser[];
	removed: RemovedUser[];
	unmapped: UnmappedUser[];
	/** The read covered every in-scope user, so managed requesters not seen are out of scope. */
	completeRead: boolean;
	mode: RunStatistics['mode'];
}

/** The part of a sync's static data this engine owns. */
export interface SyncRecords {
	/** Azure object id → destination id of every requester this sync manages. */
	links: Record<string, string>;
	unsynced: UnsyncedRegistry;
	stats?: CumulativeStatistics;
	lastRun?: RunStatistics;
	/** While a bounded first sync (or a long catch-up) is unfinished: how far it is. */
	progress?: SyncProgress;
}

export interface SyncOptions {
	dryRun: boolean;
	safeguard: SafeguardSettings;
	concurrency: number;
	deactivateDisabled: boolean;
	now?: () => Date;
	/**
	 * Bounds of one run: once this many writes have started, or at this time, no new write starts
	 * (the ones in flight finish). The users left are `deferred`: not written, not unsynced; the next
	 * run plans them again from what the destination holds, so no acknowledged write is repeated.
	 */
	bounds?: RunBounds;
	/** Told after every `progressEvery` writes (default 500), so a long run shows movement in the log. */
	onProgress?: (writes: number) => void;
	progressEvery?: number;
	/**
	 * Told of a user's outcome as soon as it is written (done, failed, held back; again when its
	 * manager link is written), with the time, so a run that stops on an error still has what it did.
	 */
	onWritten?: (outcome: UserOutcome, at: string) => void;
}

export type OutcomeStatus = 'planned' | 'done' | 'failed' | 'blocked' | 'skipped' | 'deferred';

export interface UserOutcome {
	azureObjectId: string;
	email: string | null;
	displayName: string | null;
	action: PlannedAction;
	status: OutcomeStatus;
	reason: string;
	changedFields: string[];
	/** Old → new of each changed field (updates, reactivations, the manager link). */
	fieldChanges?: FieldChange[];
	destinationId: string | null;
	/** Where this user came from: an input item, or the unsynced registry (a retry). */
	source: 'input' | 'retry';
	itemIndex?: number;
	error?: { stage: FailureStage; code: string; message: string; fields?: Array<{ field: string; message: string }> };
	manager?: { status: 'linked' | 'cleared' | 'unchanged' | 'notSynced' | 'failed' | 'deferred'; managerId?: string | null; message?: string };
}

export interface SyncResult {
	outcomes: UserOutcome[];
	run: RunStatistics;
	safeguard: SafeguardVerdict;
	records: SyncRecords;
	/** Set when a bound stopped the run: how many users' writes were left for the next run, and why. */
	partial?: { deferred: number; reason: string };
	/** Writes this run started (creates, updates, de/reactivations, manager links). */
	writes: number;
}

interface Task {
	azureObjectId: string;
	requester: Requester | null;
	removal?: RemovalReason;
	record: DestinationRecord | null;
	outcome: UserOutcome;
	/** The fields an update or reactivation writes, once planned. */
	changes: RequesterChanges;
	/** The manager's destination id, when the create already set it (no second write needed). */
	managerAtCreate?: string;
}

export async function runRequesterSync(destination: RequesterDestination, input: SyncInput, previous: SyncRecords, options: SyncOptions): Promise<SyncResult> {
	const now = options.now ?? (() => new Date());
	const startedAt = now();
	const records: SyncRecords = {
		links: { ...previous.links },
		unsynced: structuredClone(previous.unsynced),
		stats: previous.stats,
		lastRun: previous.lastRun,
		...(previous.progress ? { progress: previous.progress } : {}),
	};
	const counts = emptyCounts();
	const stamp = () => now().toISOString();
	const gate = new WriteGate(options.bounds, now, options.onProgress, options.progressEvery);

	const { mapped, removed } = withRetries(input, records.unsynced);
	const outcomes: UserOutcome[] = [];

	/** Stamps a written outcome and reports it; the time is the one its registry entry gets. */
	const written = (outcome: UserOutcome): string => {
		const at = stamp();
		options.onWritten?.(outcome, at);
		return at;
	};

	for (const user of input.unmapped) {
		const at = stamp();
		const outcome = registerUnmapped(user, records.unsynced, options.dryRun, at);
		outcomes.push(outcome);
		if (!options.dryRun) {
			options.onWritten?.(outcome, at);
			counts.failed++;
		}
	}

	const lookup = await recordResolver(destination, records.links, input.completeRead);
	const tasks: Task[] = [];
	await mapWithConcurrency(mapped, options.concurrency, async (user) => {
		const task = await resolveTask(lookup, user.requester.azureObjectId, user.requester, undefined, user, records);
		tasks.push(task);
	});
	await mapWithConcurrency(removed, options.concurrency, async (user) => {
		tasks.push(await resolveTask(lookup, user.azureObjectId, null, user.reason, user, records));
	});
	if (input.completeRead) {
		const seen = new Set([...mapped.map((u) => u.requester.azureObjectId), ...removed.map((u) => u.azureObjectId), ...input.unmapped.map((u) => u.azureObjectId)]);
		for (const [azureObjectId] of Object.entries(records.links)) {
			if (seen.has(azureObjectId)) continue;
			tasks.push(await resolveTask(lookup, azureObjectId, null, 'outOfScope', {}, records));
		}
	}
	for (const task of tasks) {
		if (task.outcome.status !== 'failed' || options.dryRun) continue;
		recordFailure(records.unsynced, failureOf(task, 'destination', task.outcome.error!.code, task.outcome.error!.message), written(task.outcome));
		counts.failed++;
	}
	tasks.sort((a, b) => (a.outcome.itemIndex ?? Number.MAX_SAFE_INTEGER) - (b.outcome.itemIndex ?? Number.MAX_SAFE_INTEGER) || a.azureObjectId.localeCompare(b.azureObjectId));

	for (const task of tasks) {
		if (task.outcome.status === 'failed') continue;
		const plan = task.requester
			? planRequester(task.requester, task.record, destination, { deactivateDisabled: options.deactivateDisabled })
			: planRemoval(task.record, task.removal ?? 'outOfScope');
		Object.assign(task.outcome, { action: plan.action, reason: plan.reason, changedFields: Object.keys(plan.changes) });
		if (task.record && Object.keys(plan.changes).length > 0) task.outcome.fieldChanges = describeChanges(task.record, plan.changes);
		task.changes = plan.changes;
	}

	const deactivations = tasks.filter((t) => t.outcome.action === 'deactivate' && t.outcome.status !== 'failed');
	const safeguard = checkSafeguard(deactivations.length, Object.keys(records.links).length, options.safeguard);

	if (options.dryRun) {
		for (const task of tasks) if (task.outcome.status !== 'failed') task.outcome.status = task.outcome.action === 'deactivate' && safeguard.tripped ? 'blocked' : 'planned';
		return finish();
	}

	for (const task of tasks) {
		if (task.outcome.action === 'deactivate' && safeguard.tripped) {
			task.outcome.status = 'blocked';
			counts.blocked++;
			recordFailure(records.unsynced, failureOf(task, 'safeguard', 'deactivationSafeguard', safeguard.message), written(task.outcome));
		}
	}

	const writes = tasks.filter((t) => t.outcome.status !== 'failed' && t.outcome.status !== 'blocked');
	const first = writes.filter((t) => t.outcome.action !== 'deactivate');
	const last = writes.filter((t) => t.outcome.action === 'deactivate');
	const byObjectId = new Map(tasks.map((task) => [task.azureObjectId, task]));
	for (const round of managersFirst(first)) await mapWithConcurrency(round, options.concurrency, (task) => applyTask(task));
	await mapWithConcurrency(last, options.concurrency, (task) => applyTask(task));
	if (destination.capabilities.reportingManager) {
		await mapWithConcurrency(writes.filter((t) => t.requester && t.outcome.status === 'done'), options.concurrency, (task) => linkManager(task));
	}
	return finish();

	async function applyTask(task: Task): Promise<void> {
		const { outcome } = task;
		if (['create', 'update', 'reactivate', 'deactivate'].includes(outcome.action) && !gate.mayWrite()) return defer(outcome);
		try {
			switch (outcome.action) {
				case 'create': {
					const managerId = managerReadyFor(task);
					const created = await createWithManager(task.requester!, managerId);
					task.record = created;
					outcome.destinationId = created.id;
					counts.created++;
					if (managerId !== undefined && created.managerId === managerId) {
						task.managerAtCreate = managerId;
						outcome.manager = { status: 'linked', managerId };
						counts.managersLinked++;
					}
					break;
				}
				case 'update':
					await destination.update(task.record!.id, task.changes, task.requester!);
					counts.updated++;
					break;
				case 'reactivate':
					await destination.reactivate(task.record!.id);
					if (Object.keys(task.changes).length > 0) await destination.update(task.record!.id, task.changes, task.requester!);
					counts.reactivated++;
					break;
				case 'deactivate':
					await destination.deactivate(task.record!.id);
					counts.deactivated++;
					break;
				case 'unchanged':
					counts.unchanged++;
					break;
				case 'skip':
					outcome.status = 'skipped';
					clearFailure(records.unsynced, task.azureObjectId);
					return;
				case 'conflict':
					fail(task, 'destination', 'keyConflict', outcome.reason);
					return;
			}
			outcome.status = 'done';
			if (task.record) records.links[task.azureObjectId] = task.record.id;
			clearFailure(records.unsynced, task.azureObjectId);
			written(outcome);
		} catch (error) {
			if (isCredentialRejected(error)) throw error;
			// Refused unprocessed with a wait longer than requests make: left for the next run, as are the writes after it.
			if (gate.holdOff(error)) return defer(outcome);
			const summary = describeError(error);
			fail(task, 'destination', summary.code, summary.message, error instanceof DestinationValidationError ? error.reasons : undefined);
		}
	}

	function defer(outcome: UserOutcome): void {
		outcome.status = 'deferred';
		outcome.reason = `${gate.stoppedBy}: left for the next run`;
	}

	function deferLink(task: Task, managerId: string | null): void {
		task.outcome.manager = { status: 'deferred', managerId, message: `${gate.stoppedBy}: linked by the next run` };
	}

	/**
	 * A create that carries the manager and is refused for the manager alone is sent again without
	 * it: the requester is created, and the second pass links (or reports) the manager as before.
	 */
	async function createWithManager(requester: Requester, managerId: string | undefined): Promise<DestinationRecord> {
		if (managerId === undefined) return await destination.create(requester);
		try {
			return await destination.create(requester, { managerId });
		} catch (error) {
			const refusedManagerOnly = error instanceof DestinationValidationError && error.reasons.length > 0 && error.reasons.every((reason) => reason.field === 'manager');
			if (!refusedManagerOnly) throw error;
			return await destination.create(requester);
		}
	}

	/**
	 * The destination id of the task's manager when it can go into the create: the manager is
	 * handled in this run and exists, active, in the destination (created, updated, reactivated or
	 * unchanged before this create). Otherwise the second pass links it.
	 */
	function managerReadyFor(task: Task): string | undefined {
		const wanted = task.requester?.manager;
		if (!wanted || !destination.capabilities.reportingManager) return undefined;
		const manager = byObjectId.get(wanted.azureObjectId);
		if (!manager?.record || manager.outcome.status !== 'done' || manager.outcome.action === 'deactivate' || !manager.record.active) return undefined;
		return manager.record.id;
	}

	async function linkManager(task: Task): Promise<void> {
		if (task.managerAtCreate !== undefined) return;
		const wanted = task.requester!.manager;
		const current = task.record?.managerId ?? null;
		const managerId = wanted ? (records.links[wanted.azureObjectId] ?? null) : null;
		if (wanted && !managerId) {
			task.outcome.manager = { status: 'notSynced', message: `Manager ${wanted.email ?? wanted.upn ?? wanted.azureObjectId} is not a synced requester` };
			return;
		}
		if (managerId === current) {
			task.outcome.manager = { status: 'unchanged', managerId };
			return;
		}
		if (!gate.mayWrite()) return deferLink(task, managerId);
		try {
			await destination.setManager(task.record!.id, managerId);
			task.outcome.manager = { status: managerId ? 'linked' : 'cleared', managerId };
			(task.outcome.fieldChanges ??= []).push({ field: 'manager', from: current, to: managerId });
			counts.managersLinked++;
			written(task.outcome);
		} catch (error) {
			if (isCredentialRejected(error)) throw error;
			if (gate.holdOff(error)) return deferLink(task, managerId);
			const summary = describeError(error);
			task.outcome.manager = { status: 'failed', message: summary.message };
			recordFailure(records.unsynced, failureOf(task, 'manager', summary.code, `Reporting manager not linked: ${summary.message}`), written(task.outcome));
			counts.failed++;
		}
	}

	function fail(task: Task, stage: FailureStage, code: string, message: string, fields?: Array<{ field: string; message: string }>) {
		task.outcome.status = 'failed';
		task.outcome.error = { stage, code, message, ...(fields ? { fields } : {}) };
		recordFailure(records.unsynced, failureOf(task, stage, code, message), written(task.outcome));
		counts.failed++;
	}

	function finish(): SyncResult {
		const finishedAt = now();
		const run: RunStatistics = {
			...counts,
			totalSynced: totalSynced(counts),
			startedAt: startedAt.toISOString(),
			finishedAt: finishedAt.toISOString(),
			durationMs: finishedAt.getTime() - startedAt.getTime(),
			mode: input.mode,
			dryRun: options.dryRun,
		};
		outcomes.push(...tasks.map((t) => t.outcome));
		if (options.dryRun) return { outcomes, run, safeguard, records: previous, writes: 0 };
		records.lastRun = run;
		records.stats = accumulate(records.stats, run, listUnsynced(records.unsynced).length);
		const deferred = tasks.filter((t) => t.outcome.status === 'deferred').length;
		return { outcomes, run, safeguard, records, writes: gate.writes, ...(gate.stoppedBy ? { partial: { deferred, reason: gate.stoppedBy } } : {}) };
	}
}

/** Registry entries that will not come as input this run are retried from what was stored. */
function withRetries(input: SyncInput, registry: UnsyncedRegistry): { mapped: MappedUser[]; removed: RemovedUser[] } {
	const present = new Set([
		...input.mapped.map((u) => u.requester.azureObjectId),
		...input.removed.map((u) => u.azureObjectId),
		...input.unmapped.map((u) => u.azureObjectId),
	]);
	const mapped = [...input.mapped];
	const removed = [...input.removed];
	for (const entry of listUnsynced(registry)) {
		if (present.has(entry.azureObjectId)) continue;
		if (entry.removal) removed.push({ azureObjectId: entry.azureObjectId, reason: entry.removal });
		else if (entry.requester) mapped.push({ requester: entry.requester });
	}
	return { mapped, removed };
}

async function resolveTask(
	lookup: RecordLookup,
	azureObjectId: string,
	requester: Requester | null,
	removal: RemovalReason | undefined,
	source: { itemIndex?: number },
	records: SyncRecords,
): Promise<Task> {
	const outcome: UserOutcome = {
		azureObjectId,
		email: requester?.email ?? records.unsynced[azureObjectId]?.email ?? null,
		displayName: requester?.fullName ?? records.unsynced[azureObjectId]?.displayName ?? null,
		action: 'unchanged',
		status: 'planned',
		reason: '',
		changedFields: [],
		destinationId: null,
		source: source.itemIndex === undefined && removal !== 'outOfScope' ? 'retry' : 'input',
		...(source.itemIndex === undefined ? {} : { itemIndex: source.itemIndex }),
	};
	const task: Task = { azureObjectId, requester, removal, record: null, outcome, changes: {} };
	try {
		task.record = await lookup.byAzureObjectId(azureObjectId, requester?.ssoKey ?? null);
		outcome.destinationId = task.record?.id ?? null;
	} catch (error) {
		if (isCredentialRejected(error)) throw error;
		const summary = describeError(error);
		outcome.status = 'failed';
		outcome.action = removal ? 'deactivate' : 'update';
		outcome.reason = 'Could not look the requester up in the destination';
		outcome.error = { stage: 'destination', code: summary.code, message: summary.message };
	}
	return task;
}

/**
 * The destination refused the credential (HTTP 401): no user's fault, so the run fails (and the
 * cursor stays put) instead of listing every user as unsynced with the same error.
 */
function isCredentialRejected(error: unknown): boolean {
	return error instanceof HttpError && error.status === 401;
}

function failureOf(task: Task, stage: FailureStage, code: string, message: string) {
	const requester = task.requester;
	return {
		azureObjectId: task.azureObjectId,
		userPrincipalName: null,
		email: requester?.email ?? task.outcome.email,
		displayName: requester?.fullName ?? task.outcome.displayName,
		stage,
		code,
		message,
		requester,
		...(task.removal || task.outcome.action === 'deactivate' ? { removal: task.removal ?? ('disabled' as RemovalReason) } : {}),
	};
}

function registerUnmapped(user: UnmappedUser, registry: UnsyncedRegistry, dryRun: boolean, now: string): UserOutcome {
	const message = user.reasons.map((reason) => `${reason.field}: ${reason.message}`).join('; ');
	const code = user.reasons[0]?.code ?? 'invalid';
	if (!dryRun) {
		recordFailure(
			registry,
			{ azureObjectId: user.azureObjectId, userPrincipalName: user.userPrincipalName, email: user.email, displayName: user.displayName, stage: user.stage, code, message, requester: null },
			now,
		);
	}
	return {
		azureObjectId: user.azureObjectId,
		email: user.email,
		displayName: user.displayName,
		action: 'skip',
		status: dryRun ? 'planned' : 'failed',
		reason: 'Not mapped: the user has invalid or missing attributes',
		changedFields: [],
		destinationId: null,
		source: 'input',
		...(user.itemIndex === undefined ? {} : { itemIndex: user.itemIndex }),
		error: { stage: user.stage, code, message, fields: user.reasons.map(({ field, message: text }) => ({ field, message: text })) },
	};
}
