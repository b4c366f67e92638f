/**
 * Reading Azure AD users from Microsoft Graph: the full list (999 a page), the delta cursor and
 * its changes, one user, a name search, and the attribute catalogue. Only the attributes asked
 * for are `$select`ed; every value a user types goes through the OData escaper.
 *
 * Scoping (enabled only, members only, with a mailbox, attribute filters, a custom `$filter`,
 * group members) runs in Graph where Graph can, and on our side where it cannot:
 * - `users/delta` filters by id only, so in incremental reads every scope check runs on the
 *   changed users, and a user that left the scope comes out as removed (`outOfScope`).
 * - Graph does not `$expand` in advanced queries (`ConsistencyLevel: eventual`), so while the
 *   manager is expanded, advanced scope checks run on our side (or, for a custom filter, as a
 *   separate ids-only read).
 */
import {
	GRAPH_USER_ATTRIBUTES,
	MANAGER_ATTRIBUTE,
	MANAGER_SELECT,
	describeAttribute,
	readAttribute,
	type AttributeInfo,
	type AttributeType,
	type GraphUser,
} from '../requester/attributes';
import { MAX_PAGE_SIZE, type GraphClient, type GraphQuery } from './client';
import { GraphError } from './errors';
import { isGuid, odataString, userPathSegment } from './odata';

/** A Graph user as listed: whatever was selected, and always the object ID. */
export type GraphUserRecord = Record<string, unknown> & { id: string };

export const MANAGER_EXPAND = `manager($select=${MANAGER_SELECT.join(',')})`;

/** Advanced queries also need `$count=true` in the query string. */
const ADVANCED_HEADERS: Readonly<Record<string, string>> = { ConsistencyLevel: 'eventual' };

/** Graph accepts at most 15 values in one `in (...)` filter. */
const MAX_IN_VALUES = 15;

/** A setting Graph cannot run as given; `field` names the parameter to fix. */
export class UserQueryError extends Error {
	constructor(
		readonly field: string,
		message: string,
		readonly hint?: string,
	) {
		super(message);
		this.name = 'UserQueryError';
	}
}

/* ------------------------------------------------------------------------------------------------
 * Attributes ($select / $expand)
 * --------------------------------------------------------------------------------------------- */

export interface UserSelection {
	/** Top-level properties for `$select`; always includes `id`. */
	select: string[];
	/** Whether to add `$expand=manager($select=id,displayName,mail,userPrincipalName)`. */
	expandManager: boolean;
}

const CATALOGUE_BY_LOWER_PATH = new Map(GRAPH_USER_ATTRIBUTES.map((info) => [info.path.toLowerCase(), info]));
const SHORT_EXTENSION_ATTRIBUTE = /^extensionAttribute(\d{1,2})$/i;

/** Splits a typed attribute list on commas, semicolons and line breaks. */
export function parseAttributeList(text: string): string[] {
	return text
		.split(/[,;\n\r]+/)
		.map((item) => item.trim())
		.filter((item) => item !== '');
}

/**
 * `$select`/`$expand` for attributes named by catalogue path (`department`,
 * `employeeOrgData.division`, `onPremisesExtensionAttributes.extensionAttribute3`, `manager`,
 * `extension_<appId>_<name>`). Unknown names fail with an error naming `field`.
 */
export function selectionFromAttributes(paths: readonly string[], field: string): UserSelection {
	const select = new Set(['id']);
	let expandManager = false;
	const unknown: string[] = [];
	for (const path of paths.map((item) => item.trim()).filter(Boolean)) {
		if (path.toLowerCase() === MANAGER_ATTRIBUTE) {
			expandManager = true;
			continue;
		}
		const info = lookupAttribute(path);
		if (info) select.add(info.select);
		else unknown.push(path);
	}
	if (unknown.length > 0) {
		throw new UserQueryError(
			field,
			`${field}: ${unknown.map((name) => `"${name}"`).join(', ')} ${unknown.length === 1 ? 'is not a user attribute' : 'are not user attributes'} Microsoft Graph can list`,
			'Use names from the attribute list (e.g. department, employeeOrgData.division), onPremisesExtensionAttributes.extensionAttribute1 to 15, manager, or a directory extension named extension_<app ID without dashes>_<name>.',
		);
	}
	return { select: [...select], expandManager };
}

/** Catalogue entry for a path, forgiving case and the short `extensionAttributeN` form. */
function lookupAttribute(path: string): AttributeInfo | undefined {
	const short = SHORT_EXTENSION_ATTRIBUTE.exec(path);
	const canonical = short ? `onPremisesExtensionAttributes.extensionAttribute${Number(short[1])}` : path;
	return describeAttribute(canonical) ?? CATALOGUE_BY_LOWER_PATH.get(canonical.toLowerCase());
}

function withId(select: readonly string[]): string[] {
	return [...new Set(['id', ...select])];
}

/* ------------------------------------------------------------------------------------------------
 * Scope ($filter)
 * --------------------------------------------------------------------------------------------- */

export type AttributeFilterOperator = 'equals' | 'notEquals' | 'startsWith' | 'isEmpty' | 'isNotEmpty';

export interface AttributeFilter {
	/** Catalogue path, e.g. `department` or `onPremisesExtensionAttributes.extensionAttribute1`. */
	attribute: string;
	operator: AttributeFilterOperator;
	/** Compared as typed (escaped for OData); ignored by isEmpty / isNotEmpty. */
	value?: string;
}

export interface UserScope {
	/** Only accounts that can sign in (`accountEnabled eq true`). */
	enabledOnly?: boolean;
	/** Only members, no B2B guests (`userType eq 'Member'`). */
	membersOnly?: boolean;
	/** Only users with a mail address (`mail ne null`, an advanced query). */
	withMailOnly?: boolean;
	/** Only transitive members of any of these groups (object IDs). */
	groupIds?: readonly string[];
	/** All must hold. */
	attributeFilters?: readonly AttributeFilter[];
	/** Raw OData `$filter`, ANDed with the rest; the user writes (and escapes) it. */
	customFilter?: string;
	/** Force the advanced-query headers for the custom filter (detected for ne, not, endsWith, null, $count). */
	customFilterAdvanced?: boolean;
}

type UserTest = (user: GraphUser) => boolean;

interface ScopeClause {
	filter: string;
	advanced: boolean;
	/** Top-level properties the client-side test reads. */
	reads: string[];
	/** The same check on our side; absent for the custom filter, which only Graph can evaluate. */
	test?: UserTest;
}

/** How Graph supports `$filter` on a user property: eq and startsWith by default, eq only, or only in advanced queries. */
type FilterSupport = 'eqAndStartsWith' | 'eqOnly' | 'advanced';

// From Microsoft's "advanced query capabilities" property table for users (single-valued strings only).
const FILTER_SUPPORT: Record<string, FilterSupport> = {
	city: 'eqAndStartsWith',
	country: 'eqAndStartsWith',
	department: 'eqAndStartsWith',
	displayName: 'eqAndStartsWith',
	employeeId: 'eqAndStartsWith',
	givenName: 'eqAndStartsWith',
	mail: 'eqAndStartsWith',
	mailNickname: 'eqAndStartsWith',
	onPremisesUserPrincipalName: 'eqAndStartsWith',
	state: 'eqAndStartsWith',
	surname: 'eqAndStartsWith',
	usageLocation: 'eqAndStartsWith',
	userPrincipalName: 'eqAndStartsWith',
	ageGroup: 'eqOnly',
	creationType: 'eqOnly',
	jobTitle: 'eqOnly',
	onPremisesSecurityIdentifier: 'eqOnly',
	userType: 'eqOnly',
	companyName: 'advanced',
	employeeType: 'advanced',
	mobilePhone: 'advanced',
	officeLocation: 'advanced',
	onPremisesImmutableId: 'advanced',
	onPremisesSamAccountName: 'advanced',
	postalCode: 'advanced',
	preferredLanguage: 'advanced',
	streetAddress: 'advanced',
	'employeeOrgData.division': 'advanced',
	'employeeOrgData.costCenter': 'advanced',
	...Object.fromEntries(
		Array.from({ length: 15 }, (_, index) => [`onPremisesExtensionAttributes.extensionAttribute${index + 1}`, 'advanced' as const]),
	),
};

/** Properties whose mere use in `$filter` makes it an advanced query. */
const ADVANCED_ONLY_PROPERTIES = [
	'companyName',
	'employeeHireDate',
	'employeeOrgData',
	'employeeType',
	'mobilePhone',
	'officeLocation',
	'onPremisesExtensionAttributes',
	'onPremisesImmutableId',
	'onPremisesLastSyncDateTime',
	'onPremisesSamAccountName',
	'passwordPolicies',
	'postalCode',
	'preferredLanguage',
	'showInAddressList',
	'streetAddress',
];

/** The catalogue attributes an Attribute Filter may use (directory extensions come on top). */
export const FILTERABLE_USER_ATTRIBUTES: readonly AttributeInfo[] = GRAPH_USER_ATTRIBUTES.filter((info) => info.path in FILTER_SUPPORT);

function filterSupport(attribute: string): FilterSupport | undefined {
	if (attribute in FILTER_SUPPORT) return FILTER_SUPPORT[attribute];
	// Directory extensions support eq by default.
	return describeAttribute(attribute)?.type === 'unknown' ? 'eqOnly' : undefined;
}

const OPERATORS: Record<AttributeFilterOperator, { needsValue: boolean }> = {
	equals: { needsValue: true },
	notEquals: { needsValue: true },
	startsWith: { needsValue: true },
	isEmpty: { needsValue: false },
	isNotEmpty: { needsValue: false },
};

function builtInClauses(scope: UserScope): ScopeClause[] {
	const clauses: ScopeClause[] = [];
	if (scope.enabledOnly) {
		clauses.push({ filter: 'accountEnabled eq true', advanced: false, reads: ['accountEnabled'], test: (user) => user.accountEnabled === true });
	}
	if (scope.membersOnly) {
		clauses.push({
			filter: "userType eq 'Member'",
			advanced: false,
			reads: ['userType'],
			test: (user) => typeof user.userType === 'string' && user.userType.toLowerCase() === 'member',
		});
	}
	if (scope.withMailOnly) {
		clauses.push({ filter: 'mail ne null', advanced: true, reads: ['mail'], test: (user) => !isEmptyValue(user.mail) });
	}
	return clauses;
}

function attributeFilterClause(filter: AttributeFilter): ScopeClause {
	const field = 'Attribute Filters';
	const info = lookupAttribute(filter.attribute.trim());
	const support = info ? filterSupport(info.path) : undefined;
	if (!info || !support) {
		throw new UserQueryError(
			field,
			`${field}: Microsoft Graph cannot filter users by "${filter.attribute}"`,
			'Pick an attribute from the list; collections (phones, proxy addresses), the manager and dates cannot be filtered here. Use Custom Filter for anything else.',
		);
	}
	const operator = OPERATORS[filter.operator];
	if (!operator) throw new UserQueryError(field, `${field}: unknown operator "${String(filter.operator)}" for ${info.path}`);
	const value = filter.value ?? '';
	if (operator.needsValue && value.trim() === '') {
		throw new UserQueryError(field, `${field}: the value for ${info.path} is empty`, 'Type the value to compare with, or use the operator "Is Empty".');
	}
	const property = info.path.replace(/\./g, '/');
	const segments = info.path.split('.');
	const read = (user: GraphUser) => readPathOf(user, segments);
	const lowered = value.toLowerCase();
	const reads = [info.select];
	switch (filter.operator) {
		case 'equals':
			return { filter: `${property} eq ${odataString(value)}`, advanced: support === 'advanced', reads, test: (user) => textOf(read(user)) === lowered };
		case 'notEquals':
			return { filter: `${property} ne ${odataString(value)}`, advanced: true, reads, test: (user) => textOf(read(user)) !== lowered };
		case 'startsWith':
			return {
				filter: `startswith(${property},${odataString(value)})`,
				advanced: support !== 'eqAndStartsWith',
				reads,
				test: (user) => textOf(read(user))?.startsWith(lowered) === true,
			};
		case 'isEmpty':
			return { filter: `${property} eq null`, advanced: true, reads, test: (user) => isEmptyValue(read(user)) };
		case 'isNotEmpty':
			return { filter: `${property} ne null`, advanced: true, reads, test: (user) => !isEmptyValue(read(user)) };
	}
}

function readPathOf(user: GraphUser, segments: readonly string[]): unknown {
	return segments.length === 1 ? user[segments[0]] : readAttribute(user, segments.join('.'));
}

/** Graph compares directory strings without regard to case; so do we. */
function textOf(value: unknown): string | undefined {
	if (value === null || value === undefined) return undefined;
	return String(value).toLowerCase();
}

function isEmptyValue(value: unknown): boolean {
	return value === null || value === undefined || (typeof value === 'string' && value.trim() === '');
}

function customFilterClause(scope: UserScope): ScopeClause | undefined {
	const text = scope.customFilter?.trim() ?? '';
	if (text === '') return undefined;
	checkCustomFilterSyntax(text);
	return { filter: `(${text})`, advanced: scope.customFilterAdvanced === true || needsAdvancedQuery(text), reads: [] };
}

const STRING_LITERAL = /'(?:[^']|'')*'/g;

/** Catches the usual mistakes before Graph answers with a terse 400. */
function checkCustomFilterSyntax(text: string): void {
	const field = 'Custom Filter';
	if ((text.match(/'/g) ?? []).length % 2 !== 0) {
		throw new UserQueryError(
			field,
			`${field}: a string value is not closed (odd number of single quotes)`,
			"Put strings in single quotes and double a quote inside a value: surname eq 'O''Brien'.",
		);
	}
	const outside = text.replace(STRING_LITERAL, "''");
	let depth = 0;
	for (const char of outside) {
		depth += char === '(' ? 1 : char === ')' ? -1 : 0;
		if (depth < 0) break;
	}
	if (depth !== 0) throw new UserQueryError(field, `${field}: the parentheses do not match`);
}

/** Whether a filter uses something Graph only runs as an advanced query (ne, not, endsWith, null, $count, some properties). */
export function needsAdvancedQuery(filter: string): boolean {
	const outside = filter.replace(STRING_LITERAL, "''");
	if (/\b(ne|not)\b/i.test(outside) || /\bendswith\s*\(/i.test(outside) || /\$count\b/i.test(outside) || /\bnull\b/i.test(outside)) return true;
	return ADVANCED_ONLY_PROPERTIES.some((property) => new RegExp(`\\b${property}\\b`, 'i').test(outside));
}

function scopeClauses(scope: UserScope): ScopeClause[] {
	const clauses = builtInClauses(scope);
	for (const filter of scope.attributeFilters ?? []) clauses.push(attributeFilterClause(filter));
	const custom = customFilterClause(scope);
	if (custom) clauses.push(custom);
	return clauses;
}

function groupIdsOf(scope: UserScope): string[] {
	const ids = [...new Set((scope.groupIds ?? []).map((id) => id.trim().toLowerCase()).filter(Boolean))];
	const bad = ids.find((id) => !isGuid(id));
	if (bad) throw new UserQueryError('Groups', `Groups: "${bad}" is not a group object ID (a GUID like 02bd9fd6-8f93-4758-87c3-1fb73740a315)`);
	return ids;
}

/** `select` plus what the scope checks read, so a check can also run on our side. */
function selectWithScopeReads(select: readonly string[], clauses: readonly ScopeClause[]): string[] {
	return withId([...select, ...clauses.flatMap((clause) => clause.reads)]);
}

/**
 * Identifies what a cursor was taken for: tenant, Graph endpoint and scope. A cursor taken for
 * another scope cannot be followed (users that entered the new scope would never show up).
 */
export function scopeKeyFor(connection: { tenantId: string; graphEndpoint: string }, scope: UserScope): string {
	return JSON.stringify({
		tenant: connection.tenantId.toLowerCase(),
		graph: connection.graphEndpoint.toLowerCase(),
		enabledOnly: scope.enabledOnly === true,
		membersOnly: scope.membersOnly === true,
		withMailOnly: scope.withMailOnly === true,
		groupIds: groupIdsOf(scope).sort(),
		attributeFilters: (scope.attributeFilters ?? []).map((filter) => [filter.attribute.trim(), filter.operator, filter.value ?? '']),
		customFilter: scope.customFilter?.trim() ?? '',
	});
}

/* ------------------------------------------------------------------------------------------------
 * Full read: GET /users
 * --------------------------------------------------------------------------------------------- */

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

async function collectIds(client: GraphClient, path: string, query: GraphQuery, headers?: Record<string, string>): Promise<Set<string>> {
	const ids = new Set<string>();
	for await (const page of client.paginate<{ id?: unknown }>(path, query, headers)) {
		for (const item of page.value) if (typeof item.id === 'string') ids.add(item.id.toLowerCase());
	}
	return ids;
}

/* ------------------------------------------------------------------------------------------------
 * Incremental read: GET /users/delta
 * --------------------------------------------------------------------------------------------- */

/** `changed`/`deleted` come from Graph (soft/hard delete); `outOfScope` from our scope checks. */
export type RemovedReason = 'changed' | 'deleted' | 'outOfScope';

export interface UserChange {
	/** The user as listed; for users Graph reports removed, only `{ id }`. */
	user: GraphUserRecord;
	removed?: RemovedReason;
}

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

/* ------------------------------------------------------------------------------------------------
 * Delta or full, with the expired-cursor fallback
 * --------------------------------------------------------------------------------------------- */

export interface SyncReadInfo {
	mode: 'full' | 'incremental';
	/** The cursor given was refused as expired, so this is a full read. */
	cursorExpired: boolean;
}

export interface SyncReadResult extends SyncReadInfo {
	/** Where the next incremental read starts. */
	deltaLink: string;
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

/* ------------------------------------------------------------------------------------------------
 * One user, search, groups, catalogue
 * --------------------------------------------------------------------------------------------- */

/** One user by object ID or UPN with the given attributes; `undefined` when there is no such user. */
export async function getUser(
	client: GraphClient,
	idOrUpn: string,
	select: readonly string[],
	expandManager: boolean,
): Promise<GraphUserRecord | undefined> {
	const key = idOrUpn.trim();
	if (key === '') throw new UserQueryError('User', 'User is empty: give an object ID or a user principal name');
	const query: GraphQuery = { $select: withId(select).join(',') };
	if (expandManager) query.$expand = MANAGER_EXPAND;
	try {
		const response = await client.request<Record<string, unknown>>({ path: `/users/${userPathSegment(key)}`, query });
		return withoutAnnotations(response.data) as GraphUserRecord;
	} catch (error) {
		if (error instanceof GraphError && error.status === 404) return undefined;
		throw error;
	}
}

export interface UserSummary {
	id: string;
	displayName: string | null;
	userPrincipalName: string | null;
	mail: string | null;
}

/** `startswith` on names, UPN and mail (no advanced query needed); a GUID also matches the id. */
export function userSearchFilter(text: string): string {
	const literal = odataString(text);
	const clauses = ['displayName', 'givenName', 'surname', 'userPrincipalName', 'mail'].map((property) => `startswith(${property},${literal})`);
	if (isGuid(text)) clauses.unshift(`id eq ${literal}`);
	return clauses.join(' or ');
}

/** One page of users whose name, UPN or mail starts with `text`; pass `nextLink` for the next page. */
export async function searchUsers(
	client: GraphClient,
	text: string | undefined,
	options: { nextLink?: string; pageSize?: number } = {},
): Promise<{ users: UserSummary[]; nextLink?: string }> {
	const term = text?.trim() ?? '';
	const query: GraphQuery = { $select: 'id,displayName,userPrincipalName,mail', $top: options.pageSize ?? 50 };
	if (term !== '') query.$filter = userSearchFilter(term);
	const page = options.nextLink ? await client.page<Record<string, unknown>>(options.nextLink) : await client.page<Record<string, unknown>>('/users', query);
	return {
		users: page.value.filter((user) => typeof user.id === 'string').map((user) => ({
			id: user.id as string,
			displayName: stringOrNull(user.displayName),
			userPrincipalName: stringOrNull(user.userPrincipalName),
			mail: stringOrNull(user.mail),
		})),
		nextLink: page.nextLink,
	};
}

export interface GroupSummary {
	id: string;
	displayName: string | null;
	description: string | null;
}

/** Groups by display name, for pickers (the first `limit`). */
export async function listGroups(client: GraphClient, limit = MAX_PAGE_SIZE): Promise<GroupSummary[]> {
	const groups = await client.list<Record<string, unknown>>(
		'/groups',
		{ $select: 'id,displayName,description', $orderby: 'displayName', $top: Math.min(limit, MAX_PAGE_SIZE) },
		{ limit },
	);
	return groups
		.filter((group) => typeof group.id === 'string')
		.map((group) => ({ id: group.id as string, displayName: stringOrNull(group.displayName), description: stringOrNull(group.description) }));
}

export interface DirectoryExtension {
	/** `extension_<appId>_<name>`, as `$select` takes it. */
	name: string;
	dataType: string | null;
	appDisplayName: string | null;
	isSyncedFromOnPremises: boolean;
}

/** Directory (schema) extensions registered for users, cloud and on-premises synced alike. Needs Directory.Read.All. */
export async function listUserExtensionProperties(client: GraphClient): Promise<DirectoryExtension[]> {
	// An empty body lists both kinds; `isSyncedFromOnPremises: false` would hide Entra Connect's.
	const response = await client.request<{ value?: unknown }>({
		method: 'POST',
		path: '/directoryObjects/getAvailableExtensionProperties',
		body: {},
		idempotent: true,
	});
	const values = Array.isArray(response.data?.value) ? response.data.value : [];
	return values.filter(isUserExtension).map((value) => ({
		name: value.name,
		dataType: stringOrNull(value.dataType),
		appDisplayName: stringOrNull(value.appDisplayName),
		isSyncedFromOnPremises: value.isSyncedFromOnPremises === true,
	}));
}

function isUserExtension(value: unknown): value is Record<string, unknown> & { name: string } {
	if (!isRecord(value) || typeof value.name !== 'string') return false;
	const targets = Array.isArray(value.targetObjects) ? value.targetObjects : [];
	return targets.some((target) => String(target).toLowerCase() === 'user');
}

export interface UserAttributeCatalogue {
	/** The documented user properties, extension attributes 1-15, manager, then directory extensions. */
	attributes: AttributeInfo[];
	/** Why directory extensions are missing, when they could not be listed. */
	extensionsUnavailable?: string;
}

const EXTENSION_TYPES: Record<string, AttributeType> = { string: 'string', boolean: 'boolean', datetime: 'dateTime' };

/** Every user attribute the tenant offers. Without Directory.Read.All the directory extensions are left out, silently. */
export async function userAttributeCatalogue(client: GraphClient): Promise<UserAttributeCatalogue> {
	try {
		const extensions = await listUserExtensionProperties(client);
		return { attributes: [...GRAPH_USER_ATTRIBUTES, ...extensions.map(extensionAttribute)] };
	} catch (error) {
		if (error instanceof GraphError && error.status === 403) {
			return {
				attributes: [...GRAPH_USER_ATTRIBUTES],
				extensionsUnavailable: 'Listing directory extensions needs the Directory.Read.All application permission',
			};
		}
		throw error;
	}
}

function extensionAttribute(extension: DirectoryExtension): AttributeInfo {
	const shortName = extension.name.replace(/^extension_[0-9a-f]{32}_/i, '');
	const source = extension.appDisplayName ? ` from ${extension.appDisplayName}` : '';
	return {
		path: extension.name,
		label: `${shortName} (directory extension${source})`,
		type: EXTENSION_TYPES[(extension.dataType ?? '').toLowerCase()] ?? 'unknown',
		select: extension.name,
	};
}

/* ------------------------------------------------------------------------------------------------
 * Helpers
 * --------------------------------------------------------------------------------------------- */

function withoutAnnotations(value: Record<string, unknown>): Record<string, unknown> {
	return Object.fromEntries(Object.entries(value).filter(([key]) => !key.includes('@')));
}

function chunks<T>(items: readonly T[], size: number): T[][] {
	const result: T[][] = [];
	for (let index = 0; index < items.length; index += size) result.push(items.slice(index, index + size));
	return result;
}

function stringOrNull(value: unknown): string | null {
	return typeof value === 'string' ? value : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
