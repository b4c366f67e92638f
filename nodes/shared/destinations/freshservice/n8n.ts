/**
 * Freshservice's piece of the n8n adapter: its parameters, its credential, building the client
 * from them, the credential's Test button and the custom-field dropdown. Type-only n8n imports;
 * the generic adapter (nodes/shared/n8n/destinations.ts) turns thrown errors into n8n errors.
 */
import type { ICredentialDataDecryptedObject, ICredentialsDecrypted, ICredentialTestFunctions, ILoadOptionsFunctions, INodeCredentialTestResult, INodePropertyOptions } from 'n8n-workflow';
import { describeError } from '../../errorSummary';
import { sourceOptions, fixedCollectionPairs, type DestinationDescriptor } from '../../n8n/destinationDescriptor';
import { maxRequestsPerMinuteProperty, rateBudgetShareProperty } from '../../n8n/options';
import { testFreshserviceAccess } from './access';
import { FreshserviceDestination, type FreshserviceOptions } from './client';
import { FRESHSERVICE_CUSTOM_SOURCES, FRESHSERVICE_EXTERNAL_ID } from './fields';

export const FRESHSERVICE_CREDENTIAL = 'freshserviceApi';

function freshserviceConnection(data: ICredentialDataDecryptedObject): Pick<FreshserviceOptions, 'domain' | 'baseUrl' | 'apiKey'> {
	return { domain: String(data.domain ?? ''), baseUrl: String(data.baseUrl ?? ''), apiKey: String(data.apiKey ?? '') };
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
		throw new Error(`Could not read Freshservice requester fields: ${describeError(error).message}`);
	}
}

export const freshserviceDestination: DestinationDescriptor = {
	label: 'Freshservice',
	description: 'Requesters in Freshservice (API v2)',
	credential: FRESHSERVICE_CREDENTIAL,
	testedBy: 'freshserviceConnectionTest',
	settingsPlace: 'node or the Freshservice credential',
	properties: [
		{
			displayName: 'Custom Fields',
			name: 'freshserviceCustomFields',
			type: 'fixedCollection',
			typeOptions: { multipleValues: true },
			placeholder: 'Add Custom Field',
			default: {},
			description:
				'Store values without a built-in Freshservice field in requester custom fields. Map Azure Object ID so a changed email never creates a duplicate requester.',
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
	],
	options: [
		rateBudgetShareProperty(
			"Share of the Freshservice account's per-minute request budget this sync may use, in %; the rest stays for agents and other integrations. The budget is learned from the X-RateLimit headers Freshservice sends.",
		),
		maxRequestsPerMinuteProperty('At most this many requests per minute to the Freshservice account, whatever its budget; 0 for no ceiling of your own'),
	],
	build: ({ credential, parameter, shared }) => {
		const customFields = fixedCollectionPairs(parameter('freshserviceCustomFields', {}));
		return new FreshserviceDestination({ ...freshserviceConnection(credential), customFields: customFields as FreshserviceOptions['customFields'], ...shared });
	},
	methods: {
		credentialTest: { freshserviceConnectionTest },
		loadOptions: { getFreshserviceCustomFields },
	},
};
