// The static part of the Azure AD attribute catalogue: Microsoft Graph v1.0 `user` properties that a
// list request (`GET /users`, `/users/delta`) can return with `$select` and that make sense on a
// requester. Properties Graph only returns when reading a single user (aboutMe, skills, ...) are
// left out because a sync never reads users one by one.

/** A Graph user as returned by `/users` with `$select` (and optionally `$expand=manager`). */
export type GraphUser = Readonly<Record<string, unknown>>;

export type AttributeType =
	| 'string'
	| 'string[]'
	| 'boolean'
	| 'dateTime'
	| 'object'
	| 'manager'
	| 'unknown';

export interface AttributeInfo {
	/** Dotted path into the Graph user object, e.g. `employeeOrgData.division`. */
	path: string;
	label: string;
	type: AttributeType;
	/** Top-level property to `$select` (empty for `manager`, which is an `$expand`). */
	select: string;
}

export const MANAGER_ATTRIBUTE = 'manager';

/** Properties requested inside `$expand=manager($select=...)` to build a manager reference. */
export const MANAGER_SELECT: readonly string[] = ['id', 'displayName', 'mail', 'userPrincipalName'];

const TOP_LEVEL: ReadonlyArray<[string, string, AttributeType]> = [
	['id', 'Object ID', 'string'],
	['accountEnabled', 'Account Enabled', 'boolean'],
	['ageGroup', 'Age Group', 'string'],
	['businessPhones', 'Business Phones', 'string[]'],
	['city', 'City', 'string'],
	['companyName', 'Company Name', 'string'],
	['country', 'Country or Region', 'string'],
	['createdDateTime', 'Created', 'dateTime'],
	['creationType', 'Creation Type', 'string'],
	['department', 'Department', 'string'],
	['displayName', 'Display Name', 'string'],
	['employeeHireDate', 'Employee Hire Date', 'dateTime'],
	['employeeId', 'Employee ID', 'string'],
	['employeeOrgData', 'Employee Org Data', 'object'],
	['employeeType', 'Employee Type', 'string'],
	['externalUserState', 'External User State', 'string'],
	['faxNumber', 'Fax Number', 'string'],
	['givenName', 'First Name (givenName)', 'string'],
	['imAddresses', 'IM Addresses', 'string[]'],
	['jobTitle', 'Job Title', 'string'],
	['mail', 'Mail', 'string'],
	['mailNickname', 'Mail Nickname', 'string'],
	['mobilePhone', 'Mobile Phone', 'string'],
	['officeLocation', 'Office Location', 'string'],
	['onPremisesDistinguishedName', 'On-premises Distinguished Name', 'string'],
	['onPremisesDomainName', 'On-premises Domain Name', 'string'],
	['onPremisesExtensionAttributes', 'On-premises Extension Attributes', 'object'],
	['onPremisesImmutableId', 'On-premises Immutable ID', 'string'],
	['onPremisesLastSyncDateTime', 'On-premises Last Sync', 'dateTime'],
	['onPremisesSamAccountName', 'On-premises SAM Account Name', 'string'],
	['onPremisesSecurityIdentifier', 'On-premises Security Identifier', 'string'],
	['onPremisesSyncEnabled', 'On-premises Sync Enabled', 'boolean'],
	['onPremisesUserPrincipalName', 'On-premises User Principal Name', 'string'],
	['otherMails', 'Other Emails', 'string[]'],
	['postalCode', 'Postal Code', 'string'],
	['preferredDataLocation', 'Preferred Data Location', 'string'],
	['preferredLanguage', 'Preferred Language', 'string'],
	['proxyAddresses', 'Proxy Addresses', 'string[]'],
	['securityIdentifier', 'Security Identifier', 'string'],
	['state', 'State or Province', 'string'],
	['streetAddress', 'Street Address', 'string'],
	['surname', 'Last Name (surname)', 'string'],
	['usageLocation', 'Usage Location', 'string'],
	['userPrincipalName', 'User Principal Name', 'string'],
	['userType', 'User Type', 'string'],
];

const EXTENSION_ATTRIBUTE_COUNT = 15;

function buildStaticCatalogue(): AttributeInfo[] {
	const catalogue: AttributeInfo[] = TOP_LEVEL.map(([path, label, type]) => ({
		path,
		label,
		type,
		select: path,
	}));
	catalogue.push(
		{
			path: 'employeeOrgData.division',
			label: 'Division',
			type: 'string',
			select: 'employeeOrgData',
		},
		{
			path: 'employeeOrgData.costCenter',
			label: 'Cost Center',
			type: 'string',
			select: 'employeeOrgData',
		},
	);
	for (let n = 1; n <= EXTENSION_ATTRIBUTE_COUNT; n++) {
		catalogue.push({
			path: `onPremisesExtensionAttributes.extensionAttribute${n}`,
			label: `Extension Attribute ${n}`,
			type: 'string',
			select: 'onPremisesExtensionAttributes',
		});
	}
	catalogue.push({ path: MANAGER_ATTRIBUTE, label: 'Manager', type: 'manager', select: '' });
	return catalogue;
}

export const GRAPH_USER_ATTRIBUTES: readonly AttributeInfo[] = buildStaticCatalogue();

const CATALOGUE_BY_PATH = new Map(GRAPH_USER_ATTRIBUTES.map((info) => [info.path, info]));

// Directory (Microsoft Entra) extensions are named after the owning app's ID without dashes.
const DIRECTORY_EXTENSION = /^extension_[0-9a-f]{32}_[A-Za-z0-9_]+$/i;

export function isDirectoryExtensionName(path: string): boolean {
	return DIRECTORY_EXTENSION.test(path);
}

/**
 * Describes a catalogue attribute, including any directory extension; `undefined` when Graph has
 * no such user property. Directory extension values can be strings, numbers, booleans or lists,
 * and only the tenant knows which, hence `unknown`.
 */
export function describeAttribute(path: string): AttributeInfo | undefined {
	const known = CATALOGUE_BY_PATH.get(path);
	if (known) return known;
	if (isDirectoryExtensionName(path)) return { path, label: path, type: 'unknown', select: path };
	return undefined;
}

export function readAttribute(user: GraphUser, path: string): unknown {
	return readPath(user, path.split('.'));
}

/** For hot loops: split the path once, read many users. */
export function readPath(user: GraphUser, segments: readonly string[]): unknown {
	let current: unknown = user;
	for (const segment of segments) {
		if (current === null || typeof current !== 'object') return undefined;
		current = (current as Record<string, unknown>)[segment];
	}
	return current;
}
