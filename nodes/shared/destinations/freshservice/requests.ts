/**
 * Talking to Freshservice API v2: the API root for a domain, authenticated requests with the
 * shared retry policy, and the list and paging shapes of its answers.
 */
import { headerValue, send, type HttpMethod, type HttpResponse } from '../../http/request';
import type { RateBudget } from '../../http/rateBudget';
import type { RetryPolicy } from '../../http/retry';
import { checkApiBaseUrl, DestinationConfigError, readFieldErrorBody } from '../common';

/** Throttling, server and gateway errors: Freshservice answers all of them under load. */
export const FRESHSERVICE_RETRY_STATUSES: readonly number[] = [429, 500, 502, 503, 504];

/** Requesters, departments and locations are read this many per page. */
export const PAGE_SIZE = 100;

const SUBDOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export type RawItem = Record<string, unknown>;

/** The API root for a domain as users type it. */
export function freshserviceApiRoot(options: { domain?: string; baseUrl?: string }): string {
	if (options.baseUrl?.trim()) return checkApiBaseUrl(options.baseUrl, 'Base URL');
	const typed = (options.domain ?? '').trim().toLowerCase();
	const host = typed.replace(/^https?:\/\//, '').replace(/[/?#].*$/, '');
	const subdomain = host.endsWith('.freshservice.com') ? host.slice(0, -'.freshservice.com'.length) : host;
	if (!SUBDOMAIN.test(subdomain)) {
		throw new DestinationConfigError('Domain', `"${options.domain ?? ''}" is not a Freshservice domain (expected e.g. acme or acme.freshservice.com)`);
	}
	return `https://${subdomain}.freshservice.com/api/v2`;
}

export interface RequestHooks {
	onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
	sleep?: (ms: number) => Promise<void>;
	random?: () => number;
	/** The account's budget (one per Freshservice host). */
	rateBudget?: RateBudget;
}

export type FreshserviceCall = <T>(method: HttpMethod, path: string, body?: unknown) => Promise<HttpResponse<T>>;

/** Requests to one account: Basic auth with the API key as user name and `X` as password. */
export function freshserviceCaller(apiRoot: string, apiKey: string, policy: RetryPolicy, hooks: RequestHooks): FreshserviceCall {
	const authorization = `Basic ${Buffer.from(`${apiKey}:X`).toString('base64')}`;
	return async <T>(method: HttpMethod, path: string, body?: unknown) =>
		await send<T>(
			{ method, url: `${apiRoot}${path}`, headers: { authorization }, body },
			{ policy, readError: readFieldErrorBody, onRetry: hooks.onRetry, sleep: hooks.sleep, random: hooks.random, rateBudget: hooks.rateBudget },
		);
}

/** The array under `key` in a list answer (`{ requesters: [...] }`), objects only. */
export function listOf(body: unknown, key: string): RawItem[] {
	const list = body && typeof body === 'object' ? (body as Record<string, unknown>)[key] : undefined;
	return Array.isArray(list) ? list.filter((item): item is RawItem => !!item && typeof item === 'object') : [];
}

/** Freshservice sets `Link: <…>; rel="next"` only when another page exists. */
export function hasNextPage(response: HttpResponse<unknown>): boolean {
	return /rel="?next"?/.test(headerValue(response.headers, 'link') ?? '');
}

export function requesterPath(id: string): string {
	return encodeURIComponent(id);
}
