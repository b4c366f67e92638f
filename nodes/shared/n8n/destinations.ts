/**
 * The n8n side of requester destinations: the parameters that choose and configure one (for the
 * Upsert Requester node to spread into its properties), the credentials they use, building the
 * core destination from them, the Freshservice credential test and its custom-field dropdown.
 *
 * In the node:
 *   credentials: [...destinationCredentials],
 *   properties: [...destinationProperties, …],
 *   methods = { credentialTest: { ...destinationMethods.credentialTest }, loadOptions: { ...destinationMethods.loadOptions } };
 *   const destination = await buildDestination(this, 0, { keyKind });
 */
import {
	NodeOperationError,
	type ICredentialDataDecryptedObject,
	type ICredentialsDecrypted,
	type ICredentialTestFunctions,
	type IDataObject,
	type IExecuteFunctions,
	type ILoadOptionsFunctions,
	type INodeCredentialDescription,
	type INodeCredentialTestResult,
	type INodeProperties,
	type INodePropertyOptions,
} from 'n8n-workflow';
import { DestinationConfigError, WRITABLE_FIELDS, type StoredSource } from '../destinations/common';
import {
	FRESHSERVICE_CUSTOM_SOURCES,
	FRESHSERVICE_EXTERNAL_ID,
	FreshserviceDestination,
	testFreshserviceAccess,
	type FreshserviceOptions,
} from '../destinations/freshservice';
import { GenericRestDestination, type GenericRestOptions, type GenericRestPaths } from '../destinations/genericRest';
import type { RequesterDestination } from '../destinations/types';
import { getRequesterField, type RequesterFieldId, type SsoKeyKind } from '../requester/model';
import { describeError, toNodeError } from './errors';

export const FRESHSERVICE_CREDENTIAL = 'freshserviceApi';

export type DestinationKind = 'freshservice' | 'genericRest';

export const REQUESTER_REST_CREDENTIAL = 'requesterRestApi';

const SOURCE_LABELS: Record<'azureObjectId' | 'ssoKey', string> = {
	azureObjectId: 'Azure Object ID',
	ssoKey: 'SSO Key (as Matched)',
};

function sourceLabel(source: StoredSource): string {
	return source === 'azureObjectId' || source === 'ssoKey' ? SOURCE_LABELS[source] : getRequesterField(source).label;
}

function sourceOptions(sources: readonly StoredSource[]): INodePropertyOptions[] {
	return sources.map((source) => ({ name: sourceLabel(source), value: source })).sort((a, b) => a.name.localeCompare(b.name));
}

const showFor = (destination: DestinationKind) => ({ show: { destination: [destination] } });

export const destinationCredentials: INodeCredentialDescription[] = [
	{ name: FRESHSERVICE_CREDENTIAL, required: true, testedBy: 'freshserviceConnectionTest', displayOptions: showFor('freshservice') },
	{ name: REQUESTER_REST_CREDENTIAL, required: true, testedBy: 'requesterRestConnectionTest', displayOptions: showFor('genericRest') },
];

const genericPathOption = (name: keyof GenericRestPaths, displayName: string, description: string, fallback: string): INodeProperties => ({
	displayName,
	name: `${name}Path`,
	type: 'string',
	default: fallback,
	description,
});

export const destinationProperties: INodeProperties[] = [
	{
		displayName: 'Destination',
		name: 'destination',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Freshservice', value: 'freshservice', description: 'Requesters in Freshservice (API v2)' },
			{ name: 'Generic Requester API', value: 'genericRest', description: 'Any ITSM that implements the documented requester REST contract' },
		],
		default: 'freshservice',
		description: 'Where requesters are created, updated and deactivated',
	},
	{
		displayName: 'Custom Fields',
		name: 'freshserviceCustomFields',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Custom Field',
		default: {},
		description:
			'Store values without a built-in Freshservice field in requester custom fields. Map Azure Object ID so a changed email never creates a duplicate requester.',
		displayOptions: showFor('freshservice'),
		options: [
			{
				displayName: 'Custom Field',
				name: 'fields',
				values: [
					{
						displayName: 'Value',
						name: 'value',
						type: 'options',
						options: sourceOptions(FRESHSERVICE_CUSTOM_SOURCES),
						default: 'azureObjectId',
						description: 'What to store',
					},
					{
						displayName: 'Freshservice Field Name or ID',
						name: 'name',
						type: 'options',
						typeOptions: { loadOptionsMethod: 'getFreshserviceCustomFields' },
						default: '',
						description:
							'The requester custom field (Admin > Requester Fields), or External ID. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
					},
				],
			},
		],
	},
	{
		displayName: 'Field Names',
		name: 'genericFieldNames',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Field Name',
		default: {},
		description:
			"JSON field names that differ from the contract's (which uses the requester field names, e.g. jobTitle). A dotted name such as profile.department is nested. An empty name means the API does not store that value.",
		displayOptions: showFor('genericRest'),
		options: [
			{
				displayName: 'Field Name',
				name: 'fields',
				values: [
					{
						displayName: 'Value',
						name: 'value',
						type: 'options',
						options: sourceOptions([...WRITABLE_FIELDS, 'azureObjectId', 'ssoKey']),
						default: 'email',
					},
					{
						displayName: 'JSON Field',
						name: 'name',
						type: 'string',
						default: '',
						placeholder: 'e.g. primaryEmail',
					},
				],
			},
		],
	},
	// Defaults are literals (n8n's editor and lint need them so); a test pins them to GENERIC_REST_DEFAULTS.
	{
		displayName: 'API Settings',
		name: 'genericApi',
		type: 'collection',
		placeholder: 'Add Setting',
		default: {},
		description: "Where the API differs from the documented contract's defaults",
		displayOptions: showFor('genericRest'),
		options: [
			{
				displayName: 'Active Field',
				name: 'activeField',
				type: 'string',
				default: 'active',
				description: 'Boolean JSON field that says whether a requester is active',
			},
			genericPathOption('create', 'Create Path', 'POST here creates a requester', '/requesters'),
			genericPathOption('deactivate', 'Deactivate Path', 'POST here deactivates a requester; {id} is its ID', '/requesters/{id}/deactivate'),
			{
				displayName: 'Deactivation',
				name: 'deactivation',
				type: 'options',
				options: [
					{ name: 'Deactivate and Reactivate Endpoints', value: 'endpoints', description: 'POST to the deactivate and reactivate paths' },
					{ name: 'Set Active Field', value: 'activeField', description: 'Update the requester with the active field set to false or true' },
				],
				default: 'endpoints',
				description: 'How a requester is deactivated (never deleted) and reactivated',
			},
			genericPathOption(
				'findByAzureObjectId',
				'Find by Azure Object ID Path',
				'GET here finds requesters by stored Azure object ID ({azureObjectId}); empty when the API cannot search by it',
				'/requesters?azureObjectId={azureObjectId}',
			),
			genericPathOption('findByKey', 'Find by Key Path', 'GET here finds requesters by SSO key ({key}); empty means /requesters?&lt;key field&gt;={key}', ''),
			{
				displayName: 'ID Field',
				name: 'idField',
				type: 'string',
				default: 'id',
				description: "JSON field holding the requester's ID",
			},
			{
				displayName: 'Items Path',
				name: 'itemsPath',
				type: 'string',
				default: 'items',
				description: 'Where the array of requesters is in list and search answers; empty for a bare array',
			},
			genericPathOption('list', 'List Path', 'GET here lists every requester', '/requesters'),
			{
				displayName: 'Manager Field',
				name: 'managerField',
				type: 'string',
				default: 'managerId',
				description: "JSON field holding the manager's requester ID; empty when the API has none",
			},
			{
				displayName: 'Page Size',
				name: 'pageSize',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 1000 },
				default: 100,
				description: 'Per_page sent when listing',
			},
			{
				displayName: 'Paging',
				name: 'paging',
				type: 'options',
				options: [
					{ name: 'None', value: 'none', description: 'One answer holds every requester' },
					{ name: 'Page and Per Page', value: 'page', description: 'Page=1,2,… with per_page; a short page is the last' },
				],
				default: 'page',
			},
			genericPathOption('reactivate', 'Reactivate Path', 'POST here reactivates a requester; {id} is its ID', '/requesters/{id}/reactivate'),
			{
				displayName: 'Record Field',
				name: 'recordField',
				type: 'string',
				default: '',
				description: 'Where the requester is in single-record answers, e.g. requester; empty for the whole body',
			},
			genericPathOption('record', 'Record Path', 'One requester: GET reads it, PATCH (or PUT) updates it; {id} is its ID', '/requesters/{id}'),
			{
				displayName: 'Update Method',
				name: 'updateMethod',
				type: 'options',
				options: [
					{ name: 'PATCH', value: 'PATCH' },
					{ name: 'PUT (Partial Body)', value: 'PUT' },
				],
				default: 'PATCH',
				description: 'Updates always send only the changed fields',
			},
		],
	},
	{
		displayName: 'Destination Options',
		name: 'destinationOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Fields to Write',
				name: 'fieldsToWrite',
				type: 'multiOptions',
				options: sourceOptions(WRITABLE_FIELDS),
				default: [],
				description: 'Only compare and write these fields; leave empty for every field the destination stores',
			},
			{
				displayName: 'Max Tries',
				name: 'maxTries',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 20 },
				default: 6,
				description:
					'How many times one destination request is tried when it is throttled (429, honouring Retry-After), fails with a server error or the connection drops, before the requester fails',
			},
		],
	},
];

export interface DestinationSettings {
	/** What requesters are matched on: the Map To Requester login setting. */
	keyKind?: SsoKeyKind;
}

/** The destination the node's parameters describe, with credentials resolved. */
export async function buildDestination(context: IExecuteFunctions, itemIndex: number, settings: DestinationSettings = {}): Promise<RequesterDestination> {
	const kind = context.getNodeParameter('destination', itemIndex) as DestinationKind;
	const options = context.getNodeParameter('destinationOptions', itemIndex, {}) as IDataObject;
	const shared = {
		keyKind: settings.keyKind,
		fields: (options.fieldsToWrite as RequesterFieldId[] | undefined) ?? [],
		retry: typeof options.maxTries === 'number' ? { maxAttempts: options.maxTries } : undefined,
		onRetry: (info: { attempt: number; delayMs: number; reason: string }) =>
			context.logger.warn(`Requester destination: ${info.reason}, retry ${info.attempt} in ${info.delayMs} ms`),
	};
	try {
		if (kind === 'freshservice') {
			const credential = await context.getCredentials(FRESHSERVICE_CREDENTIAL, itemIndex);
			const customFields = fixedCollectionPairs(context.getNodeParameter('freshserviceCustomFields', itemIndex, {}));
			return new FreshserviceDestination({ ...freshserviceConnection(credential), customFields: customFields as FreshserviceOptions['customFields'], ...shared });
		}
		const credential = await context.getCredentials(REQUESTER_REST_CREDENTIAL, itemIndex);
		return new GenericRestDestination({
			baseUrl: String(credential.baseUrl ?? ''),
			headers: genericAuthHeaders(credential),
			fieldNames: fixedCollectionPairs(context.getNodeParameter('genericFieldNames', itemIndex, {})) as GenericRestOptions['fieldNames'],
			...genericApiSettings(context.getNodeParameter('genericApi', itemIndex, {}) as IDataObject),
			...shared,
		});
	} catch (error) {
		if (!(error instanceof DestinationConfigError)) throw toNodeError(context.getNode(), error, itemIndex);
		throw new NodeOperationError(context.getNode(), error.message, {
			description: `Fix "${error.field}" in the ${kind === 'freshservice' ? 'node or the Freshservice credential' : 'node'} settings.`,
			itemIndex,
		});
	}
}

function freshserviceConnection(data: ICredentialDataDecryptedObject): Pick<FreshserviceOptions, 'domain' | 'baseUrl' | 'apiKey'> {
	return { domain: String(data.domain ?? ''), baseUrl: String(data.baseUrl ?? ''), apiKey: String(data.apiKey ?? '') };
}

/** `{ fields: [{ value, name }] }` from a fixedCollection into `{ [value]: name }`. */
function fixedCollectionPairs(parameter: unknown): Record<string, string> {
	const entries = (parameter as { fields?: Array<{ value?: string; name?: string }> } | undefined)?.fields ?? [];
	return Object.fromEntries(entries.filter((entry) => entry.value).map((entry) => [entry.value as string, entry.name ?? '']));
}

function genericApiSettings(settings: IDataObject): Partial<GenericRestOptions> {
	const paths: Partial<GenericRestPaths> = {};
	for (const name of ['findByKey', 'findByAzureObjectId', 'list', 'create', 'record', 'deactivate', 'reactivate'] as const) {
		const value = settings[`${name}Path`];
		// An empty Find by Key Path means "the default"; an empty Find by Azure Object ID Path means "cannot search".
		if (typeof value === 'string' && (value.trim() !== '' || name === 'findByAzureObjectId')) paths[name] = value;
	}
	const text = (name: string) => (typeof settings[name] === 'string' ? (settings[name] as string) : undefined);
	return {
		paths,
		idField: text('idField'),
		activeField: text('activeField'),
		managerField: text('managerField'),
		itemsPath: text('itemsPath'),
		recordPath: text('recordField'),
		paging: text('paging') as GenericRestOptions['paging'],
		pageSize: typeof settings.pageSize === 'number' ? settings.pageSize : undefined,
		updateMethod: text('updateMethod') as GenericRestOptions['updateMethod'],
		deactivation: text('deactivation') as GenericRestOptions['deactivation'],
	};
}

/** The request headers a Requester REST API credential stands for. */
export function genericAuthHeaders(data: ICredentialDataDecryptedObject): Record<string, string> {
	const type = String(data.authentication ?? 'bearer');
	if (type === 'none') return {};
	if (type === 'bearer') return { Authorization: `Bearer ${String(data.token ?? '')}` };
	if (type === 'basic') return { Authorization: `Basic ${Buffer.from(`${String(data.user ?? '')}:${String(data.password ?? '')}`).toString('base64')}` };
	const name = String(data.headerName ?? '').trim();
	if (name === '') throw new DestinationConfigError('Header Name', 'is empty in the Requester REST API credential');
	return { [name]: String(data.apiKey ?? '') };
}

/** Backs the Requester REST API credential's Test button: lists one page of requesters. */
export async function requesterRestConnectionTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
	const data = credential.data ?? {};
	try {
		const destination = new GenericRestDestination({ baseUrl: String(data.baseUrl ?? ''), headers: genericAuthHeaders(data), pageSize: 1, retry: { maxAttempts: 2 } });
		for await (const page of destination.list()) {
			return { status: 'OK', message: `Connected: the requester list answered (${page.length} on the first page)` };
		}
		return { status: 'OK', message: 'Connected: the requester list is empty' };
	} catch (error) {
		return { status: 'Error', message: describeError(error).message };
	}
}

/** Backs the Freshservice credential's Test button: one small authenticated read. */
export async function freshserviceConnectionTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
	const result = await testFreshserviceAccess(freshserviceConnection(credential.data ?? {}));
	return { status: result.ok ? 'OK' : 'Error', message: result.message };
}

/** Dropdown of the account's requester custom fields, plus the built-in External ID. */
export async function getFreshserviceCustomFields(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const credential = await this.getCredentials(FRESHSERVICE_CREDENTIAL);
	try {
		const fields = await new FreshserviceDestination({ ...freshserviceConnection(credential), retry: { maxAttempts: 2 } }).listCustomFields();
		return [
			{ name: 'External ID (Built-In Field)', value: FRESHSERVICE_EXTERNAL_ID },
			...fields.map((field) => ({ name: field.label, value: field.name, description: field.name })).sort((a, b) => a.name.localeCompare(b.name)),
		];
	} catch (error) {
		throw new NodeOperationError(this.getNode(), `Could not read Freshservice requester fields: ${describeError(error).message}`);
	}
}

export const destinationMethods = {
	credentialTest: { freshserviceConnectionTest, requesterRestConnectionTest },
	loadOptions: { getFreshserviceCustomFields },
};

