/**
 * Freshservice (API v2) requesters as a destination: `https://<domain>.freshservice.com/api/v2`,
 * Basic auth with the API key as user name and `X` as password.
 *
 * Field mapping (canonical → Freshservice): firstName → first_name (the full name when Azure has no
 * given name: Freshservice requires one), lastName → last_name, email → primary_email,
 * phone → mobile_phone_number, landline → work_phone_number, jobTitle → job_title,
 * department → department_ids (by name), officeLocation → location_id (by name),
 * street/city/state/postalCode/country → address (one line each), manager → reporting_manager_id,
 * and any of FRESHSERVICE_CUSTOM_SOURCES → a custom field (or the built-in external_id) the user names.
 */
import { HttpError } from '../http/errors';
import { headerValue, send, type HttpMethod, type HttpResponse } from '../http/request';
import { mergeRetryPolicy, type RetryPolicy } from '../http/retry';
import {
	normaliseKey,
	type MappedRequesterFields,
	type Requester,
	type RequesterFieldId,
	type SsoKey,
	type SsoKeyKind,
} from '../requester/model';
import {
	asText,
	asValidationError,
	checkApiBaseUrl,
	chooseFields,
	createOnce,
	DestinationConfigError,
	IdentityMemory,
	keyOf,
	keySource,
	readFieldErrorBody,
	sourceValue,
	type StoredSource,
} from './common';
import {
	DestinationValidationError,
	type DestinationCapabilities,
	type DestinationRecord,
	type RequesterChanges,
	type RequesterDestination,
} from './types';

/** Throttling, server and gateway errors: Freshservice answers all of them under load. */
export const FRESHSERVICE_RETRY_STATUSES: readonly number[] = [429, 500, 502, 503, 504];

/** Values without a built-in requester field, which can go to custom fields instead. */
export const FRESHSERVICE_CUSTOM_SOURCES = [
	'azureObjectId',
	'ssoKey',
	'username',
	'fullName',
	'company',
	'employeeId',
	'employeeType',
	'division',
	'costCenter',
	'hireDate',
] as const;

export type FreshserviceCustomSource = (typeof FRESHSERVICE_CUSTOM_SOURCES)[number];

/** The one built-in field that may stand in for a custom field (to hold, say, the Azure object id). */
export const FRESHSERVICE_EXTERNAL_ID = 'external_id';

export interface FreshserviceOptions {
	/** `acme`, `acme.freshservice.com` or `https://acme.freshservice.com`. */
	domain?: string;
	/** API root instead of the domain's, including `/api/v2` (proxies, local stand-ins). */
	baseUrl?: string;
	apiKey: string;
	/** What requesters are matched on; the matching value must be stored (see `customFields`). */
	keyKind?: SsoKeyKind;
	/** Freshservice field name (a custom field's API name, or `external_id`) per value. */
	customFields?: Partial<Record<FreshserviceCustomSource, string>>;
	/** Only write these fields (default: every field with a target). */
	fields?: readonly RequesterFieldId[];
	retry?: Partial<RetryPolicy>;
	onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
	sleep?: (ms: number) => Promise<void>;
	random?: () => number;
}

const TEXT_FIELDS = {
	firstName: 'first_name',
	lastName: 'last_name',
	email: 'primary_email',
	phone: 'mobile_phone_number',
	landline: 'work_phone_number',
	jobTitle: 'job_title',
} as const satisfies Partial<Record<RequesterFieldId, string>>;

type TextField = keyof typeof TEXT_FIELDS;

const ADDRESS_PARTS = ['street', 'city', 'state', 'postalCode', 'country'] as const;

type AddressPart = (typeof ADDRESS_PARTS)[number];

const BUILT_IN_FIELDS: readonly RequesterFieldId[] = [...(Object.keys(TEXT_FIELDS) as TextField[]), 'department', 'officeLocation', ...ADDRESS_PARTS];

/** Freshservice field names read back into canonical ones, for validation reasons. */
const CANONICAL_BY_FRESHSERVICE: Record<string, string> = {
	...Object.fromEntries(Object.entries(TEXT_FIELDS).map(([canonical, freshservice]) => [freshservice, canonical])),
	department_ids: 'department',
	location_id: 'officeLocation',
	address: 'street',
	reporting_manager_id: 'manager',
};

const PAGE_SIZE = 100;
const MAX_QUERY_LENGTH = 512;
const CUSTOM_FIELD_NAME = /^[A-Za-z0-9_]{1,128}$/;
const SUBDOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

type RawRequester = Record<string, unknown>;

interface NameIndex {
	idByName: Map<string, number>;
	nameById: Map<number, string>;
}

/** The API root for a domain as users type it. */
export function freshserviceApiRoot(options: Pick<FreshserviceOptions, 'domain' | 'baseUrl'>): string {
	if (options.baseUrl?.trim()) return checkApiBaseUrl(options.baseUrl, 'Base URL');
	const typed = (options.domain ?? '').trim().toLowerCase();
	const host = typed.replace(/^https?:\/\//, '').replace(/[/?#].*$/, '');
	const subdomain = host.endsWith('.freshservice.com') ? host.slice(0, -'.freshservice.com'.length) : host;
	if (!SUBDOMAIN.test(subdomain)) {
		throw new DestinationConfigError('Domain', `"${options.domain ?? ''}" is not a Freshservice domain (expected e.g. acme or acme.freshservice.com)`);
	}
	return `https://${subdomain}.freshservice.com/api/v2`;
}

export class FreshserviceDestination implements RequesterDestination {
	readonly label: string;
	readonly capabilities: DestinationCapabilities;
	readonly supportedFields: readonly RequesterFieldId[];

	private readonly apiRoot: string;
	private readonly authorization: string;
	private readonly policy: RetryPolicy;
	private readonly keyKind: SsoKeyKind;
	/** Where the key is stored: primary_email, or a custom slot. */
	private readonly keyFrom: StoredSource;
	private readonly slots: Map<FreshserviceCustomSource, string>;
	private readonly identity = new IdentityMemory();
	/** Requesters allowed to see their departments' tickets: Freshservice clears that on any update that does not resend it. */
	private readonly seesDepartmentTickets = new Set<string>();
	private readonly indexes: { departments?: Promise<NameIndex>; locations?: Promise<NameIndex> } = {};
	/** The same indexes once loaded, for the synchronous `expectedFields`. */
	private readonly loaded: { departments?: NameIndex; locations?: NameIndex } = {};

	constructor(private readonly options: FreshserviceOptions) {
		if (!options.apiKey?.trim()) throw new DestinationConfigError('API Key', 'is empty');
		this.apiRoot = freshserviceApiRoot(options);
		this.authorization = `Basic ${Buffer.from(`${options.apiKey.trim()}:X`).toString('base64')}`;
		this.policy = mergeRetryPolicy({ retryStatuses: FRESHSERVICE_RETRY_STATUSES, ...options.retry });
		this.keyKind = options.keyKind ?? 'email';
		this.slots = checkCustomFields(options.customFields ?? {});
		this.keyFrom = this.resolveKeySource();
		this.label = `Freshservice (${new URL(this.apiRoot).host})`;
		this.capabilities = { storesAzureObjectId: this.slots.has('azureObjectId'), reportingManager: true };
		const targets = [...BUILT_IN_FIELDS, ...[...this.slots.keys()].filter((source): source is FreshserviceCustomSource & RequesterFieldId => source !== 'azureObjectId' && source !== 'ssoKey')];
		this.supportedFields = chooseFields(targets, options.fields);
	}

	async findById(id: string): Promise<DestinationRecord | null> {
		try {
			return await this.read(id);
		} catch (error) {
			if (error instanceof HttpError && error.status === 404) return null;
			throw error;
		}
	}

	async findByKey(key: SsoKey): Promise<DestinationRecord | null> {
		if (key.kind !== this.keyKind) throw new Error(`This Freshservice destination matches on ${this.keyKind}, not ${key.kind}`);
		const value = normaliseKey(key.value);
		if (this.keyFrom === 'email') return await this.findByEmail(value);
		return await this.findBySlot(this.slotName(this.keyFrom), value, (record) => record.key === value);
	}

	async findByAzureObjectId(azureObjectId: string): Promise<DestinationRecord | null> {
		const slot = this.slots.get('azureObjectId');
		if (slot === undefined) return null;
		const value = normaliseKey(azureObjectId);
		return await this.findBySlot(slot, value, (record) => keyOf(record.azureObjectId) === value);
	}

	async *list(): AsyncIterable<DestinationRecord[]> {
		for (let page = 1; ; page++) {
			const response = await this.call<unknown>('GET', `/requesters?per_page=${PAGE_SIZE}&page=${page}`);
			const raws = listOf(response.body, 'requesters');
			if (raws.length > 0) yield await this.toRecords(raws);
			if (!hasNextPage(response)) return;
		}
	}

	async create(requester: Requester, options: { managerId?: string } = {}): Promise<DestinationRecord> {
		const sources = new Set<StoredSource>([...this.supportedFields.filter(isStoredSource), 'firstName', this.keyFrom, ...this.identitySlots()]);
		const body = dropEmpty(await this.bodyFor(requester, [...sources]));
		if (options.managerId !== undefined) body.reporting_manager_id = freshserviceId(options.managerId);
		try {
			return await createOnce({
				post: async () => await this.recordFrom((await this.call<unknown>('POST', '/requesters', body)).body),
				lookup: async () => await this.findByKey(requester.ssoKey),
				// Freshservice refuses a second requester with the same email with 409.
				isDuplicate: (error) => error instanceof HttpError && error.status === 409,
				policy: this.policy,
				sleep: this.options.sleep,
				random: this.options.random,
				onRetry: this.options.onRetry,
			});
		} catch (error) {
			throw this.refusal(error);
		}
	}

	async update(id: string, changes: RequesterChanges, requester: Requester): Promise<DestinationRecord> {
		const changed = (Object.keys(changes) as RequesterFieldId[]).filter((field) => this.supportedFields.includes(field));
		const identity = this.identity.toWrite(id, requester, this.identitySlots());
		const body = await this.bodyFor(requester, [...changed.filter(isStoredSource), ...identity]);
		if (Object.keys(body).length === 0) return await this.read(id);
		return await this.put(id, body);
	}

	async deactivate(id: string): Promise<void> {
		await this.setActive(id, false, () => this.call('DELETE', `/requesters/${requesterPath(id)}`));
	}

	async reactivate(id: string): Promise<void> {
		await this.setActive(id, true, () => this.call('PUT', `/requesters/${requesterPath(id)}/reactivate`));
	}

	async setManager(id: string, managerId: string | null): Promise<void> {
		await this.put(id, { reporting_manager_id: managerId === null ? null : freshserviceId(managerId) });
	}

	expectedFields(requester: Requester): Partial<MappedRequesterFields> {
		const expected: Partial<Record<RequesterFieldId, unknown>> = {};
		const address = parseAddress(composeAddress(requester));
		for (const field of this.supportedFields) {
			if (field === 'firstName') expected.firstName = firstNameOf(requester);
			else if (isAddressPart(field)) expected[field] = address[field];
			else if (field === 'department') expected.department = canonicalName(this.loaded.departments, requester.department);
			else if (field === 'officeLocation') expected.officeLocation = canonicalName(this.loaded.locations, requester.officeLocation);
			else expected[field] = requester[field];
		}
		return expected as Partial<MappedRequesterFields>;
	}

	/** Reads one page of requesters: proves the domain, the API key and its permission to read requesters. */
	async checkAccess(): Promise<void> {
		await this.call('GET', '/requesters?per_page=1');
	}

	/** The account's requester custom fields (API name and label), for choosing where values go. */
	async listCustomFields(): Promise<Array<{ name: string; label: string }>> {
		const response = await this.call<unknown>('GET', '/requester_fields');
		return listOf(response.body, 'requester_fields')
			.filter((field) => field.default_field !== true && typeof field.name === 'string')
			.map((field) => ({ name: field.name as string, label: asText(field.label) ?? (field.name as string) }));
	}

	// ---- reading ---------------------------------------------------------------------------------

	private async findByEmail(email: string): Promise<DestinationRecord | null> {
		// `?email=` matches primary and secondary emails exactly, straight from the database; the
		// `query` filter goes through a search index that can lag a just-created requester.
		const response = await this.call<unknown>('GET', `/requesters?email=${encodeURIComponent(email)}`);
		const raws = listOf(response.body, 'requesters');
		const primary = raws.filter((raw) => keyOf(raw.primary_email) === email);
		const secondary = raws.filter((raw) => Array.isArray(raw.secondary_emails) && raw.secondary_emails.some((other) => keyOf(other) === email));
		return pickOne(await this.toRecords(primary.length > 0 ? primary : secondary));
	}

	private async findBySlot(field: string, value: string, matches: (record: DestinationRecord) => boolean): Promise<DestinationRecord | null> {
		const query = `"${field}:'${escapeQueryValue(value)}'"`;
		if (query.length - 2 > MAX_QUERY_LENGTH) {
			throw new DestinationValidationError(`The value is too long to search Freshservice ${field} with`, 0, [{ field, message: `too long to search for (Freshservice queries are limited to ${MAX_QUERY_LENGTH} characters)` }]);
		}
		const response = await this.call<unknown>('GET', `/requesters?query=${encodeURIComponent(query)}`);
		const records = await this.toRecords(listOf(response.body, 'requesters'));
		return pickOne(records.filter(matches));
	}

	private async read(id: string): Promise<DestinationRecord> {
		return await this.recordFrom((await this.call<unknown>('GET', `/requesters/${requesterPath(id)}`)).body);
	}

	private async recordFrom(body: unknown): Promise<DestinationRecord> {
		const raw = body && typeof body === 'object' ? (body as Record<string, unknown>).requester : undefined;
		if (!raw || typeof raw !== 'object') throw new Error('Freshservice answered without a requester object');
		const [record] = await this.toRecords([raw as RawRequester]);
		return record;
	}

	private async toRecords(raws: RawRequester[]): Promise<DestinationRecord[]> {
		const departments = this.supportedFields.includes('department') && raws.some((raw) => idsOf(raw.department_ids).length > 0) ? await this.index('departments') : undefined;
		const locations = this.supportedFields.includes('officeLocation') && raws.some((raw) => typeof raw.location_id === 'number') ? await this.index('locations') : undefined;
		return raws.map((raw) => this.toRecord(raw, departments, locations));
	}

	private toRecord(raw: RawRequester, departments: NameIndex | undefined, locations: NameIndex | undefined): DestinationRecord {
		const id = String(raw.id);
		const fields: Partial<Record<RequesterFieldId, unknown>> = {};
		const address = parseAddress(asText(raw.address));
		for (const field of this.supportedFields) {
			if (field in TEXT_FIELDS) fields[field] = asText(raw[TEXT_FIELDS[field as TextField]]);
			else if (isAddressPart(field)) fields[field] = address[field];
			else if (field === 'department') fields.department = departments?.nameById.get(idsOf(raw.department_ids)[0]) ?? null;
			else if (field === 'officeLocation') fields.officeLocation = typeof raw.location_id === 'number' ? (locations?.nameById.get(raw.location_id) ?? null) : null;
			else fields[field] = this.slotValue(raw, field as FreshserviceCustomSource);
		}
		const key = keyOf(this.keyFrom === 'email' ? raw.primary_email : this.slotValue(raw, this.keyFrom as FreshserviceCustomSource));
		const azureObjectId = this.slots.has('azureObjectId') ? this.slotValue(raw, 'azureObjectId') : null;
		this.identity.remember(id, key, azureObjectId);
		if (raw.can_see_all_tickets_from_associated_departments === true) this.seesDepartmentTickets.add(id);
		else this.seesDepartmentTickets.delete(id);
		return {
			id,
			key,
			azureObjectId,
			active: raw.active !== false,
			fields: fields as Partial<MappedRequesterFields>,
			managerId: typeof raw.reporting_manager_id === 'number' || typeof raw.reporting_manager_id === 'string' ? String(raw.reporting_manager_id) : null,
		};
	}

	private slotValue(raw: RawRequester, source: FreshserviceCustomSource): string | null {
		const name = this.slotName(source);
		const custom = raw.custom_fields && typeof raw.custom_fields === 'object' ? (raw.custom_fields as Record<string, unknown>) : {};
		const value = asText(name === FRESHSERVICE_EXTERNAL_ID ? raw.external_id : custom[name]);
		// Date custom fields may come back with a time part.
		return source === 'hireDate' && value !== null ? (/^\d{4}-\d{2}-\d{2}/.exec(value)?.[0] ?? value) : value;
	}

	/** Departments or locations by name, read once per destination (all pages). */
	private async index(kind: 'departments' | 'locations'): Promise<NameIndex> {
		this.indexes[kind] ??= this.loadIndex(kind).catch((error: unknown) => {
			delete this.indexes[kind];
			throw error;
		});
		return await this.indexes[kind];
	}

	private async loadIndex(kind: 'departments' | 'locations'): Promise<NameIndex> {
		const index: NameIndex = { idByName: new Map(), nameById: new Map() };
		for (let page = 1; ; page++) {
			const response = await this.call<unknown>('GET', `/${kind}?per_page=${PAGE_SIZE}&page=${page}`);
			for (const item of listOf(response.body, kind)) {
				const name = asText(item.name);
				if (typeof item.id !== 'number' || name === null) continue;
				index.nameById.set(item.id, name);
				if (!index.idByName.has(normaliseKey(name))) index.idByName.set(normaliseKey(name), item.id);
			}
			if (!hasNextPage(response)) break;
		}
		this.loaded[kind] = index;
		return index;
	}

	// ---- writing ---------------------------------------------------------------------------------

	private async bodyFor(requester: Requester, sources: StoredSource[]): Promise<Record<string, unknown>> {
		const body: Record<string, unknown> = {};
		const custom: Record<string, unknown> = {};
		const unknownNames: Array<{ field: string; message: string; code: string }> = [];
		for (const source of new Set(sources)) {
			if (source in TEXT_FIELDS) {
				body[TEXT_FIELDS[source as TextField]] = source === 'firstName' ? firstNameOf(requester) : requester[source as TextField];
			} else if (isAddressPart(source)) {
				body.address = composeAddress(requester);
			} else if (source === 'department' || source === 'officeLocation') {
				const resolved = await this.resolveName(source, requester[source]);
				if ('reason' in resolved) unknownNames.push(resolved.reason);
				else if (source === 'department') body.department_ids = resolved.id === null ? [] : [resolved.id];
				else body.location_id = resolved.id;
			} else if (this.slots.has(source as FreshserviceCustomSource)) {
				const name = this.slotName(source as FreshserviceCustomSource);
				const value = sourceValue(requester, source);
				if (name === FRESHSERVICE_EXTERNAL_ID) body.external_id = value;
				else custom[name] = value;
			}
		}
		if (unknownNames.length > 0) {
			throw new DestinationValidationError(`Freshservice has no ${unknownNames.map((reason) => reason.field).join(' or ')} with that name`, 0, unknownNames);
		}
		if (Object.keys(custom).length > 0) body.custom_fields = custom;
		return body;
	}

	private async resolveName(field: 'department' | 'officeLocation', name: string | null): Promise<{ id: number | null } | { reason: { field: string; message: string; code: string } }> {
		if (name === null) return { id: null };
		const kind = field === 'department' ? 'departments' : 'locations';
		const id = (await this.index(kind)).idByName.get(normaliseKey(name));
		if (id !== undefined) return { id };
		const where = field === 'department' ? 'Admin > Departments' : 'Admin > Locations';
		return {
			reason: {
				field,
				message: `Freshservice has no ${field === 'department' ? 'department' : 'location'} named "${name}": add it under ${where}, or change the ${field === 'department' ? 'Department' : 'Office Location'} mapping`,
				code: field === 'department' ? 'unknown_department' : 'unknown_location',
			},
		};
	}

	private identitySlots(): Array<'azureObjectId' | 'ssoKey'> {
		return (['azureObjectId', 'ssoKey'] as const).filter((source) => this.slots.has(source));
	}

	private async put(id: string, body: Record<string, unknown>): Promise<DestinationRecord> {
		if (this.seesDepartmentTickets.has(id)) body.can_see_all_tickets_from_associated_departments = true;
		try {
			return await this.recordFrom((await this.call<unknown>('PUT', `/requesters/${requesterPath(id)}`, body)).body);
		} catch (error) {
			throw this.refusal(error);
		}
	}

	/** A DELETE or reactivate repeated after a lost answer may be refused as already done: then the requester's state decides. */
	private async setActive(id: string, active: boolean, request: () => Promise<unknown>): Promise<void> {
		try {
			await request();
		} catch (error) {
			if (!(error instanceof HttpError) || ![400, 404, 409].includes(error.status)) throw error;
			const current = await this.read(id).catch(() => undefined);
			if (current?.active !== active) throw error;
		}
	}

	private refusal(error: unknown): unknown {
		const sourceBySlot = new Map([...this.slots].map(([source, name]) => [name, source as string]));
		const refused = asValidationError(error, (field) => CANONICAL_BY_FRESHSERVICE[field] ?? sourceBySlot.get(field) ?? field, 'Freshservice');
		if (refused instanceof DestinationValidationError) {
			for (const reason of refused.reasons) {
				if (reason.field === 'email' && reason.code === 'duplicate_value') reason.message += '; an agent or another requester (possibly deactivated) already has this email';
			}
		}
		return refused;
	}

	// ---- plumbing --------------------------------------------------------------------------------

	private resolveKeySource(): StoredSource {
		const source = keySource(this.keyKind, this.slots.has('ssoKey'));
		const needsSlot = source !== undefined && source !== 'email' && !this.slots.has(source as FreshserviceCustomSource);
		if (source === undefined || needsSlot) {
			const what = source === undefined || source === 'ssoKey' ? 'SSO Key' : source === 'azureObjectId' ? 'Azure Object ID' : 'Employee ID';
			throw new DestinationConfigError('Custom Fields', `matching on ${this.keyKind} needs a Freshservice field that stores it: map "${what}" to a requester custom field`);
		}
		return source;
	}

	private slotName(source: StoredSource): string {
		const name = this.slots.get(source as FreshserviceCustomSource);
		if (name === undefined) throw new Error(`No Freshservice field holds ${source}`);
		return name;
	}

	private async call<T>(method: HttpMethod, path: string, body?: unknown): Promise<HttpResponse<T>> {
		return await send<T>(
			{ method, url: `${this.apiRoot}${path}`, headers: { authorization: this.authorization }, body },
			{ policy: this.policy, readError: readFieldErrorBody, onRetry: this.options.onRetry, sleep: this.options.sleep, random: this.options.random },
		);
	}
}

function checkCustomFields(customFields: Partial<Record<string, string>>): Map<FreshserviceCustomSource, string> {
	const slots = new Map<FreshserviceCustomSource, string>();
	const owners = new Map<string, string>();
	for (const [source, rawName] of Object.entries(customFields)) {
		const name = rawName?.trim() ?? '';
		if (name === '') continue;
		if (!(FRESHSERVICE_CUSTOM_SOURCES as readonly string[]).includes(source)) {
			throw new DestinationConfigError('Custom Fields', `"${source}" has a built-in Freshservice field or cannot be stored; choose one of ${FRESHSERVICE_CUSTOM_SOURCES.join(', ')}`);
		}
		if (!CUSTOM_FIELD_NAME.test(name)) {
			throw new DestinationConfigError('Custom Fields', `"${name}" is not a Freshservice field name (use the API name shown under Admin > Requester Fields: letters, digits and _)`);
		}
		const owner = owners.get(name);
		if (owner !== undefined) throw new DestinationConfigError('Custom Fields', `"${name}" is chosen for both ${owner} and ${source}`);
		owners.set(name, source);
		slots.set(source as FreshserviceCustomSource, name);
	}
	return slots;
}

/** Freshservice query strings are `field:'value'`; quotes and backslashes in the value are escaped. */
export function escapeQueryValue(value: string): string {
	return value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/"/g, '\\"');
}

/** Freshservice requires a first name; a directory entry without a given name uses its full name. */
function firstNameOf(requester: Requester): string | null {
	return requester.firstName ?? requester.fullName ?? requester.email?.split('@')[0] ?? requester.ssoKey.value;
}

/** One address line per part, in a fixed order, so the parts can be read back for diffing. */
function composeAddress(requester: Requester): string | null {
	const text = ADDRESS_PARTS.map((part) => requester[part] ?? '').join('\n').trim();
	return text === '' ? null : text;
}

/** The inverse of composeAddress; an address typed by hand (fewer lines) is all street. */
function parseAddress(address: string | null): Record<AddressPart, string | null> {
	const parts: Record<AddressPart, string | null> = { street: null, city: null, state: null, postalCode: null, country: null };
	if (address === null) return parts;
	const lines = address.replace(/\r\n/g, '\n').split('\n');
	if (lines.length < ADDRESS_PARTS.length) return { ...parts, street: address };
	const tail = lines.slice(-(ADDRESS_PARTS.length - 1));
	parts.street = lines.slice(0, lines.length - tail.length).join('\n') || null;
	ADDRESS_PARTS.slice(1).forEach((part, index) => (parts[part] = tail[index] || null));
	return parts;
}

function isAddressPart(field: string): field is AddressPart {
	return (ADDRESS_PARTS as readonly string[]).includes(field);
}

function isStoredSource(field: RequesterFieldId): field is Exclude<RequesterFieldId, 'manager'> {
	return field !== 'manager';
}

function canonicalName(index: NameIndex | undefined, name: string | null): string | null {
	if (name === null || index === undefined) return name;
	const id = index.idByName.get(normaliseKey(name));
	return id === undefined ? name : (index.nameById.get(id) ?? name);
}

/** A create sends only values: an empty value is Freshservice's default anyway. */
function dropEmpty(body: Record<string, unknown>): Record<string, unknown> {
	const kept = Object.entries(body).filter(([, value]) => value !== null && !(Array.isArray(value) && value.length === 0));
	const result = Object.fromEntries(kept);
	if (result.custom_fields && typeof result.custom_fields === 'object') {
		const custom = Object.entries(result.custom_fields as Record<string, unknown>).filter(([, value]) => value !== null);
		if (custom.length === 0) delete result.custom_fields;
		else result.custom_fields = Object.fromEntries(custom);
	}
	return result;
}

function listOf(body: unknown, key: string): RawRequester[] {
	const list = body && typeof body === 'object' ? (body as Record<string, unknown>)[key] : undefined;
	return Array.isArray(list) ? list.filter((item): item is RawRequester => !!item && typeof item === 'object') : [];
}

function idsOf(value: unknown): number[] {
	return Array.isArray(value) ? value.filter((item): item is number => typeof item === 'number') : [];
}

/** Freshservice sets `Link: <…>; rel="next"` only when another page exists. */
function hasNextPage(response: HttpResponse<unknown>): boolean {
	return /rel="?next"?/.test(headerValue(response.headers, 'link') ?? '');
}

/** Several matches on one key are a data problem; prefer the active one, then the oldest. */
function pickOne(records: DestinationRecord[]): DestinationRecord | null {
	const sorted = [...records].sort((a, b) => Number(b.active) - Number(a.active) || Number(a.id) - Number(b.id));
	return sorted[0] ?? null;
}

function requesterPath(id: string): string {
	return encodeURIComponent(id);
}

/** Proves a Freshservice connection with one small read; the message says what to fix. */
export async function testFreshserviceAccess(options: FreshserviceOptions): Promise<{ ok: boolean; message: string }> {
	let destination: FreshserviceDestination;
	try {
		// A Test button should answer within seconds, not wait out a long throttle.
		destination = new FreshserviceDestination({ ...options, retry: { maxAttempts: 2, maxRetryAfterMs: 10_000, ...options.retry } });
		await destination.checkAccess();
	} catch (error) {
		return { ok: false, message: accessFailure(error) };
	}
	return { ok: true, message: `Connected to ${destination.label}` };
}

function accessFailure(error: unknown): string {
	if (error instanceof HttpError && error.status === 401) return 'Freshservice rejected the API key (HTTP 401). Copy it again from Profile Settings > API Key.';
	if (error instanceof HttpError && error.status === 403) return "The API key's agent may not view requesters (HTTP 403). Use the key of an agent with the Manage Requesters permission.";
	if (error instanceof HttpError && error.status === 404) return 'No Freshservice API at this address (HTTP 404). Check the domain or Base URL.';
	return error instanceof Error ? error.message : String(error);
}

/** Freshservice requester ids are numbers; a reporting manager is written as one. */
function freshserviceId(managerId: string): number {
	if (!/^\d+$/.test(managerId)) {
		throw new DestinationValidationError(`Freshservice requester ids are numbers, not "${managerId}"`, 0, [{ field: 'manager', message: `"${managerId}" is not a Freshservice requester id` }]);
	}
	return Number(managerId);
}
