import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * A Freshservice account's API key. Nodes test it with `freshserviceConnectionTest` (same core as
 * the sync, plain-words failures); the declarative `test` below serves any other use, such as n8n's
 * HTTP Request node with this predefined credential.
 */
export class FreshserviceApi implements ICredentialType {
	name = 'freshserviceApi';

	displayName = 'Freshservice API';

	icon: Icon = { light: 'file:../icons/requester.svg', dark: 'file:../icons/requester.dark.svg' };

	documentationUrl = 'https://api.freshservice.com/#authentication';

	properties: INodeProperties[] = [
		{
			displayName: 'Domain',
			name: 'domain',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. acme for acme.freshservice.com',
			description: 'Your Freshservice subdomain (acme, or acme.freshservice.com)',
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: "Profile Settings > API Key of an agent allowed to manage requesters. Sent as the Basic-auth user name; never shown in output or errors.",
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'https://proxy.example.com/api/v2',
			description:
				'Leave empty to use https://&lt;domain&gt;.freshservice.com/api/v2. Set it to reach Freshservice through a proxy or a local test stand-in (https, or http on 127.0.0.1 only), including /api/v2.',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: { auth: { username: '={{$credentials.apiKey}}', password: 'X' } },
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL:
				'={{ $credentials.baseUrl ? $credentials.baseUrl.trim().replace(/\\/+$/, "") : "https://" + $credentials.domain.trim().toLowerCase().replace(/^https?:\\/\\//, "").replace(/\\.freshservice\\.com.*$/, "").replace(/\\/.*$/, "") + ".freshservice.com/api/v2" }}',
			url: '/requesters',
			qs: { per_page: 1 },
		},
	};
}
