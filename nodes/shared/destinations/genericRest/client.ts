/**
 * Any ITSM that implements the small requester contract in GENERIC_REST.md: path templates, JSON
 * field names and response shapes are settings with documented defaults. Authentication arrives
 * as ready-made headers, so this core never sees how the node obtained them.
 *
 * This file holds the requests per operation; the settings and their defaults are in settings.ts,
 * dotted JSON paths in json.ts.
 */
import { HttpError } from '../../http/errors';
import { send, type HttpMethod, type HttpResponse } from '../../http/request';
import { rateBudgetFor, rateBudgetKey, type RateBudget } from '../../http/rateBudget';
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
	checkApiBaseUrl,
	chooseFields,
	createOnce,
	DestinationConfigError,
	IdentityMemory,
	keyOf,
	readFieldErrorBody,
	sourceValue,
	WRITABLE_FIELDS,
	type StoredSource,
} from '../common';
import type { DestinationCapabilities, DestinationRecord, RequesterChanges, RequesterDestination } from '../types';
import { getPath, isJson, setPath, textList, type Json } from './json';
import {
	GENERIC_REST_RETRY_STATUSES,
	resolveFieldNames,
	resolveKeyField,
	resolveKeySource,
	resolvePaths,
	resolveSettings,
	type GenericRestOptions,
	type GenericRestPaths,
	type GenericSettings,
} from './settings';

export class GenericRestDestination implements RequesterDestination {
	readonly label: string;
	readonly capabilities: DestinationCapabilities;
	readonly supportedFields: readonly RequesterFieldId[];
	readonly rateBudget: RateBudget | undefined;

	private readonly baseUrl: string;
	private readonly policy: RetryPolicy;
	private readonly keyKind: SsoKeyKind;
	private readonly names: Map<StoredSource, string>;
	private readonly keyField: string;
	private readonly paths: GenericRestPaths;
	private readonly settings: GenericSettings;
	private readonly identity = new IdentityMemory();

	constructor(private readonly options: GenericRestOptions) {
		this.baseUrl = checkApiBaseUrl(options.baseUrl ?? '', 'Base URL');
		this.policy = mergeRetryPolicy({ retryStatuses: GENERIC_REST_RETRY_STATUSES, ...options.retry });
		this.rateBudget = options.rateBudget && rateBudgetFor(rateBudgetKey(this.baseUrl), options.rateBudget);
		this.keyKind = options.keyKind ?? 'email';
		this.settings = resolveSettings(options);
		this.names = resolveFieldNames(options.fieldNames ?? {}, this.keyKind);
		this.keyField = resolveKeyField(this.keyKind, this.names);
		this.paths = resolvePaths(options.paths ?? {}, this.keyField, this.names.has('azureObjectId'));
		this.label = `Requester API (${new URL(this.baseUrl).host})`;
		this.capabilities = {
			storesAzureObjectId: this.names.has('azureObjectId') && this.paths.findByAzureObjectId !== '',
			reportingManager: this.settings.managerField !== '',
		};
		this.supportedFields = chooseFields(
			WRITABLE_FIELDS.filter((field) => this.names.has(field)),
			options.fields,
		);
	}

	async findById(id: string): Promise<DestinationRecord | null> {
		const response = await this.get(this.path('record', { id }));
		return response === null ? null : this.recordIn(response.body);
	}

	async findByKey(key: SsoKey): Promise<DestinationRecord | null> {
		if (key.kind !== this.keyKind) throw new Error(`This requester API matches on ${this.keyKind}, not ${key.kind}`);
		const value = normaliseKey(key.value);
		const response = await this.get(this.path('findByKey', { key: value }));
		return response === null ? null : pickOne(this.recordsIn(response.body).filter((record) => record.key === value));
	}

	async findByAzureObjectId(azureObjectId: string): Promise<DestinationRecord | null> {
		if (!this.capabilities.storesAzureObjectId) return null;
		const value = normaliseKey(azureObjectId);
		const response = await this.get(this.path('findByAzureObjectId', { azureObjectId: value }));
		return response === null ? null : pickOne(this.recordsIn(response.body).filter((record) => keyOf(record.azureObjectId) === value));
	}

	async *list(): AsyncIterable<DestinationRecord[]> {
		const path = this.path('list', {});
		if (this.settings.paging === 'none') {
			yield this.recordsIn((await this.call('GET', path)).body);
			return;
		}
		let previousFirstId: string | undefined;
		for (let page = 1; ; page++) {
			const separator = path.includes('?') ? '&' : '?';
			const records = this.recordsIn((await this.call('GET', `${path}${separator}page=${page}&per_page=${this.settings.pageSize}`)).body);
			// An API that ignores `page` would hand out page 1 forever.
			if (records.length > 0 && records[0].id === previousFirstId) {
				throw new DestinationConfigError('Paging', `page ${page} of ${path} repeats page ${page - 1}: the API ignores page/per_page; set Paging to None or fix the endpoint`);
			}
			if (records.length > 0) yield records;
			if (records.length < this.settings.pageSize) return;
			previousFirstId = records[0].id;
		}
	}

	async create(requester: Requester, options: { managerId?: string } = {}): Promise<DestinationRecord> {
		const sources = new Set<StoredSource>([...this.supportedFields.filter(isStoredSource), this.keySourceId(), ...this.identitySlots()]);
		const body = this.bodyFor(requester, [...sources], true);
		if (options.managerId !== undefined && this.capabilities.reportingManager) setPath(body, this.settings.managerField, options.managerId);
		try {
			return await createOnce({
				post: async () => {
					const response = await this.call('POST', this.path('create', {}), body);
					return this.recordIn(response.body, true) ?? (await this.readBack(requester));
				},
				lookup: async () => await this.findByKey(requester.ssoKey),
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
		const changed = (Object.keys(changes) as RequesterFieldId[]).filter((field) => this.supportedFields.includes(field) && isStoredSource(field));
		const body = this.bodyFor(requester, [...(changed as StoredSource[]), ...this.identity.toWrite(id, requester, this.identitySlots())], false);
		if (Object.keys(body).length === 0) return await this.mustRead(id);
		return await this.patch(id, body);
	}

	async deactivate(id: string): Promise<void> {
		await this.setActive(id, false);
	}

	async reactivate(id: string): Promise<void> {
		await this.setActive(id, true);
	}

	async setManager(id: string, managerId: string | null): Promise<void> {
		if (!this.capabilities.reportingManager) throw new DestinationConfigError('Manager Field', 'is empty, so requesters cannot point at a manager');
		await this.patch(id, setPath({}, this.settings.managerField, managerId));
	}

	expectedFields(requester: Requester): Partial<MappedRequesterFields> {
		return Object.fromEntries(this.supportedFields.map((field) => [field, requester[field]])) as Partial<MappedRequesterFields>;
	}

	// ---- reading ---------------------------------------------------------------------------------

	/** A GET whose 404 means "no such requester". */
	private async get(path: string): Promise<HttpResponse | null> {
		try {
			return await this.call('GET', path);
		} catch (error) {
			if (error instanceof HttpError && error.status === 404) return null;
			throw error;
		}
	}

	private async mustRead(id: string): Promise<DestinationRecord> {
		const record = await this.findById(id);
		if (!record) throw new Error(`${this.label} has no requester ${id} any more`);
		return record;
	}

	/** A create answered without the record (e.g. 201 with an empty body): read it back by key. */
	private async readBack(requester: Requester): Promise<DestinationRecord> {
		const record = await this.findByKey(requester.ssoKey);
		if (!record) throw new Error(`${this.label} accepted the new requester but does not return it when searched by key`);
		return record;
	}

	/** Search and list answers: a bare array, the array at itemsPath, or a single requester. */
	private recordsIn(body: unknown): DestinationRecord[] {
		const list = Array.isArray(body) ? body : getPath(body, this.settings.itemsPath);
		if (Array.isArray(list)) return list.filter(isJson).map((raw) => this.toRecord(raw));
		const single = this.recordIn(body, true);
		return single ? [single] : [];
	}

	private recordIn(body: unknown, optional: true): DestinationRecord | null;
	private recordIn(body: unknown): DestinationRecord;
	private recordIn(body: unknown, optional = false): DestinationRecord | null {
		const raw = this.settings.recordPath ? getPath(body, this.settings.recordPath) : body;
		if (isJson(raw) && getPath(raw, this.settings.idField) !== undefined) return this.toRecord(raw);
		if (optional) return null;
		throw new Error(`${this.label} answered without a requester (no "${this.settings.idField}" at "${this.settings.recordPath || 'the top level'}")`);
	}

	private toRecord(raw: Json): DestinationRecord {
		const id = asText(getPath(raw, this.settings.idField));
		if (id === null) throw new Error(`${this.label} returned a requester without "${this.settings.idField}"`);
		const fields: Partial<Record<RequesterFieldId, unknown>> = {};
		for (const field of this.supportedFields) {
			const value = getPath(raw, this.names.get(field as StoredSource) ?? field);
			fields[field] = field === 'tags' ? textList(value) : asText(value);
		}
		const key = keyOf(getPath(raw, this.keyField));
		const azureName = this.names.get('azureObjectId');
		const azureObjectId = azureName ? asText(getPath(raw, azureName)) : null;
		this.identity.remember(id, key, azureObjectId);
		const active = getPath(raw, this.settings.activeField);
		return {
			id,
			key,
			azureObjectId,
			active: active !== false,
			fields: fields as Partial<MappedRequesterFields>,
			managerId: this.settings.managerField ? asText(getPath(raw, this.settings.managerField)) : null,
		};
	}

	// ---- writing ---------------------------------------------------------------------------------

	private bodyFor(requester: Requester, sources: StoredSource[], creating: boolean): Json {
		const body: Json = {};
		for (const source of new Set(sources)) {
			const name = this.names.get(source);
			if (name === undefined) continue;
			const value = sourceValue(requester, source);
			// A new requester gets only values; an update may clear a field with null.
			if (creating && (value === null || (Array.isArray(value) && value.length === 0))) continue;
			setPath(body, name, value);
		}
		return body;
	}

	private async patch(id: string, body: Json): Promise<DestinationRecord> {
		try {
			const response = await this.call(this.settings.updateMethod, this.path('record', { id }), body);
			return this.recordIn(response.body, true) ?? (await this.mustRead(id));
		} catch (error) {
			throw this.refusal(error);
		}
	}

	private async setActive(id: string, active: boolean): Promise<void> {
		if (this.settings.deactivation === 'activeField') {
			await this.patch(id, setPath({}, this.settings.activeField, active));
			return;
		}
		// The contract makes these endpoints idempotent, so they are retried like a PUT.
		await this.call('POST', this.path(active ? 'reactivate' : 'deactivate', { id }), undefined, true);
	}

	private refusal(error: unknown): unknown {
		const sourceByName = new Map([...this.names].map(([source, name]) => [name, source as string]));
		return asValidationError(error, (field) => sourceByName.get(field) ?? (field === this.settings.managerField ? 'manager' : field), this.label);
	}

	// ---- settings --------------------------------------------------------------------------------

	private keySourceId(): StoredSource {
		return resolveKeySource(this.keyKind, this.names);
	}

	private identitySlots(): Array<'azureObjectId' | 'ssoKey'> {
		return (['azureObjectId', 'ssoKey'] as const).filter((source) => this.names.has(source));
	}

	private path(name: keyof GenericRestPaths, values: Record<string, string>): string {
		return this.paths[name].replace(/\{(\w+)\}/g, (_, placeholder: string) => encodeURIComponent(values[placeholder]));
	}

	private async call(method: HttpMethod, path: string, body?: unknown, idempotent?: boolean): Promise<HttpResponse> {
		return await send(
			{ method, url: `${this.baseUrl}${path}`, headers: this.options.headers, body },
			{ policy: this.policy, readError: readFieldErrorBody, idempotent, onRetry: this.options.onRetry, sleep: this.options.sleep, random: this.options.random, rateBudget: this.rateBudget },
		);
	}
}

function isStoredSource(field: RequesterFieldId): field is Exclude<RequesterFieldId, 'manager'> {
	return field !== 'manager';
}

/** Several matches on one key are a data problem; prefer an active one. */
function pickOne(records: DestinationRecord[]): DestinationRecord | null {
	return records.find((record) => record.active) ?? records[0] ?? null;
}
