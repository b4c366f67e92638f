import {
	NodeApiError,
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type JsonObject,
} from 'n8n-workflow';
import {
	AccountActionSettingError,
	runAccountAction,
	type AccountAction,
	type AccountActionRequest,
	type AccountActionResult,
	type PasswordResetSettings,
} from '../shared/graph/accountActions';
import { accountActionEntry } from '../shared/graph/accountActionAudit';
import { GraphError } from '../shared/graph/errors';
import type { GraphClient } from '../shared/graph/client';
import { parseList, ProtectionSettingError } from '../shared/graph/protection';
import type { MatchBy } from '../shared/graph/userResolution';
import { auditActorOf, auditLogSettings, recordAudit, type PairedAuditEntry } from '../shared/n8n/auditLog';
import { azureAdConnectionTest, getGraphClient } from '../shared/n8n/azureAd';
import { forEachItem } from '../shared/n8n/itemLoop';
import { credentials, properties, type NodeOptions } from './description';

const ACTION_LABELS: Record<AccountAction, string> = {
	forcePasswordReset: 'Force password reset',
	unlock: 'Unlock',
	disable: 'Disable',
	revokeSessions: 'Revoke sessions',
};

export class AzureAdAccountAction implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Azure AD Account Action',
		name: 'azureAdAccountAction',
		icon: { light: 'file:../../icons/azureAd.svg', dark: 'file:../../icons/azureAd.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ {"forcePasswordReset": "Force password reset", "unlock": "Unlock account", "disable": "Disable (lock) account", "revokeSessions": "Revoke sessions"}[$parameter["operation"]] }}',
		description:
			'Forces a password reset (temporary password by email), unlocks, disables or signs out an Azure AD (Entra ID) user named in a ticket, refusing protected accounts and returning an audit record',
		defaults: { name: 'Azure AD Account Action' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [
			{ type: NodeConnectionTypes.Main, displayName: 'Result' },
			{ type: NodeConnectionTypes.Main, displayName: 'Audit' },
		],
		credentials,
		properties,
	};

	methods = { credentialTest: { azureAdConnectionTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const node = this.getNode();
		const { maxTries } = this.getNodeParameter('options', 0, {}) as NodeOptions;
		const audit = auditLogSettings(this);
		const actor = auditActorOf(this);
		const auditEntries: PairedAuditEntry[] = [];
		let auditItems: INodeExecutionData[] = [];
		// Built once, on first use: when it cannot be built, every item fails with that one error.
		let client: Promise<GraphClient> | undefined;
		let results: INodeExecutionData[];
		try {
			results = await forEachItem(this, async (index) => {
				const graph = await (client ??= getGraphClient(this, { maxTries, interactive: true }));
				const options = this.getNodeParameter('options', index, {}) as NodeOptions;
				// Only the client and parameter evaluation throw; the core reports its failures as outcomes.
				const result = await runAccountAction(graph, readRequest(this, index, options));
				const record = result.audit;
				this.logger.info(
					`Azure AD Account Action: ${record.action} for ${record.user?.userPrincipalName ?? record.requestedUser} → ${record.outcome}${record.ticketId ? ` (ticket ${record.ticketId})` : ''}`,
				);
				const caller = String(this.getNodeParameter('caller', index, '') ?? '');
				auditEntries.push({ record: accountActionEntry(result, actor, caller), pairedItem: { item: index } });
				const json = { ...result.audit, ...(result.temporaryPassword !== undefined ? { temporaryPassword: result.temporaryPassword } : {}) } as unknown as IDataObject;
				// With Continue On Fail a failure stays an audit record (outcome "failed") on the main
				// output: n8n would replace the item's JSON with the message if we attached the error.
				if (record.outcome === 'failed' && !this.continueOnFail()) throw failureError(node, result, index);
				if (record.outcome === 'refused' && options.failOnRefusal && !this.continueOnFail()) {
					throw new NodeOperationError(node, `${ACTION_LABELS[record.action]} refused for ${who(result)}: ${record.reason}`, {
						itemIndex: index,
						description: 'The account is protected. Turn off "Fail on Refusal" to get the refusal as an item instead.',
					});
				}
				return { json, pairedItem: { item: index } };
			});
		} finally {
			// Once per execution, and also when a failure or refusal stops the node: those are what auditors look for.
			auditItems = recordAudit(this, auditEntries, audit);
		}
		return [results, auditItems];
	}
}

function readRequest(context: IExecuteFunctions, index: number, options: NodeOptions): AccountActionRequest {
	const action = context.getNodeParameter('operation', index) as AccountAction;
	return {
		action,
		user: String(context.getNodeParameter('user', index, '') ?? ''),
		matchBy: context.getNodeParameter('matchBy', index, 'auto') as MatchBy,
		ticketId: String(context.getNodeParameter('ticketId', index, '') ?? ''),
		protection: {
			protectedGroupIds: parseList(context.getNodeParameter('protectedGroupIds', index, '') as string),
			protectedUsers: parseList(context.getNodeParameter('protectedUsers', index, '') as string),
			protectPrivilegedRoles: context.getNodeParameter('protectPrivilegedRoles', index, true) as boolean,
			extraRoleTemplateIds: parseList(options.additionalProtectedRoleIds),
		},
		...(action === 'forcePasswordReset' ? { passwordReset: readPasswordReset(context, index, options) } : {}),
	};
}

function readPasswordReset(context: IExecuteFunctions, index: number, options: NodeOptions): PasswordResetSettings {
	const sendEmail = context.getNodeParameter('sendEmail', index, true) as boolean;
	return {
		length: options.passwordLength,
		returnTemporaryPassword: context.getNodeParameter('returnTemporaryPassword', index, false) as boolean,
		...(sendEmail
			? {
					email: {
						senderMailbox: String(context.getNodeParameter('senderMailbox', index, '') ?? ''),
						recipient: String(context.getNodeParameter('emailRecipient', index, '') ?? ''),
						recipientFallback: options.recipientFallback ?? 'none',
						subject: String(context.getNodeParameter('emailSubject', index, '') ?? ''),
						body: String(context.getNodeParameter('emailBody', index, '') ?? ''),
						bodyFormat: options.emailBodyFormat ?? 'html',
						saveToSentItems: options.saveToSentItems ?? false,
					},
				}
			: {}),
	};
}

function who(result: AccountActionResult): string {
	return result.audit.user?.userPrincipalName ?? (result.audit.requestedUser || 'the user');
}

/** Settings mistakes are the workflow's to fix (NodeOperationError); everything else came from Azure AD (NodeApiError). */
function failureError(node: INode, result: AccountActionResult, itemIndex: number): NodeApiError | NodeOperationError {
	const { audit, error } = result;
	const message = `${ACTION_LABELS[audit.action]} failed for ${who(result)}: ${audit.reason}`;
	const description = audit.requestIds.length > 0 ? `Microsoft Graph request-id(s): ${audit.requestIds.join(', ')}` : undefined;
	if (error instanceof AccountActionSettingError || error instanceof ProtectionSettingError) {
		return new NodeOperationError(node, message, { itemIndex, description: `Fix "${error.field}".` });
	}
	const response: JsonObject = { message, code: audit.errorCode ?? null, requestIds: audit.requestIds };
	return new NodeApiError(node, response, {
		message,
		description,
		httpCode: error instanceof GraphError ? String(error.status) : undefined,
		itemIndex,
	});
}
