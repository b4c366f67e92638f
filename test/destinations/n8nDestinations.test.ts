/**
 * The n8n adapter for destinations, run inside n8n's execution engine: a probe node spreads the
 * exported parameters, credentials and methods the way Upsert Requester does.
 */
import nock from 'nock';
import {
	NodeConnectionTypes,
	NodeOperationError,
	Workflow,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type INodeTypes,
	type IDataObject,
} from 'n8n-workflow';
import { FreshserviceApi } from '../../credentials/FreshserviceApi.credentials';
import { GENERIC_REST_DEFAULTS } from '../../nodes/shared/destinations/genericRest';
import { genericAuthHeaders } from '../../nodes/shared/destinations/genericRest/n8n';
import { buildDestination, destinationCredentials, destinationMethods, destinationProperties } from '../../nodes/shared/n8n/destinations';
import { toNodeError } from '../../nodes/shared/n8n/errors';
import { runCredentialTest, runLoadOptions, runNode } from '../harness/n8n';

const FS = 'https://acme.freshservice.com';
const API_KEY = 'FAKE-fs-key-for-node-tests';

class DestinationProbe implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Destination Probe',
		name: 'destinationProbe',
		group: ['transform'],
		version: 1,
		description: 'Builds the configured destination and looks one requester up',
		defaults: { name: 'Destination Probe' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: destinationCredentials,
		properties: destinationProperties,
	};

	methods = destinationMethods;

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const destination = await buildDestination(this, 0, { keyKind: 'email' });
		const record = await destination.findByKey({ kind: 'email', value: 'jane.doe@contoso.com' }).catch((error: unknown) => {
			throw toNodeError(this.getNode(), error, 0);
		});
		const json = { label: destination.label, supportedFields: [...destination.supportedFields], capabilities: { ...destination.capabilities }, record } as unknown as IDataObject;
		return [[{ json, pairedItem: { item: 0 } }]];
	}
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('buildDestination', () => {
	it('builds Freshservice from the credential, custom fields and options', async () => {
		nock(FS, { reqheaders: { authorization: `Basic ${Buffer.from(`${API_KEY}:X`).toString('base64')}` } })
			.get('/api/v2/requesters')
			.query({ email: 'jane.doe@contoso.com' })
			.reply(200, { requesters: [{ id: 5, primary_email: 'jane.doe@contoso.com', job_title: 'Engineer', custom_fields: { azure_object_id: 'abc' }, active: true }] });
		const result = await runNode({
			node: new DestinationProbe(),
			parameters: {
				destination: 'freshservice',
				freshserviceCustomFields: { fields: [{ value: 'azureObjectId', name: 'azure_object_id' }] },
				destinationOptions: { fieldsToWrite: ['jobTitle', 'email'], maxTries: 2 },
			},
			credentials: { freshserviceApi: { domain: 'acme.freshservice.com', apiKey: API_KEY } },
			credentialTypes: [new FreshserviceApi()],
		});
		expect(result.error).toBeUndefined();
		expect(result.outputs[0][0].json).toMatchObject({
			label: 'Freshservice (acme.freshservice.com)',
			supportedFields: ['email', 'jobTitle'],
			capabilities: { storesAzureObjectId: true, reportingManager: true },
			record: { id: '5', azureObjectId: 'abc', fields: { jobTitle: 'Engineer', email: 'jane.doe@contoso.com' } },
		});
	});

	it('builds the generic API with the chosen n8n credential as headers and its own settings', async () => {
		nock('https://itsm.example.com', { reqheaders: { 'x-api-key': 'FAKE-header-secret' } })
			.get('/api/people')
			.query({ mail: 'jane.doe@contoso.com' })
			.reply(200, { data: [{ uid: 'p1', mail: 'jane.doe@contoso.com', enabled: false }] });
		const result = await runNode({
			node: new DestinationProbe(),
			parameters: {
				destination: 'genericRest',
				genericFieldNames: { fields: [{ value: 'email', name: 'mail' }] },
				genericApi: { findByKeyPath: '/people?mail={key}', findByAzureObjectIdPath: '', itemsPath: 'data', idField: 'uid', activeField: 'enabled' },
			},
			credentials: { requesterRestApi: { baseUrl: 'https://itsm.example.com/api', authentication: 'header', headerName: 'X-API-Key', apiKey: 'FAKE-header-secret' } },
		});
		expect(result.error).toBeUndefined();
		expect(result.outputs[0][0].json).toMatchObject({
			label: 'Requester API (itsm.example.com)',
			capabilities: { storesAzureObjectId: false, reportingManager: true },
			record: { id: 'p1', key: 'jane.doe@contoso.com', active: false },
		});
	});

	it('names the setting to fix when the configuration cannot work', async () => {
		const result = await runNode({
			node: new DestinationProbe(),
			parameters: { destination: 'genericRest' },
			credentials: { requesterRestApi: { baseUrl: 'http://itsm.example.com/api', authentication: 'none' } },
		});
		expect(result.error).toBeInstanceOf(NodeOperationError);
		expect(result.error?.message).toMatch(/^Base URL: must start with https:\/\//);
	});

	it('turns an API failure into a NodeApiError without the key', async () => {
		nock(FS).get('/api/v2/requesters').query(true).reply(401, { code: 'invalid_credentials', message: 'You have to be logged in to perform this action.' });
		const result = await runNode({
			node: new DestinationProbe(),
			parameters: { destination: 'freshservice' },
			credentials: { freshserviceApi: { domain: 'acme', apiKey: API_KEY } },
		});
		expect(result.error?.name).toBe('NodeApiError');
		expect(result.error?.message).toContain('HTTP 401');
		expect(JSON.stringify(result.run)).not.toContain(API_KEY);
	});

	it('turns the Requester REST API credential into request headers', () => {
		expect(genericAuthHeaders({ authentication: 'bearer', token: 't' })).toEqual({ Authorization: 'Bearer t' });
		expect(genericAuthHeaders({ authentication: 'basic', user: 'u', password: 'p' })).toEqual({ Authorization: `Basic ${Buffer.from('u:p').toString('base64')}` });
		expect(genericAuthHeaders({ authentication: 'header', headerName: 'X-Key', apiKey: 'v' })).toEqual({ 'X-Key': 'v' });
		expect(genericAuthHeaders({ authentication: 'none' })).toEqual({});
		expect(() => genericAuthHeaders({ authentication: 'header', headerName: ' ', apiKey: 'v' })).toThrow(/Header Name/);
	});

	it('tests the Requester REST API credential by listing one page, without echoing the secret', async () => {
		nock('https://itsm.example.com', { reqheaders: { authorization: 'Bearer FAKE-rest-token' } }).get('/api/requesters').query(true).reply(200, { items: [{ id: 'r1', email: 'a@b.test', active: true }] });
		const ok = await runCredentialTest(new DestinationProbe(), 'requesterRestConnectionTest', { baseUrl: 'https://itsm.example.com/api', authentication: 'bearer', token: 'FAKE-rest-token' }, 'requesterRestApi');
		expect(ok).toEqual({ status: 'OK', message: 'Connected: the requester list answered (1 on the first page)' });
		nock('https://itsm.example.com').get('/api/requesters').query(true).reply(401, { message: 'bad token' });
		const denied = await runCredentialTest(new DestinationProbe(), 'requesterRestConnectionTest', { baseUrl: 'https://itsm.example.com/api', authentication: 'bearer', token: 'FAKE-rest-token' }, 'requesterRestApi');
		expect(denied.status).toBe('Error');
		expect(denied.message).toMatch(/HTTP 401/);
		expect(denied.message).not.toContain('FAKE-rest-token');
	});
});

describe('parameters', () => {
	it("show the core's generic defaults", () => {
		const settings = destinationProperties.find((property) => property.name === 'genericApi')?.options as Array<{ name: string; default: unknown }>;
		const defaultOf = (name: string) => settings.find((option) => option.name === name)?.default;
		for (const [path, value] of Object.entries(GENERIC_REST_DEFAULTS.paths)) expect(defaultOf(`${path}Path`)).toBe(value);
		for (const name of ['idField', 'activeField', 'managerField', 'itemsPath', 'paging', 'pageSize', 'updateMethod', 'deactivation'] as const) {
			expect(defaultOf(name)).toBe(GENERIC_REST_DEFAULTS[name]);
		}
		expect(defaultOf('recordField')).toBe(GENERIC_REST_DEFAULTS.recordPath);
		expect(new Set(settings.map((option) => option.name)).size).toBe(settings.length);
	});
});

describe('Freshservice credential', () => {
	it('tests the connection: OK, and a plain-words 401 without the key', async () => {
		nock(FS).get('/api/v2/requesters').query({ per_page: '1' }).reply(200, { requesters: [] });
		expect(await runCredentialTest(new DestinationProbe(), 'freshserviceConnectionTest', { domain: 'acme', apiKey: API_KEY }, 'freshserviceApi')).toEqual({
			status: 'OK',
			message: 'Connected to Freshservice (acme.freshservice.com)',
		});

		nock(FS).get('/api/v2/requesters').query({ per_page: '1' }).reply(401, { code: 'invalid_credentials', message: 'You have to be logged in to perform this action.' });
		const failed = await runCredentialTest(new DestinationProbe(), 'freshserviceConnectionTest', { domain: 'acme', apiKey: API_KEY }, 'freshserviceApi');
		expect(failed.status).toBe('Error');
		expect(failed.message).toContain('rejected the API key');
		expect(failed.message).not.toContain(API_KEY);
	});

	it("declares a test request whose base URL follows the domain or the override", () => {
		const credential = new FreshserviceApi();
		const probe = new DestinationProbe();
		const node: INode = { id: 'probe', name: 'Probe', type: 'probe', typeVersion: 1, position: [0, 0], parameters: {} };
		const nodeTypes = { getByName: () => probe, getByNameAndVersion: () => probe, getKnownTypes: () => ({}) } as unknown as INodeTypes;
		const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes });
		const baseUrl = (data: IDataObject) => workflow.expression.getSimpleParameterValue(node, credential.test.request.baseURL as string, 'internal', { $credentials: data });
		expect(baseUrl({ domain: 'acme', baseUrl: '' })).toBe('https://acme.freshservice.com/api/v2');
		expect(baseUrl({ domain: ' https://ACME.freshservice.com/helpdesk ', baseUrl: '' })).toBe('https://acme.freshservice.com/api/v2');
		expect(baseUrl({ domain: 'acme', baseUrl: 'http://127.0.0.1:9443/api/v2/' })).toBe('http://127.0.0.1:9443/api/v2');
		expect(credential.test.request).toMatchObject({ url: '/requesters', qs: { per_page: 1 } });
	});

	it('lists custom fields for the dropdown, with the built-in External ID first', async () => {
		nock(FS)
			.get('/api/v2/requester_fields')
			.reply(200, {
				requester_fields: [
					{ name: 'first_name', label: 'First Name', default_field: true },
					{ name: 'employee_id', label: 'Employee ID', default_field: false },
					{ name: 'azure_object_id', label: 'Azure Object ID', default_field: false },
				],
			});
		const options = await runLoadOptions(new DestinationProbe(), 'getFreshserviceCustomFields', { credentials: { freshserviceApi: { domain: 'acme', apiKey: API_KEY } } });
		expect(options.map((option) => option.value)).toEqual(['external_id', 'azure_object_id', 'employee_id']);
	});
});
