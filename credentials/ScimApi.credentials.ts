import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * A SCIM 2.0 service: its root and how to authenticate. Nodes test it with `scimConnectionTest`
 * (probeScimServer: what the service supports, or what to fix); the declarative `authenticate` and
 * `test` below serve any other use, such as n8n's HTTP Request node with this predefined credential
 * (which sends Authorization only, not the extra header).
 */
export class ScimApi implements ICredentialType {
	name = 'scimApi';

	displayName = 'SCIM API';

	icon: Icon = { light: 'file:../icons/requester.svg', dark: 'file:../icons/requester.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-azure-ad-sync/n8n-nodes-azure-ad-sync/blob/main/nodes/shared/destinations/scim/SCIM.md';

	properties: INodeProperties[] = [
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://scim.example.com/scim/v2',
			description: 'The SCIM root, without /Users (e.g. …/scim/v2). https only (http only for 127.0.0.1 or localhost).',
		},
		{
			displayName: 'Authentication',
			name: 'authentication',
			type: 'options',
			options: [
				{ name: 'Bearer Token', value: 'bearer' },
				{ name: 'Basic Auth', value: 'basic' },
			],
			default: 'bearer',
		},
		{
			displayName: 'Token',
			name: 'token',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			placeholder: 'e.g. FAKE-scim-token',
			description: 'Sent as Authorization: Bearer; never shown in output or errors',
			displayOptions: { show: { authentication: ['bearer'] } },
		},
		{
			displayName: 'User',
			name: 'user',
			type: 'string',
			default: '',
			required: true,
			displayOptions: { show: { authentication: ['basic'] } },
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			displayOptions: { show: { authentication: ['basic'] } },
		},
		{
			displayName: 'Extra Header Name',
			name: 'headerName',
			type: 'string',
			default: '',
			placeholder: 'e.g. X-Tenant-ID',
			description: 'Optional header some services need besides Authorization (leave empty for none)',
		},
		{
			displayName: 'Extra Header Value',
			name: 'headerSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'Value of the extra header; never shown in output or errors',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization:
					'={{ $credentials.authentication === "basic" ? "Basic " + ($credentials.user + ":" + $credentials.password).base64Encode() : "Bearer " + $credentials.token }}',
			},
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{ $credentials.baseUrl.trim().replace(/\\/+$/, "").replace(/\\/Users$/i, "") }}',
			url: '/ServiceProviderConfig',
			headers: { Accept: 'application/scim+json' },
		},
	};
}
