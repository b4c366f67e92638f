import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
	type INodeParameterResourceLocator,
	type INodeType,
	type INodeTypeDescription,
	type NodeApiError,
} from 'n8n-workflow';
import type { GraphClient } from '../shared/graph/client';
import { GraphError } from '../shared/graph/errors';
import {
	UserQueryError,
	getUser,
	listUsers,
	parseAttributeList,
	planDeltaRead,
	readUsersSince,
	scopeKeyFor,
	selectionFromAttributes,
	type AttributeFilter,
	type GraphUserRecord,
	type UserChange,
	type UserScope,
	type UserSelection,
} from '../shared/graph/users';
import { azureAdConnectionTest, getGraphClient, maxTriesOption } from '../shared/n8n/azureAd';
import {
	azureAdUserLocator,
	getAzureAdGroups,
	getFilterableUserAttributes,
	getUserAttributes,
	searchAzureAdUsers,
	userLocatorValue,
} from '../shared/n8n/directoryMethods';
import { toNodeError } from '../shared/n8n/errors';
import { loadSyncRecords } from '../shared/n8n/syncRecords';
import { mappingConfigFromParameters } from '../shared/n8n/mappingParameters';
import { commitCursor, loadSyncEntry, resetCursor, stagePendingCursor, syncIdFrom, syncIdProperty } from '../shared/n8n/syncState';
import { DEFAULT_MAPPING, requiredGraphAttributes, type MappingConfig } from '../shared/requester';
import {
	SYNC_MARKER_KEY,
	SyncStateError,
	decideRead,
	describeFallback,
	type DeltaCursor,
	type FallbackReason,
	type SyncMarker,
} from '../shared/sync/cursor';

type ReadMode = 'full' | 'incremental' | 'single';

interface Filters {
	enabledOnly?: boolean;
	membersOnly?: boolean;
	withMailOnly?: boolean;
	groupIds?: string[];
	attributeFilters?: { conditions?: AttributeFilter[] };
	customFilter?: string;
	customFilterAdvanced?: boolean;
}

interface Options {
	commitCursor?: 'afterUpsert' | 'immediately';
	resetCursor?: boolean;
	maxTries?: number;
}

const CUSTOM_FILTER_HINT =
	"Write OData such as department eq 'Sales' and startswith(jobTitle,'Eng'). Put strings in single quotes and double a quote inside a value (surname eq 'O''Brien'). Filters with ne, not, endsWith or null need Custom Filter Uses Advanced Query.";

export class AzureAdListUsers implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Azure AD List Users',
		name: 'azureAdListUsers',
		icon: { light: 'file:../../icons/azureAd.svg', dark: 'file:../../icons/azureAd.dark.svg' },
		group: ['input'],
		version: 1,
		subtitle: '={{ {"full": "All users", "incremental": "Changes since last run", "single": "One user"}[$parameter["mode"]] }}',
		description: 'Reads Azure AD (Entra ID) users from Microsoft Graph: all of them, only what changed since the last run, or one user',
		defaults: { name: 'Azure AD List Users' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'azureAdSyncApi', required: true, testedBy: 'azureAdConnectionTest' }],
		properties: [
			{
				displayName: 'Mode',
				name: 'mode',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'All Users', value: 'full', description: 'Every user in scope, 999 per request' },
					{
						name: 'Changes Since Last Run',
						value: 'incremental',
						description:
							'The first run returns every user and saves a cursor; later runs return only users created, changed or removed since (Graph delta query)',
					},
					{ name: 'One User', value: 'single', description: 'One user by name, object ID or user principal name' },
				],
				default: 'full',
			},
			{
				displayName:
					'The cursor is saved only by production runs (active workflow). Manual test runs do not save it, so each test run reads every user.',
				name: 'cursorNotice',
				type: 'notice',
				default: '',
				displayOptions: { show: { mode: ['incremental'] } },
			},
			{ ...syncIdProperty, displayOptions: { show: { mode: ['incremental'] } } },
			{ ...azureAdUserLocator, displayOptions: { show: { mode: ['single'] } } },
			{
				displayName: 'Return All',
				name: 'returnAll',
				type: 'boolean',
				default: true,
				description: 'Whether to return all results or only up to a given limit',
				displayOptions: { show: { mode: ['full'] } },
			},
			{
				displayName: 'Limit',
				name: 'limit',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 50,
				description: 'Max number of results to return',
				displayOptions: { show: { mode: ['full'], returnAll: [false] } },
			},
			{
				displayName: 'Attributes',
				name: 'attributeSource',
				type: 'options',
				options: [
					{
						name: 'What the Requester Mapping Needs',
						value: 'mapping',
						description:
							'Exactly the attributes the Map To Requester node after this one reads, reporting manager included (its default mapping when there is none)',
					},
					{ name: 'Selected Attributes', value: 'selected', description: 'Pick attributes from the tenant' },
					{ name: 'Custom List', value: 'custom', description: 'Type attribute names, separated by commas' },
				],
				default: 'mapping',
				description: 'Which user attributes to read; Graph returns only these (and the object ID), which keeps reads fast',
			},
			{
				displayName: 'Attribute Names or IDs',
				name: 'attributes',
				type: 'multiOptions',
				typeOptions: { loadOptionsMethod: 'getUserAttributes' },
				default: [],
				description: 'Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
				hint: 'Directory extensions are listed when the app has the Directory.Read.All permission',
				displayOptions: { show: { attributeSource: ['selected'] } },
			},
			{
				displayName: 'Attribute List',
				name: 'customAttributes',
				type: 'string',
				default: 'displayName,mail,userPrincipalName',
				placeholder: 'e.g. department, employeeOrgData.division, extensionAttribute3, manager',
				description:
					'Comma-separated Graph attribute names: user properties, employeeOrgData.division or costCenter, extensionAttribute1 to 15, manager, or directory extensions (extension_&lt;app ID&gt;_&lt;name&gt;)',
				displayOptions: { show: { attributeSource: ['custom'] } },
			},
			{
				displayName: 'Filters',
				name: 'filters',
				type: 'collection',
				placeholder: 'Add Filter',
				default: {},
				description: 'Which users to read; all must hold. In Changes Since Last Run mode, a user who stops matching comes out as removed.',
				displayOptions: { hide: { mode: ['single'] } },
				options: [
					{
						displayName: 'Attribute Filters',
						name: 'attributeFilters',
						type: 'fixedCollection',
						typeOptions: { multipleValues: true },
						default: {},
						placeholder: 'Add Attribute Filter',
						description: 'Conditions on user attributes; values are matched without regard to case',
						options: [
							{
								displayName: 'Condition',
								name: 'conditions',
								values: [
									{
										displayName: 'Attribute Name or ID',
										name: 'attribute',
										type: 'options',
										typeOptions: { loadOptionsMethod: 'getFilterableUserAttributes' },
										default: '',
										description: 'Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
									},
									{
										displayName: 'Operator',
										name: 'operator',
										type: 'options',
										options: [
											{ name: 'Equals', value: 'equals' },
											{ name: 'Is Empty', value: 'isEmpty' },
											{ name: 'Is Not Empty', value: 'isNotEmpty' },
											{ name: 'Not Equals', value: 'notEquals' },
											{ name: 'Starts With', value: 'startsWith' },
										],
										default: 'equals',
									},
									{
										displayName: 'Value',
										name: 'value',
										type: 'string',
										default: '',
										placeholder: "e.g. O'Brien",
										description: 'Type it as it is; quotes are escaped for you',
										displayOptions: { hide: { operator: ['isEmpty', 'isNotEmpty'] } },
									},
								],
							},
						],
					},
					{
						displayName: 'Custom Filter',
						name: 'customFilter',
						type: 'string',
						default: '',
						placeholder: "e.g. department eq 'Sales' and startswith(jobTitle,'Eng')",
						description:
							"An OData $filter for Microsoft Graph, combined with the other filters by AND. You write the OData: put strings in single quotes and double a quote inside a value (surname eq 'O''Brien').",
					},
					{
						displayName: 'Custom Filter Uses Advanced Query',
						name: 'customFilterAdvanced',
						type: 'boolean',
						default: false,
						description:
							'Whether to send the custom filter as an advanced query (ConsistencyLevel: eventual, $count=true). Turned on for you when the filter uses ne, not, endsWith or null, or a property only advanced queries can filter.',
					},
					{
						displayName: 'Enabled Accounts Only',
						name: 'enabledOnly',
						type: 'boolean',
						default: false,
						description: 'Whether to read only accounts that can sign in (accountEnabled is true)',
					},
					{
						displayName: 'Member Users Only',
						name: 'membersOnly',
						type: 'boolean',
						default: false,
						description: 'Whether to leave out B2B guests (userType Guest)',
					},
					{
						displayName: 'Members of Group Names or IDs',
						name: 'groupIds',
						type: 'multiOptions',
						typeOptions: { loadOptionsMethod: 'getAzureAdGroups' },
						default: [],
						description: 'Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
						hint: 'Only members of any of these groups, directly or through nested groups (needs GroupMember.Read.All)',
					},
					{
						displayName: 'With Mail Address Only',
						name: 'withMailOnly',
						type: 'boolean',
						default: false,
						description: 'Whether to leave out users without a mail address (rooms, service accounts, users without a mailbox)',
					},
				],
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Commit Cursor',
						name: 'commitCursor',
						type: 'options',
						options: [
							{
								name: 'After Upsert Requester Succeeds',
								value: 'afterUpsert',
								description: 'The Upsert Requester node with the same Sync ID saves the cursor once the changes are applied, so a failed run is read again',
							},
							{
								name: 'Immediately',
								value: 'immediately',
								description: 'Save the cursor as soon as the users are read (when no Upsert Requester node follows)',
							},
						],
						default: 'afterUpsert',
						description: 'When the next run may start from where this one ended',
						displayOptions: { show: { '/mode': ['incremental'] } },
					},
					maxTriesOption,
					{
						displayName: 'Reset Cursor',
						name: 'resetCursor',
						type: 'boolean',
						default: false,
						description: 'Whether to forget the saved cursor and read every user again. Turn it off after one run.',
						displayOptions: { show: { '/mode': ['incremental'] } },
					},
				],
			},
		],
	};

	methods = {
		credentialTest: { azureAdConnectionTest },
		loadOptions: { getUserAttributes, getFilterableUserAttributes, getAzureAdGroups },
		listSearch: { searchAzureAdUsers },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const mode = this.getNodeParameter('mode', 0) as ReadMode;
		if (mode === 'single') return [await readOneUserPerItem(this)];
		try {
			return [mode === 'incremental' ? await readIncremental(this) : await readFull(this)];
		} catch (error) {
			const nodeError = nodeErrorFor(this.getNode(), error, undefined, readScope(this).customFilter);
			if (this.continueOnFail()) return [[errorItem(nodeError, 0)]];
			throw nodeError;
		}
	}
}

async function readFull(context: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const returnAll = context.getNodeParameter('returnAll', 0, true) as boolean;
	const limit = returnAll ? undefined : (context.getNodeParameter('limit', 0) as number);
	const selection = readSelection(context, 0);
	const scope = readScope(context);
	const client = await getGraphClient(context, { maxTries: readOptions(context).maxTries });
	const items: INodeExecutionData[] = [];
	for await (const users of listUsers(client, selection, scope, { limit })) {
		for (const user of users) items.push(userItem(user, { mode: 'full' }));
	}
	// With a limit, users beyond it are not gone; tell the upsert not to deactivate them.
	if (limit !== undefined && items.length >= limit) {
		for (const item of items) (item.json[SYNC_MARKER_KEY] as SyncMarker).partial = true;
	}
	context.logger.info(`Azure AD List Users: read ${items.length} user(s)`);
	return items;
}

async function readIncremental(context: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const syncId = syncIdFrom(context.getNodeParameter('syncId', 0));
	const options = readOptions(context);
	const selection = readSelection(context, 0);
	const scope = readScope(context);
	const client = await getGraphClient(context, { maxTries: options.maxTries });
	const runStartedAt = new Date();

	const select = planDeltaRead(selection, scope).select;
	const scopeKey = scopeKeyFor(client.connection, scope);
	if (options.resetCursor) resetCursor(context, syncId);
	const entry = loadSyncEntry(context, syncId);
	if (entry.pendingCursor && options.commitCursor !== 'immediately') warnUncommitted(context, syncId, entry.pendingCursor.runStartedAt);
	const decision = decideRead(entry.cursor, { select, scopeKey }, options.resetCursor === true);
	const fallbackFor = (cursorExpired: boolean): FallbackReason | undefined =>
		cursorExpired ? 'cursorExpired' : decision.mode === 'full' ? decision.reason : undefined;

	const items: INodeExecutionData[] = [];
	const result = await readUsersSince(
		client,
		{ selection, scope, deltaLink: decision.mode === 'incremental' ? decision.deltaLink : undefined, retryIds: unmappedIds(context, syncId) },
		(changes, info) => {
			const fallbackReason = fallbackFor(info.cursorExpired);
			const base: SyncMarker = { mode: info.mode, syncId, ...(fallbackReason ? { fallbackReason } : {}) };
			for (const change of changes) items.push(changeItem(change, base));
		},
	);

	const cursor: DeltaCursor = {
		deltaLink: result.deltaLink,
		select,
		scopeKey,
		takenAt: (result.mode === 'full' ? runStartedAt : new Date()).toISOString(),
	};
	// With nothing to apply, waiting for the upsert would only let the cursor age towards expiry.
	if (options.commitCursor === 'immediately' || items.length === 0) commitCursor(context, syncId, cursor);
	else stagePendingCursor(context, syncId, cursor, runStartedAt);

	logRead(context, syncId, result.mode, items, fallbackFor(result.cursorExpired));
	// One marker item, so Upsert Requester still runs and records the sync (last synced time).
	if (items.length === 0) return [{ json: { [SYNC_MARKER_KEY]: { mode: result.mode, syncId, noChanges: true } }, pairedItem: { item: 0 } }];
	return items;
}

/** A cursor left pending means its run's changes were never applied: they are read again now. */
function warnUncommitted(context: IExecuteFunctions, syncId: string, runStartedAt: string): void {
	context.logger.warn(
		`Azure AD List Users (Sync ID "${syncId}"): the run started ${runStartedAt} was never confirmed by Upsert Requester, so its changes are read again. ` +
			'Add Upsert Requester with the same Sync ID after this node, or set Commit Cursor to Immediately.',
	);
}

/** Users the Upsert listed as unsynced because they could not be mapped: read them again. */
function unmappedIds(context: IExecuteFunctions, syncId: string): string[] {
	return Object.values(loadSyncRecords(context, syncId).unsynced)
		.filter((entry) => entry.stage === 'mapping' || entry.stage === 'validation')
		.map((entry) => entry.azureObjectId);
}

function logRead(context: IExecuteFunctions, syncId: string, mode: 'full' | 'incremental', items: INodeExecutionData[], fallbackReason?: FallbackReason): void {
	const prefix = `Azure AD List Users (Sync ID "${syncId}")`;
	if (fallbackReason === 'cursorExpired' || fallbackReason === 'attributesChanged' || fallbackReason === 'scopeChanged') {
		context.logger.warn(`${prefix}: ${describeFallback(fallbackReason)}`);
	} else if (fallbackReason) {
		context.logger.info(`${prefix}: ${describeFallback(fallbackReason)}`);
	}
	const removed = items.filter((item) => (item.json[SYNC_MARKER_KEY] as SyncMarker).removed).length;
	context.logger.info(`${prefix}: ${mode} read, ${items.length - removed} user(s), ${removed} removed`);
}

async function readOneUserPerItem(context: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const output: INodeExecutionData[] = [];
	const inputs = context.getInputData();
	let client: GraphClient | undefined;
	for (let itemIndex = 0; itemIndex < inputs.length; itemIndex++) {
		try {
			client ??= await getGraphClient(context, { maxTries: readOptions(context).maxTries });
			const locator = context.getNodeParameter('user', itemIndex) as INodeParameterResourceLocator | string;
			const idOrUpn = userLocatorValue(locator);
			const selection = readSelection(context, itemIndex);
			const user = await getUser(client, idOrUpn, selection.select, selection.expandManager);
			if (!user) {
				throw new NodeOperationError(context.getNode(), `No Azure AD user with object ID or user principal name "${idOrUpn}"`, {
					itemIndex,
					description: 'Check the value. Guests have user principal names like name_domain.com#EXT#@tenant.onmicrosoft.com.',
				});
			}
			output.push({ json: user as IDataObject, pairedItem: { item: itemIndex } });
		} catch (error) {
			const nodeError = nodeErrorFor(context.getNode(), error, itemIndex);
			if (!context.continueOnFail()) throw nodeError;
			output.push(errorItem(nodeError, itemIndex));
		}
	}
	return output;
}

function readSelection(context: IExecuteFunctions, itemIndex: number): UserSelection {
	const source = context.getNodeParameter('attributeSource', itemIndex) as 'mapping' | 'selected' | 'custom';
	if (source === 'selected') return selectionFromAttributes(context.getNodeParameter('attributes', itemIndex, []) as string[], 'Attributes');
	if (source === 'custom') {
		return selectionFromAttributes(parseAttributeList(context.getNodeParameter('customAttributes', itemIndex, '') as string), 'Attribute List');
	}
	const required = requiredGraphAttributes(downstreamMapping(context, itemIndex));
	return selectionFromAttributes([...required.select, ...(required.needsManager ? ['manager'] : [])], 'Attributes');
}

/** The mapping of the first Map To Requester node downstream, read from its parameters. */
function downstreamMapping(context: IExecuteFunctions, itemIndex: number): MappingConfig {
	const mapNode = context.getChildNodes(context.getNode().name).find((node) => node.type.endsWith('.mapToRequester'));
	if (!mapNode) return DEFAULT_MAPPING;
	const parameters = context.getWorkflowDataProxy(itemIndex).$node[mapNode.name].parameter as IDataObject;
	return mappingConfigFromParameters(parameters);
}

function readScope(context: IExecuteFunctions): UserScope {
	const filters = context.getNodeParameter('filters', 0, {}) as Filters;
	return {
		enabledOnly: filters.enabledOnly,
		membersOnly: filters.membersOnly,
		withMailOnly: filters.withMailOnly,
		groupIds: filters.groupIds,
		attributeFilters: filters.attributeFilters?.conditions,
		customFilter: filters.customFilter,
		customFilterAdvanced: filters.customFilterAdvanced,
	};
}

function readOptions(context: IExecuteFunctions): Options {
	return context.getNodeParameter('options', 0, {}) as Options;
}

function userItem(user: GraphUserRecord, marker: SyncMarker): INodeExecutionData {
	// The user object is ours (freshly parsed), so it is extended in place rather than copied.
	return { json: Object.assign(user, { [SYNC_MARKER_KEY]: marker }) as IDataObject, pairedItem: { item: 0 } };
}

function changeItem(change: UserChange, base: SyncMarker): INodeExecutionData {
	return userItem(change.user, change.removed ? { ...base, removed: change.removed } : { ...base });
}

function nodeErrorFor(node: INode, error: unknown, itemIndex?: number, customFilter?: string): NodeApiError | NodeOperationError {
	if (error instanceof UserQueryError) return new NodeOperationError(node, error.message, { description: error.hint, itemIndex });
	if (error instanceof SyncStateError) return new NodeOperationError(node, error.message, { itemIndex });
	if (customFilter?.trim() && error instanceof GraphError && error.status === 400) {
		return new NodeOperationError(node, `Custom Filter: Microsoft Graph rejected the query: ${error.graphMessage}`, {
			description: `${CUSTOM_FILTER_HINT}${error.requestId ? ` (request-id ${error.requestId})` : ''}`,
			itemIndex,
		});
	}
	return toNodeError(node, error, itemIndex);
}

function errorItem(error: NodeApiError | NodeOperationError, itemIndex: number): INodeExecutionData {
	return { json: { error: error.message, description: error.description ?? null }, pairedItem: { item: itemIndex } };
}
