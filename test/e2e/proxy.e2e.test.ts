/**
 * The shipped sync workflow in real n8n behind a corporate proxy (Debian's tinyproxy on 127.0.0.1):
 * with HTTPS_PROXY set, the Microsoft sign-in, every Graph read and every Freshservice write go
 * through it (each TCP connection a stand-in accepted is a tunnel the proxy opened); with NO_PROXY
 * covering the destination, the destination's requests bypass it while Microsoft's still use it.
 */
import { rmSync } from 'node:fs';
import { makeUsers } from '../fixtures/standins/microsoft';
import { connectionsTo } from '../fixtures/standins/server';
import { startForwardProxy, type ForwardProxy } from '../support/forwardProxy';
import { executionSucceeded, N8nInstance, nodeOutput } from './support/n8n';
import { packThePack, readWorkflow, startSandbox, SYNC_WORKFLOW, type Sandbox } from './support/sandbox';

const USERS = makeUsers(12);
const SYNCABLE = USERS.filter((user) => user.accountEnabled !== false);

let proxy: ForwardProxy;
let sandbox: Sandbox;
let workflowId: string;

beforeAll(async () => {
	proxy = await startForwardProxy();
	// NO_PROXY empty on purpose: the stand-ins live on 127.0.0.1, which many setups exempt.
	sandbox = await startSandbox({ users: USERS, tarball: packThePack(), n8n: { env: { HTTPS_PROXY: proxy.url, NO_PROXY: '' } } });
	workflowId = await sandbox.n8n.importWorkflow(readWorkflow(SYNC_WORKFLOW));
});

afterAll(async () => {
	await sandbox?.close();
	await proxy?.close();
	if (sandbox) rmSync(sandbox.tls.dir, { recursive: true, force: true });
});

const counts = () => ({
	microsoftTunnels: proxy.tunnels(sandbox.microsoft.port),
	microsoftConnections: connectionsTo(sandbox.microsoft.port),
	freshserviceTunnels: proxy.tunnels(sandbox.freshservice.port),
	freshserviceConnections: connectionsTo(sandbox.freshservice.port),
	tokenRequests: sandbox.microsoft.tokenRequests().length,
	graphRequests: sandbox.microsoft.graphRequests().length,
	writes: sandbox.freshservice.writes().length,
});

describe('sync behind a forward proxy in real n8n', () => {
	it('signs in, reads Graph and writes requesters only through HTTPS_PROXY', async () => {
		const execution = await sandbox.n8n.execute(workflowId);
		expect(executionSucceeded(execution.json)).toBe(true);
		const summary = nodeOutput(execution.json, 'Upsert Requester', 1)[0] as { run: Record<string, number> };
		expect(summary.run).toMatchObject({ created: SYNCABLE.length, failed: 0 });
		const after = counts();
		expect(after.tokenRequests).toBeGreaterThan(0);
		expect(after.graphRequests).toBeGreaterThan(0);
		expect(after.writes).toBe(SYNCABLE.length);
		// Every connection either stand-in accepted was a CONNECT tunnel through the proxy.
		expect(after.microsoftConnections).toBeGreaterThan(0);
		expect(after.microsoftTunnels).toBe(after.microsoftConnections);
		expect(after.freshserviceConnections).toBeGreaterThan(0);
		expect(after.freshserviceTunnels).toBe(after.freshserviceConnections);
	});

	it('with NO_PROXY covering the destination, its requests bypass the proxy and Microsoft still uses it', async () => {
		const before = counts();
		sandbox.microsoft.state.updateUser(SYNCABLE[0].id, { jobTitle: 'Proxy Tester' });
		const bypassing = new N8nInstance({
			userFolder: sandbox.n8n.userFolder,
			env: { NODE_EXTRA_CA_CERTS: sandbox.tls.caFile, HTTPS_PROXY: proxy.url, NO_PROXY: `127.0.0.1:${sandbox.freshservice.port}` },
		});
		const execution = await bypassing.execute(workflowId);
		expect(executionSucceeded(execution.json)).toBe(true);
		const after = counts();
		expect(after.writes - before.writes).toBe(1);
		expect(after.freshserviceConnections).toBeGreaterThan(before.freshserviceConnections);
		expect(after.freshserviceTunnels).toBe(before.freshserviceTunnels);
		expect(after.graphRequests).toBeGreaterThan(before.graphRequests);
		expect(after.microsoftTunnels).toBeGreaterThan(before.microsoftTunnels);
		expect(after.microsoftTunnels).toBe(after.microsoftConnections);
	});
});
