/**
 * The header readers and the per-window bookkeeping behind the rate budget, with a fake clock.
 */
import { readRateLimitHeaders } from '../../nodes/shared/http/rateHeaders';
import { ServerWindow, SlidingCount } from '../../nodes/shared/http/rateWindow';

const NOW = 1_750_000_000_000;

describe('readRateLimitHeaders', () => {
	test('Freshservice: X-RateLimit-Total, -Remaining and -Used-CurrentRequest', () => {
		const info = readRateLimitHeaders({ 'x-ratelimit-total': '500', 'x-ratelimit-remaining': '432', 'x-ratelimit-used-currentrequest': '2' }, NOW);
		expect(info).toEqual({ source: 'x-ratelimit', limit: 500, remaining: 432, cost: 2, resetMs: undefined });
	});

	test('X-RateLimit-Limit with a reset in delta seconds or epoch seconds, any header case', () => {
		expect(readRateLimitHeaders({ 'X-RateLimit-Limit': '100', 'X-RateLimit-Remaining': '7', 'X-RateLimit-Reset': '12' }, NOW)).toMatchObject({
			limit: 100,
			remaining: 7,
			resetMs: 12_000,
		});
		const epoch = String(NOW / 1000 + 30);
		expect(readRateLimitHeaders({ 'x-ratelimit-limit': '100', 'x-ratelimit-reset': epoch }, NOW)).toMatchObject({ resetMs: 30_000 });
	});

	test('the older IETF triple, with the window from RateLimit-Policy', () => {
		const info = readRateLimitHeaders(
			{ 'ratelimit-limit': '100', 'ratelimit-remaining': '50', 'ratelimit-reset': '30', 'ratelimit-policy': '100;w=60' },
			NOW,
		);
		expect(info).toEqual({ source: 'ratelimit', limit: 100, windowMs: 60_000, remaining: 50, resetMs: 30_000 });
	});

	test('the oldest IETF form: the policy inline in RateLimit-Limit', () => {
		const info = readRateLimitHeaders({ 'ratelimit-limit': '10, 10;w=1, 50;w=60', 'ratelimit-remaining': '4', 'ratelimit-reset': '1' }, NOW);
		expect(info).toMatchObject({ limit: 10, windowMs: 1000, remaining: 4, resetMs: 1000 });
	});

	test('draft 7: RateLimit as a dictionary and RateLimit-Policy', () => {
		const info = readRateLimitHeaders({ ratelimit: 'limit=100, remaining=50, reset=30', 'ratelimit-policy': '100;w=60' }, NOW);
		expect(info).toEqual({ source: 'ratelimit', limit: 100, windowMs: 60_000, remaining: 50, resetMs: 30_000 });
	});

	test('draft 8+: named policies with q and w, RateLimit items with r and t', () => {
		const info = readRateLimitHeaders({ 'ratelimit-policy': '"default";q=100;w=60', ratelimit: '"default";r=50;t=30' }, NOW);
		expect(info).toEqual({ source: 'ratelimit', limit: 100, windowMs: 60_000, remaining: 50, resetMs: 30_000 });
	});

	test('draft 8+ with several policies: the most restrictive one and its own counters', () => {
		const info = readRateLimitHeaders(
			{ 'ratelimit-policy': '"burst";q=100;w=1, "hour";q=1000;w=3600;qu="requests"', ratelimit: '"burst";r=90;t=1, "hour";r=12;t=900' },
			NOW,
		);
		expect(info).toMatchObject({ limit: 1000, windowMs: 3_600_000, remaining: 12, resetMs: 900_000 });
	});

	test('Node header arrays and numbers are read too; no rate headers gives undefined', () => {
		expect(readRateLimitHeaders({ 'x-ratelimit-total': ['200'], 'x-ratelimit-remaining': 199 }, NOW)).toMatchObject({ limit: 200, remaining: 199 });
		expect(readRateLimitHeaders({ 'content-type': 'application/json', 'retry-after': '3' }, NOW)).toBeUndefined();
		expect(readRateLimitHeaders({ 'x-ratelimit-total': 'lots' }, NOW)).toBeUndefined();
	});
});

describe('SlidingCount', () => {
	test('sums the recent past only', () => {
		const count = new SlidingCount();
		count.add(NOW, 3);
		count.add(NOW + 500, 2);
		count.add(NOW + 1000, -1);
		expect(count.sum(NOW + 1000, 2000)).toBe(4);
		expect(count.sum(NOW + 1000, 600)).toBe(1);
		expect(count.sum(NOW + 70_000, 60_000)).toBe(0);
	});
});

describe('ServerWindow', () => {
	test("estimates another consumer's use from what remaining drops beyond our own answers", () => {
		// 60 per 2 s; we answer every 50 ms, someone else takes one call every 100 ms.
		const window = new ServerWindow(60, 2000, 'x-ratelimit', NOW);
		let remaining = 60;
		for (let t = 0; t < 1500; t += 50) {
			if (t > 0 && t % 100 === 0) remaining -= 1;
			remaining -= 1;
			window.observe({ source: 'x-ratelimit', limit: 60, remaining }, 0, NOW + t);
		}
		// 10 per second = 600 per minute.
		expect(window.othersRate(NOW + 1500) * 60_000).toBeGreaterThan(500);
		expect(window.othersRate(NOW + 1500) * 60_000).toBeLessThan(700);
		expect(window.remaining).toBe(remaining);
	});

	test('answers arriving out of order are not taken for other consumers', () => {
		const window = new ServerWindow(60, 2000, 'x-ratelimit', NOW);
		// Server order 59, 58, 57, 56, 55, 54; we receive two pairs swapped.
		for (const [i, remaining] of [59, 57, 58, 55, 56, 54].entries()) window.observe({ source: 'x-ratelimit', limit: 60, remaining }, 1, NOW + i * 10);
		expect(window.othersRate(NOW + 60)).toBe(0);
	});

	test('the window ends at the latest one window after it was first seen; a jump in remaining starts a new one', () => {
		const window = new ServerWindow(60, 2000, 'x-ratelimit', NOW);
		window.observe({ source: 'x-ratelimit', limit: 60, remaining: 40 }, 0, NOW);
		expect(window.outlook(NOW + 100)).toEqual({ remaining: 40, endsBy: NOW + 2000 });
		window.observe({ source: 'x-ratelimit', limit: 60, remaining: 59 }, 0, NOW + 700);
		expect(window.outlook(NOW + 800)).toEqual({ remaining: 59, endsBy: NOW + 2700 });
		// A stated reset is used when it is sooner.
		window.observe({ source: 'x-ratelimit', limit: 60, remaining: 58, resetMs: 500 }, 0, NOW + 900);
		expect(window.outlook(NOW + 900)).toEqual({ remaining: 58, endsBy: NOW + 1400 });
		// Past it, what was left is forgotten until the next answer.
		expect(window.outlook(NOW + 1500)).toBeUndefined();
	});

	test('a refusal empties the window until its Retry-After', () => {
		const window = new ServerWindow(60, 2000, 'x-ratelimit', NOW);
		window.observe({ source: 'x-ratelimit', limit: 60, remaining: 10 }, 0, NOW);
		window.exhausted(1000, NOW + 100);
		expect(window.outlook(NOW + 200)).toEqual({ remaining: 0, endsBy: NOW + 1100 });
		expect(window.outlook(NOW + 1200)).toBeUndefined();
	});

	test('a window that never resets (a sliding count) stops promising an end', () => {
		const window = new ServerWindow(60, 2000, 'x-ratelimit', NOW);
		window.observe({ source: 'x-ratelimit', limit: 60, remaining: 12 }, 0, NOW);
		window.observe({ source: 'x-ratelimit', limit: 60, remaining: 13 }, 0, NOW + 2100);
		expect(window.outlook(NOW + 2200)).toBeUndefined();
	});
});
