import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { ssoAuditCsv } from '../shared/export/ssoAudit';
import { auditActorOf, auditLogSettings, recordAudit } from '../shared/n8n/auditLog';
import { azureAdConnectionTest } from '../shared/n8n/azureAd';
import { destinationMethods } from '../shared/n8n/destinations';
import { forEachItem, pairAll, runOnce } from '../shared/n8n/itemLoop';
import { readAudit, ssoAuditEntry, type AuditRecord } from '../shared/sso/audit';
import { storeOf } from '../shared/n8n/ssoStore';
import { runItemOperation } from './operations';
import { credentials, properties, type Operation } from './description';

export class AzureAdSso implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Azure AD SSO',
		name: 'azureAdSso',
		icon: { light: 'file:../../icons/azureAd.svg', dark: 'file:../../icons/azureAd.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{ { startLogin: "Start Login", completeLogin: "Complete Login", validateSession: "Validate Session", listSessions: "List Sessions", revokeSession: "Revoke Session", signOutEverywhere: "Sign Out Everywhere", exportAuditLog: "Export Audit Log" }[$parameter["operation"]] }}',
		description:
			'Lets synced requesters sign in to a portal with Microsoft (OpenID Connect with PKCE), and manages their sessions, lockouts and the audit log',
		defaults: { name: 'Azure AD SSO' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [
			{ type: NodeConnectionTypes.Main, displayName: 'Result' },
			{ type: NodeConnectionTypes.Main, displayName: 'Audit' },
		],
		credentials,
		properties,
	};

	methods = {
		credentialTest: { azureAdConnectionTest, ...destinationMethods.credentialTest },
		loadOptions: { ...destinationMethods.loadOptions },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const operation = this.getNodeParameter('operation', 0) as Operation;
		if (operation === 'exportAuditLog') return await runOnce(this, async () => [[await exportAuditLog(this)], []], { outputCount: 2 });

		const audit = auditLogSettings(this);
		const actor = auditActorOf(this);
		const auditItems: INodeExecutionData[] = [];
		const output = await forEachItem(this, async (itemIndex) => {
			const json = await runItemOperation(this, operation, itemIndex);
			// The SSO store keeps its own events (Audit Log Size); the Audit output gets them as records.
			const records = (json.audit as unknown as AuditRecord[] | undefined) ?? [];
			auditItems.push(...recordAudit(this, records.map((record) => ({ record: ssoAuditEntry(record, actor), pairedItem: { item: itemIndex } })), audit, false));
			const throwOnFailure = this.getNodeParameter('options.throwOnFailure', itemIndex, false) as boolean;
			if (json.ok === false && throwOnFailure && !this.continueOnFail()) {
				throw new NodeOperationError(this.getNode(), `${String(json.code)}: ${String(json.adminReason)}`, {
					description: `The requester would see: ${String(json.userMessage)}`,
					itemIndex,
				});
			}
			return { json, pairedItem: { item: itemIndex } };
		});
		return [output, auditItems];
	}
}

/** The audit log as one CSV file, paired with every input item. */
async function exportAuditLog(context: IExecuteFunctions): Promise<INodeExecutionData> {
	const binaryPropertyName = context.getNodeParameter('binaryPropertyName', 0) as string;
	const options = context.getNodeParameter('options', 0, {}) as { fileName?: string; bom?: boolean };
	const records = readAudit(storeOf(context).read(), new Date());
	const fileName = options.fileName?.trim() || `sso-audit-${new Date().toISOString().slice(0, 10)}.csv`;
	const binary = await context.helpers.prepareBinaryData(Buffer.from(ssoAuditCsv(records, { bom: options.bom }), 'utf8'), fileName, 'text/csv');
	const json: IDataObject = { rows: records.length, fileName, from: records[0]?.time ?? null, to: records.at(-1)?.time ?? null };
	return { json, binary: { [binaryPropertyName]: binary }, pairedItem: pairAll(context.getInputData().length) };
}
