/**
 * The generic contract's settings (GENERIC_REST.md): path templates, JSON field names and answer
 * shapes, each with its documented default, checked once when the destination is built.
 */
import type { RateBudgetOptions } from '../../http/rateBudget';
import type { RetryPolicy } from '../../http/retry';
import type { RequesterFieldId, SsoKeyKind } from '../../requester/model';
import { DestinationConfigError, keySource, WRITABLE_FIELDS, type StoredSource } from '../common';

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
	/** Paces every request on the API host's budget, shared in the process (default: not paced). */
	rateBudget?: RateBudgetOptions;
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

export type GenericSettings = Required<Pick<GenericRestOptions, 'idField' | 'activeField' | 'managerField' | 'itemsPath' | 'recordPath' | 'paging' | 'pageSize' | 'updateMethod' | 'deactivation'>>;

/** The answer-shape and method settings, defaults filled in. */
export function resolveSettings(options: GenericRestOptions): GenericSettings {
	return {
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
}

/** The JSON field per stored value ('' drops it), no field used twice. */
export function resolveFieldNames(given: Partial<Record<StoredSource, string>>, keyKind: SsoKeyKind): Map<StoredSource, string> {
	const defaults: Partial<Record<StoredSource, string>> = {
		...Object.fromEntries(WRITABLE_FIELDS.map((field) => [field, field])),
		azureObjectId: 'azureObjectId',
		ssoKey: keyKind === 'upn' ? GENERIC_REST_DEFAULTS.upnKeyField : '',
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

/** The stored value the SSO key is matched on. */
export function resolveKeySource(keyKind: SsoKeyKind, names: Map<StoredSource, string>): StoredSource {
	const source = keySource(keyKind, names.has('ssoKey'));
	if (source === undefined) throw new DestinationConfigError('Field Names', `matching on ${keyKind} needs a field that stores the SSO key`);
	return source;
}

/** The JSON field the SSO key is matched on. */
export function resolveKeyField(keyKind: SsoKeyKind, names: Map<StoredSource, string>): string {
	const name = names.get(resolveKeySource(keyKind, names));
	if (name === undefined) throw new DestinationConfigError('Field Names', `matching on ${keyKind} needs a JSON field for ${resolveKeySource(keyKind, names)}`);
	return name;
}

/** Every path template, defaults filled in and placeholders checked. */
export function resolvePaths(given: Partial<GenericRestPaths>, keyField: string, storesAzureObjectId: boolean): GenericRestPaths {
	const defaults: GenericRestPaths = {
		...GENERIC_REST_DEFAULTS.paths,
		findByKey: `/requesters?${encodeURIComponent(keyField)}={key}`,
		findByAzureObjectId: storesAzureObjectId ? GENERIC_REST_DEFAULTS.paths.findByAzureObjectId : '',
	};
	const paths = { ...defaults };
	for (const name of Object.keys(PLACEHOLDERS) as Array<keyof GenericRestPaths>) {
		const template = (given[name] ?? defaults[name]).trim();
		paths[name] = name === 'findByAzureObjectId' && template === '' ? '' : checkTemplate(name, template);
	}
	return paths;
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
