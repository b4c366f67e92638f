/** send() with a rateBudget: every attempt, retries included, is paced on it and every answer (429s too) observed. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forgetRateBudgets, RateBudget, rateBudgetFor, rateBudgetKey } from '../../nodes/shared/http/rateBudget';
import { send } from '../../nodes/shared/http/request';
import { mergeRetryPolicy } from '../../nodes/shared/http/retry';

let server: Server;
let base: string;
let answers: Array<{ status: number; headers?: Record<string, string> }> = [];

beforeAll(async () => {
	server = createServer((_request, response) => {
		const next = answers.shift() ?? { status: 200 };
		response.writeHead(next.status, { 'content-type': 'application/json', ...next.headers });
		response.end('{}');
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
	await new Promise<void>((resolve) => server.close(() => resolve()));
});

afterEach(() => {
	forgetRateBudgets();
	answers = [];
});

const policy = mergeRetryPolicy({ maxAttempts: 3, retryStatuses: [429] });
const noWait = async () => undefined;

it('counts each attempt against the budget and observes the 429 between them', async () => {
	const budget = new RateBudget('test', { share: 0.8 });
	answers = [{ status: 429, headers: { 'retry-after': '0' } }, { status: 200, headers: { 'x-ratelimit-total': '600', 'x-ratelimit-remaining': '590' } }];
	const response = await send({ method: 'GET', url: `${base}/a` }, { policy, sleep: noWait, rateBudget: budget });
	expect(response.status).toBe(200);
	const stats = budget.stats();
	expect(stats.sent).toBe(2);
	expect(stats.throttled).toBe(1);
	expect(stats.budget).toMatchObject({ limit: 600, source: 'x-ratelimit' });
});

it('a key with options uses the process-wide budget of that key', async () => {
	const key = rateBudgetKey(base);
	await send({ method: 'GET', url: `${base}/b` }, { rateBudget: { key, share: 0.5 } });
	await send({ method: 'GET', url: `${base}/b` }, { rateBudget: { key, share: 0.5 } });
	expect(rateBudgetFor(key).stats()).toMatchObject({ sent: 2, share: 0.5 });
});

it('without a rateBudget nothing is counted anywhere', async () => {
	const key = rateBudgetKey(base);
	await send({ method: 'GET', url: `${base}/c` });
	expect(rateBudgetFor(key).stats().sent).toBe(0);
});
