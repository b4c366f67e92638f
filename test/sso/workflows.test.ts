/**
 * The shipped SSO workflows: wiring, the SSO nodes' parameters against the node's description,
 * and every expression of the Switch and Respond to Webhook nodes evaluated by n8n's real
 * expression engine on a success and a failure item (n8n-nodes-base itself is not installed).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
	NodeConnectionTypes,
	NodeHelpers,
	type IDataObject,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { AzureAdSso } from '../../nodes/AzureAdSso/AzureAdSso.node';
import { runNode } from '../harness/n8n';

interface WorkflowFile {
	name: string;
	settings: IDataObject;
	nodes: INode[];
	connections: Record<string, { main: Array<Array<{ node: string }>> }>;
}

const load = (file: string) => JSON.parse(fs.readFileSync(path.join(__dirname, '../../workflows', file), 'utf8')) as WorkflowFile;
const login = load('sso-login.json');
const callback = load('sso-callback.json');
const SSO_TYPE = 'n8n-nodes-azure-ad-sync.azureAdSso';

/** Resolves one parameter the way n8n does for a node receiving `item`. */
class EchoNode implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Echo',
		name: 'echo',
		group: ['transform'],
		version: 1,
		description: 'Outputs its resolved parameter',
		defaults: { name: 'Echo' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [{ displayName: 'Value', name: 'value', type: 'string', default: '' }],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [[{ json: { value: this.getNodeParameter('value', 0) as IDataObject[string] } }]];
	}
}

async function evaluate(expression: unknown, json: IDataObject): Promise<unknown> {
	const result = await runNode({ node: new EchoNode(), parameters: { value: expression as string }, inputItems: [{ json }] });
	expect(result.error).toBeUndefined();
	return result.outputs[0][0].json.value;
}

function node(workflow: WorkflowFile, name: string): INode {
	const found = workflow.nodes.find((candidate) => candidate.name === name);
	if (!found) throw new Error(`No node "${name}" in ${workflow.name}`);
	return found;
}

/** Names of the nodes downstream of `start`, on any output. */
function reachable(workflow: WorkflowFile, start: string): string[] {
	const seen = new Set<string>();
	const queue = [start];
	while (queue.length > 0) {
		for (const target of workflow.connections[queue.shift()!]?.main.flat() ?? []) {
			if (seen.has(target.node)) continue;
			seen.add(target.node);
			queue.push(target.node);
		}
	}
	return [...seen];
}

function header(respond: INode, name: string): unknown {
	const entries = ((respond.parameters.options as IDataObject).responseHeaders as { entries: Array<{ name: string; value: string }> }).entries;
	return entries.find((entry) => entry.name === name)?.value;
}

const success = { ok: true, redirectUrl: 'https://portal.example.com/', setCookie: 'portal_session=t; Path=/', sessionId: 's1', requester: { key: 'jane' }, expiresAt: 'E', sessions: [], revokedSessions: 2, clearCookie: 'portal_session=; Max-Age=0' };
const failure = (code: string) => ({ ok: false, code, userMessage: 'Sign-in could not be verified. Please start again from the portal.', adminReason: 'secret detail', audit: [] });

describe.each([
	['sso-login.json', login],
	['sso-callback.json', callback],
])('%s', (_file, workflow) => {
	it('is wired: every connection names a node, every webhook answers through a Respond to Webhook node', () => {
		const names = new Set(workflow.nodes.map((entry) => entry.name));
		for (const [source, { main }] of Object.entries(workflow.connections)) {
			expect(names).toContain(source);
			for (const target of main.flat()) expect(names).toContain(target.node);
		}
		for (const webhook of workflow.nodes.filter((entry) => entry.type === 'n8n-nodes-base.webhook')) {
			expect(webhook).toMatchObject({ typeVersion: 2.1, parameters: { responseMode: 'responseNode' } });
			expect(webhook.webhookId).toMatch(/^[0-9a-f-]{36}$/);
			expect(reachable(workflow, webhook.name).some((name) => node(workflow, name).type === 'n8n-nodes-base.respondToWebhook')).toBe(true);
		}
		expect(workflow.settings).toMatchObject({ saveDataSuccessExecution: 'none', saveManualExecutions: false });
	});

	it("gives every Azure AD SSO node valid parameters and the node's credentials", () => {
		const description = new AzureAdSso().description;
		for (const sso of workflow.nodes.filter((entry) => entry.type === SSO_TYPE)) {
			const parameters = NodeHelpers.getNodeParameters(description.properties, sso.parameters, true, false, sso, description);
			expect(NodeHelpers.getNodeParametersIssues(description.properties, { ...sso, parameters: parameters ?? {} }, description)).toBeNull();
			if (sso.parameters.operation !== 'exportAuditLog') expect(Object.keys(sso.credentials ?? {})).toContain('azureAdSyncApi');
		}
	});
});

describe('sso-login.json', () => {
	it('derives the callback URL the callback workflow listens on', async () => {
		const startLogin = new AzureAdSso().description.properties.find((property) => property.name === 'redirectUri')!;
		expect(node(login, 'Login').parameters.path).toBe('sso/login');
		expect(node(callback, 'Callback').parameters.path).toBe('sso/callback');
		expect(await evaluate(startLogin.default, { webhookUrl: 'https://n8n.example.com/webhook/sso/login' })).toBe('https://n8n.example.com/webhook/sso/callback');
	});

	it('redirects to Microsoft, or shows the failure page', async () => {
		expect(await evaluate(node(login, 'Started?').parameters.output, success)).toBe(0);
		expect(await evaluate(node(login, 'Started?').parameters.output, failure('configurationError'))).toBe(1);
		expect(await evaluate(node(login, 'Redirect to Microsoft').parameters.redirectURL, success)).toBe(success.redirectUrl);
	});
});

describe('sso-callback.json', () => {
	it('redirects to the portal with the session cookie, never caching the answer', async () => {
		const redirect = node(callback, 'Redirect to Portal');
		expect(redirect.parameters).toMatchObject({ respondWith: 'redirect', options: { responseCode: 302 } });
		expect(await evaluate(redirect.parameters.redirectURL, success)).toBe(success.redirectUrl);
		expect(await evaluate(header(redirect, 'Set-Cookie'), success)).toBe(success.setCookie);
		expect(header(redirect, 'Cache-Control')).toBe('no-store');
		expect(header(redirect, 'Referrer-Policy')).toBe('no-referrer');
	});

	it('shows the user message, not the admin reason, with a status per failure', async () => {
		const page = node(callback, 'Sign-in Failed Page');
		const html = (await evaluate(page.parameters.responseBody, failure('idTokenInvalid'))) as string;
		expect(html).toContain('<p>Sign-in could not be verified. Please start again from the portal.</p>');
		expect(html).toContain('Reference: idTokenInvalid');
		expect(html).not.toContain('secret detail');
		const status = (page.parameters.options as IDataObject).responseCode;
		expect(await evaluate(status, failure('lockedOut'))).toBe(429);
		expect(await evaluate(status, failure('serviceUnavailable'))).toBe(503);
		expect(await evaluate(status, failure('stateReused'))).toBe(400);
	});

	it('answers the session endpoints with JSON that hides the admin reason', async () => {
		for (const [answer, expected] of [
			['Answer Session', { ok: true, sessionId: 's1', requester: { key: 'jane' }, expiresAt: 'E' }],
			['Answer Sessions', { ok: true, sessions: [] }],
			['Answer Logout', { ok: true, sessionId: 's1' }],
			['Answer Logout Everywhere', { ok: true, revokedSessions: 2 }],
		] as const) {
			const respond = node(callback, answer);
			expect(await evaluate(respond.parameters.responseBody, success)).toEqual(expected);
			expect(await evaluate(respond.parameters.responseBody, failure('sessionNotFound'))).toEqual({ ok: false, code: 'sessionNotFound', message: failure('x').userMessage });
			const status = (respond.parameters.options as IDataObject).responseCode;
			expect(await evaluate(status, success)).toBe(200);
			expect(await evaluate(status, failure('sessionExpired'))).toBe(401);
			expect(await evaluate(status, failure('notSessionOwner'))).toBe(403);
		}
		expect(await evaluate(header(node(callback, 'Answer Logout'), 'Set-Cookie'), success)).toBe(success.clearCookie);
		expect(await evaluate(header(node(callback, 'Answer Logout'), 'Set-Cookie'), { ...success, clearCookie: undefined })).toBe('');
	});

	it('protects the admin endpoints (audit export, sign-out by requester key) with a header key', async () => {
		for (const admin of ['Audit Log', 'Admin Sign-Out']) {
			expect(node(callback, admin)).toMatchObject({ parameters: { authentication: 'headerAuth' }, credentials: { httpHeaderAuth: expect.any(Object) } });
		}
		expect(node(callback, 'Sign Out Requester Everywhere').parameters).toMatchObject({ operation: 'signOutEverywhere', requesterFrom: 'requesterKey' });
		expect(await evaluate(node(callback, 'Sign Out Requester Everywhere').parameters.requesterKey, { body: { requester: 'jane.doe@contoso.com' } })).toBe('jane.doe@contoso.com');
	});
});
