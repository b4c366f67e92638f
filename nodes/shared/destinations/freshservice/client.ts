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
 *
 * This file holds the requests per operation; the field model is in fields.ts, department and
 * location names in lookups.ts, query escaping in query.ts and the HTTP plumbing in requests.ts.
 */
import { HttpError } from '../../http/errors';
import { rateBudgetFor, rateBudgetKey, type RateBudget, type RateBudgetOptions } from '../../http/rateBudget';
import { mergeRetryPolicy, type RetryPolicy } from '../../http/retry';
import {
	normaliseKey,
	type MappedRequesterFields,
	type Requester,
	type RequesterFieldId,
	type SsoKey,
	type SsoKeyKind,
} from '../../requester/model';
import {
	asText,
	asValidationError,
	chooseFields,
	createOnce,
	DestinationConfigError,
	IdentityMemory,
	keyOf,
	keySource,
	sourceValue,
	type StoredSource,
} from '../common';
import {
	DestinationValidationError,
	type DestinationCapabilities,
	type DestinationRecord,
	type RequesterChanges,
	type RequesterDestination,
} from '../types';
import {
	BUILT_IN_FIELDS,
	CANONICAL_BY_FRESHSERVICE,
	checkCustomFields,
	composeAddress,
	dropEmpty,
	firstNameOf,
	FRESHSERVICE_EXTERNAL_ID,
	freshserviceId,
	idsOf,
	isAddressPart,
	isStoredSource,
	parseAddress,
	pickOne,
	TEXT_FIELDS,
	type FreshserviceCustomSource,
	type TextField,
} from './fields';
import { NameLookups, type NameIndex, type UnknownName } from './lookups';
import { fieldQuery } from './query';
import {
	FRESHSERVICE_RETRY_STATUSES,
	freshserviceApiRoot,
	freshserviceCaller,
	hasNextPage,
	listOf,
	PAGE_SIZE,
	requesterPath,
	type FreshserviceCall,
	type RawItem,
} from './requests';

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
	/** Paces every request on the account's budget, shared by every client of the account in the process (default: not paced). */
	rateBudget?: RateBudgetOptions;
	onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
	sleep?: (ms: number) => Promise<void>;
	random?: () => number;
}

export class FreshserviceDestination implements RequesterDestination {
	readonly label: string;
	readonly capabilities: DestinationCapabilities;
	readonly supportedFields: readonly RequesterFieldId[];
	readonly rateBudget: RateBudget | undefined;

	private readonly call: FreshserviceCall;
	private readonly policy: RetryPolicy;
	private readonly keyKind: SsoKeyKind;
	/** Where the key is stored: primary_email, or a custom slot. */
	private readonly keyFrom: StoredSource;
	private readonly slots: Map<FreshserviceCustomSource, string>;
	private readonly identity = new IdentityMemory();
	/** Requesters allowed to see their departments' tickets: Freshservice clears that on any update that does not resend it. */
	private readonly seesDepartmentTickets = new Set<string>();
	private readonly names: NameLookups;

	constructor(private readonly options: FreshserviceOptions) {
		if (!options.apiKey?.trim()) throw new DestinationConfigError('API Key', 'is empty');
		const apiRoot = freshserviceApiRoot(options);
		this.policy = mergeRetryPolicy({ retryStatuses: FRESHSERVICE_RETRY_STATUSES, ...options.retry });
		this.rateBudget = options.rateBudget && rateBudgetFor(rateBudgetKey(apiRoot), options.rateBudget);
		this.call = freshserviceCaller(apiRoot, options.apiKey.trim(), this.policy, { ...options, rateBudget: this.rateBudget });
		this.names = new NameLookups(async (path) => await this.call<unknown>('GET', path));
		this.keyKind = options.keyKind ?? 'email';
		this.slots = checkCustomFields(options.customFields ?? {});
		this.keyFrom = this.resolveKeySource();
		this.label = `Freshservice (${new URL(apiRoot).host})`;
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
			else if (field === 'department') expected.department = this.names.canonicalName('departments', requester.department);
			else if (field === 'officeLocation') expected.officeLocation = this.names.canonicalName('locations', requester.officeLocation);
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
		const query = fieldQuery(field, value);
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
		const [record] = await this.toRecords([raw as RawItem]);
		return record;
	}

	private async toRecords(raws: RawItem[]): Promise<DestinationRecord[]> {
		const departments = this.supportedFields.includes('department') && raws.some((raw) => idsOf(raw.department_ids).length > 0) ? await this.names.index('departments') : undefined;
		const locations = this.supportedFields.includes('officeLocation') && raws.some((raw) => typeof raw.location_id === 'number') ? await this.names.index('locations') : undefined;
		return raws.map((raw) => this.toRecord(raw, departments, locations));
	}

	private toRecord(raw: RawItem, departments: NameIndex | undefined, locations: NameIndex | undefined): DestinationRecord {
		// Without an id nothing can be linked or updated later ("undefined" would be stored as one).
		if (!((typeof raw.id === 'number' && Number.isFinite(raw.id)) || (typeof raw.id === 'string' && raw.id.trim() !== ''))) {
			throw new Error(`Freshservice answered with a requester without an "id" (${asText(raw.primary_email) ?? 'no email'}); it was not linked. Try again later; if it persists, report it to Freshservice.`);
		}
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

	private slotValue(raw: RawItem, source: FreshserviceCustomSource): string | null {
		const name = this.slotName(source);
		const custom = raw.custom_fields && typeof raw.custom_fields === 'object' ? (raw.custom_fields as Record<string, unknown>) : {};
		const value = asText(name === FRESHSERVICE_EXTERNAL_ID ? raw.external_id : custom[name]);
		// Date custom fields may come back with a time part.
		return source === 'hireDate' && value !== null ? (/^\d{4}-\d{2}-\d{2}/.exec(value)?.[0] ?? value) : value;
	}

	// ---- writing ---------------------------------------------------------------------------------

	private async bodyFor(requester: Requester, sources: StoredSource[]): Promise<Record<string, unknown>> {
		const body: Record<string, unknown> = {};
		const custom: Record<string, unknown> = {};
		const unknownNames: UnknownName[] = [];
		for (const source of new Set(sources)) {
			if (source in TEXT_FIELDS) {
				body[TEXT_FIELDS[source as TextField]] = source === 'firstName' ? firstNameOf(requester) : requester[source as TextField];
			} else if (isAddressPart(source)) {
				body.address = composeAddress(requester);
			} else if (source === 'department' || source === 'officeLocation') {
				const resolved = await this.names.resolve(source, requester[source]);
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
}

