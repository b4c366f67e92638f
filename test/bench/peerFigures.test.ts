import { readFileSync } from 'node:fs';
import { executionOutcome, httpRequestFailureSettings, repeatedCalls } from '../../bench/peerFigures';
import { PEER_WORKFLOW, withRetryOnFail } from '../../bench/peerWorkflow';
import { BUDGETED_API_KEY, startBudgetedAccount } from '../destinations/freshservice/budgetedSync';
import type { WorkflowJson } from '../e2e/support/n8n';
import type { RecordedRequest } from '../fixtures/standins/server';

const shipped = JSON.parse(readFileSync(PEER_WORKFLOW, 'utf8')) as WorkflowJson;

function call(method: string, path: string, query: Record<string, string> = {}, body?: unknown): RecordedRequest {
	return { method, path, query, headers: {}, body, at: new Date() };
}

describe('httpRequestFailureSettings', () => {
	it('reads the shipped peer: every HTTP Request node without Retry On Fail, stopping the workflow, sending all items at once', () => {
		const settings = httpRequestFailureSettings(shipped);
		expect(Object.keys(settings)).toEqual(['Get Token', 'Get Users', 'Find Requester', 'Update Requester', 'Create Requester']);
		for (const text of Object.values(settings)) expect(text).toBe('Retry On Fail off; On Error stopWorkflow; no batching (all items at once)');
	});

	it('states Retry On Fail as n8n applies it: at most 5 tries, at most 5,000 ms apart', () => {
		expect(httpRequestFailureSettings(withRetryOnFail(shipped, 9, 60_000))['Find Requester']).toBe(
			'Retry On Fail on (5 tries of the whole node, 5000 ms apart); On Error stopWorkflow; no batching (all items at once)',
		);
		expect(httpRequestFailureSettings(withRetryOnFail(shipped, 4, 250))['Create Requester']).toMatch(/^Retry On Fail on \(4 tries of the whole node, 250 ms apart\)/);
	});

	it('names batching and a continue-on-error setting', () => {
		const node = { name: 'Paced', type: 'n8n-nodes-base.httpRequest', onError: 'continueErrorOutput', parameters: { options: { batching: { batch: { batchSize: 10, batchInterval: 2000 } } } } };
		const workflow: WorkflowJson = { id: 'x', name: 'x', nodes: [node, { name: 'If', type: 'n8n-nodes-base.if' }], connections: {} };
		expect(httpRequestFailureSettings(workflow)).toEqual({ Paced: 'Retry On Fail off; On Error continueErrorOutput; batches of 10 every 2000 ms' });
	});
});

describe('repeatedCalls', () => {
	it('counts a call that repeats an earlier method, path, query and body', () => {
		const lookups = [call('GET', '/api/v2/requesters', { email: 'a@x.test' }), call('GET', '/api/v2/requesters', { email: 'b@x.test' })];
		expect(repeatedCalls(lookups)).toBe(0);
		expect(repeatedCalls([...lookups, call('GET', '/api/v2/requesters', { email: 'a@x.test' })])).toBe(1);
	});

	it('tells creates apart by their body, and ignores the order of query parameters', () => {
		const creates = [call('POST', '/api/v2/requesters', {}, { primary_email: 'a@x.test' }), call('POST', '/api/v2/requesters', {}, { primary_email: 'b@x.test' })];
		expect(repeatedCalls(creates)).toBe(0);
		expect(repeatedCalls([...creates, call('POST', '/api/v2/requesters', {}, { primary_email: 'b@x.test' })])).toBe(1);
		expect(repeatedCalls([call('GET', '/p', { a: '1', b: '2' }), call('GET', '/p', { b: '2', a: '1' })])).toBe(1);
	});

	it('counts a create retried after a 429: the budgeted Freshservice stand-in keeps a refused call\'s body', async () => {
		const account = await startBudgetedAccount({ perWindow: 1, windowMs: 60_000 });
		try {
			const create = (email: string) =>
				fetch(`${account.apiRoot}/requesters`, {
					method: 'POST',
					headers: { authorization: `Basic ${Buffer.from(`${BUDGETED_API_KEY}:X`).toString('base64')}`, 'content-type': 'application/json' },
					body: JSON.stringify({ first_name: 'Ada', primary_email: email }),
				});
			expect((await create('ada@x.test')).status).toBe(201);
			expect((await create('bob@x.test')).status).toBe(429);
			expect((await create('bob@x.test')).status).toBe(429);
			expect(account.standIn.requests.map((request) => request.body)).toEqual([
				{ first_name: 'Ada', primary_email: 'ada@x.test' },
				{ first_name: 'Ada', primary_email: 'bob@x.test' },
				{ first_name: 'Ada', primary_email: 'bob@x.test' },
			]);
			expect(repeatedCalls(account.standIn.requests)).toBe(1);
		} finally {
			await account.close();
		}
	});
});

describe('executionOutcome', () => {
	it('reads where a failed execution stopped and on which item', () => {
		const failed = {
			status: 'error',
			data: { resultData: { lastNodeExecuted: 'Find Requester', error: { message: 'The service is receiving too many requests from you', httpCode: '429', context: { itemIndex: 300 } } } },
		};
		expect(executionOutcome(failed)).toEqual({ status: 'error', lastNode: 'Find Requester', error: 'The service is receiving too many requests from you', httpCode: '429', itemIndex: 300 });
	});

	it('says unknown when nothing was printed', () => {
		expect(executionOutcome(undefined)).toEqual({ status: 'unknown', lastNode: undefined, error: undefined, httpCode: undefined, itemIndex: undefined });
	});
});
