/**
 * Talking to a SCIM service: its headers on every request, the shared retry policy (429, and 503
 * with Retry-After), the service's rate budget when one is given, SCIM's error shape
 * `{ status, scimType, detail }` read into the HttpError's code and message, list paging with
 * startIndex/count, and refused writes as field-level reasons.
 */
import { HttpError } from '../../http/errors';
import { headerValue, send, type ErrorBodyReader, type HttpMethod, type HttpResponse } from '../../http/request';
import type { RateBudget } from '../../http/rateBudget';
import type { RetryPolicy } from '../../http/retry';
import type { RequesterFieldId } from '../../requester/model';
import { DestinationValidationError } from '../types';
import { ADDRESS_PARTS, SIMPLE_PATHS, TYPED_VALUES, type ScimResource } from './mapping';
import { SCIM_JSON, type ScimOptions } from './settings';

/** SCIM errors (RFC 7644 §3.12): scimType becomes the code, detail the message. */
export const readScimError: ErrorBodyReader = (body, headers) => {
	const requestId = headerValue(headers, 'x-request-id') ?? headerValue(headers, 'request-id');
	const { scimType, detail, message } = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
	const said = [detail, message].find((part): part is string => typeof part === 'string' && part.trim() !== '');
	return { code: typeof scimType === 'string' && scimType ? scimType : undefined, message: said, requestId };
};

export type RequestHooks = Pick<ScimOptions, 'onRetry' | 'sleep' | 'random'> & {
	/** The service's budget (one per base URL). */
	rateBudget?: RateBudget;
};

export class ScimApi {
	constructor(
		readonly root: string,
		private readonly headers: Record<string, string>,
		private readonly policy: RetryPolicy,
		private readonly hooks: RequestHooks,
	) {}

	async request<T = ScimResource>(method: HttpMethod, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<HttpResponse<T>> {
		const headers: Record<string, string> = { accept: `${SCIM_JSON}, application/json`, ...this.headers, ...extra };
		if (body !== undefined) headers['content-type'] = SCIM_JSON;
		return await send<T>(
			{ method, url: `${this.root}${path}`, headers, body },
			{ policy: this.policy, readError: readScimError, onRetry: this.hooks.onRetry, sleep: this.hooks.sleep, random: this.hooks.random, rateBudget: this.hooks.rateBudget },
		);
	}

	/** Every resource of a list, page by page (startIndex is 1-based); stops on a page that does not move on. */
	async *pages(path: string, query: Record<string, string>, count: number): AsyncIterable<ScimResource[]> {
		for (let startIndex = 1; ; ) {
			const params = new URLSearchParams({ ...query, startIndex: String(startIndex), count: String(count) });
			const { body } = await this.request<Record<string, unknown>>('GET', `${path}?${params.toString().replace(/\+/g, '%20')}`);
			const resources = Array.isArray(body?.Resources) ? (body.Resources as ScimResource[]) : [];
			if (resources.length) yield resources;
			const total = Number(body?.totalResults);
			startIndex += resources.length;
			if (resources.length === 0 || (Number.isFinite(total) && startIndex > total)) return;
		}
	}
}

/** The canonical fields a SCIM attribute name stands for (in the order of the table). */
const ATTRIBUTE_FIELDS: Array<[string, RequesterFieldId[]]> = [
	...Object.entries(SIMPLE_PATHS).map(([field, path]): [string, RequesterFieldId[]] => [path!.split(/[.:]/).pop()!, [field as RequesterFieldId]]),
	['emails', ['email']],
	['phoneNumbers', Object.keys(TYPED_VALUES).filter((field) => TYPED_VALUES[field as RequesterFieldId]![0] === 'phoneNumbers') as RequesterFieldId[]],
	['addresses', Object.keys(ADDRESS_PARTS) as RequesterFieldId[]],
	...Object.entries(ADDRESS_PARTS).map(([field, part]): [string, RequesterFieldId[]] => [part!, [field as RequesterFieldId]]),
];

const REFUSED = new Set([400, 409, 422]);

/**
 * A write the service refused, as field-level reasons: SCIM names no field, so the attributes its
 * detail mentions (of those written) are the fields; a uniqueness conflict without one is userName.
 * `userNameField` is the canonical field userName holds.
 */
export function refusal(error: unknown, written: readonly RequesterFieldId[], userNameField: string): unknown {
	if (!(error instanceof HttpError) || !REFUSED.has(error.status)) return error;
	const detail = error.serviceMessage ?? `HTTP ${error.status}`;
	const code = error.code ?? `HTTP${error.status}`;
	const named = ATTRIBUTE_FIELDS.filter(([attribute]) => new RegExp(`\\b${attribute}\\b`, 'i').test(detail));
	const reasons: Array<{ field: string; message: string; code: string }> = [];
	if (/\buserName\b/i.test(detail) || (code === 'uniqueness' && named.length === 0)) reasons.push({ field: userNameField, message: `${detail} (SCIM attribute userName)`, code });
	for (const [attribute, fields] of named) {
		if (attribute === 'userName') continue;
		const field = fields.find((candidate) => written.includes(candidate)) ?? fields[0];
		if (!reasons.some((reason) => reason.field === field)) reasons.push({ field, message: `${detail} (SCIM attribute ${attribute})`, code });
	}
	if (reasons.length === 0) reasons.push({ field: 'requester', message: detail, code });
	const said = reasons.map((reason) => `${reason.field}: ${reason.message}`).join('; ');
	return new DestinationValidationError(`The SCIM service refused the requester (HTTP ${error.status}${error.code ? ` ${error.code}` : ''}): ${said}`, error.status, reasons);
}
