/**
 * Proves the e2e harness against real n8n 2.41.1 before any of our nodes exist: CLI import and
 * execute, a community package loaded from an `npm pack` tarball, imported credentials used over
 * HTTPS to a stand-in trusted through NODE_EXTRA_CA_CERTS, and a production webhook served by
 * `n8n start`. Run with `npx jest -c jest.e2e.config.js`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFreshserviceStandIn, type FreshserviceStandIn } from '../destinations/freshservice/standIn';
import { createTestTls, type TestTls } from '../fixtures/standins/tls';
import { ensureRuntime, executionSucceeded, N8nInstance, nodeOutput, type WorkflowJson } from './support/n8n';

const PROBE_PACKAGE = 'n8n-nodes-e2e-probe';
const FRESHSERVICE_API_KEY = 'smoke-test-api-key';

function manualTrigger(): Record<string, unknown> {
	return { id: 'trigger', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} };
}

function linear(id: string, name: string, nodes: Array<Record<string, unknown>>): WorkflowJson {
	const connections: Record<string, unknown> = {};
	for (let index = 0; index < nodes.length - 1; index += 1) {
		connections[nodes[index].name as string] = { main: [[{ node: nodes[index + 1].name, type: 'main', index: 0 }]] };
	}
	return { id, name, active: false, nodes, connections, settings: { executionOrder: 'v1' }, pinData: {} };
}

/** A minimal community package, so the tarball install path is proven before our pack builds. */
function packProbePackage(folder: string): string {
	mkdirSync(join(folder, 'dist', 'nodes'), { recursive: true });
	writeFileSync(
		join(folder, 'package.json'),
		JSON.stringify({
			name: PROBE_PACKAGE,
			version: '0.0.1',
			keywords: ['n8n-community-node-package'],
			files: ['dist'],
			n8n: { n8nNodesApiVersion: 1, nodes: ['dist/nodes/E2eProbe.node.js'], credentials: [] },
		}),
	);
	writeFileSync(
		join(folder, 'dist', 'nodes', 'E2eProbe.node.js'),
		`class E2eProbe {
	constructor() {
		this.description = {
			displayName: 'E2E Probe', name: 'e2eProbe', group: ['transform'], version: 1,
			description: 'Reports where it runs', defaults: { name: 'E2E Probe' },
			inputs: ['main'], outputs: ['main'], properties: [],
		};
	}
	async execute() {
		return [this.getInputData().map((item, index) => ({ json: { probe: true, nodeVersion: process.version }, pairedItem: { item: index } }))];
	}
}
module.exports = { E2eProbe };
`,
	);
	execFileSync('npm', ['pack', '--silent'], { cwd: folder, stdio: ['ignore', 'pipe', 'pipe'] });
	const tarball = readdirSync(folder).find((file) => file.endsWith('.tgz'));
	if (!tarball) throw new Error('npm pack produced no tarball');
	return join(folder, tarball);
}

describe('real n8n harness (smoke)', () => {
	let tls: TestTls;
	let freshservice: FreshserviceStandIn;
	let n8n: N8nInstance;
	const scratch = mkdtempSync(join(tmpdir(), 'aad-sync-smoke-'));

	beforeAll(async () => {
		const runtime = ensureRuntime();
		tls = createTestTls();
		freshservice = await startFreshserviceStandIn({
			tls,
			apiKey: FRESHSERVICE_API_KEY,
			requesters: [{ first_name: 'Zoë', last_name: "O'Brien", primary_email: "zoe.o'brien@contoso.com" }],
		});
		n8n = new N8nInstance({ runtime, env: { NODE_EXTRA_CA_CERTS: tls.caFile } });
	});

	afterAll(async () => {
		await n8n?.dispose();
		await freshservice?.close();
		if (tls) rmSync(tls.dir, { recursive: true, force: true });
		rmSync(scratch, { recursive: true, force: true });
	});

	it('imports and executes a workflow from the CLI', async () => {
		const setNode = {
			id: 'set',
			name: 'Set ok',
			type: 'n8n-nodes-base.set',
			typeVersion: 3.4,
			position: [200, 0],
			parameters: { mode: 'manual', assignments: { assignments: [{ id: 'ok', name: 'ok', value: true, type: 'boolean' }] }, options: {} },
		};
		const id = await n8n.importWorkflow(linear('smokeManual00001', 'Smoke: manual', [manualTrigger(), setNode]));

		const run = await n8n.execute(id);

		expect(executionSucceeded(run.json)).toBe(true);
		expect(nodeOutput(run.json, 'Set ok')).toEqual([{ ok: true }]);
	});

	it('loads a community package installed from an npm pack tarball, on Node 24', async () => {
		await n8n.installPackage(packProbePackage(scratch));
		const probe = { id: 'probe', name: 'Probe', type: `${PROBE_PACKAGE}.e2eProbe`, typeVersion: 1, position: [200, 0], parameters: {} };
		const id = await n8n.importWorkflow(linear('smokeProbe000001', 'Smoke: community package', [manualTrigger(), probe]));

		const run = await n8n.execute(id);

		const [output] = nodeOutput(run.json, 'Probe') as Array<{ probe: boolean; nodeVersion: string }>;
		expect(output.probe).toBe(true);
		expect(output.nodeVersion).toMatch(/^v24\./);
	});

	it('uses imported credentials over HTTPS to a stand-in trusted via NODE_EXTRA_CA_CERTS', async () => {
		await n8n.importCredentials([{ id: 'smokeFsBasic0001', name: 'Freshservice stand-in', type: 'httpBasicAuth', data: { user: FRESHSERVICE_API_KEY, password: 'X' } }]);
		const request = {
			id: 'http',
			name: 'List requesters',
			type: 'n8n-nodes-base.httpRequest',
			typeVersion: 4.2,
			position: [200, 0],
			parameters: { method: 'GET', url: `${freshservice.url}/api/v2/requesters`, authentication: 'genericCredentialType', genericAuthType: 'httpBasicAuth', options: {} },
			credentials: { httpBasicAuth: { id: 'smokeFsBasic0001', name: 'Freshservice stand-in' } },
		};
		const id = await n8n.importWorkflow(linear('smokeHttps000001', 'Smoke: HTTPS stand-in', [manualTrigger(), request]));

		const run = await n8n.execute(id);

		const [body] = nodeOutput(run.json, 'List requesters') as Array<{ requesters: Array<{ primary_email: string }> }>;
		expect(body.requesters.map((requester) => requester.primary_email)).toEqual(["zoe.o'brien@contoso.com"]);
		expect(freshservice.requests.filter((logged) => logged.path === '/api/v2/requesters' && logged.status === 200)).toHaveLength(1);
	});

	it('serves an activated workflow as a production webhook on 127.0.0.1', async () => {
		const webhook = {
			id: 'webhook',
			name: 'Webhook',
			type: 'n8n-nodes-base.webhook',
			typeVersion: 2.1,
			position: [0, 0],
			webhookId: '5b0d7a52-6f6e-4f77-9a57-0c1b2c3d4e5f',
			parameters: { httpMethod: 'POST', path: 'smoke', responseMode: 'responseNode', options: {} },
		};
		const respond = {
			id: 'respond',
			name: 'Respond',
			type: 'n8n-nodes-base.respondToWebhook',
			typeVersion: 1.5,
			position: [200, 0],
			parameters: { respondWith: 'json', responseBody: '={{ { "ok": true, "echo": $json.body.name } }}', options: {} },
		};
		const id = await n8n.importWorkflow(linear('smokeWebhook0001', 'Smoke: webhook', [webhook, respond]));
		await n8n.activate(id);

		await n8n.start();
		await n8n.waitForWebhook('smoke');
		const response = await fetch(n8n.webhookUrl('smoke'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Zoë' }) });

		expect(response.status).toBe(200);
		expect(await response.json()).toEqual({ ok: true, echo: 'Zoë' });
		const healthz = `${n8n.baseUrl}/healthz`;
		await n8n.stop();
		await expect(fetch(healthz)).rejects.toThrow();
	});
});
