/**
 * The shipped workflows wired to local stand-ins: a Microsoft login + Graph stand-in and a
 * Freshservice stand-in over HTTPS on 127.0.0.1 (trusted through NODE_EXTRA_CA_CERTS), the
 * credentials pointing at them, and the pack installed from its `npm pack` tarball.
 * Used by the end-to-end tests.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startFreshserviceStandIn, type FreshserviceStandIn, type FreshserviceStandInOptions } from '../../destinations/freshservice/standIn';
import { makeUsers, startMicrosoftStandIn, type MicrosoftStandIn, type SeedUser } from '../../fixtures/standins/microsoft';
import { createTestTls, type TestTls } from '../../fixtures/standins/tls';
import { N8nInstance, type CredentialJson, type N8nInstanceOptions, type WorkflowJson } from './n8n';

export const TENANT_ID = '00000000-0000-4000-8000-0000000e2e01';
export const CLIENT_ID = '11111111-0000-4000-8000-0000000e2e02';
export const CLIENT_SECRET = 'FAKE-e2e-client-secret';
export const FRESHSERVICE_KEY = 'FAKE-e2e-freshservice-key';
export const SYNC_WEBHOOK_KEY = 'FAKE-e2e-sync-key';
export const TICKET_WEBHOOK_KEY = 'FAKE-e2e-ticket-key';
export const AUDIT_EXPORT_KEY = 'FAKE-e2e-audit-key';

const ROOT = resolve(__dirname, '..', '..', '..');
export const SYNC_WORKFLOW = join(ROOT, 'workflows', 'azure-ad-requester-sync.json');
export const TICKET_WORKFLOW = join(ROOT, 'workflows', 'ticket-account-action.json');

export const APP_ROLES = [
	'User.Read.All',
	'User.EnableDisableAccount.All',
	'User-PasswordProfile.ReadWrite.All',
	'User.RevokeSessions.All',
	'Mail.Send',
	'RoleManagement.Read.Directory',
];

export const DEPARTMENTS = ['Finance', 'Engineering', 'Sales', 'Human Resources', 'IT', 'Legal & Compliance', 'Marketing'];
export const OFFICES = ['Building 1 / 2nd floor', 'Zürich HQ', 'São Paulo', 'Kraków'];

export interface Sandbox {
	tls: TestTls;
	microsoft: MicrosoftStandIn;
	freshservice: FreshserviceStandIn;
	n8n: N8nInstance;
	close(): Promise<void>;
}

/** `npm pack` of the built pack (run `npm run build` first), into a temp folder. */
export function packThePack(): string {
	const folder = mkdtempSync(join(tmpdir(), 'aad-sync-pack-'));
	const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', folder], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').pop()!;
	return join(folder, name);
}

export function readWorkflow(path: string): WorkflowJson {
	return JSON.parse(readFileSync(path, 'utf8')) as WorkflowJson;
}

export function credentialsFor(microsoft: MicrosoftStandIn, freshservice: FreshserviceStandIn): CredentialJson[] {
	return [
		{
			id: 'aadSyncAzureAd01',
			name: 'Azure AD',
			type: 'azureAdSyncApi',
			data: { tenantId: TENANT_ID, clientId: CLIENT_ID, authentication: 'clientSecret', clientSecret: CLIENT_SECRET, cloud: 'custom', authorityHost: microsoft.url, graphEndpoint: microsoft.url },
		},
		{ id: 'aadSyncFreshservice1', name: 'Freshservice', type: 'freshserviceApi', data: { domain: 'sandbox', apiKey: FRESHSERVICE_KEY, baseUrl: `${freshservice.url}/api/v2` } },
		{ id: 'aadSyncWebhookAuth1', name: 'Sync webhook key', type: 'httpHeaderAuth', data: { name: 'X-Sync-Key', value: SYNC_WEBHOOK_KEY } },
		{ id: 'aadSyncTicketAuth1', name: 'Ticket webhook key', type: 'httpHeaderAuth', data: { name: 'X-Ticket-Key', value: TICKET_WEBHOOK_KEY } },
		{ id: 'aadSyncAuditAuth1', name: 'Audit export key', type: 'httpHeaderAuth', data: { name: 'X-Audit-Key', value: AUDIT_EXPORT_KEY } },
	];
}

/**
 * What `npm run main` does once the sandbox is up: imports both shipped workflows, publishes them,
 * starts n8n (on `port`, or a free one) and waits until the sync webhook is registered.
 */
export async function serveShippedWorkflows(n8n: N8nInstance, port?: number): Promise<{ syncId: string; ticketId: string }> {
	const syncId = await n8n.importWorkflow(readWorkflow(SYNC_WORKFLOW));
	const ticketId = await n8n.importWorkflow(readWorkflow(TICKET_WORKFLOW));
	await n8n.activate(syncId);
	await n8n.activate(ticketId);
	await n8n.start(port);
	await n8n.waitForWebhook('azure-ad-sync/run');
	return { syncId, ticketId };
}

/** `n8n`: options of the n8n instance, e.g. queue-mode `env` (merged over the sandbox's own). */
export async function startSandbox(options: { users?: SeedUser[]; tarball: string; n8n?: N8nInstanceOptions; freshservice?: Partial<FreshserviceStandInOptions> }): Promise<Sandbox> {
	const tls = createTestTls();
	const microsoft = await startMicrosoftStandIn({
		tls,
		tenantId: TENANT_ID,
		tenantName: 'Contoso (sandbox)',
		apps: [{ clientId: CLIENT_ID, displayName: 'Requester Sync (sandbox)', secret: CLIENT_SECRET, roles: APP_ROLES, directoryRoles: ['User Administrator'] }],
		users: options.users ?? makeUsers(40),
	});
	const freshservice = await startFreshserviceStandIn({
		tls,
		apiKey: FRESHSERVICE_KEY,
		departments: DEPARTMENTS.map((name, index) => ({ id: 100 + index, name })),
		locations: OFFICES.map((name, index) => ({ id: 200 + index, name })),
		...options.freshservice,
	});
	// Binary data inline in the execution, so tests read the exported CSV from `n8n execute` output.
	const n8n = new N8nInstance({ ...options.n8n, env: { NODE_EXTRA_CA_CERTS: tls.caFile, N8N_DEFAULT_BINARY_DATA_MODE: 'default', ...options.n8n?.env } });
	await n8n.installPackage(options.tarball);
	await n8n.importCredentials(credentialsFor(microsoft, freshservice));
	return {
		tls,
		microsoft,
		freshservice,
		n8n,
		async close() {
			await n8n.dispose();
			await microsoft.close();
			await freshservice.close();
		},
	};
}
