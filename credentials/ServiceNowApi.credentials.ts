import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * A ServiceNow instance and the service account the sync signs in as: Basic (user and password)
 * or OAuth 2.0 through /oauth_token.do (an Application Registry entry; client credentials or the
 * password grant). Set-up: nodes/shared/destinations/servicenow/SERVICENOW.md. Tested by
 * `serviceNowConnectionTest`, which reads one sys_user row (an OAuth token needs a request of its
 * own first, which a declarative test cannot make).
 */
// Nodes take it from destinationCredentials (nodes/shared/n8n/destinations.ts), which sets testedBy; the rule only reads literal lists in node files.
// eslint-disable-next-line @n8n/community-nodes/credential-test-required
export class ServiceNowApi implements ICredentialType {
	name = 'serviceNowApi';

	displayName = 'ServiceNow API';

	icon: Icon = { light: 'file:../icons/requester.svg', dark: 'file:../icons/requester.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-azure-ad-sync/n8n-nodes-azure-ad-sync/blob/main/nodes/shared/destinations/servicenow/SERVICENOW.md';

	properties: INodeProperties[] = [
		{
			displayName: 'Instance URL',
			name: 'instanceUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://<instance>.service-now.com',
			description: 'Your instance: acme, acme.service-now.com or https://acme.service-now.com (a custom https domain works too)',
		},
		{
			displayName: 'Authentication',
			name: 'authentication',
			type: 'options',
			options: [
				{ name: 'Basic', value: 'basic', description: 'The service account\'s user name and password' },
				{ name: 'OAuth 2.0', value: 'oAuth2', description: 'An Application Registry entry\'s client ID and secret, through /oauth_token.do' },
			],
			default: 'basic',
		},
		{
			displayName: 'User Name',
			name: 'user',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. svc.azure-sync',
			description: 'A service account with the user_admin role (or read and write ACLs on sys_user)',
			displayOptions: { show: { authentication: ['basic'] } },
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'Never shown in output or errors',
			displayOptions: { show: { authentication: ['basic'] } },
		},
		{
			displayName: 'Grant Type',
			name: 'grantType',
			type: 'options',
			options: [
				{ name: 'Client Credentials', value: 'clientCredentials', description: 'Runs as the registry entry\'s OAuth Application User (Washington DC and later)' },
				{ name: 'Password', value: 'password', description: 'Runs as the service account given below' },
			],
			default: 'clientCredentials',
			displayOptions: { show: { authentication: ['oAuth2'] } },
		},
		{
			displayName: 'Client ID',
			name: 'clientId',
			type: 'string',
			default: '',
			required: true,
			description: 'System OAuth > Application Registry > your entry\'s Client ID',
			displayOptions: { show: { authentication: ['oAuth2'] } },
		},
		{
			displayName: 'Client Secret',
			name: 'clientSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The registry entry\'s Client Secret; never shown in output or errors',
			displayOptions: { show: { authentication: ['oAuth2'] } },
		},
		{
			displayName: 'User Name',
			name: 'oauthUser',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. svc.azure-sync',
			description: 'The service account the password grant signs in as (user_admin, or read and write ACLs on sys_user)',
			displayOptions: { show: { authentication: ['oAuth2'], grantType: ['password'] } },
		},
		{
			displayName: 'Password',
			name: 'oauthPassword',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'Never shown in output or errors',
			displayOptions: { show: { authentication: ['oAuth2'], grantType: ['password'] } },
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'https://proxy.example.com',
			description:
				'Leave empty to use the instance URL. Set it to reach ServiceNow through a proxy or a local test stand-in (https, or http on 127.0.0.1 only); /api/now/… and /oauth_token.do are appended.',
		},
	];
}
