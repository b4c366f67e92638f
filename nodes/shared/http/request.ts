/**
 * The one HTTP function of the pack: Node's http/https with keep-alive agents, JSON in and out,
 * typed errors, and the shared retry policy. Graph and every destination build on it.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { HttpError, NetworkError, ResponseTooLargeError, RetryAfterTooLongError, textBodyMessage, type ServiceFieldError } from './errors';
import { agentFor, describeProxy, proxyFor } from './proxy';
import { RateBudget, rateBudgetFor, type RateBudgetOptions, type ScheduleOptions } from './rateBudget';
import { decideRetry, isThrottling, parseRetryAfter, type RetryPolicy, DEFAULT_RETRY_POLICY } from './retry';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

export interface HttpRequest {
	method: HttpMethod;
	url: string;
	headers?: Record<string, string>;
	/** Serialised as JSON unless it is already a string. */
	body?: unknown;
	/** Socket inactivity limit; a request silent for longer fails with ETIMEDOUT. */
	timeoutMs?: number;
	/** Largest answer read into memory (default: maxResponseBytes()); a larger one fails with ResponseTooLargeError. */
	maxResponseBytes?: number;
}

export interface HttpResponse<T = unknown> {
	status: number;
	headers: http.IncomingHttpHeaders;
	body: T;
}

/**
 * Reads the service's error code, message and request id out of a JSON error answer. A text answer
 * needs no branch here: toHttpError hands it to textBodyMessage whenever the reader found no message.
 */
export type ErrorBodyReader = (body: unknown, headers: http.IncomingHttpHeaders) => {
	code?: string;
	message?: string;
	requestId?: string;
	/** Field-level reasons, kept on the HttpError (the body is not). */
	fieldErrors?: ServiceFieldError[];
	summary?: string;
};

export interface SendOptions {
	policy?: RetryPolicy;
	/** Defaults: GET, HEAD, PUT, DELETE and PATCH are safe to repeat; POST is not. */
	idempotent?: boolean;
	readError?: ErrorBodyReader;
	/** Told before each wait, for logging and counting. */
	onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
	sleep?: (ms: number) => Promise<void>;
	random?: () => number;
	/** Paces every attempt (retries count too) on this budget and shows it every answer; see rateBudget.ts. */
	rateBudget?: RateBudget | ({ key: string } & RateBudgetOptions);
	/** This request's terms with the budget (each attempt's longest wait for it). */
	budgetTerms?: ScheduleOptions;
}

const DEFAULT_TIMEOUT_MS = 100_000;

/** 50 MB: far above any Graph page (999 users) or destination answer, far below n8n's memory. */
export const DEFAULT_MAX_RESPONSE_MB = 50;

/** The response cap: AAD_SYNC_MAX_RESPONSE_MB in n8n's environment, else 50 MB. */
export function maxResponseBytes(env: NodeJS.ProcessEnv = process.env): number {
	const configured = Number(env.AAD_SYNC_MAX_RESPONSE_MB);
	const megabytes = Number.isFinite(configured) && configured > 0 ? configured : DEFAULT_MAX_RESPONSE_MB;
	return Math.floor(megabytes * 1024 * 1024);
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One exchange, no retries. Any HTTP status resolves; only a missing answer rejects. */
export function sendOnce(request: HttpRequest): Promise<HttpResponse> {
	const url = new URL(request.url);
	const isHttps = url.protocol === 'https:';
	const payload =
		request.body === undefined ? undefined : typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
	const headers: Record<string, string> = { accept: 'application/json', ...lowerKeys(request.headers ?? {}) };
	if (payload !== undefined) {
		headers['content-type'] ??= 'application/json';
		headers['content-length'] = String(Buffer.byteLength(payload));
	}

	const proxy = proxyFor(url);
	return new Promise((resolve, reject) => {
		const fail = (error: NodeJS.ErrnoException) =>
			reject(
				new NetworkError({
					code: error.code ?? (error.message === 'socket hang up' ? 'ECONNRESET' : 'ENETWORK'),
					message: proxy ? `${error.message} (through the proxy ${describeProxy(proxy)})` : error.message,
					method: request.method,
					url: request.url,
				}),
			);
		const req = (isHttps ? https : http).request(
			url,
			{ method: request.method, headers, agent: agentFor(url) },
			(res) => {
				const limit = request.maxResponseBytes ?? maxResponseBytes();
				const declared = Number(res.headers['content-length']);
				const tooLarge = () => {
					req.destroy();
					reject(new ResponseTooLargeError({ method: request.method, url: request.url, limitBytes: limit }));
				};
				if (Number.isFinite(declared) && declared > limit) return tooLarge();
				const chunks: Buffer[] = [];
				let received = 0;
				res.on('data', (chunk: Buffer) => {
					received += chunk.length;
					if (received > limit) return tooLarge();
					chunks.push(chunk);
				});
				res.on('error', fail);
				res.on('end', () => {
					const text = Buffer.concat(chunks).toString('utf8');
					resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parseBody(text, res.headers) });
				});
			},
		);
		req.setTimeout(request.timeoutMs ?? DEFAULT_TIMEOUT_MS, () => {
			req.destroy(Object.assign(new Error('socket timeout'), { code: 'ETIMEDOUT' }));
		});
		req.on('error', fail);
		req.end(payload);
	});
}

/**
 * Sends with the retry policy; resolves 2xx/3xx answers, rejects with HttpError/NetworkError
 * (RetryAfterTooLongError when the server asks for a longer wait than the policy makes).
 */
export async function send<T = unknown>(request: HttpRequest, options: SendOptions = {}): Promise<HttpResponse<T>> {
	const policy = options.policy ?? DEFAULT_RETRY_POLICY;
	const idempotent = options.idempotent ?? request.method !== 'POST';
	const wait = options.sleep ?? sleep;
	const budget = budgetOf(options.rateBudget);
	for (let attempt = 1; ; attempt++) {
		let error: HttpError | NetworkError;
		let retryAfterMs: number | undefined;
		try {
			const response = budget ? await budget.run(() => sendOnce(request), options.budgetTerms) : await sendOnce(request);
			if (response.status < 400) return response as HttpResponse<T>;
			retryAfterMs = parseRetryAfter(response.headers['retry-after']);
			error = toHttpError(request, response, options.readError, attempt);
		} catch (caught) {
			if (!(caught instanceof NetworkError)) throw caught;
			error = caught;
		}
		if (error instanceof HttpError && retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs && isThrottling(error.status, retryAfterMs)) {
			throw new RetryAfterTooLongError(error, retryAfterMs, policy.maxRetryAfterMs);
		}
		const decision = decideRetry(policy, error, { attempt, idempotent, retryAfterMs, random: options.random });
		if (!decision.retry) throw withAttempts(error, attempt);
		options.onRetry?.({ attempt, delayMs: decision.delayMs, reason: describe(error) });
		await wait(decision.delayMs);
	}
}

function budgetOf(option: SendOptions['rateBudget']): RateBudget | undefined {
	if (option === undefined || option instanceof RateBudget) return option;
	const { key, ...settings } = option;
	return rateBudgetFor(key, settings);
}

function toHttpError(request: HttpRequest, response: HttpResponse, readError: ErrorBodyReader | undefined, attempt: number) {
	const details = (readError ?? readGenericError)(response.body, response.headers);
	return new HttpError({
		status: response.status,
		code: details.code,
		serviceMessage: details.message ?? textBodyMessage(response.body, response.headers),
		requestId: details.requestId,
		method: request.method,
		url: request.url,
		fieldErrors: details.fieldErrors,
		summary: details.summary,
		attempts: attempt,
	});
}

function withAttempts(error: HttpError | NetworkError, attempts: number): HttpError | NetworkError {
	(error as { attempts: number }).attempts = attempts;
	return error;
}

function describe(error: HttpError | NetworkError): string {
	return error instanceof HttpError ? `HTTP ${error.status}${error.code ? ` ${error.code}` : ''}` : error.code;
}

const readGenericError: ErrorBodyReader = (body, headers) => {
	const requestId = headerValue(headers, 'request-id') ?? headerValue(headers, 'x-request-id');
	const record = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
	const message = [record.message, record.description, record.error_description].find((v) => typeof v === 'string');
	const code = [record.code, record.error].find((v) => typeof v === 'string');
	return { code: code as string | undefined, message: message as string | undefined, requestId };
};

export function headerValue(headers: http.IncomingHttpHeaders, name: string): string | undefined {
	const value = headers[name.toLowerCase()];
	return Array.isArray(value) ? value[0] : value;
}

function parseBody(text: string, headers: http.IncomingHttpHeaders): unknown {
	if (text.length === 0) return undefined;
	const type = headerValue(headers, 'content-type') ?? '';
	if (type.includes('json') || /^[[{]/.test(text)) {
		try {
			return JSON.parse(text);
		} catch {
			return text;
		}
	}
	return text;
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
	return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
