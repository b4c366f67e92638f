/**
 * The stand-ins both n8n benchmarks run against: the Microsoft stand-in (sign-in and Graph) with
 * the benchmark's app registration and users, and a Freshservice account with the sandbox's
 * departments and locations; each answer waits the given latency.
 */
import { startFreshserviceStandIn, type FreshserviceStandIn, type FreshserviceStandInOptions } from '../test/destinations/freshservice/standIn';
import { startMicrosoftStandIn, type MicrosoftStandIn, type SeedUser } from '../test/fixtures/standins/microsoft';
import type { TestTls } from '../test/fixtures/standins/tls';
import { APP_ROLES, CLIENT_ID, CLIENT_SECRET, DEPARTMENTS, FRESHSERVICE_KEY, OFFICES, TENANT_ID } from '../test/e2e/support/sandbox';

export function startBenchMicrosoft(tls: TestTls, users: SeedUser[], latencyMs: number): Promise<MicrosoftStandIn> {
	return startMicrosoftStandIn({
		tls,
		tenantId: TENANT_ID,
		tenantName: 'Contoso (benchmark)',
		apps: [{ clientId: CLIENT_ID, displayName: 'Requester Sync (benchmark)', secret: CLIENT_SECRET, roles: APP_ROLES, directoryRoles: ['User Administrator'] }],
		users,
		latencyMs,
	});
}

/** `limits`: a simple per-minute limit, or the account budget Freshservice enforces (see the stand-in). */
export function startBenchFreshservice(tls: TestTls, latencyMs: number, limits: Pick<FreshserviceStandInOptions, 'rateLimitPerMinute' | 'budget'> = {}): Promise<FreshserviceStandIn> {
	return startFreshserviceStandIn({
		tls,
		apiKey: FRESHSERVICE_KEY,
		departments: DEPARTMENTS.map((name, index) => ({ id: 100 + index, name })),
		locations: OFFICES.map((name, index) => ({ id: 200 + index, name })),
		latencyMs,
		...limits,
		// Answers ?email= from an index: at 100k a scan would cost the stand-in more than n8n.
		indexEmails: true,
	});
}
