/**
 * The Graph client: one request function (token, retries, typed errors, pacing) and
 * `@odata.nextLink` paging. Everything the pack asks of Microsoft Graph goes through
 * `GraphClient.request`.
 */
import { HttpError } from '../http/errors';
import { rateBudgetFor, rateBudgetKey, type RateBudget, type RateBudgetOptions } from '../http/rateBudget';
import { send, type HttpMethod, type HttpResponse, headerValue } from '../http/request';
import { DEFAULT_RETRY_POLICY, mergeRetryPolicy, type RetryPolicy } from '../http/retry';
import { acquireGraphToken, type AccessToken } from './auth';
import type { AzureAdConnection } from './connection';
import { GraphError, readGraphError } from './errors';

export type GraphQuery = Record<string, string | number | boolean | undefined>;

export interface GraphRequest {
	method?: HttpMethod;
	/** A path under the version root (`/users`) or an absolute Graph URL (nextLink / deltaLink). */
	path: string;
	query?: GraphQuery;
	headers?: Record<string, string>;
	body?: unknown;
	/** Whether sending twice is harmless; defaults to every method but POST. */
	idempotent?: boolean;
}

export interface GraphResponse<T> {
	status: number;
	data: T;
	requestId: string | undefined;
}

export interface GraphPage<T> {
	value: T[];
	nextLink?: string;
	deltaLink?: string;
	requestId: string | undefined;
}

export interface GraphClientOptions {
	retry?: Partial<RetryPolicy>;
	apiVersion?: 'v1.0' | 'beta';
	/** Told about every retry, so nodes can log throttling without logging secrets. */
	onRetry?: (info: { attempt: number; delayMs: number; reason: string; path: string }) => void;
	sleep?: (ms: number) => Promise<void>;
	/** The app's budget in this tenant, shared by every client of it in the process (default GRAPH_RATE_BUDGET). */
	rateBudget?: RateBudgetOptions;
	/**
	 * Longest one request of this client waits on that shared budget before it goes anyway
	 * (INTERACTIVE_BUDGET_WAIT_MS for a login or a ticket's account action); default: the whole pause.
	 */
	maxBudgetWaitMs?: number;
}

export const MAX_PAGE_SIZE = 999;

/**
 * Graph states no budget on most answers, so nothing is slowed down until a 429 (or a 503 with
 * Retry-After): that pauses every caller of the app in the tenant and halves the pace. Its
 * directory limits count per 10 seconds, the window used should it send RateLimit headers without one.
 */
const GRAPH_RATE_BUDGET: RateBudgetOptions = { share: 1, windowMs: 10_000 };

/**
 * A 429 during the hourly sync pauses every Graph caller of the app and tenant for up to 2 minutes;
 * a user at the login page or a ticket's disable waits at most this long for it, then asks Graph.
 */
export const INTERACTIVE_BUDGET_WAIT_MS = 15_000;

export class GraphClient {
	readonly connection: AzureAdConnection;
	private readonly policy: RetryPolicy;
	readonly rateBudget: RateBudget;
	private readonly root: string;
	private lastToken: AccessToken | undefined;

	constructor(connection: AzureAdConnection, private readonly options: GraphClientOptions = {}) {
		this.connection = connection;
		this.policy = mergeRetryPolicy(options.retry, DEFAULT_RETRY_POLICY);
		this.root = `${connection.graphEndpoint}/${options.apiVersion ?? 'v1.0'}`;
		// Graph throttles per app per tenant. Sign-in (MSAL, to the authority host) is not paced here.
		this.rateBudget = rateBudgetFor(graphRateBudgetKey(connection), { ...GRAPH_RATE_BUDGET, ...options.rateBudget });
	}

	/** The current access token (acquired or cached); its claims tell tenant, app and roles. */
	async token(forceRefresh = false): Promise<AccessToken> {
		this.lastToken = await acquireGraphToken(this.connection, { forceRefresh });
		return this.lastToken;
	}

	async request<T = unknown>(request: GraphRequest): Promise<GraphResponse<T>> {
		const url = this.resolveUrl(request.path, request.query);
		const method = request.method ?? 'GET';
		let token = await this.token();
		for (let refreshed = false; ; refreshed = true) {
			try {
				const response: HttpResponse<T> = await send<T>(
					{
						method,
						url,
						headers: { ...request.headers, authorization: `Bearer ${token.token}` },
						body: request.body,
					},
					{
						policy: this.policy,
						idempotent: request.idempotent,
						readError: readGraphError,
						sleep: this.options.sleep,
						onRetry: (info) => this.options.onRetry?.({ ...info, path: request.path }),
						rateBudget: this.rateBudget,
						budgetTerms: { maxWaitMs: this.options.maxBudgetWaitMs },
					},
				);
				return { status: response.status, data: response.body, requestId: headerValue(response.headers, 'request-id') };
			} catch (error) {
				// A token can expire or be revoked mid-run: refresh once, then let the error stand.
				if (error instanceof HttpError && error.status === 401 && !refreshed) {
					token = await this.token(true);
					continue;
				}
				throw error instanceof HttpError ? new GraphError(error) : error;
			}
		}
	}

	/** One page of a collection; follow `nextLink` (an absolute URL) for the next. */
	async page<T>(path: string, query?: GraphQuery, headers?: Record<string, string>): Promise<GraphPage<T>> {
		const response = await this.request<{ value?: T[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string }>({
			path,
			query,
			headers,
		});
		const body = response.data ?? {};
		// A page that is not a collection would read as "no users", and a full sync would then
		// take everyone for removed: refuse it instead.
		if (!Array.isArray(body.value)) {
			throw new Error(
				`Microsoft Graph answered ${path.startsWith('https://') ? 'a next page' : path} without a "value" list${response.requestId ? ` (request-id ${response.requestId})` : ''}; nothing of this read was applied. Check the Graph Endpoint setting.`,
			);
		}
		return {
			value: body.value,
			nextLink: body['@odata.nextLink'],
			deltaLink: body['@odata.deltaLink'],
			requestId: response.requestId,
		};
	}

	/**
	 * Pages through a collection, yielding each page as it arrives so callers can stream. A failed
	 * page is retried by `request`; a page is yielded exactly once.
	 */
	async *paginate<T>(path: string, query?: GraphQuery, headers?: Record<string, string>): AsyncGenerator<GraphPage<T>> {
		let next: string | undefined = path;
		let nextQuery = query;
		while (next) {
			const page: GraphPage<T> = await this.page<T>(next, nextQuery, headers);
			yield page;
			next = page.nextLink;
			nextQuery = undefined;
		}
	}

	/** Collects up to `limit` items (all when omitted). */
	async list<T>(path: string, query?: GraphQuery, options: { limit?: number; headers?: Record<string, string> } = {}): Promise<T[]> {
		const items: T[] = [];
		for await (const page of this.paginate<T>(path, query, options.headers)) {
			for (const item of page.value) {
				items.push(item);
				if (options.limit !== undefined && items.length >= options.limit) return items;
			}
		}
		return items;
	}

	private resolveUrl(path: string, query?: GraphQuery): string {
		const url = /^https:\/\//i.test(path) ? new URL(path) : new URL(`${this.root}${path.startsWith('/') ? '' : '/'}${path}`);
		// nextLink and deltaLink come from the service; never send our token to another host.
		if (url.origin !== new URL(this.root).origin) {
			throw new Error(`Refusing to call ${url.origin}: Graph links must stay on ${new URL(this.root).origin}`);
		}
		const extra = Object.entries(query ?? {})
			.filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined)
			.map(([key, value]) => `${encodeQueryPart(key)}=${encodeQueryPart(String(value))}`);
		if (extra.length === 0) return url.toString();
		return `${url.origin}${url.pathname}?${[url.search.slice(1), ...extra].filter(Boolean).join('&')}`;
	}
}

/** The Graph budget's key: the Graph host, the tenant and the app (ids, no secret). */
function graphRateBudgetKey(connection: Pick<AzureAdConnection, 'graphEndpoint' | 'tenantId' | 'clientId'>): string {
	return rateBudgetKey(connection.graphEndpoint, `${connection.tenantId.toLowerCase()}/${connection.clientId.toLowerCase()}`);
}

/** Percent-encodes like encodeURIComponent (so `+` stays a plus sign in `$filter`), keeping `$`. */
function encodeQueryPart(value: string): string {
	return encodeURIComponent(value).replace(/%24/g, '$');
}
