import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * The Azure AD (Microsoft Entra ID) app registration the pack signs in as, app-only (client
 * credentials). Tested by the nodes' `azureAdConnectionTest`, which signs in with MSAL (a client
 * secret or a certificate) and reads the tenant.
 */
export class AzureAdSyncApi implements ICredentialType {
	name = 'azureAdSyncApi';

	displayName = 'Azure AD API';

	icon: Icon = { light: 'file:../icons/azureAd.svg', dark: 'file:../icons/azureAd.dark.svg' };

	documentationUrl = 'https://learn.microsoft.com/en-us/entra/identity-platform/quickstart-register-app';

	properties: INodeProperties[] = [
		{
			displayName: 'Tenant ID',
			name: 'tenantId',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. 72f988bf-86f1-41af-91ab-2d7cd011db47 or contoso.onmicrosoft.com',
			description: "Directory (tenant) ID from the app registration's Overview page, or a verified domain of the tenant",
		},
		{
			displayName: 'Client ID',
			name: 'clientId',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. 11111111-2222-3333-4444-555555555555',
			description: "Application (client) ID from the app registration's Overview page",
		},
		{
			displayName: 'Authentication',
			name: 'authentication',
			type: 'options',
			options: [
				{ name: 'Client Secret', value: 'clientSecret', description: 'A secret created under Certificates & secrets' },
				{ name: 'Certificate', value: 'certificate', description: 'A certificate uploaded under Certificates & secrets, and its private key' },
			],
			default: 'clientSecret',
		},
		{
			displayName: 'Client Secret',
			name: 'clientSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: "The secret's Value (shown once when it was created), not its Secret ID",
			displayOptions: { show: { authentication: ['clientSecret'] } },
		},
		{
			displayName: 'Private Key',
			name: 'privateKey',
			type: 'string',
			typeOptions: { password: true, rows: 4 },
			default: '',
			required: true,
			placeholder: '-----BEGIN PRIVATE KEY-----',
			description: "PEM private key of the certificate (unencrypted PKCS#8 or PKCS#1). Never leaves n8n: it signs the sign-in assertion.",
			displayOptions: { show: { authentication: ['certificate'] } },
		},
		{
			displayName: 'Certificate',
			name: 'certificate',
			type: 'string',
			typeOptions: { password: true, rows: 4 },
			default: '',
			placeholder: '-----BEGIN CERTIFICATE-----',
			description: 'PEM certificate (public part). Give this or the thumbprint; with it the thumbprint is derived and expiry can be reported.',
			displayOptions: { show: { authentication: ['certificate'] } },
		},
		{
			displayName: 'Certificate Thumbprint',
			name: 'thumbprint',
			type: 'string',
			default: '',
			placeholder: 'e.g. 3F2A…(40 or 64 hex characters)',
			description: 'Thumbprint shown under Certificates & secrets (SHA-1, 40 hex characters) or a SHA-256 thumbprint (64). Leave empty when the certificate is given.',
			displayOptions: { show: { authentication: ['certificate'] } },
		},
		{
			displayName: 'Cloud',
			name: 'cloud',
			type: 'options',
			options: [
				{ name: 'Global (Azure Public Cloud)', value: 'global' },
				{ name: 'US Government (GCC High, L4)', value: 'usGov' },
				{ name: 'US Government DoD (L5)', value: 'usGovDod' },
				{ name: 'China (Operated by 21Vianet)', value: 'china' },
				{ name: 'Custom Endpoints', value: 'custom', description: 'Your own sign-in host and Graph endpoint, for example a local test stand-in' },
			],
			default: 'global',
			description: 'Which Microsoft cloud the tenant lives in',
		},
		{
			displayName: 'Authority Host',
			name: 'authorityHost',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://login.example.com',
			description: 'Sign-in host, without the tenant (https only)',
			displayOptions: { show: { cloud: ['custom'] } },
		},
		{
			displayName: 'Graph Endpoint',
			name: 'graphEndpoint',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://graph.example.com',
			description: 'Microsoft Graph root, without /v1.0 (https only)',
			displayOptions: { show: { cloud: ['custom'] } },
		},
	];
}
