/**
 * Talking to ServiceNow's Table API: authenticated requests (Basic, or an OAuth bearer token
 * renewed once when the API refuses it) with the shared retry policy, ServiceNow's error shape
 * `{ error: { message, detail }, status: 'failure' }` read into the HttpError, and every Table API
 * request paced on the instance's rate budget when one is given (its rate limit rules' headers are
 * learned there, see rateBudget.ts).
 */
import { HttpError } from '../../http/errors';
import { headerValue, send, type ErrorBodyReader, type HttpMethod, type HttpResponse } from '../../http/request';
import type { RateBudget } from '../../http/rateBudget';
import type { RetryPolicy } from '../../http/retry';
import { ServiceNowTokenClient } from './oauth';
import { queryString } from './query';
import type { ServiceNowAuth, ServiceNowOptions } from './settings';

export type Row = Record<string, unknown>;

/** ServiceNow's error answers: the message, and the detail after it when there is one. */
export const readServiceNowError: ErrorBodyReader = (body, headers) => {
	const requestId = headerValue(headers, 'x-transaction-id') ?? headerValue(headers, 'x-request-id');
	const error = body && typeof body === 'object' ? (body as Record<string, unknown>).error : undefined;
	const { message, detail } = error && typeof error === 'object' ? (error as Record<string, unknown>) : {};
	const said = [message, detail].filter((part): part is string => typeof part === 'string' && part.trim() !== '').map((part) => part.trim());
	return { message: said.length > 0 ? said.join(': ') : undefined, requestId };
};

export type RequestHooks = Pick<ServiceNowOptions, 'onRetry' | 'sleep' | 'random' | 'now'> & {
	/** The instance's budget; the OAuth token request is not paced on it (rate limit rules count REST API resources only). */
	rateBudget?: RateBudget;
};

export interface TableRequest {
	method: HttpMethod;
	/** `sys_user`, or `sys_user/<sys_id>`. */
	path: string;
	query?: Record<string, string | number | undefined>;
	body?: unknown;
	/** POST is not repeated after an ambiguous failure unless this says so. */
	idempotent?: boolean;
}

export class ServiceNowApi {
	private readonly basic: string | undefined;
	private readonly tokens: ServiceNowTokenClient | undefined;

	constructor(
		readonly root: string,
		auth: ServiceNowAuth,
		private readonly policy: RetryPolicy,
		private readonly hooks: RequestHooks,
	) {
		if (auth.kind === 'basic') this.basic = `Basic ${Buffer.from(`${auth.username.trim()}:${auth.password}`).toString('base64')}`;
		else this.tokens = new ServiceNowTokenClient(`${root}/oauth_token.do`, auth, { policy, ...hooks });
	}

	/** One Table API request; an OAuth token the API refuses (401) is renewed and the request sent once more. */
	async table<T = unknown>(request: TableRequest): Promise<HttpResponse<T>> {
		const url = `${this.root}/api/now/table/${request.path}${queryString(request.query ?? {})}`;
		const authorization = await this.authorization();
		try {
			return await this.send<T>(request, url, authorization);
		} catch (error) {
			if (!(error instanceof HttpError) || error.status !== 401 || !this.tokens) throw error;
			this.tokens.invalidate(authorization.slice('Bearer '.length));
			return await this.send<T>(request, url, await this.authorization());
		}
	}

	/** Every row of `{ result: [...] }` (or the one row of `{ result: {...} }`). */
	static rows(body: unknown): Row[] {
		const result = body && typeof body === 'object' ? (body as Record<string, unknown>).result : undefined;
		if (Array.isArray(result)) return result.filter((row): row is Row => !!row && typeof row === 'object');
		return result && typeof result === 'object' ? [result as Row] : [];
	}

	private async send<T>(request: TableRequest, url: string, authorization: string): Promise<HttpResponse<T>> {
		const { onRetry, sleep, random, rateBudget } = this.hooks;
		return await send<T>(
			{ method: request.method, url, headers: { authorization }, body: request.body },
			{ policy: this.policy, idempotent: request.idempotent, readError: readServiceNowError, onRetry, sleep, random, rateBudget },
		);
	}

	private async authorization(): Promise<string> {
		return this.basic ?? `Bearer ${await this.tokens!.token()}`;
	}
}
