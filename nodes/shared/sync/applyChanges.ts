/**
 * The apply half of a sync run (Upsert Requester). It checks the input was read for this sync,
 * then, holding the sync's lock, applies it to the destination from the freshest records and
 * saves the records the run leaves. Only then does it commit the cursor the read half staged:
 * every change that read found is now applied or listed as unsynced. A run that fails saves
 * nothing and leaves the cursor where it was, so the next run reads the same changes again.
 */
import { NO_ACTOR } from '../audit/record';
import type { RequesterDestination } from '../destinations/types';
import type { RateBudgetStats } from '../http/rateBudget';
import type { SsoKeyKind } from '../requester/model';
import { requesterChangeEntries, type RequesterChangeRecord } from './auditTrail';
import { SyncStateError, normaliseSyncId, promotePending } from './cursor';
import { runRequesterSync, type SyncInput, type SyncRecords, type SyncResult, type UserOutcome } from './engine';
import { freshestRecords, rememberRecords, withSyncLock } from './lock';
import type { SafeguardSettings, SafeguardVerdict } from './plan';
import { describeDuration, describePacing, describeTime, isValidTimeZone, type CumulativeStatistics, type RunStatistics, type SyncProgress } from './stats';
import type { SyncHost, SyncStore } from './store';

/** Which outcomes the report lists: changes and failures, every user, or none. */
export type OutputUsers = 'changes' | 'all' | 'none';

export interface ApplyRequest {
	/** The Sync ID as typed; checked here. */
	syncId: unknown;
	input: SyncInput;
	/** The Sync IDs the input was read for (its items' markers). */
	readFor: Iterable<string>;
	dryRun: boolean;
	safeguard: SafeguardSettings;
	concurrency: number;
	deactivateDisabled: boolean;
	outputUsers: OutputUsers;
	/** IANA zone of the summary's human-readable last synced time. */
	timeZone: string;
	/** Stop starting writes after this many (0 or absent: no limit). */
	maxWritesPerRun?: number;
	/** Stop starting writes this many minutes after the apply starts (0 or absent: no limit). */
	maxRunMinutes?: number;
}

export interface SyncSummary {
	syncId: string;
	dryRun: boolean;
	destination: string;
	run: RunStatistics;
	safeguard: SafeguardVerdict;
	cursorCommitted: boolean;
	/** True when a bound (Max Writes Per Run, Max Run Time) stopped the run; the next run goes on. */
	partial: boolean;
	/** Users whose writes were left for the next run (0 unless partial). */
	remaining: number;
	/** How far a first sync spread over several runs is: done / total, the rate, an ETA. */
	progress: SyncProgress | null;
	cumulative: CumulativeStatistics | null;
	lastSynced: ReturnType<typeof describeTime>;
	unsynced: number;
	syncedRequesters: number;
}

export interface ApplyReport {
	/** The outcomes `outputUsers` asks for. */
	users: UserOutcome[];
	summary: SyncSummary;
	/** One record per requester change of this run (none for a dry run). */
	audit: RequesterChangeRecord[];
}

/** Opens the destination; the key kind is the one the input's requesters are matched by. */
export type ConnectDestination = (keyKind: SsoKeyKind | undefined) => Promise<RequesterDestination>;

export async function applyChanges(host: SyncHost, request: ApplyRequest, connect: ConnectDestination): Promise<ApplyReport> {
	const syncId = checkApplyRequest(request);
	const destination = await connect(request.input.mapped[0]?.requester.ssoKey.kind);
	const actor = host.actor ?? NO_ACTOR;
	// Each outcome's last write, in the order they were written.
	const writtenAt = new Map<UserOutcome, Date>();
	const timeOf = (outcome: UserOutcome) => writtenAt.get(outcome) ?? host.now?.() ?? new Date();
	let result: SyncResult;
	try {
		result = await applyLocked(host, syncId, destination, request, (outcome, at) => {
			writtenAt.delete(outcome);
			writtenAt.set(outcome, new Date(at));
		});
	} catch (error) {
		// The writes made before the error stay made: their records are kept before it is rethrown.
		if (writtenAt.size > 0) host.keepFailedRunAudit?.(requesterChangeEntries([...writtenAt.keys()], actor, timeOf));
		throw error;
	}
	// Every change this run read is now applied or listed as unsynced: the cursor may move on.
	// Not after a bounded stop: the next run reads the same changes again and writes only what is
	// still missing, and the cursor moves once a run has applied all of them.
	const cursorCommitted = request.dryRun || result.partial ? false : commitStagedCursor(host.store, syncId, host.runId);

	const prefix = `Upsert Requester (Sync ID "${syncId}")`;
	const { run, safeguard, records } = result;
	if (safeguard.tripped) host.logger.warn(`${prefix}: ${safeguard.message}`);
	if (result.partial) {
		host.logger.info(`${prefix}: ${result.partial.reason}; ${result.partial.deferred} user(s) left for the next run, the cursor stays until they are applied`);
	}
	host.logger.info(
		`${prefix}${request.dryRun ? ' dry run' : ''}: ${run.created} created, ${run.updated} updated, ${run.unchanged} unchanged, ${run.deactivated} deactivated, ${run.reactivated} reactivated, ${run.failed} failed`,
	);
	const summary: SyncSummary = {
		syncId,
		dryRun: request.dryRun,
		destination: destination.label,
		run,
		safeguard,
		cursorCommitted,
		partial: result.partial !== undefined,
		remaining: result.partial?.deferred ?? 0,
		progress: records.progress ?? null,
		cumulative: records.stats ?? null,
		lastSynced: describeTime(records.stats?.lastSyncedAt ?? null, request.timeZone, host.now?.()),
		unsynced: Object.keys(records.unsynced).length,
		syncedRequesters: Object.keys(records.links).length,
	};
	const audit = request.dryRun ? [] : requesterChangeEntries(result.outcomes, actor, timeOf);
	return { users: selectOutcomes(result.outcomes, request.outputUsers), summary, audit };
}

/**
 * Promotes the cursor `runId` staged to committed; returns whether there was one. A cursor staged
 * by another run stays pending: this run did not apply the changes that read found.
 */
export function commitStagedCursor(store: SyncStore, syncId: string, runId: string | undefined): boolean {
	const { entry, promoted } = promotePending(store.loadEntry(syncId), runId);
	if (promoted) store.saveEntry(syncId, entry);
	return promoted;
}

/**
 * The Sync ID, once the time zone and the input's own Sync IDs are known to fit. applyChanges
 * checks again; a node calls it first so settings that cannot work stop it even with Continue On Fail.
 */
export function checkApplyRequest(request: ApplyRequest): string {
	const syncId = normaliseSyncId(request.syncId);
	if (!isValidTimeZone(request.timeZone)) {
		throw new SyncStateError('Time Zone', `Time Zone "${request.timeZone}" is not a known IANA time zone`, 'Use a name such as Europe/Oslo or America/New_York');
	}
	const foreign = [...request.readFor].find((id) => id !== syncId);
	if (foreign !== undefined) {
		throw new SyncStateError(
			'Sync ID',
			`The users were read for Sync ID "${foreign}" but this node uses "${syncId}"`,
			'Give List Users and Upsert Requester the same Sync ID, so the cursor is committed for the sync that read the users',
		);
	}
	return syncId;
}

/** Runs of one sync take turns; each starts from the records the one before it saved. */
async function applyLocked(
	host: SyncHost,
	syncId: string,
	destination: RequesterDestination,
	request: ApplyRequest,
	onWritten: (outcome: UserOutcome, at: string) => void,
): Promise<SyncResult> {
	const lockKey = `${host.workflowId}:${syncId}`;
	return await withSyncLock(lockKey, async () => {
		const records = freshestRecords(lockKey, host.store.loadRecords(syncId));
		const budgetBefore = destination.rateBudget?.stats();
		const run = await runRequesterSync(destination, request.input, records, {
			dryRun: request.dryRun,
			concurrency: request.concurrency,
			deactivateDisabled: request.deactivateDisabled,
			safeguard: request.safeguard,
			now: host.now,
			bounds: {
				maxWrites: request.maxWritesPerRun,
				deadline: request.maxRunMinutes ? new Date((host.now?.() ?? new Date()).getTime() + request.maxRunMinutes * 60_000) : undefined,
			},
			onProgress: (writes) => host.logger.info(`Upsert Requester (Sync ID "${syncId}"): ${writes} writes so far`),
			onWritten,
		});
		if (!request.dryRun) {
			recordProgress(run, host.now?.() ?? new Date(), budgetBefore && destination.rateBudget && { before: budgetBefore, after: destination.rateBudget.stats() });
			host.store.saveRecords(syncId, run.records);
			rememberRecords(lockKey, records, run.records);
		}
		return run;
	});
}

/**
 * Progress kept with the records while users are left for a next run (and once more on the run
 * that finishes, marked done), so the Summary, the statistics output and `npm run stats` show it;
 * with the destination's pacing figures when its requests are paced.
 */
function recordProgress(result: SyncResult, now: Date, budget?: { before: RateBudgetStats; after: RateBudgetStats }): void {
	const records: SyncRecords = result.records;
	if (!result.partial && !records.progress?.unfinished) {
		delete records.progress;
		return;
	}
	const left = result.partial?.deferred ?? 0;
	const done = Object.keys(records.links).length;
	const minutes = Math.max(result.run.durationMs, 1) / 60_000;
	const writesPerMinute = Math.round(result.writes / minutes);
	const etaMinutes = left === 0 ? 0 : writesPerMinute > 0 ? Math.ceil(left / writesPerMinute) : null;
	records.progress = {
		unfinished: left > 0,
		done,
		total: done + left + Object.keys(records.unsynced).length,
		writesPerMinute,
		etaMinutes,
		eta: etaMinutes === null ? null : describeDuration(etaMinutes),
		updatedAt: now.toISOString(),
		...(budget ? { pacing: describePacing(budget.before, budget.after) } : {}),
	};
}

function selectOutcomes(outcomes: UserOutcome[], mode: OutputUsers): UserOutcome[] {
	if (mode === 'none') return [];
	if (mode === 'all') return outcomes;
	return outcomes.filter((outcome) => outcome.action !== 'unchanged' && outcome.status !== 'skipped');
}
