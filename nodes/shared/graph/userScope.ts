/**
 * Which users a read covers: enabled only, members only, with a mailbox, attribute filters, a
 * custom `$filter`, group members. Each check becomes a `$filter` clause for Graph and, where it
 * can, the same test on our side: `users/delta` filters by id only, and Graph does not `$expand`
 * in advanced queries, so the reads run some checks on the users they got. Every value a user
 * types goes through the OData escaper.
 */
import { GRAPH_USER_ATTRIBUTES, describeAttribute, readAttribute, type AttributeInfo, type GraphUser } from '../requester/attributes';
import { isGuid, odataString } from './odata';
import { UserQueryError, lookupAttribute, withId } from './userSelection';

/** Advanced queries also need `$count=true` in the query string. */
export const ADVANCED_HEADERS: Readonly<Record<string, string>> = { ConsistencyLevel: 'eventual' };

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

export type UserTest = (user: GraphUser) => boolean;

export interface ScopeClause {
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

export function scopeClauses(scope: UserScope): ScopeClause[] {
	const clauses = builtInClauses(scope);
	for (const filter of scope.attributeFilters ?? []) clauses.push(attributeFilterClause(filter));
	const custom = customFilterClause(scope);
	if (custom) clauses.push(custom);
	return clauses;
}

export function groupIdsOf(scope: UserScope): string[] {
	const ids = [...new Set((scope.groupIds ?? []).map((id) => id.trim().toLowerCase()).filter(Boolean))];
	const bad = ids.find((id) => !isGuid(id));
	if (bad) throw new UserQueryError('Groups', `Groups: "${bad}" is not a group object ID (a GUID like 02bd9fd6-8f93-4758-87c3-1fb73740a315)`);
	return ids;
}

/** `select` plus what the scope checks read, so a check can also run on our side. */
export function selectWithScopeReads(select: readonly string[], clauses: readonly ScopeClause[]): string[] {
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
