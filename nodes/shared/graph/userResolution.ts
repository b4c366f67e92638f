/**
 * Finds the one Azure AD user a ticket means, from whatever the ticket carries: an object ID, a
 * UPN, a primary mail address or an alternate address. Every value reaches `$filter` through
 * `odataString`; no match and several matches are errors that say so, never a guess.
 */
import type { GraphClient, GraphQuery } from './client';
import { GraphError } from './errors';
import { isGuid, odataString, userPathSegment } from './odata';

export type MatchBy = 'auto' | 'id' | 'userPrincipalName' | 'mail' | 'alternateAddress';

/** How the user was actually found, for the audit record. */
export type MatchedBy = 'id' | 'userPrincipalName' | 'mail' | 'otherMails' | 'proxyAddresses';

export interface DirectoryUser {
	id: string;
	userPrincipalName: string | null;
	displayName: string | null;
	mail: string | null;
	otherMails: string[];
	proxyAddresses: string[];
	accountEnabled: boolean | null;
}

export interface ResolvedUser {
	user: DirectoryUser;
	matchedBy: MatchedBy;
	requestIds: string[];
}

export type UserResolutionFailure = 'invalidInput' | 'notFound' | 'ambiguous';

export class UserResolutionError extends Error {
	readonly reason: UserResolutionFailure;
	readonly requestIds: string[];

	constructor(reason: UserResolutionFailure, message: string, requestIds: string[] = []) {
		super(message);
		this.name = 'UserResolutionError';
		this.reason = reason;
		this.requestIds = requestIds;
	}
}

export const USER_SELECT = 'id,userPrincipalName,displayName,mail,otherMails,proxyAddresses,accountEnabled';

/** Enough to tell one match from several, and to name a few of them. */
const CANDIDATE_LIMIT = 5;

/** Lambda filters on collections are advanced queries: eventual consistency and `$count`. */
const ADVANCED_QUERY = { headers: { ConsistencyLevel: 'eventual' }, query: { $count: 'true' } };

interface Lookup {
	matchedBy: MatchedBy;
	filter: string;
	advanced?: boolean;
}

export async function resolveUser(client: GraphClient, rawValue: string, matchBy: MatchBy = 'auto'): Promise<ResolvedUser> {
	const value = normaliseUserValue(rawValue);
	if (value === '') {
		throw new UserResolutionError('invalidInput', 'No user given: the "User" value is empty');
	}
	const requestIds: string[] = [];
	if (matchBy === 'id' || (matchBy === 'auto' && isGuid(value))) {
		return { user: await getById(client, value, requestIds), matchedBy: 'id', requestIds };
	}
	const lookups = lookupsFor(value, matchBy);
	for (const lookup of lookups) {
		const found = await findUsers(client, lookup, requestIds);
		if (found.length === 1) return { user: found[0], matchedBy: lookup.matchedBy, requestIds };
		if (found.length > 1) {
			throw new UserResolutionError(
				'ambiguous',
				`"${value}" matches ${found.length === CANDIDATE_LIMIT ? `${CANDIDATE_LIMIT} or more` : found.length} users by ${lookup.matchedBy} (${found
					.map((user) => user.userPrincipalName ?? user.id)
					.join(', ')}): give the object ID or the UPN instead`,
				requestIds,
			);
		}
	}
	throw new UserResolutionError(
		'notFound',
		`No Azure AD user has ${lookups.map((lookup) => describeLookup(lookup.matchedBy)).join(' or ')} "${value}"`,
		requestIds,
	);
}

/** Trims, and takes the address out of `Name <address>` and `mailto:address` as tickets send them. */
export function normaliseUserValue(raw: string): string {
	let value = String(raw ?? '').trim();
	const angled = /<([^<>]+)>$/.exec(value);
	if (angled) value = angled[1].trim();
	return value.replace(/^mailto:/i, '');
}

function lookupsFor(value: string, matchBy: MatchBy): Lookup[] {
	const literal = odataString(value);
	const upn: Lookup = { matchedBy: 'userPrincipalName', filter: `userPrincipalName eq ${literal}` };
	const mail: Lookup = { matchedBy: 'mail', filter: `mail eq ${literal}` };
	const alternates: Lookup[] = [
		{ matchedBy: 'otherMails', filter: `otherMails/any(x:x eq ${literal})`, advanced: true },
		{ matchedBy: 'proxyAddresses', filter: `proxyAddresses/any(x:x eq ${odataString(`smtp:${value}`)})`, advanced: true },
	];
	switch (matchBy) {
		case 'userPrincipalName':
			return [upn];
		case 'mail':
			return [mail];
		case 'alternateAddress':
			return alternates;
		default:
			if (!value.includes('@')) {
				throw new UserResolutionError(
					'invalidInput',
					`"${value}" is neither an object ID nor an address: give the user's object ID, UPN or email address, or pick a "Match By"`,
				);
			}
			return [upn, mail, ...alternates];
	}
}

async function getById(client: GraphClient, id: string, requestIds: string[]): Promise<DirectoryUser> {
	if (!isGuid(id)) {
		throw new UserResolutionError('invalidInput', `"${id}" is not an object ID (a GUID such as 00000000-0000-0000-0000-000000000000)`);
	}
	try {
		const response = await client.request<RawUser>({ path: `/users/${userPathSegment(id)}`, query: { $select: USER_SELECT } });
		pushId(requestIds, response.requestId);
		return toDirectoryUser(response.data);
	} catch (error) {
		if (error instanceof GraphError && error.status === 404) {
			pushId(requestIds, error.requestId);
			throw new UserResolutionError('notFound', `No Azure AD user has object ID "${id}"`, requestIds);
		}
		throw error;
	}
}

async function findUsers(client: GraphClient, lookup: Lookup, requestIds: string[]): Promise<DirectoryUser[]> {
	const query: GraphQuery = { $filter: lookup.filter, $select: USER_SELECT, $top: CANDIDATE_LIMIT, ...(lookup.advanced ? ADVANCED_QUERY.query : {}) };
	const page = await client.page<RawUser>('/users', query, lookup.advanced ? ADVANCED_QUERY.headers : undefined);
	pushId(requestIds, page.requestId);
	return page.value.map(toDirectoryUser);
}

function describeLookup(matchedBy: MatchedBy): string {
	switch (matchedBy) {
		case 'userPrincipalName':
			return 'the UPN';
		case 'mail':
			return 'the mail address';
		case 'otherMails':
			return 'the alternate email';
		case 'proxyAddresses':
			return 'the proxy address';
		default:
			return 'the object ID';
	}
}

interface RawUser {
	id: string;
	userPrincipalName?: string | null;
	displayName?: string | null;
	mail?: string | null;
	otherMails?: string[] | null;
	proxyAddresses?: string[] | null;
	accountEnabled?: boolean | null;
}

function toDirectoryUser(raw: RawUser): DirectoryUser {
	return {
		id: raw.id,
		userPrincipalName: raw.userPrincipalName ?? null,
		displayName: raw.displayName ?? null,
		mail: raw.mail ?? null,
		otherMails: raw.otherMails ?? [],
		proxyAddresses: raw.proxyAddresses ?? [],
		accountEnabled: typeof raw.accountEnabled === 'boolean' ? raw.accountEnabled : null,
	};
}

export function pushId(requestIds: string[], requestId: string | undefined): void {
	if (requestId) requestIds.push(requestId);
}
