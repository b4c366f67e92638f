/**
 * The directory beside the sync's reads: one user by id or UPN, a name search and the group list
 * for the node's pickers, and the attribute catalogue with the tenant's directory extensions.
 */
import { GRAPH_USER_ATTRIBUTES, type AttributeInfo, type AttributeType } from '../requester/attributes';
import { MAX_PAGE_SIZE, type GraphClient, type GraphQuery } from './client';
import { GraphError } from './errors';
import { isGuid, odataString, userPathSegment, withoutAnnotations } from './odata';
import { MANAGER_EXPAND, UserQueryError, withId, type GraphUserRecord } from './userSelection';

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

function stringOrNull(value: unknown): string | null {
	return typeof value === 'string' ? value : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
