/**
 * Reading a run of the HTTP Request peer (bench/rate-peer.ts): what its nodes are set to do on a
 * failure, how many of its calls repeated an earlier one, and where its execution stopped.
 */
import { executionError, type WorkflowJson } from '../test/e2e/support/n8n';
import type { RecordedRequest } from '../test/fixtures/standins/server';

/** Retry On Fail as n8n 2.41.1 applies it (WorkflowExecute.getRetryParams): 2–5 tries, 0–5,000 ms apart. */
function retryOnFail(node: WorkflowNode): string {
	if (node.retryOnFail !== true) return 'Retry On Fail off';
	const tries = Math.min(5, Math.max(2, node.maxTries || 3));
	const waitMs = Math.min(5000, Math.max(0, node.waitBetweenTries || 1000));
	return `Retry On Fail on (${tries} tries of the whole node, ${waitMs} ms apart)`;
}

interface WorkflowNode {
	name: string;
	type: string;
	parameters?: { options?: { batching?: { batch?: { batchSize?: number; batchInterval?: number } } } };
	retryOnFail?: boolean;
	maxTries?: number;
	waitBetweenTries?: number;
	onError?: string;
	continueOnFail?: boolean;
}

/** Each HTTP Request node's Retry On Fail, On Error and Batching settings, in the editor's words. */
export function httpRequestFailureSettings(workflow: WorkflowJson): Record<string, string> {
	const settings: Record<string, string> = {};
	for (const node of workflow.nodes as WorkflowNode[]) {
		if (node.type !== 'n8n-nodes-base.httpRequest') continue;
		const onError = node.onError ?? (node.continueOnFail ? 'continueRegularOutput' : 'stopWorkflow');
		const batch = node.parameters?.options?.batching?.batch;
		const batching = batch ? `batches of ${batch.batchSize ?? 50} every ${batch.batchInterval ?? 1000} ms` : 'no batching (all items at once)';
		settings[node.name] = `${retryOnFail(node)}; On Error ${onError}; ${batching}`;
	}
	return settings;
}

/** Calls that repeat an earlier call's method, path, query and body: retries, whoever made them. */
export function repeatedCalls(requests: RecordedRequest[]): number {
	const seen = new Set<string>();
	let repeats = 0;
	for (const request of requests) {
		const key = JSON.stringify([request.method, request.path, Object.entries(request.query).sort(), request.body ?? null]);
		if (seen.has(key)) repeats += 1;
		else seen.add(key);
	}
	return repeats;
}

export interface ExecutionOutcome {
	status: string;
	/** The node n8n ran last: where a failed run stopped. */
	lastNode?: string;
	error?: string;
	/** The failed node's HTTP status and the item (from 0) whose request failed first. */
	httpCode?: string;
	itemIndex?: number;
}

/** Status, last node and error of an execution as `n8n execute --rawOutput` prints it. */
export function executionOutcome(execution: unknown): ExecutionOutcome {
	const record = (execution ?? {}) as {
		status?: string;
		data?: { resultData?: { lastNodeExecuted?: string; error?: { httpCode?: string; context?: { itemIndex?: number } } } };
	};
	const failure = record.data?.resultData?.error;
	return {
		status: record.status ?? 'unknown',
		lastNode: record.data?.resultData?.lastNodeExecuted,
		error: executionError(execution),
		httpCode: failure?.httpCode,
		itemIndex: failure?.context?.itemIndex,
	};
}
