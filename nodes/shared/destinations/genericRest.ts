/**
 * Any ITSM that implements the small requester contract in GENERIC_REST.md: path templates, JSON
 * field names and response shapes are settings with documented defaults. Authentication arrives
 * as ready-made headers, so this core never sees how the node obtained them.
 */
import { HttpError } from '../http/errors';
import { send, type HttpMethod, type HttpResponse } from '../http/request';
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
	WRITABLE_FIELDS,
	type StoredSource,
} from './common';
import type { DestinationCapabilities, DestinationRecord, RequesterChanges, RequesterDestination } from './types';

/** Throttling, server and gateway errors are worth another try; the contract asks for Retry-After on 429/503. */
export const GENERIC_REST_RETRY_STATUSES: readonly number[] = [429, 500, 502, 503, 504];

export interface GenericRestPaths {
	/** GET; `{key}` is the normalised SSO key. Default `/requesters?<key field>={key}`. */
	findByKey: string;
	/** GET; `{azureObjectId}`. Empty: the Azure object id is not searchable. */
	findByAzureObjectId: string;
	/** GET; paged with `page` and `per_page` unless paging is `none`. */
	list: string;
	/** POST. */
	create: string;
	/** One requester: GET reads it, PATCH (or PUT) updates it. `{id}`. */
	record: string;
	/** POST, when deactivation uses endpoints. `{id}`. */
	deactivate: string;
	/** POST, when deactivation uses endpoints. `{id}`. */
	reactivate: string;
}

export type GenericPaging = 'page' | 'none';
export type GenericDeactivation = 'endpoints' | 'activeField';

export interface GenericRestOptions {
	baseUrl: string;
	/** Authentication and any other headers the API needs, e.g. `{ Authorization: 'Bearer …' }`. */
	headers?: Record<string, string>;
	keyKind?: SsoKeyKind;
	paths?: Partial<GenericRestPaths>;
	/** JSON field (dotted path for nesting) per value; '' means "not stored". Defaults in GENERIC_REST_DEFAULTS. */
	fieldNames?: Partial<Record<StoredSource, string>>;
	idField?: string;
	activeField?: string;
	/** '' when requesters cannot point at a manager. */
	managerField?: string;
	/** Where the array lives in list and search answers ('' for a bare array). */
	itemsPath?: string;
	/** Where the requester lives in single-record answers ('' for the whole body). */
	recordPath?: string;
	paging?: GenericPaging;
	pageSize?: number;
	updateMethod?: 'PATCH' | 'PUT';
	deactivation?: GenericDeactivation;
	/** Only write these fields (default: every field with a JSON name). */
	fields?: readonly RequesterFieldId[];
	retry?: Partial<RetryPolicy>;
	onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
	sleep?: (ms: number) => Promise<void>;
	random?: () => number;
}

export const GENERIC_REST_DEFAULTS = {
	paths: {
		findByAzureObjectId: '/requesters?azureObjectId={azureObjectId}',
		list: '/requesters',
		create: '/requesters',
		record: '/requesters/{id}',
		deactivate: '/requesters/{id}/deactivate',
		reactivate: '/requesters/{id}/reactivate',
	},
	idField: 'id',
	activeField: 'active',
	managerField: 'managerId',
	itemsPath: 'items',
	recordPath: '',
	paging: 'page' as GenericPaging,
	pageSize: 100,
	updateMethod: 'PATCH' as const,
	deactivation: 'endpoints' as GenericDeactivation,
	/** The dedicated SSO-key field, used by default only with the UPN key (the UPN is not a mapped field). */
	upnKeyField: 'userPrincipalName',
};

const PLACEHOLDERS: Record<keyof GenericRestPaths, string[]> = {
	findByKey: ['key'],
	findByAzureObjectId: ['azureObjectId'],
	list: [],
	create: [],
	record: ['id'],
	deactivate: ['id'],
	reactivate: ['id'],
};

const MAX_PAGE_SIZE = 1000;

type Json = Record<string, unknown>;

export class GenericRestDestination implements RequesterDestination {
	readonly label: string;
	readonly capabilities: DestinationCapabilities;
	readonly supportedFields: readonly RequesterFieldId[];

	private readonly baseUrl: string;
	private readonly policy: RetryPolicy;
	private readonly keyKind: SsoKeyKind;
	private readonly names: Map<StoredSource, string>;
	private readonly keyField: string;
	private readonly paths: GenericRestPaths;
	private readonly settings: Required<Pick<GenericRestOptions, 'idField' | 'activeField' | 'managerField' | 'itemsPath' | 'recordPath' | 'paging' | 'pageSize' | 'updateMethod' | 'deactivation'>>;
	private readonly identity = new IdentityMemory();

	constructor(private readonly options: GenericRestOptions) {
		this.baseUrl = checkApiBaseUrl(options.baseUrl ?? '', 'Base URL');
		this.policy = mergeRetryPolicy({ retryStatuses: GENERIC_REST_RETRY_STATUSES, ...options.retry });
		this.keyKind = options.keyKind ?? 'email';
		this.settings = {
			idField: required(options.idField, GENERIC_REST_DEFAULTS.idField, 'ID Field'),
			activeField: required(options.activeField, GENERIC_REST_DEFAULTS.activeField, 'Active Field'),
			managerField: (options.managerField ?? GENERIC_REST_DEFAULTS.managerField).trim(),
			itemsPath: (options.itemsPath ?? GENERIC_REST_DEFAULTS.itemsPath).trim(),
			recordPath: (options.recordPath ?? GENERIC_REST_DEFAULTS.recordPath).trim(),
			paging: options.paging ?? GENERIC_REST_DEFAULTS.paging,
			pageSize: checkPageSize(options.pageSize ?? GENERIC_REST_DEFAULTS.pageSize),
			updateMethod: options.updateMethod ?? GENERIC_REST_DEFAULTS.updateMethod,
			deactivation: options.deactivation ?? GENERIC_REST_DEFAULTS.deactivation,
		};
		this.names = this.fieldNames();
		this.keyField = this.resolveKeyField();
		this.paths = this.resolvePaths();
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

	private fieldNames(): Map<StoredSource, string> {
		const given = this.options.fieldNames ?? {};
		const defaults: Partial<Record<StoredSource, string>> = {
			...Object.fromEntries(WRITABLE_FIELDS.map((field) => [field, field])),
			azureObjectId: 'azureObjectId',
			ssoKey: this.keyKind === 'upn' ? GENERIC_REST_DEFAULTS.upnKeyField : '',
		};
		const names = new Map<StoredSource, string>();
		const owners = new Map<string, string>();
		for (const source of Object.keys(defaults) as StoredSource[]) {
			const name = (given[source] ?? defaults[source] ?? '').trim();
			if (name === '') continue;
			const owner = owners.get(name);
			if (owner !== undefined) throw new DestinationConfigError('Field Names', `"${name}" is used for both ${owner} and ${source}`);
			owners.set(name, source);
			names.set(source, name);
		}
		for (const source of Object.keys(given)) {
			if (!(source in defaults)) throw new DestinationConfigError('Field Names', `"${source}" is not a requester field`);
		}
		return names;
	}

	private keySourceId(): StoredSource {
		const source = keySource(this.keyKind, this.names.has('ssoKey'));
		if (source === undefined) throw new DestinationConfigError('Field Names', `matching on ${this.keyKind} needs a field that stores the SSO key`);
		return source;
	}

	private resolveKeyField(): string {
		const name = this.names.get(this.keySourceId());
		if (name === undefined) throw new DestinationConfigError('Field Names', `matching on ${this.keyKind} needs a JSON field for ${this.keySourceId()}`);
		return name;
	}

	private resolvePaths(): GenericRestPaths {
		const given = this.options.paths ?? {};
		const defaults: GenericRestPaths = {
			...GENERIC_REST_DEFAULTS.paths,
			findByKey: `/requesters?${encodeURIComponent(this.keyField)}={key}`,
			findByAzureObjectId: this.names.has('azureObjectId') ? GENERIC_REST_DEFAULTS.paths.findByAzureObjectId : '',
		};
		const paths = { ...defaults };
		for (const name of Object.keys(PLACEHOLDERS) as Array<keyof GenericRestPaths>) {
			const template = (given[name] ?? defaults[name]).trim();
			paths[name] = name === 'findByAzureObjectId' && template === '' ? '' : checkTemplate(name, template);
		}
		return paths;
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
			{ policy: this.policy, readError: readFieldErrorBody, idempotent, onRetry: this.options.onRetry, sleep: this.options.sleep, random: this.options.random },
		);
	}
}

function required(value: string | undefined, fallback: string, field: string): string {
	const chosen = (value ?? fallback).trim();
	if (chosen === '') throw new DestinationConfigError(field, 'is empty');
	return chosen;
}

function checkPageSize(size: number): number {
	if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) throw new DestinationConfigError('Page Size', `must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
	return size;
}

function checkTemplate(name: keyof GenericRestPaths, template: string): string {
	const field = `Path (${name})`;
	if (!template.startsWith('/')) throw new DestinationConfigError(field, `"${template}" must start with / (it is appended to the base URL)`);
	const used = [...template.matchAll(/\{(\w*)\}/g)].map((match) => match[1]);
	const unknown = used.find((placeholder) => !PLACEHOLDERS[name].includes(placeholder));
	if (unknown !== undefined) throw new DestinationConfigError(field, `{${unknown}} is not available here (use ${PLACEHOLDERS[name].map((p) => `{${p}}`).join(', ') || 'no placeholder'})`);
	const missing = PLACEHOLDERS[name].find((placeholder) => !used.includes(placeholder));
	if (missing !== undefined) throw new DestinationConfigError(field, `"${template}" needs {${missing}}`);
	return template;
}

function isStoredSource(field: RequesterFieldId): field is Exclude<RequesterFieldId, 'manager'> {
	return field !== 'manager';
}

function isJson(value: unknown): value is Json {
	return !!value && typeof value === 'object' && !Array.isArray(value);
}

/** `a.b.c` into nested objects; '' is the value itself. */
export function getPath(value: unknown, path: string): unknown {
	if (path === '') return value;
	let current = value;
	for (const part of path.split('.')) {
		if (!isJson(current)) return undefined;
		current = current[part];
	}
	return current;
}

export function setPath(target: Json, path: string, value: unknown): Json {
	const parts = path.split('.');
	let current = target;
	for (const part of parts.slice(0, -1)) {
		if (!isJson(current[part])) current[part] = {};
		current = current[part] as Json;
	}
	current[parts[parts.length - 1]] = value;
	return target;
}

function textList(value: unknown): string[] {
	return Array.isArray(value) ? value.map(asText).filter((item): item is string => item !== null) : [];
}

/** Several matches on one key are a data problem; prefer an active one. */
function pickOne(records: DestinationRecord[]): DestinationRecord | null {
	return records.find((record) => record.active) ?? records[0] ?? null;
}
