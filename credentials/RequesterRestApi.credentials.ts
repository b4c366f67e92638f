import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * An ITSM's requester REST API that follows the pack's documented contract (GENERIC_REST.md):
 * where it lives and how to authenticate. Tested by `requesterRestConnectionTest`, which lists one
 * page of requesters.
 */
// Nodes take it from destinationCredentials (nodes/shared/n8n/destinations.ts), which sets testedBy; the rule only reads literal lists in node files.
// eslint-disable-next-line @n8n/community-nodes/credential-test-required
export class RequesterRestApi implements ICredentialType {
	name = 'requesterRestApi';

	displayName = 'Requester REST API';

	icon: Icon = { light: 'file:../icons/requester.svg', dark: 'file:../icons/requester.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-azure-ad-sync/n8n-nodes-azure-ad-sync/blob/main/nodes/shared/destinations/GENERIC_REST.md';

	properties: INodeProperties[] = [
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://itsm.example.com/api/v1',
			description: 'Root of the requester API; the paths set in the node are appended to it. https only (http only for 127.0.0.1 or localhost).',
		},
		{
			displayName: 'Authentication',
			name: 'authentication',
			type: 'options',
			options: [
				{ name: 'Bearer Token', value: 'bearer' },
				{ name: 'Header', value: 'header', description: 'One header with a secret value, e.g. X-API-Key' },
				{ name: 'Basic Auth', value: 'basic' },
				{ name: 'None', value: 'none', description: 'For an API that authenticates by network location only' },
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
			displayOptions: { show: { authentication: ['bearer'] } },
		},
		{
			displayName: 'Header Name',
			name: 'headerName',
			type: 'string',
			default: 'X-API-Key',
			required: true,
			displayOptions: { show: { authentication: ['header'] } },
		},
		{
			displayName: 'Header Value',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			displayOptions: { show: { authentication: ['header'] } },
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
	];
}
