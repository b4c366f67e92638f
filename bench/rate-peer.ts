/**
 * The HTTP Request peer (bench/peer-sync.json, as shipped) in real n8n 2.41.1 against the
 * Freshservice stand-in enforcing an account budget, for bench/rate-budget.ts: a fresh n8n user
 * folder with the peer and its Basic-auth credential imported, `n8n execute` once, then what the
 * stand-in counted. The users come from the Microsoft stand-in, all enabled and new to
 * Freshservice, so the peer needs the same calls as the rate-budget runs of our client: a lookup by
 * email and a create each.
 */
import { readFileSync, rmSync } from 'node:fs';
import { ensureRuntime, N8nInstance, parseExecutionJson } from '../test/e2e/support/n8n';
import { makeUsers } from '../test/fixtures/standins/microsoft';
import { createTestTls } from '../test/fixtures/standins/tls';
import { executionOutcome, httpRequestFailureSettings, repeatedCalls } from './peerFigures';
import { peerCredential, peerWorkflow, PEER_WORKFLOW, withRetryOnFail } from './peerWorkflow';
import { countByMethod, measureExecute } from './measure';
import { startBenchFreshservice, startBenchMicrosoft } from './standins';

export interface PeerBudgetSettings {
	users: number;
	perWindow: number;
	windowMs: number;
	latencyMs: number;
	timeoutMs: number;
	/** Switch on n8n's Retry On Fail on every HTTP Request node (off in the peer as shipped). */
	retryOnFail?: { tries: number; waitMs: number };
}

export async function runPeerUnderBudget(settings: PeerBudgetSettings): Promise<Record<string, unknown>> {
	const runtime = ensureRuntime();
	const tls = createTestTls();
	const microsoft = await startBenchMicrosoft(tls, makeUsers(settings.users, { disabledRatio: 0 }), settings.latencyMs);
	const budget = { perWindow: settings.perWindow, windowMs: settings.windowMs };
	const freshservice = await startBenchFreshservice(tls, settings.latencyMs, { budget });
	const n8n = new N8nInstance({ runtime, env: { NODE_EXTRA_CA_CERTS: tls.caFile } });
	try {
		const shipped = peerWorkflow(PEER_WORKFLOW, microsoft, freshservice);
		const retry = settings.retryOnFail;
		const workflow = retry ? withRetryOnFail(shipped, retry.tries, retry.waitMs) : shipped;
		await n8n.importCredentials([peerCredential()]);
		const workflowId = await n8n.importWorkflow(workflow);
		// stdout to a file: a failed `n8n execute` logs the execution and exits at once, which cuts a
		// pipe short at this size; a file keeps all of it.
		const { figures, stdoutFile } = await measureExecute(n8n, workflowId, { folder: n8n.userFolder, name: 'peer', timeoutMs: settings.timeoutMs });
		const outcome = executionOutcome(parseExecutionJson(readFileSync(stdoutFile, 'utf8')));
		if (figures.timedOut) outcome.status = `did not finish within ${Math.round(settings.timeoutMs / 60_000)} min`;
		const calls = freshservice.requests;
		const stats = freshservice.budget!;
		const byMethod = countByMethod(calls);
		const created = freshservice.state.requesters.size;
		const spanMs = calls.length > 1 ? calls[calls.length - 1].at.getTime() - calls[0].at.getTime() : 0;
		return {
			run: `HTTP Request peer (bench/peer-sync.json${retry ? `, Retry On Fail ${retry.tries} tries ${retry.waitMs} ms apart` : ' as shipped'}), n8n 2.41.1`,
			users: settings.users,
			expected: settings.users,
			created,
			finished: outcome.status === 'success' && created === settings.users,
			status: outcome.status,
			stoppedAt: outcome.status === 'success' ? undefined : outcome.lastNode,
			error: outcome.error,
			httpCode: outcome.httpCode,
			failedItem: outcome.itemIndex === undefined ? undefined : outcome.itemIndex + 1,
			calls: calls.length,
			byMethod,
			answered: stats.served,
			throttled429: stats.rejected,
			retries: repeatedCalls(calls),
			failureSettings: httpRequestFailureSettings(workflow),
			// `n8n execute` from start to exit: n8n's start-up included.
			seconds: Math.round(figures.wallMs / 100) / 10,
			// From its first call to Freshservice to its last.
			callSeconds: Math.round(spanMs / 100) / 10,
			perMinute: spanMs > 0 ? Math.round((calls.length * 60_000) / spanMs) : undefined,
		};
	} finally {
		await n8n.dispose();
		await microsoft.close();
		await freshservice.close();
		rmSync(tls.dir, { recursive: true, force: true });
	}
}
