/**
 * The generic requester API's piece of the n8n adapter: its parameters, its credential (turned
 * into request headers), building the client from them and the credential's Test button.
 * Type-only n8n imports; the generic adapter (nodes/shared/n8n/destinations.ts) turns thrown
 * errors into n8n errors.
 */
import type { ICredentialDataDecryptedObject, ICredentialsDecrypted, ICredentialTestFunctions, IDataObject, INodeCredentialTestResult, INodeProperties } from 'n8n-workflow';
import { describeError } from '../../errorSummary';
import { fixedCollectionPairs, sourceOptions, type DestinationDescriptor } from '../../n8n/destinationDescriptor';
import { maxRequestsPerMinuteProperty, rateBudgetShareProperty } from '../../n8n/options';
import { DestinationConfigError, WRITABLE_FIELDS } from '../common';
import { GenericRestDestination } from './client';
import type { GenericRestOptions, GenericRestPaths } from './settings';

export const REQUESTER_REST_CREDENTIAL = 'requesterRestApi';

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

const pathOption = (name: keyof GenericRestPaths, displayName: string, description: string, fallback: string): INodeProperties => ({
	displayName,
	name: `${name}Path`,
	type: 'string',
	default: fallback,
	description,
});

export const genericRestDestination: DestinationDescriptor = {
	label: 'Generic Requester API',
	description: 'Any ITSM that implements the documented requester REST contract',
	credential: REQUESTER_REST_CREDENTIAL,
	testedBy: 'requesterRestConnectionTest',
	properties: [
		{
			displayName: 'Field Names',
			name: 'genericFieldNames',
			type: 'fixedCollection',
			typeOptions: { multipleValues: true },
			placeholder: 'Add Field Name',
			default: {},
			description:
				"JSON field names that differ from the contract's (which uses the requester field names, e.g. jobTitle). A dotted name such as profile.department is nested. An empty name means the API does not store that value.",
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
			options: [
				{
					displayName: 'Active Field',
					name: 'activeField',
					type: 'string',
					default: 'active',
					description: 'Boolean JSON field that says whether a requester is active',
				},
				pathOption('create', 'Create Path', 'POST here creates a requester', '/requesters'),
				pathOption('deactivate', 'Deactivate Path', 'POST here deactivates a requester; {id} is its ID', '/requesters/{id}/deactivate'),
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
				pathOption(
					'findByAzureObjectId',
					'Find by Azure Object ID Path',
					'GET here finds requesters by stored Azure object ID ({azureObjectId}); empty when the API cannot search by it',
					'/requesters?azureObjectId={azureObjectId}',
				),
				pathOption('findByKey', 'Find by Key Path', 'GET here finds requesters by SSO key ({key}); empty means /requesters?&lt;key field&gt;={key}', ''),
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
				pathOption('list', 'List Path', 'GET here lists every requester', '/requesters'),
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
				pathOption('reactivate', 'Reactivate Path', 'POST here reactivates a requester; {id} is its ID', '/requesters/{id}/reactivate'),
				{
					displayName: 'Record Field',
					name: 'recordField',
					type: 'string',
					default: '',
					description: 'Where the requester is in single-record answers, e.g. requester; empty for the whole body',
				},
				pathOption('record', 'Record Path', 'One requester: GET reads it, PATCH (or PUT) updates it; {id} is its ID', '/requesters/{id}'),
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
	],
	options: [
		rateBudgetShareProperty(
			"Share of the API's request budget this sync may use, in %; the rest stays for other clients. The budget is learned from the RateLimit or X-RateLimit headers the API sends; without them only Max Requests per Minute and 429 answers slow the sync down.",
		),
		maxRequestsPerMinuteProperty('At most this many requests per minute to the API, whatever it announces; 0 for no ceiling (needed to pace an API that sends no rate headers)'),
	],
	build: ({ credential, parameter, shared }) =>
		new GenericRestDestination({
			baseUrl: String(credential.baseUrl ?? ''),
			headers: genericAuthHeaders(credential),
			fieldNames: fixedCollectionPairs(parameter('genericFieldNames', {})) as GenericRestOptions['fieldNames'],
			...genericApiSettings(parameter('genericApi', {}) as IDataObject),
			...shared,
		}),
	methods: {
		credentialTest: { requesterRestConnectionTest },
	},
};
