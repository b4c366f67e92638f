/**
 * One audit log in an n8n Data Table, as docs/audit.md describes it: the account actions' Audit
 * output appended by n8n's own Data Table node, a webhook that creates the table, and a webhook
 * that exports it through Export Unsynced → Export Audit (records from input items).
 */
import { AUDIT_FIELDS } from '../../../nodes/shared/audit/record';
import type { WorkflowJson } from './n8n';

export const AUDIT_TABLE = 'azure_ad_audit';
export const AUDIT_TABLE_SETUP_PATH = 'audit-table/setup';
export const AUDIT_TABLE_EXPORT_PATH = 'audit-table/export';

const table = { __rl: true, mode: 'name', value: AUDIT_TABLE };

interface NodeJson {
	name: string;
	type: string;
	parameters: Record<string, unknown>;
}

function webhook(name: string, path: string, httpMethod: string, id: string): Record<string, unknown> {
	return { id, name, type: 'n8n-nodes-base.webhook', typeVersion: 2.1, position: [0, 0], webhookId: id, parameters: { httpMethod, path, responseMode: 'responseNode', options: {} } };
}

/** POST audit-table/setup: creates the table (or finds it) with one string column per record field. */
export function auditTableSetupWorkflow(): WorkflowJson {
	return {
		id: 'auditTableSetup1',
		name: 'Audit table: set up',
		settings: { executionOrder: 'v1' },
		nodes: [
			webhook('Set Up', AUDIT_TABLE_SETUP_PATH, 'POST', 'a0d17000-0001-4000-8000-000000000001'),
			{
				id: 'a0d17000-0001-4000-8000-000000000002',
				name: 'Create Table',
				type: 'n8n-nodes-base.dataTable',
				typeVersion: 1.1,
				position: [240, 0],
				parameters: { resource: 'table', operation: 'create', tableName: AUDIT_TABLE, columns: { column: AUDIT_FIELDS.map((name) => ({ name, type: 'string' })) }, options: { createIfNotExists: true } },
			},
			{ id: 'a0d17000-0001-4000-8000-000000000003', name: 'Answer', type: 'n8n-nodes-base.respondToWebhook', typeVersion: 1.5, position: [480, 0], parameters: { respondWith: 'json', responseBody: '={{ { id: $json.id, name: $json.name } }}', options: {} } },
		],
		connections: {
			'Set Up': { main: [[{ node: 'Create Table', type: 'main', index: 0 }]] },
			'Create Table': { main: [[{ node: 'Answer', type: 'main', index: 0 }]] },
		},
	};
}

/** GET audit-table/export: every row of the table as the audit CSV. */
export function auditTableExportWorkflow(): WorkflowJson {
	return {
		id: 'auditTableExport1',
		name: 'Audit table: export',
		settings: { executionOrder: 'v1' },
		nodes: [
			webhook('Export', AUDIT_TABLE_EXPORT_PATH, 'GET', 'a0d17000-0002-4000-8000-000000000001'),
			{
				id: 'a0d17000-0002-4000-8000-000000000002',
				name: 'Read Rows',
				type: 'n8n-nodes-base.dataTable',
				typeVersion: 1.1,
				position: [240, 0],
				alwaysOutputData: true,
				parameters: { resource: 'row', operation: 'get', dataTableId: table, returnAll: true },
			},
			{
				id: 'a0d17000-0002-4000-8000-000000000003',
				name: 'Export Audit',
				type: 'n8n-nodes-azure-ad-sync.exportUnsynced',
				typeVersion: 1,
				position: [480, 0],
				parameters: { operation: 'exportAudit', auditSource: 'input', binaryPropertyName: 'data', options: {} },
			},
			{ id: 'a0d17000-0002-4000-8000-000000000004', name: 'Send CSV', type: 'n8n-nodes-base.respondToWebhook', typeVersion: 1.5, position: [720, 0], parameters: { respondWith: 'binary', options: {} } },
		],
		connections: {
			Export: { main: [[{ node: 'Read Rows', type: 'main', index: 0 }]] },
			'Read Rows': { main: [[{ node: 'Export Audit', type: 'main', index: 0 }]] },
			'Export Audit': { main: [[{ node: 'Send CSV', type: 'main', index: 0 }]] },
		},
	};
}

/** Sends the Audit output of the named nodes (kept in static data too) to the table, one row per record. */
export function appendAuditToTable(workflow: WorkflowJson, nodeNames: string[]): void {
	const nodes = workflow.nodes as NodeJson[];
	for (const node of nodes.filter((candidate) => nodeNames.includes(candidate.name))) {
		node.parameters.auditLog = { sink: 'both' };
		const outputs = ((workflow.connections[node.name] as { main: unknown[][] } | undefined)?.main ?? [[]]).slice(0, 1);
		workflow.connections[node.name] = { main: [...outputs, [{ node: 'Append Audit', type: 'main', index: 0 }]] };
	}
	nodes.push({
		id: 'a0d17000-0003-4000-8000-000000000001',
		name: 'Append Audit',
		type: 'n8n-nodes-base.dataTable',
		typeVersion: 1.1,
		position: [1000, 900],
		parameters: { resource: 'row', operation: 'insert', dataTableId: table, columns: { mappingMode: 'autoMapInputData', value: {} }, options: {} },
	} as unknown as NodeJson);
}
