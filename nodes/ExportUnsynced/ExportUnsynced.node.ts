import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { parseAuditFilter, selectAudit } from '../shared/audit/filter';
import { AuditSettingError } from '../shared/audit/retention';
import { auditCsv } from '../shared/export/audit';
import { unsyncedCsv, type UnsyncedRow } from '../shared/export/unsynced';
import { auditEntriesFrom, readWorkflowAudit } from '../shared/n8n/auditLog';
import { runOnce } from '../shared/n8n/itemLoop';
import { syncIdFrom } from '../shared/n8n/syncState';
import { loadSyncRecords } from '../shared/n8n/syncRecords';
import { listUnsynced } from '../shared/sync/registry';
import { properties, type AuditFilterParameters, type AuditSource, type ExportOptions, type Operation, type Source } from './description';

export class ExportUnsynced implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Export Unsynced',
		name: 'exportUnsynced',
		icon: { light: 'file:../../icons/azureAd.svg', dark: 'file:../../icons/azureAd.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{$parameter["operation"] === "exportAudit" ? "Audit log" : $parameter["source"] === "registry" ? "Unsynced records of " + $parameter["syncId"] : "Failed input items"}}',
		description:
			'Creates a CSV file of every Azure AD user that did not sync, with the reason, or of the audit log (requester changes, account actions, logins), ready to download or email',
		defaults: { name: 'Export Unsynced' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		if ((this.getNodeParameter('operation', 0, 'exportUnsynced') as Operation) === 'exportAudit') return await exportAudit(this);
		const items = this.getInputData();
		const source = this.getNodeParameter('source', 0) as Source;
		const binaryPropertyName = this.getNodeParameter('binaryPropertyName', 0) as string;
		const options = this.getNodeParameter('options', 0, {}) as ExportOptions;
		const pairedItem = items.map((_, item) => ({ item }));

		return runOnce(
			this,
			async () => {
				let syncId = '';
				let rows: UnsyncedRow[];
				if (source === 'registry') {
					syncId = syncIdFrom(this.getNodeParameter('syncId', 0));
					rows = listUnsynced(loadSyncRecords(this, syncId).unsynced);
				} else {
					rows = items.flatMap((item) => failedRowFrom(item.json));
				}
				if (rows.length === 0 && options.skipWhenEmpty) return [[]];

				const csv = unsyncedCsv(rows, { bom: options.bom });
				const fileName = options.fileName?.trim() || `unsynced-${(syncId || 'items').replace(/[^\w.-]+/g, '_')}-${new Date().toISOString().slice(0, 10)}.csv`;
				const binary = await this.helpers.prepareBinaryData(Buffer.from(csv, 'utf8'), fileName, 'text/csv');
				const json: IDataObject = { source, rows: rows.length, fileName, ...(syncId ? { syncId } : {}) };
				return [[{ json, binary: { [binaryPropertyName]: binary }, pairedItem }]];
			},
			{
				pairedItem,
				errorFor: (error) => new NodeOperationError(this.getNode(), error as Error, { description: 'Check the Sync ID: it must be the one used by the Upsert Requester node' }),
			},
		);
	}
}

/** The audit log (this workflow's, or records among the input items) as one CSV file, filtered. */
async function exportAudit(context: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = context.getInputData();
	const pairedItem = items.map((_, item) => ({ item }));
	return await runOnce(
		context,
		async () => {
			const source = context.getNodeParameter('auditSource', 0, 'workflow') as AuditSource;
			const binaryPropertyName = context.getNodeParameter('binaryPropertyName', 0) as string;
			const options = context.getNodeParameter('options', 0, {}) as ExportOptions;
			const filter = parseAuditFilter(context.getNodeParameter('auditFilter', 0, {}) as AuditFilterParameters);
			const rows = selectAudit(source === 'workflow' ? readWorkflowAudit(context) : auditEntriesFrom(items), filter);
			if (rows.length === 0 && options.skipWhenEmpty) return [[]];
			const fileName = options.fileName?.trim() || `audit-${new Date().toISOString().slice(0, 10)}.csv`;
			const binary = await context.helpers.prepareBinaryData(Buffer.from(auditCsv(rows, { bom: options.bom }), 'utf8'), fileName, 'text/csv');
			const json: IDataObject = { operation: 'exportAudit', source, rows: rows.length, fileName, from: rows[0]?.time ?? null, to: rows.at(-1)?.time ?? null };
			return [[{ json, binary: { [binaryPropertyName]: binary }, pairedItem }]];
		},
		{
			pairedItem,
			errorFor: (error) =>
				new NodeOperationError(context.getNode(), error as Error, error instanceof AuditSettingError ? { description: `Fix the "${error.field}" filter.` } : {}),
		},
	);
}

/** A failed Upsert Requester outcome, or an item of Map To Requester's Unmapped output. */
function failedRowFrom(json: IDataObject): UnsyncedRow[] {
	const error = json.error as { stage?: string; code?: string; message?: string } | undefined;
	const reasons = json.reasons as Array<{ field: string; code: string; message: string }> | undefined;
	const failed = json.status === 'failed' || json.status === 'blocked' || Array.isArray(reasons);
	if (!failed || typeof json.azureObjectId !== 'string') return [];
	const now = new Date().toISOString();
	return [
		{
			azureObjectId: json.azureObjectId,
			userPrincipalName: (json.userPrincipalName as string | undefined) ?? null,
			email: (json.email as string | undefined) ?? (json.mail as string | undefined) ?? null,
			displayName: (json.displayName as string | undefined) ?? null,
			stage: (error?.stage ?? (reasons ? 'validation' : 'destination')) as UnsyncedRow['stage'],
			code: error?.code ?? reasons?.[0]?.code ?? 'failed',
			message: error?.message ?? reasons?.map((r) => `${r.field}: ${r.message}`).join('; ') ?? String(json.reason ?? ''),
			firstFailedAt: now,
			lastAttemptAt: now,
			attempts: 1,
		},
	];
}
