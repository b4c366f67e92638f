/**
 * Proves the n8n harness with small in-test nodes: each test checks behaviour that only the real
 * engine provides (parameter defaults, expressions, pairedItem, error wrapping, continueOnFail,
 * credential checks, static data, multiple outputs, dynamic options, credential tests, logs).
 */
import nock from 'nock';
import { NodeApiError, NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';
import type {
	ICredentialDataDecryptedObject,
	ICredentialTestFunctions,
	ICredentialType,
	ICredentialsDecrypted,
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INodeCredentialTestResult,
	INodeExecutionData,
	INodeListSearchResult,
	INodePropertyOptions,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';

import {
	DEFAULT_NODE_NAME,
	captureLogs,
	globalStaticData,
	nodeStaticData,
	runCredentialTest,
	runListSearch,
	runLoadOptions,
	runNode,
	staticDataFor,
} from './n8n';

const API = 'https://harness-api.example.test';
/** A value planted in credentials that must never show up in logs. */
const PLANTED = 'planted-value-7f3a9c';

function baseDescription(name: string, extra: Partial<INodeTypeDescription> = {}): INodeTypeDescription {
	return {
		displayName: name,
		name,
		group: ['transform'],
		version: 1,
		description: `Harness test node ${name}`,
		defaults: { name },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
		...extra,
	};
}

/** Echoes its input with pairedItem, a plain parameter, a defaulted one and an expression one. */
class EchoNode implements INodeType {
	description = baseDescription('harnessEcho', {
		properties: [
			{ displayName: 'Prefix', name: 'prefix', type: 'string', default: '' },
			{ displayName: 'Suffix', name: 'suffix', type: 'string', default: '!' },
			{ displayName: 'Shout', name: 'shout', type: 'string', default: '' },
		],
	});

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [
			this.getInputData().map((item, i) => ({
				json: {
					...item.json,
					greeting: `${this.getNodeParameter('prefix', i) as string}${String(item.json.name)}${this.getNodeParameter('suffix', i) as string}`,
					shout: this.getNodeParameter('shout', i) as string,
				},
				pairedItem: { item: i },
			})),
		];
	}
}

/** Fails on items without an id; with continueOnFail it reports them as error items instead. */
class FailingNode implements INodeType {
	description = baseDescription('harnessFailing', {
		properties: [{ displayName: 'Kind', name: 'kind', type: 'options', default: 'operation', options: [{ name: 'Operation', value: 'operation' }, { name: 'API', value: 'api' }] }],
	});

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const out: INodeExecutionData[] = [];
		const items = this.getInputData();
		for (let i = 0; i < items.length; i++) {
			if (items[i].json.id !== undefined) {
				out.push({ json: { id: items[i].json.id, ok: true }, pairedItem: { item: i } });
				continue;
			}
			const problem =
				this.getNodeParameter('kind', i) === 'api'
					? new NodeApiError(this.getNode(), { message: 'Forbidden' }, {
							httpCode: '403',
							message: 'The service refused the request',
							description: 'Grant the app User.Read.All',
							itemIndex: i,
						})
					: new NodeOperationError(this.getNode(), 'Item has no id', {
							itemIndex: i,
							description: 'Every item needs an "id" field',
						});
			if (!this.continueOnFail()) throw problem;
			out.push({ json: { error: problem.message }, pairedItem: { item: i } });
		}
		return [out];
	}
}

/** A credential type with a default and generic header authentication, as n8n's own ones have. */
class HarnessTestApi implements ICredentialType {
	name = 'harnessTestApi';
	displayName = 'Harness Test API';
	properties = [
		{ displayName: 'URL', name: 'url', type: 'string' as const, default: API },
		{ displayName: 'API Key', name: 'apiKey', type: 'string' as const, typeOptions: { password: true }, default: '' },
	];
	authenticate = {
		type: 'generic' as const,
		properties: { headers: { Authorization: '=Bearer {{$credentials.apiKey}}' } },
	};
}

/** Reads its credential, logs (without the secret) and optionally calls the API with n8n's auth helper. */
class CredentialNode implements INodeType {
	description = baseDescription('harnessCredential', {
		credentials: [{ name: 'harnessTestApi', required: true }],
		properties: [{ displayName: 'Call API', name: 'callApi', type: 'boolean', default: false }],
	});

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const credentials = await this.getCredentials<{ url: string; apiKey: string }>('harnessTestApi');
		this.logger.info('Calling the harness API', { url: credentials.url });
		const json: Record<string, unknown> = { url: credentials.url, keyLength: credentials.apiKey.length };
		if (this.getNodeParameter('callApi', 0) as boolean) {
			json.response = await this.helpers.httpRequestWithAuthentication.call(this, 'harnessTestApi', {
				method: 'GET',
				url: `${credentials.url}/me`,
				json: true,
			});
		}
		return [[{ json: json as INodeExecutionData['json'], pairedItem: { item: 0 } }]];
	}
}

/** Counts its runs in node-scoped and global static data. */
class CounterNode implements INodeType {
	description = baseDescription('harnessCounter');

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const nodeData = this.getWorkflowStaticData('node');
		nodeData.count = ((nodeData.count as number | undefined) ?? 0) + 1;
		const globalData = this.getWorkflowStaticData('global');
		globalData.lastRunCount = nodeData.count;
		return [[{ json: { count: nodeData.count as number }, pairedItem: { item: 0 } }]];
	}
}

/** Reads static data but never writes it. */
class ReaderNode implements INodeType {
	description = baseDescription('harnessReader');

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const nodeData = this.getWorkflowStaticData('node');
		return [[{ json: { cursor: (nodeData.cursor as string | undefined) ?? null }, pairedItem: { item: 0 } }]];
	}
}

/** Routes items to "valid" (0) or "invalid" (1) by json.ok. */
class TwoOutputNode implements INodeType {
	description = baseDescription('harnessTwoOutputs', {
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Valid', 'Invalid'],
	});

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const valid: INodeExecutionData[] = [];
		const invalid: INodeExecutionData[] = [];
		this.getInputData().forEach((item, i) => {
			(item.json.ok ? valid : invalid).push({ json: item.json, pairedItem: { item: i } });
		});
		return [valid, invalid];
	}
}

const GROUPS = ['Admins', 'Engineering', 'Finance', 'Sales', 'Support'];

/** Dropdown methods and a credential test, all reading what n8n hands them. */
class MethodsNode implements INodeType {
	description = baseDescription('harnessMethods', {
		credentials: [{ name: 'harnessTestApi', required: true, testedBy: 'testApi' }],
		properties: [
			{ displayName: 'Prefix', name: 'prefix', type: 'string', default: 'grp-' },
			{ displayName: 'Group', name: 'group', type: 'options', typeOptions: { loadOptionsMethod: 'getGroups' }, default: '' },
		],
	});

	methods = {
		loadOptions: {
			async getGroups(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
				const credentials = await this.getCredentials<{ url: string }>('harnessTestApi');
				const prefix = this.getCurrentNodeParameter('prefix') as string;
				return GROUPS.slice(0, 2).map((name) => ({
					name,
					value: `${prefix}${name.toLowerCase()}`,
					description: credentials.url,
				}));
			},
		},
		listSearch: {
			async searchGroups(
				this: ILoadOptionsFunctions,
				filter?: string,
				paginationToken?: string,
			): Promise<INodeListSearchResult> {
				await this.getCredentials('harnessTestApi');
				const matching = GROUPS.filter((g) => !filter || g.toLowerCase().includes(filter.toLowerCase()));
				const start = paginationToken ? Number(paginationToken) : 0;
				const page = matching.slice(start, start + 2);
				return {
					results: page.map((name) => ({ name, value: name.toLowerCase() })),
					paginationToken: start + 2 < matching.length ? String(start + 2) : undefined,
				};
			},
		},
		credentialTest: {
			async testApi(
				this: ICredentialTestFunctions,
				credential: ICredentialsDecrypted,
			): Promise<INodeCredentialTestResult> {
				const data = credential.data as ICredentialDataDecryptedObject;
				this.logger.debug('Testing harness credential', { id: credential.id });
				try {
					// ICredentialTestFunctions offers only `request`, so the deprecation rule does not apply.
					// eslint-disable-next-line @n8n/community-nodes/no-deprecated-workflow-functions
					const me = (await this.helpers.request({
						uri: `${data.url as string}/me`,
						headers: { Authorization: `Bearer ${data.apiKey as string}` },
						json: true,
					})) as { name: string };
					return { status: 'OK', message: `Connected as ${me.name} (${credential.type})` };
				} catch (error) {
					return { status: 'Error', message: `Connection failed: ${(error as Error).message}` };
				}
			},
		},
	};
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('runNode', () => {
	it('feeds input items, applies parameter defaults and expressions, keeps pairedItem', async () => {
		const result = await runNode({
			node: new EchoNode(),
			parameters: { prefix: 'Hi ', shout: '={{ $json.name.toUpperCase() }}' },
			inputItems: [{ json: { name: 'Ada' } }, { json: { name: 'Linus' } }],
		});

		expect(result.error).toBeUndefined();
		expect(result.status).toBe('success');
		expect(result.outputs).toHaveLength(1);
		expect(result.outputs[0]).toEqual([
			{ json: { name: 'Ada', greeting: 'Hi Ada!', shout: 'ADA' }, pairedItem: { item: 0 } },
			{ json: { name: 'Linus', greeting: 'Hi Linus!', shout: 'LINUS' }, pairedItem: { item: 1 } },
		]);
		// The input really came through a preceding node in the same execution.
		expect(Object.keys(result.runData).sort()).toEqual(['Harness Input', DEFAULT_NODE_NAME].sort());
	});

	it('does not run the node when the preceding node outputs nothing, as in n8n', async () => {
		const result = await runNode({ node: new EchoNode(), parameters: {}, inputItems: [] });
		expect(result.outputs).toEqual([]);
		expect(result.runData[DEFAULT_NODE_NAME]).toBeUndefined();
	});

	it('reports a NodeOperationError with message and description when the node fails', async () => {
		const result = await runNode({
			node: new FailingNode(),
			parameters: {},
			inputItems: [{ json: { id: 1 } }, { json: {} }],
		});

		expect(result.status).toBe('error');
		expect(result.error).toBeInstanceOf(NodeOperationError);
		expect(result.error?.message).toBe('Item has no id');
		expect((result.error as NodeOperationError).description).toBe('Every item needs an "id" field');
		expect((result.error as NodeOperationError).context.itemIndex).toBe(1);
		expect(result.outputs).toEqual([]);
	});

	it('reports a NodeApiError with its HTTP code and description', async () => {
		const result = await runNode({ node: new FailingNode(), parameters: { kind: 'api' } });

		expect(result.error).toBeInstanceOf(NodeApiError);
		expect(result.error?.message).toBe('The service refused the request');
		expect((result.error as NodeApiError).description).toBe('Grant the app User.Read.All');
		expect((result.error as NodeApiError).httpCode).toBe('403');
	});

	it('with continueOnFail the node outputs an error item and the run succeeds', async () => {
		const result = await runNode({
			node: new FailingNode(),
			parameters: {},
			inputItems: [{ json: { id: 1 } }, { json: {} }],
			continueOnFail: true,
		});

		expect(result.status).toBe('success');
		expect(result.error).toBeUndefined();
		expect(result.outputs[0]).toEqual([
			{ json: { id: 1, ok: true }, pairedItem: { item: 0 } },
			{ json: { error: 'Item has no id' }, pairedItem: { item: 1 } },
		]);
	});

	it('with continueOnFail, an error the node does not handle passes its input through (n8n behaviour)', async () => {
		class ThrowingNode extends FailingNode {
			async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
				throw new NodeOperationError(this.getNode(), 'Unhandled');
			}
		}
		const input = [{ json: { id: 7 } }];
		const result = await runNode({ node: new ThrowingNode(), parameters: {}, inputItems: input, continueOnFail: true });

		expect(result.outputs[0]).toEqual([{ json: { id: 7 }, pairedItem: { item: 0 } }]);
		expect(result.error).toBeInstanceOf(NodeOperationError);
		expect(result.error?.message).toBe('Unhandled');
	});

	it('rejects with n8n\'s WorkflowHasIssuesError when a required parameter is missing', async () => {
		class RequiredParamNode extends EchoNode {
			description = baseDescription('harnessRequired', {
				properties: [{ displayName: 'Tenant ID', name: 'tenantId', type: 'string', default: '', required: true }],
			});
		}
		await expect(runNode({ node: new RequiredParamNode(), parameters: {} })).rejects.toThrow(
			'Parameter "Tenant ID" is required',
		);
	});

	it('hands the test credentials to this.getCredentials and never logs the secret', async () => {
		const result = await runNode({
			node: new CredentialNode(),
			parameters: {},
			credentials: { harnessTestApi: { url: API, apiKey: PLANTED } },
		});

		expect(result.error).toBeUndefined();
		expect(result.outputs[0][0].json).toEqual({ url: API, keyLength: PLANTED.length });
		expect(result.credentialRequests).toEqual(['harnessTestApi']);
		expect(result.logs).toContainEqual(expect.stringContaining('Calling the harness API'));
		// Engine logs (LoggerProxy) are captured too, not only the node's this.logger.
		expect(result.logs).toContainEqual(expect.stringContaining(`Start executing node "${DEFAULT_NODE_NAME}"`));
		expect(result.logs.join('\n')).toContain(API);
		expect(result.logs.join('\n')).not.toContain(PLANTED);
	});

	it('applies credential defaults and generic authentication when given the credential type', async () => {
		const scope = nock(API)
			.get('/me')
			.matchHeader('authorization', `Bearer ${PLANTED}`)
			.reply(200, { name: 'harness-user' });

		const result = await runNode({
			node: new CredentialNode(),
			parameters: { callApi: true },
			// No url: it comes from the credential type's default, as in n8n.
			credentials: { harnessTestApi: { apiKey: PLANTED } },
			credentialTypes: [new HarnessTestApi()],
		});

		expect(result.error).toBeUndefined();
		expect(result.outputs[0][0].json).toEqual({
			url: API,
			keyLength: PLANTED.length,
			response: { name: 'harness-user' },
		});
		expect(scope.isDone()).toBe(true);
	});

	it('fails like n8n when the node is not given the credential it requires', async () => {
		const result = await runNode({ node: new CredentialNode(), parameters: {} });

		expect(result.error).toBeInstanceOf(NodeOperationError);
		expect(result.error?.message).toBe('Node does not have any credentials set');
	});

	it('captures secrets a careless node logs, so tests can catch leaks', async () => {
		class LeakyNode extends CredentialNode {
			async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
				const credentials = await this.getCredentials('harnessTestApi');
				this.logger.debug('Got credentials', { credentials });
				return [[{ json: {} }]];
			}
		}
		const result = await runNode({
			node: new LeakyNode(),
			parameters: {},
			credentials: { harnessTestApi: { url: API, apiKey: PLANTED } },
		});

		expect(result.logs.join('\n')).toContain(PLANTED);
		expect(result.logEntries).toContainEqual(
			expect.objectContaining({ level: 'debug', message: 'Got credentials' }),
		);
	});

	it('keeps node and global static data across runs', async () => {
		const first = await runNode({ node: new CounterNode(), parameters: {}, mode: 'trigger' });
		expect(first.outputs[0][0].json).toEqual({ count: 1 });
		expect(first.staticDataChanged).toBe(true);
		expect(first.staticData).toEqual({
			[`node:${DEFAULT_NODE_NAME}`]: { count: 1 },
			global: { lastRunCount: 1 },
		});

		const second = await runNode({
			node: new CounterNode(),
			parameters: {},
			mode: 'trigger',
			staticData: first.persistedStaticData,
		});
		expect(second.outputs[0][0].json).toEqual({ count: 2 });
		expect(nodeStaticData(second.staticData)).toEqual({ count: 2 });
		expect(globalStaticData(second.staticData)).toEqual({ lastRunCount: 2 });
		// The caller's object is not mutated by the run.
		expect(first.staticData[`node:${DEFAULT_NODE_NAME}`]).toEqual({ count: 1 });
	});

	it('scopes node static data by node name', async () => {
		const renamed = await runNode({ node: new CounterNode(), parameters: {}, name: 'Sync Users' });
		expect(nodeStaticData(renamed.staticData, 'Sync Users')).toEqual({ count: 1 });
		expect(nodeStaticData(renamed.staticData)).toEqual({});
	});

	it('mirrors n8n: manual runs change static data in memory but do not persist it', async () => {
		const manual = await runNode({ node: new CounterNode(), parameters: {} });
		expect(nodeStaticData(manual.staticData)).toEqual({ count: 1 });
		expect(manual.persistedStaticData).toEqual({});

		const next = await runNode({ node: new CounterNode(), parameters: {}, staticData: manual.persistedStaticData });
		expect(next.outputs[0][0].json).toEqual({ count: 1 });
	});

	it('seeds static data and reports unchanged data as unchanged', async () => {
		const seeded = staticDataFor({ node: { cursor: 'delta-token-1' } });
		const result = await runNode({ node: new ReaderNode(), parameters: {}, staticData: seeded, mode: 'trigger' });

		expect(result.outputs[0][0].json).toEqual({ cursor: 'delta-token-1' });
		expect(result.staticDataChanged).toBe(false);
		expect(result.persistedStaticData).toEqual(seeded);
	});

	it('returns every output of a node with two outputs', async () => {
		const result = await runNode({
			node: new TwoOutputNode(),
			parameters: {},
			inputItems: [{ json: { ok: true, n: 1 } }, { json: { ok: false, n: 2 } }, { json: { ok: true, n: 3 } }],
		});

		expect(result.outputs).toHaveLength(2);
		expect(result.outputs[0]).toEqual([
			{ json: { ok: true, n: 1 }, pairedItem: { item: 0 } },
			{ json: { ok: true, n: 3 }, pairedItem: { item: 2 } },
		]);
		expect(result.outputs[1]).toEqual([{ json: { ok: false, n: 2 }, pairedItem: { item: 1 } }]);
	});
});

describe('runLoadOptions / runListSearch', () => {
	const credentials = { harnessTestApi: { url: API, apiKey: PLANTED } };

	it('runs a loadOptions method with current parameters (defaults filled) and credentials', async () => {
		expect(await runLoadOptions(new MethodsNode(), 'getGroups', { credentials })).toEqual([
			{ name: 'Admins', value: 'grp-admins', description: API },
			{ name: 'Engineering', value: 'grp-engineering', description: API },
		]);
		expect(
			await runLoadOptions(new MethodsNode(), 'getGroups', { parameters: { prefix: 'g:' }, credentials }),
		).toEqual([
			{ name: 'Admins', value: 'g:admins', description: API },
			{ name: 'Engineering', value: 'g:engineering', description: API },
		]);
	});

	it('fails like n8n when a dropdown needs credentials the node was not given', async () => {
		await expect(runLoadOptions(new MethodsNode(), 'getGroups')).rejects.toThrow(
			'Node does not have any credentials set',
		);
	});

	it('runs a listSearch method with filter and pagination token', async () => {
		const first = await runListSearch(new MethodsNode(), 'searchGroups', { credentials });
		expect(first).toEqual({
			results: [
				{ name: 'Admins', value: 'admins' },
				{ name: 'Engineering', value: 'engineering' },
			],
			paginationToken: '2',
		});

		const filtered = await runListSearch(new MethodsNode(), 'searchGroups', {
			credentials,
			filter: 's',
			paginationToken: '2',
		});
		// "s" matches Admins, Sales, Support; the second page holds the last one.
		expect(filtered).toEqual({ results: [{ name: 'Support', value: 'support' }], paginationToken: undefined });
	});
});

describe('runCredentialTest', () => {
	it('passes the credential to the test and its requests go over real HTTP', async () => {
		const scope = nock(API)
			.get('/me')
			.matchHeader('authorization', `Bearer ${PLANTED}`)
			.reply(200, { name: 'harness-user' });

		const { result, logs } = await captureLogs(() =>
			runCredentialTest(new MethodsNode(), 'testApi', { url: API, apiKey: PLANTED }, 'harnessTestApi'),
		);

		expect(result).toEqual({ status: 'OK', message: 'Connected as harness-user (harnessTestApi)' });
		expect(scope.isDone()).toBe(true);
		expect(logs).toContainEqual(expect.stringContaining('Testing harness credential'));
	});

	it('returns the node’s error result when the service rejects the credential', async () => {
		nock(API).get('/me').reply(401, { error: 'invalid_token' });

		const result = await runCredentialTest(
			new MethodsNode(),
			'testApi',
			{ url: API, apiKey: 'wrong' },
			'harnessTestApi',
		);

		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/^Connection failed: .*401/);
	});
});
