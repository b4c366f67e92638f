/**
 * ServiceNow's piece of the n8n adapter: its parameters (which sys_user columns hold the key and
 * the Azure object id), its credential (Basic or OAuth 2.0), building the client from them and the
 * credential's Test button. Type-only n8n imports; the generic adapter
 * (nodes/shared/n8n/destinations.ts) turns thrown errors into n8n errors.
 */
import type { ICredentialDataDecryptedObject, ICredentialsDecrypted, ICredentialTestFunctions, INodeCredentialTestResult } from 'n8n-workflow';
import type { DestinationDescriptor } from '../../n8n/destinationDescriptor';
import { maxRequestsPerMinuteProperty, rateBudgetShareProperty } from '../../n8n/options';
import { DestinationConfigError } from '../common';
import { testServiceNowAccess } from './access';
import { ServiceNowDestination } from './client';
import type { ServiceNowAuth, ServiceNowOptions } from './settings';

export const SERVICENOW_CREDENTIAL = 'serviceNowApi';

/** The sign-in a ServiceNow API credential stands for. */
export function serviceNowAuth(data: ICredentialDataDecryptedObject): ServiceNowAuth {
	const text = (name: string) => String(data[name] ?? '');
	const type = String(data.authentication ?? 'basic');
	if (type === 'basic') return { kind: 'basic', username: text('user'), password: text('password') };
	if (type !== 'oAuth2') throw new DestinationConfigError('Authentication', 'must be Basic or OAuth 2.0');
	const grant = data.grantType === 'password' ? 'password' : 'clientCredentials';
	return {
		kind: 'oauth',
		grant,
		clientId: text('clientId'),
		clientSecret: text('clientSecret'),
		...(grant === 'password' ? { username: text('oauthUser'), password: text('oauthPassword') } : {}),
	};
}

function serviceNowConnection(data: ICredentialDataDecryptedObject): Pick<ServiceNowOptions, 'instance' | 'baseUrl' | 'auth'> {
	return { instance: String(data.instanceUrl ?? ''), baseUrl: String(data.baseUrl ?? ''), auth: serviceNowAuth(data) };
}

/** Backs the ServiceNow credential's Test button: one sys_user row, with the node's default columns. */
export async function serviceNowConnectionTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
	let connection: Pick<ServiceNowOptions, 'instance' | 'baseUrl' | 'auth'>;
	try {
		connection = serviceNowConnection(credential.data ?? {});
	} catch (error) {
		return { status: 'Error', message: error instanceof Error ? error.message : String(error) };
	}
	const result = await testServiceNowAccess(connection);
	return { status: result.ok ? 'OK' : 'Error', message: result.message };
}

export const servicenowDestination: DestinationDescriptor = {
	label: 'ServiceNow',
	description: 'Users (sys_user) in ServiceNow, over the Table API',
	credential: SERVICENOW_CREDENTIAL,
	testedBy: 'serviceNowConnectionTest',
	settingsPlace: 'node or the ServiceNow credential',
	properties: [
		{
			displayName: 'Key Field',
			name: 'servicenowKeyField',
			type: 'string',
			default: '',
			placeholder: 'e.g. email, user_name or u_upn',
			description:
				'The sys_user column requesters are matched on; it must be unique. Empty means email when matching on email, user_name on UPN, employee_number on employee ID, and the Azure Object ID Field on objectId.',
		},
		{
			displayName: 'Azure Object ID Field',
			name: 'servicenowAzureObjectIdField',
			type: 'string',
			default: '',
			placeholder: 'e.g. source, employee_number or u_azure_object_id',
			description:
				'The sys_user text column that keeps the Azure object ID, so a changed email or UPN never creates a duplicate user. Empty means the object ID is not stored.',
		},
	],
	options: [
		rateBudgetShareProperty(
			"Share of the instance's rate limit rule this sync may use, in %; the rest stays for the service account's other integrations. The budget is learned from the X-RateLimit-Limit (per hour) and X-RateLimit-Reset headers ServiceNow sends when a rule applies.",
		),
		maxRequestsPerMinuteProperty('At most this many Table API requests per minute to the instance, whatever its rate limit rules; 0 for no ceiling of your own (the only pace when no rule applies)'),
	],
	build: ({ credential, parameter, shared }) => {
		const column = (name: string) => String(parameter(name, '') ?? '');
		return new ServiceNowDestination({
			...serviceNowConnection(credential),
			keyField: column('servicenowKeyField'),
			azureObjectIdField: column('servicenowAzureObjectIdField'),
			...shared,
		});
	},
	methods: {
		credentialTest: { serviceNowConnectionTest },
	},
};
