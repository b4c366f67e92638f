/**
 * ServiceNow settings as the user gives them: the instance, how it is signed in to, and which
 * sys_user columns hold the SSO key and the Azure object id. Everything here is checked once, in
 * the constructor, so a bad setting fails before any request with the setting's name in the error.
 */
import type { RateBudgetOptions } from '../../http/rateBudget';
import type { RetryPolicy } from '../../http/retry';
import type { RequesterFieldId, SsoKeyKind } from '../../requester/model';
import { checkApiBaseUrl, chooseFields, DestinationConfigError, keySource, type StoredSource } from '../common';

export type ServiceNowGrant = 'clientCredentials' | 'password';

export type ServiceNowAuth =
	| { kind: 'basic'; username: string; password: string }
	| {
			kind: 'oauth';
			/** ServiceNow's `/oauth_token.do` grant: client credentials (Washington DC and later) or password. */
			grant: ServiceNowGrant;
			clientId: string;
			clientSecret: string;
			/** The service account, for the password grant only. */
			username?: string;
			password?: string;
	  };

export interface ServiceNowOptions {
	/** `acme`, `acme.service-now.com` or `https://acme.service-now.com` (a custom https domain works too). */
	instance?: string;
	/** The instance root instead of the instance's own (proxies, local stand-ins); `/api/now/…` is appended. */
	baseUrl?: string;
	auth: ServiceNowAuth;
	/** What requesters are matched on (default email). */
	keyKind?: SsoKeyKind;
	/** The sys_user column the key is matched on: `email`, `user_name`, or another unique column. */
	keyField?: string;
	/** The sys_user column that keeps the Azure object id (e.g. `source`, `employee_number`, `u_azure_object_id`). */
	azureObjectIdField?: string;
	/** Only write these fields (default: every field with a sys_user column). */
	fields?: readonly RequesterFieldId[];
	/** Users per page when listing (default 500, at most 10000). */
	pageSize?: number;
	retry?: Partial<RetryPolicy>;
	onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
	/**
	 * Paces every Table API request on the instance's budget, shared by every client of the instance
	 * in the process (default: not paced). Rate limit rules count per hour, so `windowMs` defaults to an hour.
	 */
	rateBudget?: RateBudgetOptions;
	sleep?: (ms: number) => Promise<void>;
	random?: () => number;
	/** Clock for the OAuth token's lifetime (tests). */
	now?: () => number;
}

/** Canonical fields stored in plain sys_user columns. */
export const TEXT_COLUMNS = {
	username: 'user_name',
	firstName: 'first_name',
	lastName: 'last_name',
	email: 'email',
	phone: 'mobile_phone',
	landline: 'phone',
	jobTitle: 'title',
	employeeId: 'employee_number',
	street: 'street',
	city: 'city',
	state: 'state',
	postalCode: 'zip',
	country: 'country',
} as const satisfies Partial<Record<RequesterFieldId, string>>;

export type TextField = keyof typeof TEXT_COLUMNS;

export interface ReferenceSpec {
	/** The sys_user reference column. */
	column: string;
	/** The table it points at; records are found by their `name`. */
	table: string;
	/** In messages: "no department named …". */
	noun: string;
	/** Where an admin adds a missing record. */
	where: string;
	code: string;
}

/** Canonical fields stored as references, resolved by name. */
export const REFERENCE_COLUMNS = {
	department: { column: 'department', table: 'cmn_department', noun: 'department', where: 'Organization > Departments', code: 'unknown_department' },
	officeLocation: { column: 'location', table: 'cmn_location', noun: 'location', where: 'Organization > Locations', code: 'unknown_location' },
	company: { column: 'company', table: 'core_company', noun: 'company', where: 'Organization > Companies', code: 'unknown_company' },
	costCenter: { column: 'cost_center', table: 'cmn_cost_center', noun: 'cost center', where: 'Organization > Cost Centers', code: 'unknown_cost_center' },
} as const satisfies Partial<Record<RequesterFieldId, ReferenceSpec>>;

export type ReferenceField = keyof typeof REFERENCE_COLUMNS;

export const MANAGER_COLUMN = 'manager';

/** Throttling and gateway errors; ServiceNow's 500s are mostly script errors that repeat, so they are not retried. */
export const SERVICENOW_RETRY_STATUSES: readonly number[] = [429, 502, 503, 504];

/** Rate limit rules count requests per user per hour (ServiceNow's "Inbound REST API rate limiting"). */
export const RATE_LIMIT_WINDOW_MS = 3_600_000;

export const DEFAULT_PAGE_SIZE = 500;
const MAX_PAGE_SIZE = 10_000;

const COLUMN = /^[a-z][a-z0-9_]{0,79}$/;
/** Columns the sync never writes as a key or object id slot: system, state, references, the password. */
const RESERVED_COLUMNS = new Set(['sys_id', 'active', 'locked_out', 'name', 'user_password', MANAGER_COLUMN, ...Object.values(REFERENCE_COLUMNS).map((spec) => spec.column)]);
const INSTANCE_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** The instance root (no trailing slash) for the instance or override as users type them. */
export function serviceNowRoot(options: Pick<ServiceNowOptions, 'instance' | 'baseUrl'>): string {
	if (options.baseUrl?.trim()) return checkApiBaseUrl(options.baseUrl, 'Base URL');
	const typed = (options.instance ?? '').trim().toLowerCase();
	const fail = () => new DestinationConfigError('Instance URL', `"${options.instance ?? ''}" is not a ServiceNow instance (expected e.g. acme or https://acme.service-now.com)`);
	if (typed === '') throw fail();
	if (INSTANCE_NAME.test(typed)) return `https://${typed}.service-now.com`;
	let url: URL;
	try {
		url = new URL(/^[a-z]+:\/\//.test(typed) ? typed : `https://${typed}`);
	} catch {
		throw fail();
	}
	if (url.protocol !== 'https:') throw new DestinationConfigError('Instance URL', 'must start with https://');
	if (url.username || url.password) throw new DestinationConfigError('Instance URL', 'must not contain a user name or password; use the credential');
	// A pasted browser address (…/now/nav/ui/…) still names the instance: keep the origin only.
	return url.origin;
}

/** Where the key and the Azure object id live, and which canonical fields are written. */
export interface ColumnLayout {
	keyKind: SsoKeyKind;
	keyField: string;
	/** What `keyField` holds: the mapped field itself (email → email), the SSO key as matched, or the Azure object id. */
	keyFrom: StoredSource;
	azureObjectIdField: string | undefined;
	supportedFields: RequesterFieldId[];
}

export function columnLayout(options: Pick<ServiceNowOptions, 'keyKind' | 'keyField' | 'azureObjectIdField' | 'fields'>): ColumnLayout {
	const keyKind = options.keyKind ?? 'email';
	const azureObjectIdField = optionalColumn(options.azureObjectIdField, 'Azure Object ID Field');
	const keyField = optionalColumn(options.keyField, 'Key Field') ?? defaultKeyField(keyKind, azureObjectIdField);
	let keyFrom: StoredSource;
	if (keyField === azureObjectIdField) {
		if (keyKind !== 'objectId') throw new DestinationConfigError('Key Field', `"${keyField}" keeps the Azure object id, so it can only be the key when matching on objectId`);
		keyFrom = 'azureObjectId';
	} else {
		const natural = keySource(keyKind, false);
		keyFrom = natural !== undefined && natural !== 'azureObjectId' && natural !== 'ssoKey' && columnOf(natural) === keyField ? natural : 'ssoKey';
	}
	// A column that holds the key as matched or the object id no longer holds its mapped field.
	const taken = new Set([azureObjectIdField, keyFrom === 'ssoKey' ? keyField : undefined].filter((column): column is string => column !== undefined));
	const available = ([...Object.keys(TEXT_COLUMNS), ...Object.keys(REFERENCE_COLUMNS)] as RequesterFieldId[]).filter((field) => !taken.has(columnOf(field) ?? ''));
	return { keyKind, keyField, keyFrom, azureObjectIdField, supportedFields: chooseFields(available, options.fields) };
}

function defaultKeyField(keyKind: SsoKeyKind, azureObjectIdField: string | undefined): string {
	if (keyKind === 'email') return TEXT_COLUMNS.email;
	if (keyKind === 'employeeId') return TEXT_COLUMNS.employeeId;
	// ServiceNow's SSO (SAML, OIDC) usually matches the UPN on user_name.
	if (keyKind === 'upn') return TEXT_COLUMNS.username;
	if (azureObjectIdField === undefined) throw new DestinationConfigError('Key Field', 'matching on objectId needs the Azure Object ID Field (or a Key Field) that stores it');
	return azureObjectIdField;
}

function optionalColumn(value: string | undefined, setting: string): string | undefined {
	const column = value?.trim() ?? '';
	if (column === '') return undefined;
	if (!COLUMN.test(column)) throw new DestinationConfigError(setting, `"${column}" is not a sys_user column name (lower-case letters, digits and _, e.g. u_azure_object_id)`);
	if (RESERVED_COLUMNS.has(column) || column.startsWith('sys_')) {
		throw new DestinationConfigError(setting, `"${column}" is a system, state or reference column of sys_user; choose a text column such as email, user_name, source or a u_ column`);
	}
	return column;
}

/** The sys_user column of a canonical field, if it has one. */
export function columnOf(field: string): string | undefined {
	if (field in TEXT_COLUMNS) return TEXT_COLUMNS[field as TextField];
	if (field in REFERENCE_COLUMNS) return REFERENCE_COLUMNS[field as ReferenceField].column;
	return undefined;
}

export function isReferenceField(field: string): field is ReferenceField {
	return field in REFERENCE_COLUMNS;
}

export function checkPageSize(value: number | undefined): number {
	if (value === undefined) return DEFAULT_PAGE_SIZE;
	if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) throw new DestinationConfigError('Page Size', `must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
	return value;
}

export function checkAuth(auth: ServiceNowAuth | undefined): ServiceNowAuth {
	if (!auth) throw new DestinationConfigError('Authentication', 'is missing');
	if (auth.kind === 'basic') {
		if (!auth.username?.trim()) throw new DestinationConfigError('User Name', 'is empty');
		if (!auth.password) throw new DestinationConfigError('Password', 'is empty');
		return auth;
	}
	if (auth.kind !== 'oauth') throw new DestinationConfigError('Authentication', 'must be Basic or OAuth 2.0');
	if (!auth.clientId?.trim()) throw new DestinationConfigError('Client ID', 'is empty');
	if (!auth.clientSecret) throw new DestinationConfigError('Client Secret', 'is empty');
	if (auth.grant !== 'clientCredentials' && auth.grant !== 'password') throw new DestinationConfigError('Grant Type', 'must be Client Credentials or Password');
	if (auth.grant === 'password' && (!auth.username?.trim() || !auth.password)) {
		throw new DestinationConfigError('User Name', 'the password grant needs the service account\'s user name and password');
	}
	return auth;
}
