/**
 * Issue #25 in real n8n: the shipped "Azure AD → Requesters: scheduled sync" workflow with its
 * Upsert Requester switched to Destination 'SCIM 2.0', a SCIM API credential pointing at the
 * independent SCIMMY service (plain http on 127.0.0.1) and the Microsoft stand-in of the sandbox:
 * first sync, a run without changes, one change, a disabled user, managers, a quote in a filter.
 */
import { rmSync } from 'node:fs';
import { makeUsers } from '../fixtures/standins/microsoft';
import { startScimmyServer, type RecordedScimRequest, type ScimmyServer, type StoredUser } from '../destinations/scim/scimmyServer';
import { executionSucceeded, nodeOutput, type ExecutionResult, type WorkflowJson } from './support/n8n';
import { packThePack, readWorkflow, startSandbox, SYNC_WORKFLOW, type Sandbox } from './support/sandbox';

const TOKEN = 'FAKE-e2e-scim-token';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const USERS = makeUsers(30, { guestRatio: 0 });
const SYNCABLE = USERS.filter((user) => user.accountEnabled !== false);

let sandbox: Sandbox;
let scim: ScimmyServer;
let workflowId: string;

/** The shipped workflow, its Upsert Requester writing to SCIM instead of Freshservice. */
function scimWorkflow(): WorkflowJson {
	const workflow = readWorkflow(SYNC_WORKFLOW);
	const upsert = (workflow.nodes as Array<{ name: string; parameters: Record<string, unknown>; credentials?: Record<string, unknown> }>).find((node) => node.name === 'Upsert Requester')!;
	delete upsert.parameters.freshserviceCustomFields;
	upsert.parameters.destination = 'scim';
	upsert.credentials = { scimApi: { id: 'aadSyncScimE2e01', name: 'SCIM (SCIMMY)' } };
	return workflow;
}

beforeAll(async () => {
	scim = await startScimmyServer({ token: TOKEN });
	sandbox = await startSandbox({ users: USERS, tarball: packThePack() });
	await sandbox.n8n.importCredentials([{ id: 'aadSyncScimE2e01', name: 'SCIM (SCIMMY)', type: 'scimApi', data: { baseUrl: scim.url, authentication: 'bearer', token: TOKEN } }]);
	workflowId = await sandbox.n8n.importWorkflow(scimWorkflow());
}, 30 * 60 * 1000);

afterAll(async () => {
	await sandbox?.close();
	await scim?.close();
	if (sandbox) rmSync(sandbox.tls.dir, { recursive: true, force: true });
});

interface Summary {
	run: Record<string, number>;
	cumulative: Record<string, number>;
	cursorCommitted: boolean;
}

async function runSync(): Promise<{ execution: ExecutionResult; summary: Summary; writes: RecordedScimRequest[]; requests: RecordedScimRequest[] }> {
	const before = scim.requests.length;
	const execution = await sandbox.n8n.execute(workflowId, { timeoutMs: 10 * 60 * 1000 });
	expect(executionSucceeded(execution.json)).toBe(true);
	const requests = scim.requests.slice(before);
	return { execution, summary: nodeOutput(execution.json, 'Upsert Requester', 1)[0] as Summary, requests, writes: requests.filter((request) => request.method !== 'GET') };
}

function userWithMail(mail: string): StoredUser {
	const found = scim.users().filter((user) => user.userName.toLowerCase() === mail.toLowerCase());
	expect(found).toHaveLength(1);
	return found[0];
}

const mailOf = (user: (typeof USERS)[number]) => (user.mail ?? user.userPrincipalName) as string;

describe('scheduled sync workflow into SCIM 2.0 in real n8n', () => {
	it('first run creates every enabled user with POST /Users, managers linked', async () => {
		const { summary, writes } = await runSync();
		expect(summary.run).toMatchObject({ created: SYNCABLE.length, failed: 0 });
		expect(summary.cursorCommitted).toBe(true);
		expect(writes.filter((request) => request.method === 'POST' && request.path === '/Users')).toHaveLength(SYNCABLE.length);
		expect(scim.users()).toHaveLength(SYNCABLE.length);
		for (const user of SYNCABLE) expect(userWithMail(mailOf(user))).toMatchObject({ externalId: user.id, active: true });
		const managed = SYNCABLE.filter((user) => user.managerId && SYNCABLE.some((other) => other.id === user.managerId));
		expect(managed.length).toBeGreaterThan(0);
		for (const user of managed) {
			const manager = SYNCABLE.find((other) => other.id === user.managerId)!;
			expect((userWithMail(mailOf(user))[ENTERPRISE] as { manager?: { value?: string } } | undefined)?.manager?.value).toBe(userWithMail(mailOf(manager)).id);
		}
	});

	it('an incremental run without changes writes nothing', async () => {
		const { summary, writes } = await runSync();
		expect(writes).toEqual([]);
		expect(summary.run).toMatchObject({ created: 0, updated: 0, deactivated: 0, failed: 0 });
	});

	it('one changed attribute is one PATCH with only that attribute', async () => {
		const changed = SYNCABLE[3];
		sandbox.microsoft.state.updateUser(changed.id, { jobTitle: 'Principal Engineer' });
		const { summary, writes } = await runSync();
		expect(summary.run).toMatchObject({ updated: 1, created: 0, failed: 0 });
		const id = userWithMail(mailOf(changed)).id;
		expect(writes).toEqual([expect.objectContaining({ method: 'PATCH', path: `/Users/${id}`, body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Principal Engineer' }] } })]);
		expect(userWithMail(mailOf(changed)).title).toBe('Principal Engineer');
	});

	it('a disabled user is PATCHed to active:false, never deleted', async () => {
		const disabled = SYNCABLE[5];
		sandbox.microsoft.state.disableUser(disabled.id);
		const { summary, writes } = await runSync();
		expect(summary.run).toMatchObject({ deactivated: 1, failed: 0 });
		const id = userWithMail(mailOf(disabled)).id;
		expect(writes).toEqual([expect.objectContaining({ method: 'PATCH', path: `/Users/${id}`, body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] } })]);
		expect(userWithMail(mailOf(disabled)).active).toBe(false);
		expect(scim.requests.some((request) => request.method === 'DELETE')).toBe(false);
		expect(scim.users()).toHaveLength(SYNCABLE.length);
	});

	it("finds a user another client provisioned by a filter on a userName with a quote, and links it instead of creating a duplicate", async () => {
		const mail = "d'angelo.quote@contoso.com";
		const existing = scim.seed({ userName: mail, active: true });
		const newcomer = makeUsers(1, { startIndex: 900, guestRatio: 0, disabledRatio: 0, managers: false })[0];
		sandbox.microsoft.state.addUser({ ...newcomer, mail, userPrincipalName: mail });
		const { summary, requests } = await runSync();
		expect(summary.run).toMatchObject({ created: 0, updated: 1, failed: 0 });
		const filters = requests.filter((request) => request.path.startsWith('/Users?filter=')).map((request) => decodeURIComponent(request.path.slice('/Users?filter='.length).split('&')[0]));
		expect(filters).toContain(`userName eq "${mail}"`);
		expect(userWithMail(mail)).toMatchObject({ id: existing.id, externalId: newcomer.id });
		expect(scim.users()).toHaveLength(SYNCABLE.length + 1);
	});
});
