/**
 * The incremental read, `GET /users/delta`: a cursor (deltaLink) followed to the end gives the
 * users changed since it was taken. Delta filters by id only, so every scope check runs on the
 * changed users, and a user that left the scope comes out as removed (`outOfScope`). Delta cannot
 * `$expand`, so changed users are read again with their manager when the manager is wanted.
 */
import { MANAGER_ATTRIBUTE } from '../requester/attributes';
import type { SyncReadInfo, SyncReadResult, UserChange } from '../sync/types';
import { MAX_PAGE_SIZE, type GraphClient, type GraphQuery } from './client';
import { GraphError } from './errors';
import { collectIds, groupMemberIds, listUsers } from './fullRead';
import { odataString, withoutAnnotations } from './odata';
import { MANAGER_EXPAND, type GraphUserRecord, type UserSelection } from './userSelection';
import { ADVANCED_HEADERS, groupIdsOf, scopeClauses, selectWithScopeReads, type UserScope, type UserTest } from './userScope';

/** Graph accepts at most 15 values in one `in (...)` filter. */
const MAX_IN_VALUES = 15;

export interface DeltaReadPlan {
	/**
	 * `$select` for users/delta: the attributes, what the scope checks read, and `manager` (so a
	 * new manager counts as a change). The cursor remembers it; a different one needs a full read.
	 */
	select: string;
	/** `$select` when re-reading changed users with their manager expanded. */
	userSelect: string[];
	expandManager: boolean;
	clientTests: UserTest[];
	groupIds: string[];
	customFilter?: { filter: string; advanced: boolean };
}

export function planDeltaRead(selection: UserSelection, scope: UserScope): DeltaReadPlan {
	const clauses = scopeClauses(scope);
	const userSelect = selectWithScopeReads(selection.select, clauses);
	const custom = clauses.find((clause) => !clause.test);
	return {
		select: [...userSelect, ...(selection.expandManager ? [MANAGER_ATTRIBUTE] : [])].join(','),
		userSelect,
		expandManager: selection.expandManager,
		clientTests: clauses.flatMap((clause) => (clause.test ? [clause.test] : [])),
		groupIds: groupIdsOf(scope),
		customFilter: custom ? { filter: custom.filter, advanced: custom.advanced } : undefined,
	};
}

/** "Sync from now": a deltaLink for the given `$select` that reports changes made after this call. */
export async function takeDeltaCursor(client: GraphClient, select: string): Promise<string> {
	let deltaLink: string | undefined;
	for await (const page of client.paginate('/users/delta', { $deltatoken: 'latest', $select: select })) {
		deltaLink = page.deltaLink ?? deltaLink;
	}
	if (!deltaLink) throw new Error('Microsoft Graph answered users/delta?$deltatoken=latest without an @odata.deltaLink');
	return deltaLink;
}

/** Whether Graph refused a cursor because it expired (410 Gone, syncStateNotFound, resyncRequired). */
export function isCursorExpired(error: unknown): boolean {
	return error instanceof GraphError && (error.status === 410 || /^(syncStateNotFound|resyncRequired|syncStateInvalid)$/i.test(error.code));
}

/**
 * Follows a deltaLink to the end: the changes since the cursor, scoped, and the next deltaLink.
 * With no changes that is one request.
 */
export async function readUserChanges(
	client: GraphClient,
	deltaLink: string,
	plan: DeltaReadPlan,
	retryIds: readonly string[] = [],
): Promise<{ changes: UserChange[]; deltaLink: string }> {
	// A user changed twice may appear twice; its last appearance is its current state.
	const latest = new Map<string, Record<string, unknown>>();
	let next: string | undefined;
	for await (const page of client.paginate<Record<string, unknown>>(deltaLink)) {
		for (const entry of page.value) {
			if (typeof entry.id !== 'string') continue;
			latest.delete(entry.id);
			latest.set(entry.id, entry);
		}
		next = page.deltaLink ?? next;
	}
	if (!next) throw new Error('Microsoft Graph ended a users/delta round without an @odata.deltaLink');
	await addRetries(client, latest, retryIds, plan);
	return { changes: await scopeChanges(client, [...latest.values()], plan), deltaLink: next };
}

async function scopeChanges(client: GraphClient, entries: Array<Record<string, unknown>>, plan: DeltaReadPlan): Promise<UserChange[]> {
	const present = entries.filter((entry) => !isRecord(entry['@removed'])) as GraphUserRecord[];
	let inScope = present.filter((user) => plan.clientTests.every((test) => test(user)));
	if (plan.groupIds.length > 0 && inScope.length > 0) {
		const members = await groupMemberIds(client, plan.groupIds);
		inScope = inScope.filter((user) => members.has(user.id.toLowerCase()));
	}
	if (plan.customFilter && inScope.length > 0) {
		const matching = await idsMatchingFilter(client, inScope.map((user) => user.id), plan.customFilter);
		inScope = inScope.filter((user) => matching.has(user.id.toLowerCase()));
	}
	const current = plan.expandManager && inScope.length > 0 ? await usersByIds(client, inScope.map((user) => user.id), plan.userSelect) : undefined;
	const inScopeIds = new Set(inScope.map((user) => user.id));

	return entries.map((entry): UserChange => {
		const removed = entry['@removed'];
		const id = entry.id as string;
		if (isRecord(removed)) return { user: { id }, removed: removed.reason === 'deleted' ? 'deleted' : 'changed' };
		if (!inScopeIds.has(id)) return { user: fromDelta(entry, false), removed: 'outOfScope' };
		return { user: current?.get(id.toLowerCase()) ?? fromDelta(entry, plan.expandManager) };
	});
}

/**
 * Users the sync could not map last time come again even when unchanged, so a fixed mapping (or a
 * fixed attribute) heals them in incremental mode too. One that no longer exists counts as deleted.
 */
async function addRetries(client: GraphClient, latest: Map<string, Record<string, unknown>>, retryIds: readonly string[], plan: DeltaReadPlan): Promise<void> {
	const missing = retryIds.filter((id) => !latest.has(id));
	if (missing.length === 0) return;
	const found = await usersByIds(client, missing, plan.userSelect, plan.expandManager);
	for (const id of missing) latest.set(id, found.get(id.toLowerCase()) ?? { id, '@removed': { reason: 'deleted' } });
}

/** Ids (lower case) among `ids` that match a filter only Graph can evaluate. */
async function idsMatchingFilter(client: GraphClient, ids: readonly string[], custom: { filter: string; advanced: boolean }): Promise<Set<string>> {
	const matching = new Set<string>();
	for (const batch of chunks(ids, MAX_IN_VALUES)) {
		const query: GraphQuery = { $filter: `${custom.filter} and ${idInFilter(batch)}`, $select: 'id', $top: MAX_PAGE_SIZE };
		if (custom.advanced) query.$count = true;
		const found = await collectIds(client, '/users', query, custom.advanced ? ADVANCED_HEADERS : undefined);
		for (const id of found) matching.add(id);
	}
	return matching;
}

/** Current state of users with the manager expanded (delta cannot expand), keyed by lower-case id. */
async function usersByIds(client: GraphClient, ids: readonly string[], select: readonly string[], expandManager = true): Promise<Map<string, GraphUserRecord>> {
	const users = new Map<string, GraphUserRecord>();
	for (const batch of chunks(ids, MAX_IN_VALUES)) {
		const query: GraphQuery = { $filter: idInFilter(batch), $select: select.join(','), $top: MAX_PAGE_SIZE };
		if (expandManager) query.$expand = MANAGER_EXPAND;
		for await (const page of client.paginate<GraphUserRecord>('/users', query)) {
			for (const user of page.value) users.set(user.id.toLowerCase(), user);
		}
	}
	return users;
}

function idInFilter(ids: readonly string[]): string {
	return `id in (${ids.map(odataString).join(',')})`;
}

/**
 * A delta entry as a plain user: annotations dropped. Used when the user could not be re-read
 * (deleted meanwhile); the manager then carries only its id, from `manager@delta`.
 */
function fromDelta(entry: Record<string, unknown>, withManager: boolean): GraphUserRecord {
	const user = withoutAnnotations(entry) as GraphUserRecord;
	const managers = entry['manager@delta'];
	if (withManager && Array.isArray(managers)) {
		const manager = managers.find((item) => isRecord(item) && typeof item.id === 'string' && !isRecord(item['@removed']));
		user.manager = manager ? { id: (manager as { id: string }).id } : null;
	}
	return user;
}

/**
 * An incremental read from `deltaLink` when one is given, else (or when Graph says it expired) a
 * full read that takes a fresh cursor first: changes made during the read are then replayed next
 * time, which is harmless because upserts are idempotent, and nothing is missed. A full read is
 * ceil(users / 999) page requests plus the cursor request; an incremental read with no changes
 * is one request. `onChanges` gets users as they are read (page by page for a full read).
 */
export async function readUsersSince(
	client: GraphClient,
	request: { selection: UserSelection; scope: UserScope; deltaLink?: string; retryIds?: readonly string[] },
	onChanges: (changes: UserChange[], info: SyncReadInfo) => void,
): Promise<SyncReadResult> {
	const plan = planDeltaRead(request.selection, request.scope);
	let cursorExpired = false;
	if (request.deltaLink) {
		try {
			const { changes, deltaLink } = await readUserChanges(client, request.deltaLink, plan, request.retryIds);
			const info: SyncReadInfo = { mode: 'incremental', cursorExpired: false };
			if (changes.length > 0) onChanges(changes, info);
			return { ...info, deltaLink };
		} catch (error) {
			if (!isCursorExpired(error)) throw error;
			cursorExpired = true;
		}
	}
	const deltaLink = await takeDeltaCursor(client, plan.select);
	const info: SyncReadInfo = { mode: 'full', cursorExpired };
	for await (const users of listUsers(client, request.selection, request.scope)) {
		onChanges(
			users.map((user) => ({ user })),
			info,
		);
	}
	return { ...info, deltaLink };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
	const result: T[][] = [];
	for (let index = 0; index < items.length; index += size) result.push(items.slice(index, index + size));
	return result;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
