/**
 * The full read, `GET /users`: every user in scope, 999 a page, with the scope checks Graph cannot
 * run in the same request done on our side, and group membership read as transitive members.
 */
import type { GraphUser } from '../requester/attributes';
import { MAX_PAGE_SIZE, type GraphClient, type GraphQuery } from './client';
import { GraphError } from './errors';
import { MANAGER_EXPAND, UserQueryError, type GraphUserRecord, type UserSelection } from './userSelection';
import { ADVANCED_HEADERS, groupIdsOf, scopeClauses, selectWithScopeReads, type ScopeClause, type UserScope, type UserTest } from './userScope';

export interface FullReadPlan {
	query: GraphQuery;
	headers?: Record<string, string>;
	/** Scope checks Graph cannot run in the same request; a user must pass all. */
	clientTests: UserTest[];
	groupIds: string[];
	/** A custom filter that needs an advanced query while the manager is expanded: read its ids first. */
	idFilter?: string;
}

/** The `GET /users` request for a selection and scope (exported so tests can check the `$filter`). */
export function planFullRead(selection: UserSelection, scope: UserScope, pageSize: number = MAX_PAGE_SIZE): FullReadPlan {
	const clauses = scopeClauses(scope);
	const server: ScopeClause[] = [];
	const clientTests: UserTest[] = [];
	const idFilters: string[] = [];
	for (const clause of clauses) {
		// Graph does not $expand in advanced queries, so keep those checks out of this request.
		if (selection.expandManager && clause.advanced) {
			if (clause.test) clientTests.push(clause.test);
			else idFilters.push(clause.filter);
		} else {
			server.push(clause);
		}
	}
	const advanced = server.some((clause) => clause.advanced);
	const query: GraphQuery = { $select: selectWithScopeReads(selection.select, clauses).join(','), $top: pageSize };
	if (server.length > 0) query.$filter = server.map((clause) => clause.filter).join(' and ');
	if (advanced) query.$count = true;
	if (selection.expandManager) query.$expand = MANAGER_EXPAND;
	return {
		query,
		headers: advanced ? { ...ADVANCED_HEADERS } : undefined,
		clientTests,
		groupIds: groupIdsOf(scope),
		idFilter: idFilters.length > 0 ? idFilters.join(' and ') : undefined,
	};
}

/**
 * Users in scope, one Graph page at a time (999 users a page, `@odata.nextLink` followed), so a
 * caller can stream. Stop iterating to stop reading. `limit` caps the total.
 */
export async function* listUsers(
	client: GraphClient,
	selection: UserSelection,
	scope: UserScope,
	options: { limit?: number } = {},
): AsyncGenerator<GraphUserRecord[]> {
	const limit = options.limit;
	let plan = planFullRead(selection, scope);
	const filtersOnOurSide = plan.clientTests.length > 0 || plan.groupIds.length > 0 || plan.idFilter !== undefined;
	// Ask for no more than needed when every user Graph returns counts.
	if (limit !== undefined && limit < MAX_PAGE_SIZE && !filtersOnOurSide) plan = planFullRead(selection, scope, Math.max(1, limit));
	const allowed = await idsInScope(client, plan);
	let emitted = 0;
	for await (const page of client.paginate<GraphUserRecord>('/users', plan.query, plan.headers)) {
		let users = page.value.filter((user) => passes(user, plan.clientTests, allowed));
		if (limit !== undefined) users = users.slice(0, limit - emitted);
		emitted += users.length;
		if (users.length > 0) yield users;
		if (limit !== undefined && emitted >= limit) return;
	}
}

function passes(user: GraphUser, tests: readonly UserTest[], allowed: Set<string> | undefined): boolean {
	if (allowed && !allowed.has(String(user.id).toLowerCase())) return false;
	return tests.every((test) => test(user));
}

/** Ids allowed by group membership and an ids-only custom filter (both must hold), if either is set. */
async function idsInScope(client: GraphClient, plan: Pick<FullReadPlan, 'groupIds' | 'idFilter'>): Promise<Set<string> | undefined> {
	let allowed: Set<string> | undefined;
	if (plan.groupIds.length > 0) allowed = await groupMemberIds(client, plan.groupIds);
	if (plan.idFilter !== undefined) {
		const matching = await collectIds(client, '/users', { $filter: plan.idFilter, $select: 'id', $top: MAX_PAGE_SIZE, $count: true }, ADVANCED_HEADERS);
		allowed = allowed ? new Set([...matching].filter((id) => allowed!.has(id))) : matching;
	}
	return allowed;
}

/** Object IDs (lower case) of the users that are transitive members of any of the groups. */
export async function groupMemberIds(client: GraphClient, groupIds: readonly string[]): Promise<Set<string>> {
	const ids = new Set<string>();
	for (const groupId of groupIds) {
		try {
			// The OData cast to users is an advanced query on transitiveMembers.
			const members = await collectIds(
				client,
				`/groups/${encodeURIComponent(groupId)}/transitiveMembers/microsoft.graph.user`,
				{ $select: 'id', $top: MAX_PAGE_SIZE, $count: true },
				ADVANCED_HEADERS,
			);
			for (const id of members) ids.add(id);
		} catch (error) {
			if (error instanceof GraphError && error.status === 404) {
				throw new UserQueryError('Groups', `Groups: no group with object ID ${groupId} in this tenant`, 'Pick the group again from the list; it may have been deleted.');
			}
			throw error;
		}
	}
	return ids;
}

/** Object IDs (lower case) of everything a paged Graph list returns. */
export async function collectIds(client: GraphClient, path: string, query: GraphQuery, headers?: Record<string, string>): Promise<Set<string>> {
	const ids = new Set<string>();
	for await (const page of client.paginate<{ id?: unknown }>(path, query, headers)) {
		for (const item of page.value) if (typeof item.id === 'string') ids.add(item.id.toLowerCase());
	}
	return ids;
}
