import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { FEATURES, type FeatureId } from '../shared/graph/permissions';
import { verifyTenant } from '../shared/graph/verify';
import { azureAdConnectionTest, getGraphClient, maxTriesOption } from '../shared/n8n/azureAd';
import { describeError, toNodeError } from '../shared/n8n/errors';

export class AzureAdVerify implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Azure AD Verify',
		name: 'azureAdVerify',
		icon: { light: 'file:../../icons/azureAd.svg', dark: 'file:../../icons/azureAd.dark.svg' },
		group: ['input'],
		version: 1,
		subtitle: 'Check tenant, app and permissions',
		description: 'Proves the Azure AD app can sign in, and reports the tenant, granted Graph permissions and which sync and account-action features are ready',
		defaults: { name: 'Azure AD Verify' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'azureAdSyncApi', required: true, testedBy: 'azureAdConnectionTest' }],
		properties: [
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
		],
	};

	methods = { credentialTest: { azureAdConnectionTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const pairedItem = items.length > 0 ? items.map((_, index) => ({ item: index })) : { item: 0 };
		const required = this.getNodeParameter('failWhenNotReady', 0, []) as FeatureId[];
		const options = this.getNodeParameter('options', 0, {}) as { checkCredentialExpiry?: boolean; expiryWarningDays?: number; maxTries?: number };

		try {
			const client = await getGraphClient(this, { maxTries: options.maxTries });
			const report = await verifyTenant(client, {
				checkCredentialExpiry: options.checkCredentialExpiry,
				expiryWarningDays: options.expiryWarningDays,
			});
			const blocked = report.features.filter((feature) => required.includes(feature.feature) && !feature.ready);
			if (blocked.length > 0) {
				throw new NodeOperationError(
					this.getNode(),
					`Not ready: ${blocked.map((feature) => `${feature.label} (missing ${feature.missing?.join(' + ')})`).join('; ')}`,
					{
						description: `Add the missing application permissions under API permissions in the app registration and press "Grant admin consent". ${blocked
							.map((feature) => `${feature.label} needs ${feature.requires}.`)
							.join(' ')}`,
					},
				);
			}
			for (const warning of report.warnings) this.logger.warn(`Azure AD Verify: ${warning}`);
			return [[{ json: report as unknown as IDataObject, pairedItem }]];
		} catch (error) {
			if (this.continueOnFail()) {
				const summary = describeError(error);
				return [[{ json: { error: summary.message, description: summary.description ?? null, code: summary.code ?? null }, pairedItem }]];
			}
			throw toNodeError(this.getNode(), error);
		}
	}
}
