/**
 * Issue #26 in real n8n 2.41.1: the shipped "Azure AD → Requesters: scheduled sync" workflow with
 * its Upsert Requester switched to the ServiceNow destination, against the ServiceNow stand-in
 * over HTTPS (the sandbox's TLS, trusted through NODE_EXTRA_CA_CERTS) reached through the
 * credential's Base URL override with Basic auth. First sync, an incremental run without changes,
 * a changed attribute, a disabled user, and keys holding `^` and a quote.
 */
import { rmSync } from 'node:fs';
import { startServiceNowStandIn, type ServiceNowStandIn } from '../destinations/servicenow/standIn';
import type { Row } from '../destinations/servicenow/standInQuery';
import { makeUsers } from '../fixtures/standins/microsoft';
import type { RecordedRequest } from '../fixtures/standins/server';
import { executionSucceeded, nodeOutput, type ExecutionResult, type WorkflowJson } from './support/n8n';
import { DEPARTMENTS, OFFICES, packThePack, readWorkflow, startSandbox, SYNC_WORKFLOW, type Sandbox } from './support/sandbox';

const ACCOUNT = 'svc.azure.sync';
const PASSWORD = 'FAKE-e2e-servicenow-password';
const CREDENTIAL = { id: 'aadSyncServiceNow01', name: 'ServiceNow' };
const OBJECT_ID_COLUMN = 'u_azure_object_id';
// The companyName of every generated user; a reference the sync resolves by name, so the instance must have it.
const COMPANY = 'Contoso Ltd';

const USERS = makeUsers(40);
const SYNCABLE = USERS.filter((user) => user.accountEnabled !== false);

let sandbox: Sandbox;
let sn: ServiceNowStandIn;
let workflowId: string;

/** The shipped workflow, its Upsert Requester writing to ServiceNow with the ServiceNow credential. */
function serviceNowWorkflow(): WorkflowJson {
	const workflow = readWorkflow(SYNC_WORKFLOW);
	const upsert = (workflow.nodes as Array<{ name: string; parameters: Record<string, unknown>; credentials?: Record<string, unknown> }>).find((node) => node.name === 'Upsert Requester')!;
	const parameters = { ...upsert.parameters };
	delete parameters.freshserviceCustomFields;
	upsert.parameters = { ...parameters, destination: 'servicenow', servicenowAzureObjectIdField: OBJECT_ID_COLUMN };
	upsert.credentials = { serviceNowApi: CREDENTIAL };
	return { ...workflow, id: 'aadSyncServiceNowWf1', name: `${workflow.name} (ServiceNow)` };
}

beforeAll(async () => {
	sandbox = await startSandbox({ users: USERS, tarball: packThePack() });
	sn = await startServiceNowStandIn({ tls: sandbox.tls, accounts: { [ACCOUNT]: PASSWORD }, departments: DEPARTMENTS, locations: OFFICES, companies: [COMPANY], customColumns: [OBJECT_ID_COLUMN] });
	await sandbox.n8n.importCredentials([{ ...CREDENTIAL, type: 'serviceNowApi', data: { instanceUrl: 'sandbox', baseUrl: sn.url, authentication: 'basic', user: ACCOUNT, password: PASSWORD } }]);
	workflowId = await sandbox.n8n.importWorkflow(serviceNowWorkflow());
}, 30 * 60 * 1000);

afterAll(async () => {
	await sandbox?.close();
	await sn?.close();
	if (sandbox) rmSync(sandbox.tls.dir, { recursive: true, force: true });
});

async function runSync(): Promise<{ execution: ExecutionResult; writes: RecordedRequest[] }> {
	const before = sn.writes().length;
	const execution = await sandbox.n8n.execute(workflowId, { timeoutMs: 10 * 60 * 1000 });
	expect(executionSucceeded(execution.json)).toBe(true);
	return { execution, writes: sn.writes().slice(before) };
}

const runOf = (execution: ExecutionResult) => (nodeOutput(execution.json, 'Upsert Requester', 1)[0] as { run: Record<string, number> }).run;
const rowsOf = (objectId: string): Row[] => sn.state.users().filter((row) => row[OBJECT_ID_COLUMN] === objectId);
const rowOf = (objectId: string): Row => {
	const rows = rowsOf(objectId);
	expect(rows).toHaveLength(1);
	return rows[0];
};
const described = (writes: RecordedRequest[]) => writes.map((write) => [write.method, write.path, write.body]);

describe('scheduled sync into ServiceNow in real n8n', () => {
	it('first run creates every enabled user in sys_user, managers linked by sys_id', async () => {
		const { execution, writes } = await runSync();
		expect(runOf(execution)).toMatchObject({ created: SYNCABLE.length, failed: 0 });
		// One POST per user: managers are created first, so each create carries its manager.
		expect(writes.map((write) => [write.method, write.path])).toEqual(Array(SYNCABLE.length).fill(['POST', '/api/now/table/sys_user']));
		expect(sn.state.users()).toHaveLength(SYNCABLE.length);
		for (const user of SYNCABLE) expect(rowOf(user.id)).toMatchObject({ active: 'true', locked_out: 'false' });
		const managed = SYNCABLE.filter((user) => user.managerId !== undefined && SYNCABLE.some((other) => other.id === user.managerId));
		expect(managed.length).toBeGreaterThan(0);
		for (const user of managed) expect(rowOf(user.id).manager).toBe(rowOf(user.managerId!).sys_id);
		// Department and company names became references to their rows.
		const departmentIds = new Set(DEPARTMENTS.map((name) => sn.state.byName('cmn_department', name)!.sys_id));
		expect(SYNCABLE.filter((user) => user.department).every((user) => departmentIds.has(rowOf(user.id).department))).toBe(true);
		expect(rowOf(SYNCABLE[0].id).company).toBe(sn.state.byName('core_company', COMPANY)!.sys_id);
	});

	it('an incremental run without changes writes nothing', async () => {
		const { execution, writes } = await runSync();
		expect(writes).toEqual([]);
		expect(runOf(execution)).toMatchObject({ created: 0, updated: 0, deactivated: 0, failed: 0 });
	});

	it('writes a changed attribute as one PATCH of one field', async () => {
		const changed = SYNCABLE[3];
		sandbox.microsoft.state.updateUser(changed.id, { jobTitle: 'Principal Engineer' });
		const { execution, writes } = await runSync();
		const row = rowOf(changed.id);
		expect(described(writes)).toEqual([['PATCH', `/api/now/table/sys_user/${row.sys_id}`, { title: 'Principal Engineer' }]]);
		expect(runOf(execution)).toMatchObject({ updated: 1, created: 0, failed: 0 });
		expect(row.title).toBe('Principal Engineer');
	});

	it('deactivates a disabled user with one PATCH of active=false, leaving locked_out alone', async () => {
		const disabled = SYNCABLE[5];
		sandbox.microsoft.state.disableUser(disabled.id);
		const { execution, writes } = await runSync();
		const row = rowOf(disabled.id);
		expect(described(writes)).toEqual([['PATCH', `/api/now/table/sys_user/${row.sys_id}`, { active: false }]]);
		expect(runOf(execution)).toMatchObject({ deactivated: 1, created: 0, failed: 0 });
		expect(row).toMatchObject({ active: 'false', locked_out: 'false' });
		expect(sn.state.users()).toHaveLength(SYNCABLE.length);
	});

	it("matches a key holding ^ and a quote to exactly its own user, and a plain O'Brien to the plain one", async () => {
		// The key goes out lowercased; unescaped, its `^` would split it into two conditions, so the
		// caret user would not be found by its key and a duplicate would be created.
		const caretMail = "o'brien^ORemail=o'brien@contoso.com";
		const plainMail = "o'brien@contoso.com";
		const caretRow = sn.state.addUser({ user_name: 'obrien.caret', first_name: 'Siobhan', last_name: "O'Brien", email: caretMail });
		const plainRow = sn.state.addUser({ user_name: 'obrien', first_name: 'Sean', last_name: "O'Brien", email: plainMail });
		const rowsBefore = sn.state.users().length;
		const caret = { id: '0e2e0000-0000-4000-8000-00000000b001', userPrincipalName: 'siobhan.obrien@contoso.com', displayName: "Siobhan O'Brien", givenName: 'Siobhan', surname: "O'Brien", mail: caretMail, accountEnabled: true };
		const plain = { id: '0e2e0000-0000-4000-8000-00000000b002', userPrincipalName: 'sean.obrien@contoso.com', displayName: "Sean O'Brien", givenName: 'Sean', surname: "O'Brien", mail: plainMail, accountEnabled: true };
		sandbox.microsoft.state.addUsers([caret, plain]);

		const requestsBefore = sn.requests.length;
		const { execution, writes } = await runSync();
		expect(runOf(execution)).toMatchObject({ created: 0, failed: 0 });
		expect(writes.filter((write) => write.method === 'POST')).toEqual([]);
		expect(new Set(writes.map((write) => write.path))).toEqual(new Set([`/api/now/table/sys_user/${caretRow.sys_id}`, `/api/now/table/sys_user/${plainRow.sys_id}`]));
		expect(rowOf(caret.id).sys_id).toBe(caretRow.sys_id);
		expect(rowOf(plain.id).sys_id).toBe(plainRow.sys_id);
		expect(sn.state.users()).toHaveLength(rowsBefore);
		// The caret went out escaped as `^^`, the quote as it is.
		const queries = sn.requests.slice(requestsBefore).map((request) => request.query.sysparm_query ?? '');
		expect(queries).toContain("email=o'brien^^oremail=o'brien@contoso.com");
		expect(queries).toContain(`email=${plainMail}`);
	});
});
