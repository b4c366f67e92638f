/**
 * The main job: real n8n on http://127.0.0.1:5678 with this pack installed as a community package
 * and the shipped workflows imported and activated. Without AZURE_TENANT_ID it runs against the
 * bundled stand-ins (a Microsoft tenant with 40 users and a Freshservice account), so "Sync now"
 * works at once; with AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET it targets the real
 * tenant, and with FRESHSERVICE_DOMAIN and FRESHSERVICE_API_KEY a real Freshservice account.
 * Writes .sandbox/session.json for `npm run sync` and `npm run stats`. Stops on Ctrl-C.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureRuntime, type CredentialJson } from '../test/e2e/support/n8n';
import { packThePack, serveShippedWorkflows, startSandbox, SYNC_WEBHOOK_KEY, TICKET_WEBHOOK_KEY } from '../test/e2e/support/sandbox';

const PORT = Number(process.env.N8N_SANDBOX_PORT ?? 5678);
const SESSION_DIR = resolve(__dirname, '..', '.sandbox');

function realCredentials(): { replace: CredentialJson[]; describe: string[] } {
	const env = process.env;
	const replace: CredentialJson[] = [];
	const describe: string[] = [];
	if (env.AZURE_TENANT_ID) {
		replace.push({
			id: 'aadSyncAzureAd01',
			name: 'Azure AD',
			type: 'azureAdSyncApi',
			data: { tenantId: env.AZURE_TENANT_ID, clientId: env.AZURE_CLIENT_ID ?? '', authentication: 'clientSecret', clientSecret: env.AZURE_CLIENT_SECRET ?? '', cloud: env.AZURE_CLOUD ?? 'global' },
		});
		describe.push(`Azure AD: tenant ${env.AZURE_TENANT_ID}`);
	} else {
		describe.push('Azure AD: the bundled stand-in tenant (40 users)');
	}
	if (env.FRESHSERVICE_DOMAIN) {
		replace.push({ id: 'aadSyncFreshservice1', name: 'Freshservice', type: 'freshserviceApi', data: { domain: env.FRESHSERVICE_DOMAIN, apiKey: env.FRESHSERVICE_API_KEY ?? '' } });
		describe.push(`Freshservice: ${env.FRESHSERVICE_DOMAIN}`);
	} else {
		describe.push('Freshservice: the bundled stand-in account');
	}
	return { replace, describe };
}

async function main(): Promise<void> {
	const runtime = ensureRuntime();
	const sandbox = await startSandbox({ tarball: packThePack() });
	const real = realCredentials();
	if (real.replace.length > 0) await sandbox.n8n.importCredentials(real.replace);
	const { syncId } = await serveShippedWorkflows(sandbox.n8n, PORT);

	mkdirSync(SESSION_DIR, { recursive: true });
	const session = {
		baseUrl: sandbox.n8n.baseUrl,
		userFolder: sandbox.n8n.userFolder,
		database: join(sandbox.n8n.userFolder, '.n8n', 'database.sqlite'),
		runtime,
		syncWorkflowId: syncId,
		syncWebhook: sandbox.n8n.webhookUrl('azure-ad-sync/run'),
		syncKeyHeader: 'X-Sync-Key',
		syncKey: SYNC_WEBHOOK_KEY,
		ticketWebhook: sandbox.n8n.webhookUrl('ticket/azure-ad-action'),
		ticketKeyHeader: 'X-Ticket-Key',
		ticketKey: TICKET_WEBHOOK_KEY,
		microsoft: sandbox.microsoft.url,
		freshservice: sandbox.freshservice.url,
	};
	writeFileSync(join(SESSION_DIR, 'session.json'), JSON.stringify(session, null, 2));

	process.stdout.write(
		[
			'',
			`n8n is running on ${session.baseUrl} with n8n-nodes-azure-ad-sync installed.`,
			...real.describe.map((line) => `  ${line}`),
			'Workflows imported and active: "Azure AD → Requesters: scheduled sync" (hourly) and "Ticket webhook → Azure AD account action".',
			'',
			'In another terminal:',
			'  npm run sync     # sync now (POSTs the sync webhook) and print the run statistics',
			'  npm run stats    # print the last sync statistics and the unsynced users',
			`  curl -X POST -H 'X-Ticket-Key: ${TICKET_WEBHOOK_KEY}' -H 'content-type: application/json' \\`,
			`       -d '{"ticketId":"INC-1","user":"<a user's email>","action":"revokeSessions"}' ${session.ticketWebhook}`,
			'',
			'Open the editor in a browser to look around (n8n asks you to create an owner account first). Ctrl-C stops everything.',
			'',
		].join('\n'),
	);

	const stop = async () => {
		await sandbox.close();
		process.exit(0);
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
	await new Promise(() => undefined);
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
	process.exit(1);
});
