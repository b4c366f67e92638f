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
} from 'n8n-workflow';
import type { GraphClient } from '../shared/graph/client';
import { getUser } from '../shared/graph/directory';
import { GraphError } from '../shared/graph/errors';
import { UserQueryError, parseAttributeList, selectionFromAttributes, type UserSelection } from '../shared/graph/userSelection';
import type { AttributeFilter, UserScope } from '../shared/graph/userScope';
import { azureAdConnectionTest, getGraphClient } from '../shared/n8n/azureAd';
import { getAzureAdGroups, getFilterableUserAttributes, getUserAttributes, searchAzureAdUsers, userLocatorValue } from '../shared/n8n/directoryMethods';
import { toNodeError } from '../shared/n8n/errors';
import { forEachItem, runOnce, type NodeError } from '../shared/n8n/itemLoop';
import { mappingConfigFromParameters } from '../shared/n8n/mappingParameters';
import { syncHostFor } from '../shared/n8n/syncState';
import { DEFAULT_MAPPING, requiredGraphAttributes, type MappingConfig } from '../shared/requester';
import { readAllUsers, readChanges, type UsersRead } from '../shared/sync/readChanges';
import { properties } from './description';

/** The Filters collection: the scope, with the attribute conditions one level down. */
type Filters = Omit<UserScope, 'attributeFilters'> & { attributeFilters?: { conditions?: AttributeFilter[] } };

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
		properties,
	};

	methods = {
		credentialTest: { azureAdConnectionTest },
		loadOptions: { getUserAttributes, getFilterableUserAttributes, getAzureAdGroups },
		listSearch: { searchAzureAdUsers },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const mode = this.getNodeParameter('mode', 0) as 'full' | 'incremental' | 'single';
		const options = this.getNodeParameter('options', 0, {}) as Options;
		let client: GraphClient | undefined;
		const connect = async () => (client ??= await getGraphClient(this, { maxTries: options.maxTries }));
		const node = this.getNode();
		if (mode === 'single') {
			return [await forEachItem(this, (itemIndex) => readOneUser(this, itemIndex, connect), { errorFor: (error, itemIndex) => nodeErrorFor(node, error, itemIndex) })];
		}
		return await runOnce(
			this,
			async () => {
				const read = mode === 'incremental' ? await readIncremental(this, options, connect) : await readFull(this, connect);
				return [read.items.map((json) => ({ json: json as IDataObject, pairedItem: { item: 0 } }))];
			},
			{ errorFor: (error) => nodeErrorFor(node, error, undefined, readScope(this).customFilter), pairedItem: { item: 0 } },
		);
	}
}

type Connect = () => Promise<GraphClient>;

async function readFull(context: IExecuteFunctions, connect: Connect): Promise<UsersRead> {
	const limit = context.getNodeParameter('returnAll', 0, true) ? undefined : (context.getNodeParameter('limit', 0) as number);
	const selection = readSelection(context, 0);
	const scope = readScope(context);
	return await readAllUsers(context.logger, await connect(), { selection, scope, limit });
}

async function readIncremental(context: IExecuteFunctions, options: Options, connect: Connect): Promise<UsersRead> {
	const request = { syncId: context.getNodeParameter('syncId', 0), selection: readSelection(context, 0), scope: readScope(context) };
	return await readChanges(syncHostFor(context), { ...request, commitAtOnce: options.commitCursor === 'immediately', resetCursor: options.resetCursor === true }, connect);
}

async function readOneUser(context: IExecuteFunctions, itemIndex: number, connect: Connect): Promise<INodeExecutionData> {
	const client = await connect();
	const idOrUpn = userLocatorValue(context.getNodeParameter('user', itemIndex) as INodeParameterResourceLocator | string);
	const selection = readSelection(context, itemIndex);
	const user = await getUser(client, idOrUpn, selection.select, selection.expandManager);
	if (!user) {
		throw new NodeOperationError(context.getNode(), `No Azure AD user with object ID or user principal name "${idOrUpn}"`, {
			itemIndex,
			description: 'Check the value. Guests have user principal names like name_domain.com#EXT#@tenant.onmicrosoft.com.',
		});
	}
	return { json: user as IDataObject };
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
	return mappingConfigFromParameters(context.getWorkflowDataProxy(itemIndex).$node[mapNode.name].parameter as IDataObject);
}

function readScope(context: IExecuteFunctions): UserScope {
	const { enabledOnly, membersOnly, withMailOnly, groupIds, attributeFilters, customFilter, customFilterAdvanced } = context.getNodeParameter('filters', 0, {}) as Filters;
	return { enabledOnly, membersOnly, withMailOnly, groupIds, attributeFilters: attributeFilters?.conditions, customFilter, customFilterAdvanced };
}

function nodeErrorFor(node: INode, error: unknown, itemIndex?: number, customFilter?: string): NodeError {
	if (error instanceof UserQueryError) return new NodeOperationError(node, error.message, { description: error.hint, itemIndex });
	if (customFilter?.trim() && error instanceof GraphError && error.status === 400) {
		return new NodeOperationError(node, `Custom Filter: Microsoft Graph rejected the query: ${error.graphMessage}`, {
			description: `${CUSTOM_FILTER_HINT}${error.requestId ? ` (request-id ${error.requestId})` : ''}`,
			itemIndex,
		});
	}
	return toNodeError(node, error, itemIndex);
}
