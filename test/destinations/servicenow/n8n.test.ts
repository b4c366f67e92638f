/**
 * ServiceNow's n8n part inside n8n's execution engine: a probe node spreads the adapter's
 * parameters, credentials and methods the way Upsert Requester does, builds the destination from
 * real parameters and a ServiceNow API credential, and looks one user up in the stand-in (reached
 * through a plain-http loopback front, as the test process cannot trust the stand-in's CA).
 */
import { rmSync } from 'node:fs';
import {
	NodeConnectionTypes,
	NodeOperationError,
	type ICredentialDataDecryptedObject,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { ServiceNowApi } from '../../../credentials/ServiceNowApi.credentials';
import type { SsoKeyKind } from '../../../nodes/shared/requester/model';
import { buildDestination, destinationCredentials, destinationMethods, destinationProperties } from '../../../nodes/shared/n8n/destinations';
import { toNodeError } from '../../../nodes/shared/n8n/errors';
import { createTestTls, type TestTls } from '../../fixtures/standins/tls';
import { runCredentialTest, runNode } from '../../harness/n8n';
import { startLoopbackFront, type LoopbackFront } from '../support/loopbackFront';
import { startServiceNowStandIn, type ServiceNowStandIn } from './standIn';

const ACCOUNT = 'svc.azure.sync';
const PASSWORD = 'FAKE-sn-n8n-password';
const CLIENT = { clientId: 'FAKE-sn-client-id', clientSecret: 'FAKE-sn-client-secret' };

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
		properties: [
			...destinationProperties,
			{ displayName: 'Key Kind', name: 'keyKind', type: 'string', default: 'email' },
			{ displayName: 'Key', name: 'key', type: 'string', default: '' },
		],
	};

	methods = destinationMethods;

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const kind = this.getNodeParameter('keyKind', 0) as SsoKeyKind;
		const destination = await buildDestination(this, 0, { keyKind: kind });
		const record = await destination.findByKey({ kind, value: this.getNodeParameter('key', 0) as string }).catch((error: unknown) => {
			throw toNodeError(this.getNode(), error, 0);
		});
		const pacing = destination.rateBudget?.stats();
		const json = {
			label: destination.label,
			supportedFields: [...destination.supportedFields],
			capabilities: { ...destination.capabilities },
			record,
			pacing: pacing && { share: pacing.share, ceilingPerMinute: pacing.ceilingPerMinute ?? null, sent: pacing.sent },
		} as unknown as IDataObject;
		return [[{ json, pairedItem: { item: 0 } }]];
	}
}

let tls: TestTls;
let sn: ServiceNowStandIn;
let front: LoopbackFront;

beforeAll(async () => {
	tls = createTestTls();
	sn = await startServiceNowStandIn({
		tls,
		accounts: { [ACCOUNT]: PASSWORD },
		oauthClients: [{ ...CLIENT, grants: ['client_credentials', 'password'] }],
		customColumns: ['u_azure_object_id', 'u_upn'],
	});
	front = await startLoopbackFront(sn.url, tls.caPem);
	sn.state.addUser({ user_name: 'jdoe', first_name: 'Jane', last_name: 'Doe', email: 'jane.doe@contoso.test', title: 'Engineer', u_azure_object_id: 'aad-jane', u_upn: 'jane@contoso.test' });
});

afterAll(async () => {
	await front.close();
	await sn.close();
	rmSync(tls.dir, { recursive: true, force: true });
});

const basic = (password = PASSWORD) => ({ instanceUrl: 'https://acme.service-now.com', baseUrl: front.url, authentication: 'basic', user: ACCOUNT, password });

async function probe(parameters: IDataObject, credential: ICredentialDataDecryptedObject) {
	return await runNode({
		node: new DestinationProbe(),
		parameters: { destination: 'servicenow', ...parameters },
		credentials: { serviceNowApi: credential },
		credentialTypes: [new ServiceNowApi()],
	});
}

describe('buildDestination for ServiceNow', () => {
	it('builds from a Basic credential, the Azure Object ID Field and the shared Fields to Write', async () => {
		const result = await probe(
			{ key: 'jane.doe@contoso.test', servicenowAzureObjectIdField: 'u_azure_object_id', destinationOptions: { fieldsToWrite: ['jobTitle', 'email'], maxTries: 2 } },
			basic(),
		);
		expect(result.error).toBeUndefined();
		expect(result.outputs[0][0].json).toMatchObject({
			label: `ServiceNow (${new URL(front.url).host})`,
			supportedFields: ['email', 'jobTitle'],
			capabilities: { storesAzureObjectId: true, reportingManager: true },
			record: { azureObjectId: 'aad-jane', fields: { email: 'jane.doe@contoso.test', jobTitle: 'Engineer' } },
		});
		const lookup = sn.requests.filter((request) => request.path === '/api/now/table/sys_user').at(-1)!;
		expect(lookup.headers.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT}:${PASSWORD}`).toString('base64')}`);
	});

	it('matches on the chosen Key Field, signed in with OAuth 2.0 client credentials', async () => {
		const before = sn.tokensIssued();
		const result = await probe(
			{ keyKind: 'upn', key: 'jane@contoso.test', servicenowKeyField: 'u_upn' },
			{ instanceUrl: 'acme', baseUrl: front.url, authentication: 'oAuth2', grantType: 'clientCredentials', ...CLIENT },
		);
		expect(result.error).toBeUndefined();
		expect(result.outputs[0][0].json).toMatchObject({ capabilities: { storesAzureObjectId: false }, record: { fields: { email: 'jane.doe@contoso.test' } } });
		expect(sn.tokensIssued()).toBe(before + 1);
		// Without an Azure Object ID Field, the object id is not stored.
		expect((result.outputs[0][0].json.record as IDataObject).azureObjectId).toBeNull();
	});

	it('matches on user_name by default for UPN, signed in with the OAuth 2.0 password grant', async () => {
		const result = await probe(
			{ keyKind: 'upn', key: 'jdoe' },
			{ instanceUrl: 'acme', baseUrl: front.url, authentication: 'oAuth2', grantType: 'password', ...CLIENT, oauthUser: ACCOUNT, oauthPassword: PASSWORD },
		);
		expect(result.error).toBeUndefined();
		expect(result.outputs[0][0].json).toMatchObject({ record: { fields: { email: 'jane.doe@contoso.test' } } });
	});

	it('names the setting to fix when a Key Field cannot work, before any request', async () => {
		const start = sn.requests.length;
		const result = await probe({ key: 'jane.doe@contoso.test', servicenowKeyField: 'sys_id' }, basic());
		expect(result.error).toBeInstanceOf(NodeOperationError);
		expect(result.error?.message).toMatch(/^Key Field: "sys_id" is a system/);
		expect((result.error as NodeOperationError).description).toBe('Fix "Key Field" in the node or the ServiceNow credential settings.');
		expect(sn.requests.length).toBe(start);
	});

	it('paces on Rate Budget Share and Max Requests per Minute from the Destination Options, and names the field of a bad value', async () => {
		const paced = await probe({ key: 'jane.doe@contoso.test', destinationOptions: { rateBudgetShare: 50, maxRequestsPerMinute: 600 } }, basic());
		expect(paced.error).toBeUndefined();
		const first = paced.outputs[0][0].json.pacing as IDataObject;
		expect(first).toEqual({ share: 0.5, ceilingPerMinute: 600, sent: expect.any(Number) });
		// A second node run on the same instance shares its budget (one limiter per instance), with the latest options.
		const byDefault = await probe({ key: 'jane.doe@contoso.test' }, basic());
		expect(byDefault.outputs[0][0].json.pacing).toEqual({ share: 0.8, ceilingPerMinute: null, sent: (first.sent as number) + 1 });

		const start = sn.requests.length;
		const bad = await probe({ key: 'jane.doe@contoso.test', destinationOptions: { maxRequestsPerMinute: -5 } }, basic());
		expect(bad.error?.message).toBe('Max Requests per Minute must be 0 (no ceiling) or a positive number, got -5');
		expect((bad.error as NodeOperationError).description).toBe('Fix "Max Requests per Minute" in the Destination Options.');
		expect(sn.requests.length).toBe(start);
	});

	it("answers the credential's Test button, and never shows the password", async () => {
		const ok = await runCredentialTest(new DestinationProbe(), 'serviceNowConnectionTest', basic(), 'serviceNowApi');
		expect(ok).toEqual({ status: 'OK', message: `Connected to ServiceNow (${new URL(front.url).host})` });
		const denied = await runCredentialTest(new DestinationProbe(), 'serviceNowConnectionTest', basic('FAKE-wrong-password'), 'serviceNowApi');
		expect(denied.status).toBe('Error');
		expect(denied.message).toMatch(/HTTP 401/);
		expect(denied.message).not.toContain('FAKE-wrong-password');
		const unknown = await runCredentialTest(new DestinationProbe(), 'serviceNowConnectionTest', { ...basic(), authentication: 'ntlm' }, 'serviceNowApi');
		expect(unknown).toEqual({ status: 'Error', message: expect.stringMatching(/Authentication/) });
	});
});
