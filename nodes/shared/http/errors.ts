/**
 * Typed errors of the neutral HTTP layer. Messages carry the service's own words, status and
 * request id: never request headers, bodies we sent, tokens or secrets. The response body itself
 * is not kept (a service may echo what we sent); only what the error reader took from it.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** One field-level reason a service gave for refusing a write. */
export interface ServiceFieldError {
	field: string;
	message: string;
	code?: string;
}

/** A text answer longer than this is not a status line: it is described, not quoted. */
const MAX_QUOTED_TEXT_LENGTH = 200;
/** Markup, line breaks, control and invisible format characters: a page, not a one-line reason. */
const NOT_A_PLAIN_LINE = /[<\p{Cc}\p{Cf}\u2028\u2029]/u;
const MEDIA_TYPE = /^[\w.+-]+\/[\w.+-]+$/;

/**
 * The service message of an error answer that is not JSON. A short plain line ("Bad gateway",
 * "Service Unavailable") is quoted; anything else (an HTML error page, a proxy's page, a
 * hibernating instance) may echo what we sent, so it is only described by its type and size.
 * toHttpError (request.ts) applies it to every error answer whose reader found no message;
 * undefined when there is no text body.
 */
export function textBodyMessage(body: unknown, headers: IncomingHttpHeaders): string | undefined {
	if (typeof body !== 'string' || body.trim() === '') return undefined;
	const line = body.trim();
	if (line.length <= MAX_QUOTED_TEXT_LENGTH && !NOT_A_PLAIN_LINE.test(line)) return line;
	const mediaType = (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
	const type = MEDIA_TYPE.test(mediaType) ? mediaType : 'no content type';
	return `non-JSON answer (${type}, ${Buffer.byteLength(body, 'utf8').toLocaleString('en-US')} bytes)`;
}

export class HttpError extends Error {
	readonly status: number;
	/** The service's error code (Graph `error.code`, Freshservice `code`), when it sent one. */
	readonly code: string | undefined;
	readonly serviceMessage: string | undefined;
	readonly requestId: string | undefined;
	readonly method: string;
	readonly url: string;
	/** The service's field-level reasons, as its error reader extracted them (empty when none). */
	readonly fieldErrors: readonly ServiceFieldError[];
	/** The service's summary line apart from the field reasons, when its reader found one. */
	readonly summary: string | undefined;
	readonly attempts: number;

	constructor(init: {
		status: number;
		code?: string;
		serviceMessage?: string;
		requestId?: string;
		method: string;
		url: string;
		fieldErrors?: readonly ServiceFieldError[];
		summary?: string;
		attempts?: number;
	}) {
		const what = init.code ? `${init.code}: ` : '';
		const said = init.serviceMessage ?? `HTTP ${init.status}`;
		super(`${init.method} ${redactUrl(init.url)} failed with HTTP ${init.status} (${what}${said})`);
		this.name = 'HttpError';
		this.status = init.status;
		this.code = init.code;
		this.serviceMessage = init.serviceMessage;
		this.requestId = init.requestId;
		this.method = init.method;
		this.url = redactUrl(init.url);
		this.fieldErrors = init.fieldErrors ?? [];
		this.summary = init.summary;
		this.attempts = init.attempts ?? 1;
	}
}

/**
 * A throttling answer (429, or 503 with Retry-After) asking for a wait longer than the retry policy
 * makes (maxRetryAfterMs): not retried. The request was not processed; a bounded run stops starting
 * writes on it and leaves them for the next run (sync/writeGate.ts).
 */
export class RetryAfterTooLongError extends HttpError {
	constructor(
		cause: HttpError,
		readonly retryAfterMs: number,
		readonly maxRetryAfterMs: number,
	) {
		super({ ...cause });
		this.name = 'RetryAfterTooLongError';
		this.message = `${cause.message}; it asks to wait ${describeWait(retryAfterMs)} (Retry-After), longer than requests wait (${describeWait(maxRetryAfterMs)})`;
	}
}

/** "90 s", "60 min". */
function describeWait(ms: number): string {
	const seconds = Math.round(ms / 1000);
	return seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
}

/** An answer larger than the response cap: the connection is dropped and the request is not retried. */
export class ResponseTooLargeError extends Error {
	readonly code = 'responseTooLarge';
	readonly method: string;
	readonly url: string;
	readonly limitBytes: number;

	constructor(init: { method: string; url: string; limitBytes: number }) {
		const megabytes = Math.round((init.limitBytes / (1024 * 1024)) * 10) / 10;
		super(
			`${init.method} ${redactUrl(init.url)}: the answer is larger than ${megabytes} MB, so it was not read. ` +
				'Check the endpoint (a misconfigured one may send a file or an error page), or raise the cap with the environment variable AAD_SYNC_MAX_RESPONSE_MB.',
		);
		this.name = 'ResponseTooLargeError';
		this.method = init.method;
		this.url = redactUrl(init.url);
		this.limitBytes = init.limitBytes;
	}
}

/** A request that never got an HTTP answer: reset, refused, timed out, DNS. */
export class NetworkError extends Error {
	readonly code: string;
	readonly method: string;
	readonly url: string;
	readonly attempts: number;

	constructor(init: { code: string; message: string; method: string; url: string; attempts?: number }) {
		super(`${init.method} ${redactUrl(init.url)} failed: ${init.code} (${init.message})`);
		this.name = 'NetworkError';
		this.code = init.code;
		this.method = init.method;
		this.url = redactUrl(init.url);
		this.attempts = init.attempts ?? 1;
	}
}

/** A query name that looks secret: any of these anywhere in it, case-insensitive (api_key, sig, sv_token, Password…). */
const SENSITIVE_QUERY_NAME = /key|secret|token|sig|pass|code/i;

/** Drops credentials a URL may carry (user:password@, secret-looking query parameters). */
export function redactUrl(url: string): string {
	try {
		const parsed = new URL(url);
		parsed.username = '';
		parsed.password = '';
		for (const key of [...parsed.searchParams.keys()]) {
			if (SENSITIVE_QUERY_NAME.test(key)) parsed.searchParams.set(key, 'REDACTED');
		}
		return parsed.toString();
	} catch {
		// Not a URL we can read: keep neither a user part nor the query.
		return url.replace(/\/\/[^/@]*@/, '//').replace(/\?.*$/s, '?REDACTED');
	}
}
