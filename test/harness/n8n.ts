/**
 * Runs our nodes inside n8n's real execution engine (n8n-core's `WorkflowExecute`), so node tests
 * exercise the same parameter defaults, credential checks, error wrapping, `continueOnFail`,
 * paired-item handling and static data that a user's n8n does, instead of a hand-made mock of
 * `IExecuteFunctions`.
 *
 * Usage (jest; `test/setup/env.js` points N8N_USER_FOLDER at a temp folder):
 *
 *   const result = await runNode({
 *     node: new AzureAdSync(),
 *     parameters: { operation: 'sync', ... },
 *     credentials: { azureAdApi: { tenantId: '…', clientId: '…', clientSecret: '…' } },
 *     inputItems: [{ json: { ticketId: 1 } }],      // default: one empty item, like a Manual Trigger
 *     staticData: previous?.persistedStaticData,      // carry the delta cursor between runs
 *     mode: 'trigger',                                // default 'manual'
 *   });
 *   result.outputs[0]                                 // items on output 0 of the node under test
 *   result.error                                      // the node's error as n8n recorded it, if it failed
 *   nodeStaticData(result.staticData)                 // this.getWorkflowStaticData('node')
 *   globalStaticData(result.staticData)               // this.getWorkflowStaticData('global')
 *   result.logs                                       // everything logged during the run (node + engine)
 *
 * Static data: n8n keeps both scopes in one object on the workflow: global scope under the key
 * `global`, node scope under `node:<node name>`. `result.staticData` is that object after the run
 * (a plain JSON copy, as n8n would store it). Real n8n only saves it when it changed AND the run
 * was not manual (`mode !== 'manual'`); `result.persistedStaticData` applies that rule, so feed it
 * to the next run when a test must behave like a scheduled/production workflow, and feed
 * `result.staticData` when you just want to chain state regardless of mode.
 *
 * Also: `runCredentialTest` (the credential "Test" button), `runLoadOptions` / `runListSearch`
 * (parameter dropdowns), `captureLogs` (logs of any async call), `nodeStaticData` /
 * `globalStaticData` / `staticDataFor` (read and seed static data).
 *
 * Nothing is mocked below the node: HTTP from the node goes out for real, so use nock.
 */
import * as path from 'node:path';
import * as os from 'node:os';
import * as fs from 'node:fs';

import {
	CredentialTestContext,
	Credentials,
	ExecutionLifecycleHooks,
	ExternalSecretsProxy,
	LoadOptionsContext,
	WorkflowExecute,
} from 'n8n-core';
import {
	ICredentialsHelper,
	LoggerProxy,
	NodeConnectionTypes,
	NodeHelpers,
	Workflow,
	createRunExecutionData,
} from 'n8n-workflow';
import * as n8nWorkflow from 'n8n-workflow';
import type {
	ExecutionBaseError,
	ICredentialDataDecryptedObject,
	ICredentialType,
	ICredentialsDecrypted,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	INode,
	INodeCredentialTestResult,
	INodeCredentials,
	INodeCredentialsDetails,
	INodeExecutionData,
	INodeListSearchResult,
	INodeParameters,
	INodeProperties,
	INodePropertyOptions,
	INodeType,
	INodeTypeDescription,
	INodeTypes,
	IRun,
	IRunData,
	IRunExecutionData,
	IVersionedNodeType,
	IWorkflowBase,
	IWorkflowExecuteAdditionalData,
	LogMetadata,
	Logger,
	WorkflowExecuteMode,
} from 'n8n-workflow';

// n8n-core creates an instance config under N8N_USER_FOLDER; jest's setup file already sets it,
// this keeps scripts that import the harness outside jest out of the user's home too.
if (!process.env.N8N_USER_FOLDER) {
	process.env.N8N_USER_FOLDER = fs.mkdtempSync(path.join(os.tmpdir(), 'aad-sync-harness-'));
}

export const DEFAULT_NODE_NAME = 'Node Under Test';
/** Package prefix n8n puts in front of a community node's `description.name`. */
export const NODE_TYPE_PREFIX = 'n8n-nodes-azure-ad-sync';
const FEEDER_NODE_NAME = 'Harness Input';
const FEEDER_NODE_TYPE = 'harness.input';

/* ------------------------------------------------------------------------------------------------
 * Log capture
 *
 * `this.logger` in every n8n-core context is `Container.get(Logger)` from @n8n/backend-common, not
 * LoggerProxy, so the capturing logger has to be registered in n8n-core's DI container. n8n-core
 * 2.41 ships its own nested copies of @n8n/di and @n8n/backend-common (newer than the hoisted
 * ones), so both are resolved from n8n-core's folder: importing them by bare name would reach a
 * different container and the node would log past us.
 * --------------------------------------------------------------------------------------------- */

interface DiContainer {
	set(token: unknown, instance: unknown): void;
	get<T>(token: unknown): T;
}

const coreDir = path.dirname(require.resolve('n8n-core'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Container } = require(require.resolve('@n8n/di', { paths: [coreDir] })) as {
	Container: DiContainer;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Logger: LoggerToken } = require(
	require.resolve('@n8n/backend-common', { paths: [coreDir] }),
) as { Logger: unknown };

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface LogEntry {
	level: LogLevel;
	message: string;
	metadata?: LogMetadata;
}

/** Serialises anything a logger may be given, Errors and cycles included, so secrets in metadata are visible to assertions. */
function safeStringify(value: unknown): string {
	const seen = new WeakSet<object>();
	return JSON.stringify(value, (_key, v: unknown) => {
		if (typeof v === 'bigint') return v.toString();
		if (v instanceof Error) {
			// Errors have no enumerable message/stack; spell out what n8n's errors carry.
			const { message, stack, name } = v;
			const extra = Object.fromEntries(Object.entries(v));
			return { name, message, stack, ...extra };
		}
		if (typeof v === 'object' && v !== null) {
			if (seen.has(v)) return '[Circular]';
			seen.add(v);
		}
		return v;
	});
}

function formatLog(entry: LogEntry): string {
	const meta =
		entry.metadata && Object.keys(entry.metadata).length > 0 ? ` ${safeStringify(entry.metadata)}` : '';
	return `${entry.level}: ${entry.message}${meta}`;
}

class CapturingLogger implements Logger {
	readonly entries: LogEntry[] = [];

	error(message: string, metadata?: LogMetadata) {
		this.push('error', message, metadata);
	}

	warn(message: string, metadata?: LogMetadata) {
		this.push('warn', message, metadata);
	}

	info(message: string, metadata?: LogMetadata) {
		this.push('info', message, metadata);
	}

	debug(message: string, metadata?: LogMetadata) {
		this.push('debug', message, metadata);
	}

	/** backend-common's Logger API; scopes are irrelevant to a test, so every scope shares the sink. */
	scoped() {
		return this;
	}

	private push(level: LogLevel, message: string, metadata?: LogMetadata) {
		this.entries.push({ level, message: String(message), metadata });
	}
}

const capturingLogger = new CapturingLogger();

/** (Re)installs the capturing logger; a test that swapped the container's Logger does not break the next run. */
function installLogCapture() {
	Container.set(LoggerToken, capturingLogger);
	LoggerProxy.init(capturingLogger);
}
installLogCapture();

let activeCaptures = 0;

/** Runs `fn` and returns what was logged meanwhile (by the node, n8n-core and LoggerProxy). */
export async function captureLogs<T>(
	fn: () => Promise<T>,
): Promise<{ result: T; logs: string[]; logEntries: LogEntry[] }> {
	installLogCapture();
	const start = capturingLogger.entries.length;
	activeCaptures++;
	try {
		const result = await fn();
		const logEntries = capturingLogger.entries.slice(start);
		return { result, logs: logEntries.map(formatLog), logEntries };
	} finally {
		// Drop the buffer once no capture needs it, so long test files do not accumulate every log line.
		if (--activeCaptures === 0) capturingLogger.entries.length = 0;
	}
}

/* ------------------------------------------------------------------------------------------------
 * Credentials
 * --------------------------------------------------------------------------------------------- */

export type TestCredentials = Record<string /* credential type name */, ICredentialDataDecryptedObject>;

/**
 * Stands in for the CLI's CredentialsHelper: hands out the test's credentials by type. When the
 * credential type classes are given it also does what n8n does with them: fills property defaults
 * into the decrypted data and applies `authenticate` for `httpRequestWithAuthentication`.
 */
export class HarnessCredentialsHelper extends ICredentialsHelper {
	/** Credential types the node asked for, in order (one entry per `getCredentials` call). */
	readonly requested: string[] = [];

	private readonly types: Map<string, ICredentialType>;

	constructor(
		private readonly credentials: TestCredentials = {},
		credentialTypes: ICredentialType[] = [],
	) {
		super();
		this.types = new Map(credentialTypes.map((type) => [type.name, type]));
	}

	getParentTypes(name: string): string[] {
		const parents = this.types.get(name)?.extends ?? [];
		return parents.flatMap((parent) => [parent, ...this.getParentTypes(parent)]);
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	getCredentialsProperties(type: string): INodeProperties[] {
		return this.types.get(type)?.properties ?? [];
	}

	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
	): Promise<ICredentialDataDecryptedObject> {
		this.requested.push(type);
		const data = this.credentials[type];
		if (data === undefined) {
			// Reached only for types the run references but has no data for; name it plainly.
			throw new Error(`Harness: no test credentials of type "${type}" were given to the run`);
		}
		// A copy, so a node that mutates its credentials cannot leak the change into the next test.
		const copy = structuredClone(data);
		const properties = this.getCredentialsProperties(type);
		if (properties.length === 0) return copy;
		// Same call the CLI's CredentialsHelper makes to apply the credential type's defaults.
		return (NodeHelpers.getNodeParameters(properties, copy as INodeParameters, true, false, null, null) ??
			copy) as ICredentialDataDecryptedObject;
	}

	async getCredentials(nodeCredentials: INodeCredentialsDetails, type: string) {
		return new Credentials(nodeCredentials, type);
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions,
		workflow?: Workflow,
		node?: INode,
	): Promise<IHttpRequestOptions> {
		const authenticate = this.types.get(typeName)?.authenticate;
		if (authenticate === undefined) return requestOptions;
		if (typeof authenticate === 'function') return await authenticate(credentials, requestOptions);

		// Generic authentication: values are expressions over $credentials, resolved by n8n's evaluator.
		const resolve = (value: unknown) =>
			workflow && node && typeof value === 'string'
				? workflow.expression.getSimpleParameterValue(node, value, 'internal', {
						$credentials: credentials as IDataObject,
					})
				: value;
		const resolved: IHttpRequestOptions = { ...requestOptions };
		const { properties } = authenticate;
		for (const target of ['headers', 'qs', 'body'] as const) {
			const source = properties[target];
			if (!source) continue;
			const merged: IDataObject = { ...((resolved[target] as IDataObject | undefined) ?? {}) };
			for (const [key, value] of Object.entries(source)) merged[key] = resolve(value) as IDataObject[string];
			(resolved as unknown as Record<string, unknown>)[target] = merged;
		}
		if (properties.auth) {
			resolved.auth = {
				username: String(resolve(properties.auth.username) ?? ''),
				password: String(resolve(properties.auth.password) ?? ''),
			};
		}
		return resolved;
	}

	async preAuthentication(): Promise<ICredentialDataDecryptedObject | undefined> {
		return undefined;
	}

	async runPreAuthentication(): Promise<ICredentialDataDecryptedObject | undefined> {
		return undefined;
	}

	async updateCredentials(): Promise<void> {}

	async updateCredentialsOauthTokenData(): Promise<void> {}
}

/* ------------------------------------------------------------------------------------------------
 * Workflow plumbing
 * --------------------------------------------------------------------------------------------- */

type AnyNodeType = INodeType | IVersionedNodeType;

function isVersioned(node: AnyNodeType): node is IVersionedNodeType {
	return 'nodeVersions' in node;
}

/** The type name n8n would give the node: package prefix + `description.name`. */
export function nodeTypeName(node: AnyNodeType): string {
	return `${NODE_TYPE_PREFIX}.${node.description.name}`;
}

function defaultTypeVersion(node: AnyNodeType): number {
	if (isVersioned(node)) {
		return node.description.defaultVersion ?? Math.max(...Object.keys(node.nodeVersions).map(Number));
	}
	const { version, defaultVersion } = node.description;
	return defaultVersion ?? (Array.isArray(version) ? Math.max(...version) : version);
}

/**
 * Stands for "the preceding node" that feeds the node under test: passes its input items through,
 * or, given items per output, emits those (one output per input of the node under test).
 */
class HarnessInputNode implements INodeType {
	description: INodeTypeDescription;

	constructor(outputCount = 1) {
		this.description = {
			displayName: 'Harness Input',
			name: FEEDER_NODE_TYPE,
			group: ['input'],
			version: 1,
			description: 'Feeds the test items to the node under test',
			defaults: { name: FEEDER_NODE_NAME },
			usableAsTool: true,
			inputs: [NodeConnectionTypes.Main],
			outputs: Array.from({ length: outputCount }, () => NodeConnectionTypes.Main),
			properties: [],
		};
	}

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [this.getInputData()];
	}
}

class HarnessNodeTypes implements INodeTypes {
	private readonly types: Record<string, AnyNodeType>;

	constructor(types: Record<string, AnyNodeType>, feederOutputs?: INodeExecutionData[][]) {
		const feeder = new HarnessInputNode(feederOutputs?.length);
		if (feederOutputs) {
			// n8n calls execute with the context as `this`, so the fixed outputs travel by closure.
			feeder.execute = async () => structuredClone(feederOutputs);
		}
		this.types = { [FEEDER_NODE_TYPE]: feeder, ...types };
	}

	getByName(name: string): AnyNodeType {
		const type = this.types[name];
		if (type === undefined) throw new Error(`Harness: unknown node type "${name}"`);
		return type;
	}

	getByNameAndVersion(name: string, version?: number): INodeType {
		return NodeHelpers.getVersionedNodeType(this.getByName(name), version);
	}

	getKnownTypes(): IDataObject {
		return {};
	}
}

/** n8n stores static data as JSON; a JSON copy also drops the ObservableObject proxies. */
function toPlain<T>(value: T): T {
	return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

function credentialRefs(credentials: TestCredentials | undefined): INodeCredentials | undefined {
	const types = Object.keys(credentials ?? {});
	if (types.length === 0) return undefined;
	return Object.fromEntries(types.map((type) => [type, { id: `test-${type}`, name: `Test ${type}` }]));
}

const BASE_URL = 'http://localhost:5678';

/** The additionalData fields WorkflowExecute and the node contexts read in n8n-core 2.41; the rest fail loudly. */
function buildAdditionalData(
	credentialsHelper: ICredentialsHelper,
	hooks: ExecutionLifecycleHooks | undefined,
	executionId: string,
	currentNodeParameters?: INodeParameters,
): IWorkflowExecuteAdditionalData {
	const unsupported = (what: string) => async () => {
		throw new Error(`Harness: ${what} is not supported`);
	};
	return {
		hooks,
		credentialsHelper,
		executionId,
		currentNodeExecutionIndex: 0,
		currentNodeParameters,
		restApiUrl: `${BASE_URL}/rest`,
		instanceBaseUrl: BASE_URL,
		formBaseUrl: `${BASE_URL}/form`,
		formWaitingBaseUrl: `${BASE_URL}/form-waiting`,
		formTestBaseUrl: `${BASE_URL}/form-test`,
		webhookBaseUrl: `${BASE_URL}/webhook`,
		webhookWaitingBaseUrl: `${BASE_URL}/webhook-waiting`,
		webhookTestBaseUrl: `${BASE_URL}/webhook-test`,
		mcpBaseUrl: `${BASE_URL}/mcp`,
		mcpTestBaseUrl: `${BASE_URL}/mcp-test`,
		variables: {},
		userId: 'harness-user',
		externalSecretsProxy: new ExternalSecretsProxy(),
		executeWorkflow: unsupported('executing sub-workflows'),
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		logAiEvent: () => {},
		startRunnerTask: unsupported('task runners (Code node)'),
	};
}

function buildNode(
	options: Pick<RunNodeOptions, 'node' | 'parameters' | 'credentials' | 'typeVersion' | 'name'>,
	position: [number, number],
): INode {
	return {
		id: 'node-under-test',
		name: options.name ?? DEFAULT_NODE_NAME,
		type: nodeTypeName(options.node),
		typeVersion: options.typeVersion ?? defaultTypeVersion(options.node),
		position,
		// A copy: the Workflow constructor writes defaults into node.parameters in place.
		parameters: structuredClone(options.parameters),
		credentials: credentialRefs(options.credentials),
	};
}

/** n8n-workflow's error classes by name (NodeApiError, NodeOperationError, ExpressionError…). */
const errorClasses = new Map<string, { prototype: Error }>();
for (const value of Object.values(n8nWorkflow)) {
	if (typeof value === 'function' && value.prototype instanceof Error) {
		errorClasses.set(value.name, value as { prototype: Error });
	}
}

/**
 * n8n records a node's error in run data as a plain spread of the thrown error (`{...e, message,
 * stack}`): the prototype is gone but `name`, `description`, `httpCode`, `context`… remain. This
 * puts the class back so tests can use `toBeInstanceOf(NodeApiError)` on exactly what n8n stored.
 */
function rehydrateError(recorded: ExecutionBaseError | { message: string; name?: string; stack?: string }): Error {
	if (recorded instanceof Error) return recorded;
	const errorClass = (recorded.name && errorClasses.get(recorded.name)) || Error;
	const error = Object.create(errorClass.prototype) as Error;
	Object.assign(error, recorded);
	// On real errors message and stack are non-enumerable; keep it so for printing and equality.
	for (const key of ['message', 'stack'] as const) {
		Object.defineProperty(error, key, { value: recorded[key], writable: true, configurable: true, enumerable: false });
	}
	return error;
}

/* ------------------------------------------------------------------------------------------------
 * runNode
 * --------------------------------------------------------------------------------------------- */

export interface RunNodeOptions {
	/** An instance of the node class under test. */
	node: AnyNodeType;
	/** The node's parameters as a workflow would store them; n8n fills in the defaults. */
	parameters: INodeParameters;
	/** Decrypted credential data by credential type name; the node gets a reference to each. */
	credentials?: TestCredentials;
	/** Credential type classes, so defaults and `authenticate` apply like in n8n (optional). */
	credentialTypes?: ICredentialType[];
	/** Items the preceding node outputs; default one empty item (what a Manual Trigger emits). `[]` means the node does not run, as in n8n. */
	inputItems?: INodeExecutionData[];
	/**
	 * Items per input of the node under test (index 0 is its first input), for nodes with several
	 * inputs; wins over `inputItems`. An empty list leaves that input without data, as in n8n.
	 */
	inputItemsByIndex?: INodeExecutionData[][];
	/** The execution id the node sees (`this.getExecutionId()`); default `harness-<n>`. */
	executionId?: string;
	/** Workflow static data to start from (both scopes, e.g. a previous result's `staticData`). */
	staticData?: IDataObject;
	/** Node setting "On Error: Continue" (`onError: 'continueRegularOutput'`). */
	continueOnFail?: boolean;
	/** Node setting "On Error" verbatim, e.g. 'continueErrorOutput'; wins over continueOnFail. */
	onError?: INode['onError'];
	typeVersion?: number;
	/** Node name; node-scoped static data is keyed by it. Default 'Node Under Test'. */
	name?: string;
	/** Default 'manual'. Real n8n persists static data only in non-manual modes. */
	mode?: WorkflowExecuteMode;
	/** Other node settings (alwaysOutputData, executeOnce, retryOnFail…). */
	nodeSettings?: Partial<
		Pick<INode, 'alwaysOutputData' | 'executeOnce' | 'retryOnFail' | 'maxTries' | 'waitBetweenTries'>
	>;
}

export interface RunResult {
	/** Items per output index of the node under test; `[]` if the node did not run. */
	outputs: INodeExecutionData[][];
	/**
	 * The node's error as n8n recorded it in run data, if the run failed. n8n stores a plain copy;
	 * the harness restores its n8n-workflow class (NodeApiError, NodeOperationError…) by `name`.
	 */
	error?: Error;
	/** 'success' | 'error' | … as n8n sets it on the execution. */
	status: IRun['status'];
	/** Workflow static data after the run, plain JSON: `global` and `node:<name>` keys. */
	staticData: IDataObject;
	/** Whether the run changed static data (n8n's `__dataChanged` flag). */
	staticDataChanged: boolean;
	/** What n8n would have stored: the new static data if it changed and mode is not manual, else the input. */
	persistedStaticData: IDataObject;
	/** Everything logged during the run, one line each: `<level>: <message> <metadata JSON>`. */
	logs: string[];
	logEntries: LogEntry[];
	/** Credential types the node fetched, one entry per `getCredentials` call. */
	credentialRequests: string[];
	/** Run data of every node (the harness input node included). */
	runData: IRunData;
	/** The whole execution as the `workflowExecuteAfter` hook received it. */
	run: IRun;
}

let executionCounter = 0;

export async function runNode(options: RunNodeOptions): Promise<RunResult> {
	const mode = options.mode ?? 'manual';
	const name = options.name ?? DEFAULT_NODE_NAME;
	const executionId = options.executionId ?? `harness-${++executionCounter}`;
	const byIndex = options.inputItemsByIndex;

	const feeder: INode = {
		id: 'harness-input',
		name: FEEDER_NODE_NAME,
		type: FEEDER_NODE_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
	};
	const nodeUnderTest: INode = {
		...buildNode(options, [240, 0]),
		...options.nodeSettings,
	};
	if (options.onError) nodeUnderTest.onError = options.onError;
	else if (options.continueOnFail) nodeUnderTest.onError = 'continueRegularOutput';

	const nodes = [feeder, nodeUnderTest];
	const connections = {
		[FEEDER_NODE_NAME]: {
			main: (byIndex ?? [[]]).map((_, index) => [{ node: name, type: NodeConnectionTypes.Main, index }]),
		},
	};
	const workflow = new Workflow({
		id: 'harness-workflow',
		name: 'Harness Workflow',
		nodes,
		connections,
		active: mode !== 'manual',
		nodeTypes: new HarnessNodeTypes({ [nodeUnderTest.type]: options.node }, byIndex),
		// A copy: ObservableObject wraps the given object in place, and the caller keeps its own.
		staticData: toPlain(options.staticData ?? {}),
		settings: { executionOrder: 'v1' },
	});

	const workflowData: IWorkflowBase = {
		id: workflow.id,
		name: 'Harness Workflow',
		active: workflow.active,
		isArchived: false,
		activeVersionId: null,
		createdAt: new Date(),
		updatedAt: new Date(),
		nodes,
		connections,
		settings: workflow.settings,
	};
	const hooks = new ExecutionLifecycleHooks(mode, executionId, workflowData);
	// The hook n8n's CLI saves executions and static data from; here it just hands the run back.
	let fromHook: IRun | undefined;
	hooks.addHandler('workflowExecuteAfter', (run) => {
		fromHook = run;
	});

	const credentialsHelper = new HarnessCredentialsHelper(options.credentials, options.credentialTypes);
	const additionalData = buildAdditionalData(credentialsHelper, hooks, executionId);

	const runExecutionData: IRunExecutionData = createRunExecutionData({
		executionData: {
			nodeExecutionStack: [
				{
					node: feeder,
					data: { main: [structuredClone(byIndex ? [{ json: {} }] : (options.inputItems ?? [{ json: {} }]))] },
					source: null,
				},
			],
		},
	});

	const { result: run, logs, logEntries } = await captureLogs(async () => {
		// Throws WorkflowHasIssuesError (naming the parameter) if a required parameter is missing.
		const returned = await new WorkflowExecute(additionalData, mode, runExecutionData).processRunExecutionData(
			workflow,
		);
		// The hook has fired by the time the execution settles; the returned run covers a cancelled one.
		return fromHook ?? returned;
	});

	const { runData } = run.data.resultData;
	const task = runData[name]?.[0];
	const outputs = (task?.data?.main ?? []).map((items: INodeExecutionData[] | null) => items ?? []);

	// The node's own error; else an execution-level one (e.g. failing before the node ran).
	const recordedError = task?.error ?? run.data.resultData.error;
	const error = recordedError ? rehydrateError(recordedError) : undefined;

	const staticDataChanged = (workflow.staticData as { __dataChanged?: boolean }).__dataChanged === true;
	const staticData = toPlain(workflow.staticData);

	return {
		outputs,
		error,
		status: run.status,
		staticData,
		staticDataChanged,
		persistedStaticData:
			staticDataChanged && mode !== 'manual' ? staticData : toPlain(options.staticData ?? {}),
		logs,
		logEntries,
		credentialRequests: [...credentialsHelper.requested],
		runData,
		run,
	};
}

/* ------------------------------------------------------------------------------------------------
 * Static data helpers
 * --------------------------------------------------------------------------------------------- */

/** What `this.getWorkflowStaticData('node')` of node `nodeName` holds in `staticData`. */
export function nodeStaticData(staticData: IDataObject, nodeName = DEFAULT_NODE_NAME): IDataObject {
	return (staticData[`node:${nodeName}`] as IDataObject | undefined) ?? {};
}

/** What `this.getWorkflowStaticData('global')` holds in `staticData`. */
export function globalStaticData(staticData: IDataObject): IDataObject {
	return (staticData.global as IDataObject | undefined) ?? {};
}

/** Builds a `staticData` option seeding either scope, e.g. `staticDataFor({ node: { cursor } })`. */
export function staticDataFor(
	scopes: { node?: IDataObject; global?: IDataObject },
	nodeName = DEFAULT_NODE_NAME,
): IDataObject {
	const result: IDataObject = {};
	if (scopes.global) result.global = toPlain(scopes.global);
	if (scopes.node) result[`node:${nodeName}`] = toPlain(scopes.node);
	return result;
}

/* ------------------------------------------------------------------------------------------------
 * Credential test, loadOptions, listSearch
 * --------------------------------------------------------------------------------------------- */

/**
 * Calls `node.methods.credentialTest[testName]` like the CLI's credentials tester: with n8n-core's
 * CredentialTestContext (real `helpers.request`, container logger) and `{ id, name, type, data }`.
 * Unlike the CLI it does not redact secrets from the returned message, so tests can catch leaks.
 */
export async function runCredentialTest(
	node: INodeType,
	testName: string,
	credentialData: ICredentialDataDecryptedObject,
	credentialType: string,
): Promise<INodeCredentialTestResult> {
	const test = node.methods?.credentialTest?.[testName];
	if (test === undefined) throw new Error(`Harness: node has no credentialTest "${testName}"`);
	installLogCapture();
	const additionalData = buildAdditionalData(new HarnessCredentialsHelper(), undefined, 'harness-credential-test');
	const credentials: ICredentialsDecrypted = {
		id: `test-${credentialType}`,
		name: `Test ${credentialType}`,
		type: credentialType,
		data: structuredClone(credentialData),
	};
	return await test.call(new CredentialTestContext(additionalData), credentials);
}

export interface DynamicOptionsContext {
	/** The node's current parameters, as the editor sends them. */
	parameters?: INodeParameters;
	credentials?: TestCredentials;
	credentialTypes?: ICredentialType[];
	typeVersion?: number;
	name?: string;
	/** Path of the parameter being loaded, e.g. 'parameters.group'; only matters for `&sibling` lookups. */
	path?: string;
}

/** Builds what the CLI's dynamic-parameters service builds: a one-node workflow and n8n-core's LoadOptionsContext. */
function buildLoadOptionsContext(node: INodeType, methodName: string, context: DynamicOptionsContext) {
	const nodeUnderTest = buildNode(
		{ node, parameters: context.parameters ?? {}, credentials: context.credentials, typeVersion: context.typeVersion, name: context.name },
		[0, 0],
	);
	const workflow = new Workflow({
		id: 'harness-workflow',
		nodes: [nodeUnderTest],
		connections: {},
		active: false,
		nodeTypes: new HarnessNodeTypes({ [nodeUnderTest.type]: node }),
	});
	const additionalData = buildAdditionalData(
		new HarnessCredentialsHelper(context.credentials, context.credentialTypes),
		undefined,
		'harness-load-options',
		// The Workflow constructor has filled in the parameter defaults by now, like the editor does.
		workflow.getNode(nodeUnderTest.name)?.parameters,
	);
	installLogCapture();
	return new LoadOptionsContext(workflow, nodeUnderTest, additionalData, context.path ?? `parameters.${methodName}`);
}

export async function runLoadOptions(
	node: INodeType,
	methodName: string,
	context: DynamicOptionsContext = {},
): Promise<INodePropertyOptions[]> {
	const method = node.methods?.loadOptions?.[methodName];
	if (method === undefined) throw new Error(`Harness: node has no loadOptions method "${methodName}"`);
	return await method.call(buildLoadOptionsContext(node, methodName, context));
}

export async function runListSearch(
	node: INodeType,
	methodName: string,
	context: DynamicOptionsContext & { filter?: string; paginationToken?: string } = {},
): Promise<INodeListSearchResult> {
	const method = node.methods?.listSearch?.[methodName];
	if (method === undefined) throw new Error(`Harness: node has no listSearch method "${methodName}"`);
	return await method.call(
		buildLoadOptionsContext(node, methodName, context),
		context.filter,
		context.paginationToken,
	);
}
