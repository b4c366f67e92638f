/**
 * SCIM 2.0 settings as the future credential gives them, checked once in the constructor so a bad
 * setting fails before any request with the setting's name in the error.
 */
import type { RateBudgetOptions } from '../../http/rateBudget';
import type { RetryPolicy } from '../../http/retry';
import type { RequesterFieldId, SsoKeyKind } from '../../requester/model';
import { checkApiBaseUrl, chooseFields, DestinationConfigError } from '../common';

export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const SCIM_JSON = 'application/scim+json';

export interface ScimOptions {
	/** The SCIM root, e.g. https://example.com/scim/v2 (no /Users). */
	baseUrl: string;
	/** Authorization and any extra header, e.g. `{ authorization: 'Bearer …' }`. */
	headers: Record<string, string>;
	/** What requesters are matched on (default email): userName holds it; objectId matches on externalId. */
	keyKind?: SsoKeyKind;
	/** Only write these fields (default: every field with a SCIM attribute). */
	fields?: readonly RequesterFieldId[];
	/** Users per page when listing (default 100; the server's filter.maxResults caps it). */
	pageSize?: number;
	retry?: Partial<RetryPolicy>;
	/** Paces every request on the service's budget, shared by every client of the same base URL in the process (default: not paced). */
	rateBudget?: RateBudgetOptions;
	onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
	/** DELETE the user instead of writing active=false (default false: never delete). */
	deleteOnDeactivate?: boolean;
	/** Send creates through /Bulk when the server offers it (default false). */
	useBulk?: boolean;
	sleep?: (ms: number) => Promise<void>;
	random?: () => number;
}

/** Canonical fields the SCIM User (core and enterprise extension) can hold, besides userName. */
export const SCIM_FIELDS: readonly RequesterFieldId[] = [
	'fullName',
	'firstName',
	'lastName',
	'email',
	'phone',
	'landline',
	'jobTitle',
	'employeeType',
	'employeeId',
	'department',
	'costCenter',
	'company',
	'division',
	'street',
	'city',
	'state',
	'postalCode',
	'country',
];

export const DEFAULT_PAGE_SIZE = 100;

export interface ScimLayout {
	root: string;
	headers: Record<string, string>;
	keyKind: SsoKeyKind;
	supportedFields: RequesterFieldId[];
	pageSize: number;
}

export function scimLayout(options: ScimOptions): ScimLayout {
	const root = checkApiBaseUrl(options.baseUrl ?? '', 'Base URL').replace(/\/Users$/i, '');
	const headers = Object.fromEntries(Object.entries(options.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
	if (!headers.authorization?.trim()) throw new DestinationConfigError('Authentication', 'needs a bearer token or a user name and password');
	const keyKind = options.keyKind ?? 'email';
	// Matching on the object id leaves userName free for the mapped username.
	const available: RequesterFieldId[] = keyKind === 'objectId' ? ['username', ...SCIM_FIELDS] : [...SCIM_FIELDS];
	const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
	if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw new DestinationConfigError('Page Size', 'must be a whole number from 1 to 1000');
	return { root, headers, keyKind, supportedFields: chooseFields(available, options.fields), pageSize };
}
