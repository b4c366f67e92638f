// The one requester model shared by map, upsert and export. Flat on purpose: every target field is
// a top-level property, so diffing, CSV columns and validation all walk REQUESTER_FIELDS instead of
// knowing about nesting. The Requester / Work / Address grouping lives in the table (`section`).

export type SsoKeyKind = 'email' | 'upn' | 'objectId' | 'employeeId';

export const SSO_KEY_KINDS: readonly SsoKeyKind[] = ['email', 'upn', 'objectId', 'employeeId'];

export interface SsoKey {
	kind: SsoKeyKind;
	/** Already passed through normaliseKey. */
	value: string;
}

export interface LoginSettings {
	/** Which value identifies the requester for matching and SSO login. */
	ssoKey: SsoKeyKind;
	/** Carried on every requester for the SSO login feature. */
	allowLogin: boolean;
}

export interface ManagerReference {
	azureObjectId: string;
	email: string | null;
	upn: string | null;
	displayName: string | null;
}

/** Fields filled by the field mapping. `null` means "Azure has no value" (so a diff can clear it). */
export interface MappedRequesterFields {
	username: string | null;
	fullName: string | null;
	firstName: string | null;
	lastName: string | null;
	email: string | null;
	phone: string | null;
	landline: string | null;
	tags: string[];
	manager: ManagerReference | null;
	department: string | null;
	jobTitle: string | null;
	company: string | null;
	employeeId: string | null;
	employeeType: string | null;
	officeLocation: string | null;
	division: string | null;
	costCenter: string | null;
	/** YYYY-MM-DD when the default `date` transform is used. */
	hireDate: string | null;
	street: string | null;
	city: string | null;
	state: string | null;
	postalCode: string | null;
	country: string | null;
}

export interface Requester extends MappedRequesterFields {
	azureObjectId: string;
	accountEnabled: boolean;
	ssoKey: SsoKey;
	allowLogin: boolean;
}

/** What mapping produced for a user that failed validation: everything except a usable key. */
export type RequesterDraft = Omit<Requester, 'ssoKey'> & { ssoKey?: SsoKey };

export type RequesterFieldId = keyof MappedRequesterFields;

export type RequesterSection = 'login' | 'requester' | 'work' | 'address';

/** Drives which checks and transforms apply to a field. */
export type RequesterFieldKind = 'text' | 'email' | 'phone' | 'date' | 'list' | 'manager';

export interface RequesterFieldSpec {
	id: RequesterFieldId;
	label: string;
	section: RequesterSection;
	kind: RequesterFieldKind;
	/** Characters; for `list` it applies to each entry. Absent for the manager reference. */
	maxLength?: number;
	/** Line breaks are legitimate in multi-line street addresses and nowhere else. */
	allowLineBreaks?: boolean;
}

// Limits follow the common ITSM column size (255) unless the value has a natural, smaller bound:
// RFC 5321 for addresses, E.164 plus extension text for phones, Azure's own limits for IDs.
export const REQUESTER_FIELDS: readonly RequesterFieldSpec[] = [
	{ id: 'username', label: 'Username', section: 'login', kind: 'text', maxLength: 254 },
	{ id: 'fullName', label: 'Full Name', section: 'requester', kind: 'text', maxLength: 255 },
	{ id: 'firstName', label: 'First Name', section: 'requester', kind: 'text', maxLength: 128 },
	{ id: 'lastName', label: 'Last Name', section: 'requester', kind: 'text', maxLength: 128 },
	{ id: 'email', label: 'Email', section: 'requester', kind: 'email', maxLength: 254 },
	{ id: 'phone', label: 'Phone Number', section: 'requester', kind: 'phone', maxLength: 64 },
	{ id: 'landline', label: 'Landline', section: 'requester', kind: 'phone', maxLength: 64 },
	{ id: 'tags', label: 'Tags', section: 'requester', kind: 'list', maxLength: 64 },
	{ id: 'manager', label: 'Reporting Manager', section: 'requester', kind: 'manager' },
	{ id: 'department', label: 'Department', section: 'work', kind: 'text', maxLength: 255 },
	{ id: 'jobTitle', label: 'Job Title', section: 'work', kind: 'text', maxLength: 255 },
	{ id: 'company', label: 'Company', section: 'work', kind: 'text', maxLength: 255 },
	{ id: 'employeeId', label: 'Employee ID', section: 'work', kind: 'text', maxLength: 64 },
	{ id: 'employeeType', label: 'Employee Type', section: 'work', kind: 'text', maxLength: 64 },
	{ id: 'officeLocation', label: 'Office Location', section: 'work', kind: 'text', maxLength: 255 },
	{ id: 'division', label: 'Division', section: 'work', kind: 'text', maxLength: 255 },
	{ id: 'costCenter', label: 'Cost Center', section: 'work', kind: 'text', maxLength: 64 },
	{ id: 'hireDate', label: 'Hire Date', section: 'work', kind: 'date', maxLength: 64 },
	{
		id: 'street',
		label: 'Street',
		section: 'address',
		kind: 'text',
		maxLength: 1024,
		allowLineBreaks: true,
	},
	{ id: 'city', label: 'City', section: 'address', kind: 'text', maxLength: 128 },
	{ id: 'state', label: 'State', section: 'address', kind: 'text', maxLength: 128 },
	{ id: 'postalCode', label: 'Postal Code', section: 'address', kind: 'text', maxLength: 40 },
	{ id: 'country', label: 'Country', section: 'address', kind: 'text', maxLength: 128 },
];

const FIELDS_BY_ID = new Map(REQUESTER_FIELDS.map((spec) => [spec.id, spec]));

/** A field's value when Azure has none: an empty list for list fields, otherwise null. */
export function emptyFieldValue(spec: RequesterFieldSpec): MappedRequesterFields[RequesterFieldId] {
	return spec.kind === 'list' ? [] : null;
}

// Object.fromEntries gives V8 a fast-properties object (a loop of assignments would make a slow
// dictionary), and copying it with spread gives every requester that same compact shape.
const EMPTY_REQUESTER: Readonly<Record<string, unknown>> = Object.fromEntries([
	['azureObjectId', ''],
	['accountEnabled', true],
	['ssoKey', undefined],
	['allowLogin', true],
	...REQUESTER_FIELDS.map((spec) => [spec.id, null]),
]);
const LIST_FIELDS = REQUESTER_FIELDS.filter((spec) => spec.kind === 'list').map((spec) => spec.id);

/** A requester with no values yet: no object ID or SSO key, enabled, login allowed, every field empty (REQUESTER_FIELDS order). */
export function emptyRequester(): RequesterDraft {
	const requester = { ...EMPTY_REQUESTER } as Record<string, unknown>;
	for (const id of LIST_FIELDS) requester[id] = [];
	return requester as unknown as RequesterDraft;
}

export function getRequesterField(id: RequesterFieldId): RequesterFieldSpec {
	const spec = FIELDS_BY_ID.get(id);
	if (!spec) throw new Error(`Unknown requester field "${id}"`);
	return spec;
}

export function isRequesterFieldId(value: string): value is RequesterFieldId {
	return FIELDS_BY_ID.has(value as RequesterFieldId);
}

/**
 * The one comparison for matching keys (SSO key, email, UPN) across Azure and destinations.
 * NFC first so that the same visible name typed with combining marks still matches.
 */
export function normaliseKey(value: string): string {
	return value.trim().normalize('NFC').toLowerCase();
}
