import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import type { FeatureId } from '../shared/graph/permissions';
import { verifyTenant } from '../shared/graph/verify';
import { azureAdConnectionTest, getGraphClient } from '../shared/n8n/azureAd';
import { describeError } from '../shared/n8n/errors';
import { pairAll, runOnce } from '../shared/n8n/itemLoop';
import { credentials, properties, type VerifyOptions } from './description';

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
		credentials,
		properties,
	};

	methods = { credentialTest: { azureAdConnectionTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const pairedItem = items.length > 0 ? pairAll(items.length) : { item: 0 };
		const required = this.getNodeParameter('failWhenNotReady', 0, []) as FeatureId[];
		const options = this.getNodeParameter('options', 0, {}) as VerifyOptions;

		return runOnce(
			this,
			async () => {
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
			},
			// The machine-readable reason (an AADSTS reason, a Graph code) next to the message.
			{ pairedItem, errorJson: (_error, _itemIndex, cause) => ({ code: describeError(cause).code ?? null }) },
		);
	}
}
