/**
 * The HTTP Request peer (bench/peer-sync.json) made runnable against the stand-ins: its placeholder
 * hosts, tenant and app replaced by the stand-ins', and the Basic-auth credential its Freshservice
 * nodes name. Used by bench/n8n-sync.ts and bench/rate-peer.ts.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FreshserviceStandIn } from '../test/destinations/freshservice/standIn';
import type { MicrosoftStandIn } from '../test/fixtures/standins/microsoft';
import type { CredentialJson, WorkflowJson } from '../test/e2e/support/n8n';
import { CLIENT_ID, CLIENT_SECRET, FRESHSERVICE_KEY, TENANT_ID } from '../test/e2e/support/sandbox';

export const PEER_WORKFLOW = join(resolve(__dirname, '..'), 'bench', 'peer-sync.json');
const PEER_CREDENTIAL_ID = 'peerFreshserviceBasic1';

/** A peer with its placeholder hosts, tenant and app pointed at the stand-ins. */
export function peerWorkflow(file: string, microsoft: MicrosoftStandIn, freshservice: FreshserviceStandIn): WorkflowJson {
	const text = readFileSync(file, 'utf8')
		.split('https://login.microsoftonline.com')
		.join(microsoft.url)
		.split('https://graph.microsoft.com')
		.join(microsoft.url)
		.split('https://yourdomain.freshservice.com')
		.join(freshservice.url)
		.split('YOUR-TENANT-ID')
		.join(TENANT_ID)
		.split('YOUR-CLIENT-ID')
		.join(CLIENT_ID)
		.split('YOUR-CLIENT-SECRET')
		.join(CLIENT_SECRET);
	const workflow = JSON.parse(text) as WorkflowJson;
	return { ...workflow, settings: { ...workflow.settings, saveDataSuccessExecution: 'all' } };
}

export function peerCredential(): CredentialJson {
	return { id: PEER_CREDENTIAL_ID, name: 'Freshservice (Basic auth: API key as user)', type: 'httpBasicAuth', data: { user: FRESHSERVICE_KEY, password: 'X' } };
}

/** The workflow with n8n's Retry On Fail switched on for every HTTP Request node. */
export function withRetryOnFail(workflow: WorkflowJson, tries: number, waitMs: number): WorkflowJson {
	const nodes = (workflow.nodes as Array<{ type: string }>).map((node) =>
		node.type === 'n8n-nodes-base.httpRequest' ? { ...node, retryOnFail: true, maxTries: tries, waitBetweenTries: waitMs } : node,
	);
	return { ...workflow, nodes };
}
