import { HttpError, NetworkError, redactUrl } from '../../nodes/shared/http/errors';
import { backoffDelay, decideRetry, DEFAULT_RETRY_POLICY, mergeRetryPolicy, parseRetryAfter } from '../../nodes/shared/http/retry';

const http = (status: number) => new HttpError({ status, method: 'GET', url: 'https://x.example/a' });
const net = (code: string) => new NetworkError({ code, message: code, method: 'POST', url: 'https://x.example/a' });

describe('retry policy', () => {
	it('parses Retry-After as seconds or as an HTTP date', () => {
		expect(parseRetryAfter('3')).toBe(3000);
		expect(parseRetryAfter('0.5')).toBe(500);
		expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
		expect(parseRetryAfter(undefined)).toBeUndefined();
		expect(parseRetryAfter('soon')).toBeUndefined();
	});

	it('backs off exponentially with jitter inside [ceiling/2, ceiling] and never below Retry-After', () => {
		const policy = mergeRetryPolicy({ baseDelayMs: 100, maxDelayMs: 1000 });
		expect(backoffDelay(policy, 1, undefined, () => 0)).toBe(50);
		expect(backoffDelay(policy, 1, undefined, () => 1)).toBe(100);
		expect(backoffDelay(policy, 3, undefined, () => 1)).toBe(400);
		expect(backoffDelay(policy, 10, undefined, () => 1)).toBe(1000);
		expect(backoffDelay(policy, 1, 5000, () => 1)).toBe(5000);
	});

	it('retries throttling for any method, ambiguous failures only when safe to repeat', () => {
		const at = (error: unknown, idempotent: boolean, retryAfterMs?: number) =>
			decideRetry(DEFAULT_RETRY_POLICY, error, { attempt: 1, idempotent, retryAfterMs }).retry;
		expect(at(http(429), false)).toBe(true);
		expect(at(http(503), false, 1000)).toBe(true);
		expect(at(http(503), false)).toBe(false);
		expect(at(http(504), true)).toBe(true);
		expect(at(http(504), false)).toBe(false);
		expect(at(http(500), true)).toBe(false);
		expect(at(http(400), true)).toBe(false);
		expect(at(net('ECONNRESET'), true)).toBe(true);
		expect(at(net('ECONNRESET'), false)).toBe(false);
		expect(at(net('ECONNREFUSED'), false)).toBe(true);
		expect(at(new Error('bug'), true)).toBe(false);
	});

	it('stops after maxAttempts and refuses Retry-After beyond the cap', () => {
		expect(decideRetry(DEFAULT_RETRY_POLICY, http(429), { attempt: DEFAULT_RETRY_POLICY.maxAttempts, idempotent: true }).retry).toBe(false);
		expect(decideRetry(DEFAULT_RETRY_POLICY, http(429), { attempt: 1, idempotent: true, retryAfterMs: 3_600_000 }).retry).toBe(false);
	});

	it('rejects a nonsensical try count naming the setting', () => {
		expect(() => mergeRetryPolicy({ maxAttempts: 0 })).toThrow(/Max Tries/);
	});

	it('redacts credentials from URLs in error messages', () => {
		expect(redactUrl('https://user:pw@x.example/a?api_key=s3cret&page=2')).toBe('https://x.example/a?api_key=REDACTED&page=2');
	});
});
