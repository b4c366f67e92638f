/**
 * Parameter dropdowns backed by the Azure AD directory, for any node with the Azure AD credential:
 * the user attribute catalogue ("Azure AD Details"), filterable attributes, groups, and a user
 * picker (resource locator with search). Put the methods in the node's `methods`:
 *
 *   methods = {
 *     credentialTest: { azureAdConnectionTest },
 *     loadOptions: { getUserAttributes, getFilterableUserAttributes, getAzureAdGroups },
 *     listSearch: { searchAzureAdUsers },
 *   };
 */
import type {
	ILoadOptionsFunctions,
	INodeListSearchResult,
	INodeParameterResourceLocator,
	INodeProperties,
	INodePropertyOptions,
} from 'n8n-workflow';
import type { AttributeInfo } from '../requester/attributes';
import { listGroups, searchUsers, userAttributeCatalogue } from '../graph/directory';
import { FILTERABLE_USER_ATTRIBUTES } from '../graph/userScope';
import { getGraphClient } from './azureAd';
import { toNodeError } from './errors';

/** Dropdowns should answer fast; a throttled tenant gets a few tries, not a long wait. */
const DROPDOWN_TRIES = 3;

const TYPE_NAMES: Record<AttributeInfo['type'], string> = {
	string: 'text',
	'string[]': 'list of text',
	boolean: 'true/false',
	dateTime: 'date and time',
	object: 'object',
	manager: 'the reporting manager (id, displayName, mail, userPrincipalName)',
	unknown: 'value set by the tenant',
};

function attributeOption(info: AttributeInfo): INodePropertyOptions {
	return { name: info.label, value: info.path, description: `${info.path}: ${TYPE_NAMES[info.type]}` };
}

/** Every user attribute of the tenant: documented properties, extension attributes 1-15, manager, directory extensions. */
export async function getUserAttributes(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	try {
		const catalogue = await userAttributeCatalogue(await getGraphClient(this, { maxTries: DROPDOWN_TRIES }));
		if (catalogue.extensionsUnavailable) this.logger.debug(`Azure AD attribute list: ${catalogue.extensionsUnavailable}`);
		return catalogue.attributes.map(attributeOption);
	} catch (error) {
		throw toNodeError(this.getNode(), error);
	}
}

/** The attributes Graph can filter users by, directory extensions included. */
export async function getFilterableUserAttributes(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	try {
		const catalogue = await userAttributeCatalogue(await getGraphClient(this, { maxTries: DROPDOWN_TRIES }));
		const extensions = catalogue.attributes.filter((info) => info.path.startsWith('extension_'));
		return [...FILTERABLE_USER_ATTRIBUTES, ...extensions].map(attributeOption);
	} catch (error) {
		throw toNodeError(this.getNode(), error);
	}
}

/** The tenant's groups by display name (the first 999). */
export async function getAzureAdGroups(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	try {
		const groups = await listGroups(await getGraphClient(this, { maxTries: DROPDOWN_TRIES }));
		return groups.map((group) => ({
			name: group.displayName ?? group.id,
			value: group.id,
			description: group.description ? `${group.description} (${group.id})` : group.id,
		}));
	} catch (error) {
		throw toNodeError(this.getNode(), error);
	}
}

/** Users whose name, UPN or mail starts with the typed text, 50 at a time. */
export async function searchAzureAdUsers(this: ILoadOptionsFunctions, filter?: string, paginationToken?: string): Promise<INodeListSearchResult> {
	try {
		const client = await getGraphClient(this, { maxTries: DROPDOWN_TRIES });
		const page = await searchUsers(client, filter, { nextLink: paginationToken });
		return {
			results: page.users.map((user) => ({
				name: user.displayName ? `${user.displayName} (${user.userPrincipalName ?? user.mail ?? user.id})` : (user.userPrincipalName ?? user.id),
				value: user.id,
				url: `https://entra.microsoft.com/#view/Microsoft_AAD_UsersAndTenants/UserProfileMenuBlade/~/overview/userId/${user.id}`,
			})),
			paginationToken: page.nextLink,
		};
	} catch (error) {
		throw toNodeError(this.getNode(), error);
	}
}

const GUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/** A user picker: search by name, UPN or mail, or give the object ID or UPN. Value: the ID or UPN. */
export const azureAdUserLocator: INodeProperties = {
	displayName: 'User',
	name: 'user',
	type: 'resourceLocator',
	default: { mode: 'list', value: '' },
	required: true,
	description: 'The Azure AD user to read',
	modes: [
		{
			displayName: 'From List',
			name: 'list',
			type: 'list',
			placeholder: 'Type a name, UPN or email address…',
			typeOptions: { searchListMethod: 'searchAzureAdUsers', searchable: true },
		},
		{
			displayName: 'By ID',
			name: 'id',
			type: 'string',
			placeholder: 'e.g. 87d349ed-44d7-43e1-9a83-5f2406dee5bd',
			validation: [{ type: 'regex', properties: { regex: GUID_PATTERN, errorMessage: 'An object ID is a GUID like 87d349ed-44d7-43e1-9a83-5f2406dee5bd' } }],
		},
		{
			displayName: 'By User Principal Name',
			name: 'upn',
			type: 'string',
			placeholder: 'e.g. adele.vance@contoso.com',
			validation: [{ type: 'regex', properties: { regex: '^[^@\\s]+@[^@\\s]+$', errorMessage: 'A user principal name looks like name@domain' } }],
		},
	],
};

/** The object ID or UPN a user locator (or a plain string from an expression) points at. */
export function userLocatorValue(value: INodeParameterResourceLocator | string | undefined): string {
	const raw = typeof value === 'object' && value !== null ? value.value : value;
	return typeof raw === 'string' ? raw.trim() : String(raw ?? '').trim();
}
