/** Parameters of the Azure AD Verify node. */
import type { INodeCredentialDescription, INodeProperties } from 'n8n-workflow';
import { FEATURES } from '../shared/graph/permissions';
import { maxTriesOption } from '../shared/n8n/azureAd';

/** The Options collection, as the node reads it. */
export interface VerifyOptions {
	checkCredentialExpiry?: boolean;
	expiryWarningDays?: number;
	maxTries?: number;
}

export const credentials: INodeCredentialDescription[] = [{ name: 'azureAdSyncApi', required: true, testedBy: 'azureAdConnectionTest' }];

export const properties: INodeProperties[] = [
	{
		displayName: 'Fail When Not Ready',
		name: 'failWhenNotReady',
		type: 'multiOptions',
		options: FEATURES.map((feature) => ({ name: feature.label, value: feature.id, description: `Needs ${feature.anyOf.map((set) => set.join(' + ')).join(', or ')}` })),
		default: [],
		description: 'Stop the workflow with an error naming the missing permission when any of these features is not ready. Leave empty to only report.',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Check Secret and Certificate Expiry',
				name: 'checkCredentialExpiry',
				type: 'boolean',
				default: true,
				description: "Whether to read the app registration's secrets and certificates and warn before they expire (needs Application.Read.All; skipped without it)",
			},
			{
				displayName: 'Expiry Warning (Days)',
				name: 'expiryWarningDays',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 365 },
				default: 30,
				description: 'Warn when the secret or certificate in use expires within this many days',
			},
			maxTriesOption,
		],
	},
];
