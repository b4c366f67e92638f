/**
 * One retry policy for every remote call of the pack (Graph and destinations alike).
 * Throttling answers (429, and 503 with Retry-After) mean "not processed", so any method may be
 * retried; gateway errors and dropped connections are ambiguous, so only requests that are safe to
 * repeat are retried after them.
 */
import { HttpError, NetworkError } from './errors';

export interface RetryPolicy {
	/** Total tries, first one included. */
	maxAttempts: number;
	baseDelayMs: number;
	maxDelayMs: number;
	/** A Retry-After longer than this is not waited for: the error is raised instead. */
	maxRetryAfterMs: number;
	/** Statuses worth another try; 429 is always among them. */
	retryStatuses: readonly number[];
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
	maxAttempts: 6,
	baseDelayMs: 500,
	maxDelayMs: 30_000,
	maxRetryAfterMs: 120_000,
	retryStatuses: [429, 503, 504],
};

const TRANSIENT_NETWORK_CODES = new Set([
	'ECONNRESET',
	'ECONNREFUSED',
	'ECONNABORTED',
	'ETIMEDOUT',
	'ESOCKETTIMEDOUT',
	'EPIPE',
	'EAI_AGAIN',
	'ENETUNREACH',
	'EHOSTUNREACH',
	'UND_ERR_SOCKET',
]);

/** Refused connections never reached the server, so even a create may be sent again. */
const NOTHING_SENT_CODES = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

export function isTransientNetworkError(error: unknown): error is NetworkError {
	return error instanceof NetworkError && TRANSIENT_NETWORK_CODES.has(error.code);
}

export interface RetryDecision {
	retry: boolean;
	delayMs: number;
}

export interface RetryContext {
	attempt: number;
	/** Whether sending the same request twice has the same effect as once. */
	idempotent: boolean;
	/** Milliseconds the server asked us to wait (parsed Retry-After), if any. */
	retryAfterMs?: number;
	random?: () => number;
}

/** Exponential backoff with full jitter, never shorter than what the server asked for. */
export function backoffDelay(policy: RetryPolicy, attempt: number, retryAfterMs?: number, random = Math.random): number {
	const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
	const jittered = Math.round(ceiling / 2 + random() * (ceiling / 2));
	return retryAfterMs === undefined ? jittered : Math.max(retryAfterMs, Math.min(jittered, policy.baseDelayMs));
}

/** 429, or 503 with Retry-After: the server says it did not process the request and when to come back. */
export function isThrottling(status: number, retryAfterMs: number | undefined): boolean {
	return status === 429 || (status === 503 && retryAfterMs !== undefined);
}

export function decideRetry(policy: RetryPolicy, error: unknown, context: RetryContext): RetryDecision {
	const no = { retry: false, delayMs: 0 };
	if (context.attempt >= policy.maxAttempts) return no;
	const { retryAfterMs } = context;
	if (retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs) return no;

	if (error instanceof HttpError) {
		if (!policy.retryStatuses.includes(error.status) && error.status !== 429) return no;
		if (!isThrottling(error.status, retryAfterMs) && !context.idempotent) return no;
	} else if (error instanceof NetworkError) {
		if (!TRANSIENT_NETWORK_CODES.has(error.code)) return no;
		if (!context.idempotent && !NOTHING_SENT_CODES.has(error.code)) return no;
	} else {
		return no;
	}
	return { retry: true, delayMs: backoffDelay(policy, context.attempt, retryAfterMs, context.random) };
}

/** Retry-After is either delay-seconds or an HTTP date. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
	const raw = Array.isArray(value) ? value[0] : value;
	if (raw === undefined || raw.trim() === '') return undefined;
	const seconds = Number(raw);
	if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
	const date = Date.parse(raw);
	return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function mergeRetryPolicy(overrides: Partial<RetryPolicy> | undefined, base = DEFAULT_RETRY_POLICY): RetryPolicy {
	const merged = { ...base, ...stripUndefined(overrides ?? {}) };
	if (!Number.isInteger(merged.maxAttempts) || merged.maxAttempts < 1 || merged.maxAttempts > 20) {
		throw new RangeError('Max Tries must be a whole number from 1 to 20');
	}
	return merged;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
	return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
