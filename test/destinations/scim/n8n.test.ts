/**
 * SCIM's n8n part, run inside n8n's execution engine: a probe node spreads the adapter's
 * parameters, credentials and methods the way Upsert Requester does and builds the destination
 * from real parameters and a SCIM API credential, against the SCIMMY service.
 */
import {
	NodeConnectionTypes,
	NodeOperationError,
	Workflow,
	type ICredentialDataDecryptedObject,
	type IDataObject,
	type INode,
	type INodeTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { ScimApi } from '../../../credentials/ScimApi.credentials';
import { scimAuthHeaders } from '../../../nodes/shared/destinations/scim/n8n';
import type { RequesterDestination } from '../../../nodes/shared/destinations/types';
import type { SsoKeyKind } from '../../../nodes/shared/requester/model';
import { buildDestination, destinationCredentials, destinationMethods, destinationProperties } from '../../../nodes/shared/n8n/destinations';
import { toNodeError } from '../../../nodes/shared/n8n/errors';
import { runCredentialTest, runNode } from '../../harness/n8n';
import { makeRequester } from '../support/requesters';
import { startScimmyServer, type ScimmyServer, type ScimmyServerOptions } from './scimmyServer';

const TOKEN = 'FAKE-scim-n8n-token';
const OBJECT_ID = '00000000-0000-4000-8000-00000000a001';

let built: RequesterDestination | undefined;
let keyKind: SsoKeyKind = 'email';

class ScimProbe implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'SCIM Probe',
		name: 'scimProbe',
		group: ['transform'],
		version: 1,
		description: 'Builds the configured destination and looks one user up',
		defaults: { name: 'SCIM Probe' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: destinationCredentials,
		properties: destinationProperties,
	};

	methods = destinationMethods;

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const destination = await buildDestination(this, 0, { keyKind });
		built = destination;
		const key = keyKind === 'objectId' ? OBJECT_ID : 'jane.doe@contoso.test';
		const record = await destination.findByKey({ kind: keyKind, value: key }).catch((error: unknown) => {
			throw toNodeError(this.getNode(), error, 0);
		});
		const json = { label: destination.label, supportedFields: [...destination.supportedFields], record } as unknown as IDataObject;
		return [[{ json, pairedItem: { item: 0 } }]];
	}
}

let server: ScimmyServer;
afterEach(async () => {
	built = undefined;
	keyKind = 'email';
	await server?.close();
});

async function serve(options: Partial<ScimmyServerOptions> = {}): Promise<ScimmyServer> {
	server = await startScimmyServer({ token: TOKEN, ...options });
	server.seed({ userName: 'jane.doe@contoso.test', externalId: OBJECT_ID, active: true, title: 'Engineer', emails: [{ value: 'jane.doe@contoso.test', type: 'work', primary: true }] });
	return server;
}

const credential = () => ({ scimApi: { baseUrl: server.url, authentication: 'bearer', token: TOKEN } });
const writes = () => server.requests.filter((request) => request.method !== 'GET').map((request) => `${request.method} ${request.path.replace(/\/Users\/[^/?]+/, '/Users/{id}')}`);

describe('SCIM destination built from n8n parameters', () => {
	it('matches on userName with the defaults, writes the chosen fields and deactivates with active:false', async () => {
		await serve();
		const result = await runNode({
			node: new ScimProbe(),
			parameters: { destination: 'scim', destinationOptions: { fieldsToWrite: ['jobTitle', 'email'], maxTries: 2 } },
			credentials: credential(),
			credentialTypes: [new ScimApi()],
		});
		expect(result.error).toBeUndefined();
		const json = result.outputs[0][0].json as { label: string; supportedFields: string[]; record: { id: string; key: string; active: boolean } };
		expect(json).toMatchObject({ label: `SCIM (${new URL(server.url).host})`, supportedFields: ['email', 'jobTitle'], record: { key: 'jane.doe@contoso.test', active: true } });
		expect(server.requests.find((request) => request.path.includes('filter='))?.path).toContain(encodeURIComponent('userName eq "jane.doe@contoso.test"'));
		await built!.deactivate(json.record.id);
		expect(writes()).toEqual(['PATCH /Users/{id}']);
		expect(server.users()[0].active).toBe(false);
	});

	it('matches on externalId when the sync keys on the object id, and Delete deletes', async () => {
		await serve();
		keyKind = 'objectId';
		const result = await runNode({
			node: new ScimProbe(),
			parameters: { destination: 'scim', scimMatchOn: 'externalId', scimDeactivateBy: 'delete' },
			credentials: credential(),
		});
		expect(result.error).toBeUndefined();
		const record = (result.outputs[0][0].json as { record: { id: string; azureObjectId: string } }).record;
		expect(record.azureObjectId).toBe(OBJECT_ID);
		expect(server.requests.find((request) => request.path.includes('filter='))?.path).toContain(encodeURIComponent(`externalId eq "${OBJECT_ID}"`));
		await built!.deactivate(record.id);
		expect(writes()).toEqual(['DELETE /Users/{id}']);
		expect(server.users()).toEqual([]);
	});

	it('sends creates through /Bulk with Use Bulk for Creates and a service that supports it', async () => {
		await serve({ bulk: { maxOperations: 10, maxPayloadSize: 1_000_000 } });
		const result = await runNode({ node: new ScimProbe(), parameters: { destination: 'scim', scimUseBulk: true }, credentials: credential() });
		expect(result.error).toBeUndefined();
		const email = 'new.person@contoso.test';
		await built!.create(makeRequester({ azureObjectId: '00000000-0000-4000-8000-00000000a002', email, username: email, fullName: 'New Person', ssoKey: { kind: 'email', value: email } }));
		expect(writes()).toEqual(['POST /Bulk']);
		expect(server.users().map((user) => user.userName)).toContain(email);
	});

	it('names the setting to fix: Match On that does not fit the sync key, and a missing token', async () => {
		await serve();
		const mismatch = await runNode({ node: new ScimProbe(), parameters: { destination: 'scim', scimMatchOn: 'externalId' }, credentials: credential() });
		expect(mismatch.error).toBeInstanceOf(NodeOperationError);
		expect(mismatch.error?.message).toMatch(/^Match On: externalId holds the Azure object ID/);
		keyKind = 'objectId';
		const onUserName = await runNode({ node: new ScimProbe(), parameters: { destination: 'scim' }, credentials: credential() });
		expect(onUserName.error?.message).toMatch(/^Match On: .*choose externalId/);
		keyKind = 'email';
		const noToken = await runNode({ node: new ScimProbe(), parameters: { destination: 'scim' }, credentials: { scimApi: { baseUrl: server.url, authentication: 'bearer', token: '' } } });
		expect(noToken.error?.message).toMatch(/^Authentication: needs a bearer token/);
		expect(server.requests).toEqual([]);
	});

	it('paces on Rate Budget Share and Max Requests per Minute from the Destination Options, and names the field of a bad value', async () => {
		await serve();
		const paced = await runNode({ node: new ScimProbe(), parameters: { destination: 'scim', destinationOptions: { rateBudgetShare: 40, maxRequestsPerMinute: 120 } }, credentials: credential() });
		expect(paced.error).toBeUndefined();
		expect(built!.rateBudget!.stats()).toMatchObject({ share: 0.4, ceilingPerMinute: 120, sent: server.requests.length });

		const bad = await runNode({ node: new ScimProbe(), parameters: { destination: 'scim', destinationOptions: { rateBudgetShare: 0 } }, credentials: credential() });
		expect(bad.error?.message).toBe('Rate Budget Share must be a percentage above 0 and at most 100, got 0');
		expect((bad.error as NodeOperationError).description).toBe('Fix "Rate Budget Share" in the Destination Options.');
	});

	it('turns the SCIM API credential into request headers', () => {
		expect(scimAuthHeaders({ authentication: 'bearer', token: ' FAKE-t ' })).toEqual({ authorization: 'Bearer FAKE-t' });
		expect(scimAuthHeaders({ authentication: 'basic', user: 'u', password: 'p' })).toEqual({ authorization: `Basic ${Buffer.from('u:p').toString('base64')}` });
		expect(scimAuthHeaders({ authentication: 'bearer', token: 'FAKE-t', headerName: 'X-Tenant-ID', headerSecret: 'FAKE-tenant' })).toEqual({ authorization: 'Bearer FAKE-t', 'x-tenant-id': 'FAKE-tenant' });
		expect(() => scimAuthHeaders({ authentication: 'bearer', token: 'FAKE-t', headerName: 'Authorization', headerSecret: 'x' })).toThrow(/Extra Header Name/);
	});
});

describe('SCIM API credential test', () => {
	it('reports what the service supports: PATCH, filter, bulk, ETag and max results', async () => {
		await serve({ bulk: { maxOperations: 25, maxPayloadSize: 65_536 }, maxResults: 200 });
		const result = await runCredentialTest(new ScimProbe(), 'scimConnectionTest', { baseUrl: server.url, authentication: 'bearer', token: TOKEN }, 'scimApi');
		expect(result.status).toBe('OK');
		expect(result.message).toContain(`Connected to SCIM (${new URL(server.url).host})`);
		for (const part of ['PATCH yes', 'filter yes', 'bulk yes (max 25 operations, 65536 bytes)', 'ETag no', 'max results 200']) expect(result.message).toContain(part);
	});

	it('says what to fix for a refused token, without the token', async () => {
		await serve();
		const result = await runCredentialTest(new ScimProbe(), 'scimConnectionTest', { baseUrl: server.url, authentication: 'bearer', token: 'FAKE-wrong-scim-token' }, 'scimApi');
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/refused the credential \(HTTP 401\)/);
		expect(result.message).not.toContain('FAKE-wrong-scim-token');
	});

	it('declares a request to /ServiceProviderConfig under the SCIM root, with the Authorization the nodes send', () => {
		const type = new ScimApi();
		const probe = new ScimProbe();
		const node: INode = { id: 'probe', name: 'Probe', type: 'probe', typeVersion: 1, position: [0, 0], parameters: {} };
		const nodeTypes = { getByName: () => probe, getByNameAndVersion: () => probe, getKnownTypes: () => ({}) } as unknown as INodeTypes;
		const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes });
		const evaluate = (expression: string, data: IDataObject) => workflow.expression.getSimpleParameterValue(node, expression, 'internal', { $credentials: data });
		expect(evaluate(type.test.request.baseURL as string, { baseUrl: ' http://127.0.0.1:9443/scim/v2/Users/ ' })).toBe('http://127.0.0.1:9443/scim/v2');
		expect(type.test.request).toMatchObject({ url: '/ServiceProviderConfig' });
		const authorization = type.authenticate.properties.headers?.Authorization as string;
		for (const data of [{ authentication: 'bearer', token: 'FAKE-t' }, { authentication: 'basic', user: 'u', password: 'p' }] as ICredentialDataDecryptedObject[]) {
			expect(evaluate(authorization, data)).toBe(scimAuthHeaders(data).authorization);
		}
	});
});
