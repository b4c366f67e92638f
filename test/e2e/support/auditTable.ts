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
export const AUDIT_TABLE_PRUNE_PATH = 'audit-table/prune';

/**
 * The cutoff of docs/audit.md's scheduled retention: records older than `days` (in UTC, so it
 * compares with the records' `time` as text), or an exact instant given as `before`.
 */
export const PRUNE_CUTOFF = '={{ $json.body.before || $now.minus({ days: Number($json.body.days) }).toUTC().toISO() }}';

const table = { __rl: true, mode: 'name', value: AUDIT_TABLE };

interface NodeJson {
	name: string;
	type: string;
	parameters: Record<string, unknown>;
}

function webhook(name: string, path: string, httpMethod: string, id: string): Record<string, unknown> {
	return { id, name, type: 'n8n-nodes-base.webhook', typeVersion: 2.1, webhookId: id, parameters: { httpMethod, path, responseMode: 'responseNode', options: {} } };
}

function dataTable(id: string, name: string, parameters: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
	return { id, name, type: 'n8n-nodes-base.dataTable', typeVersion: 1.1, parameters, ...extra };
}

/** A workflow whose nodes run one after the other, laid out left to right. */
function chain(id: string, name: string, nodes: Array<Record<string, unknown>>): WorkflowJson {
	const connections: Record<string, unknown> = {};
	nodes.forEach((node, index) => {
		node.position = [index * 240, 0];
		if (index > 0) connections[nodes[index - 1].name as string] = { main: [[{ node: node.name, type: 'main', index: 0 }]] };
	});
	return { id, name, settings: { executionOrder: 'v1' }, nodes, connections };
}

/** POST audit-table/setup: creates the table (or finds it) with one string column per record field. */
export function auditTableSetupWorkflow(): WorkflowJson {
	return chain('auditTableSetup1', 'Audit table: set up', [
		webhook('Set Up', AUDIT_TABLE_SETUP_PATH, 'POST', 'a0d17000-0001-4000-8000-000000000001'),
		dataTable('a0d17000-0001-4000-8000-000000000002', 'Create Table', {
			resource: 'table',
			operation: 'create',
			tableName: AUDIT_TABLE,
			columns: { column: AUDIT_FIELDS.map((name) => ({ name, type: 'string' })) },
			options: { createIfNotExists: true },
		}),
		{ id: 'a0d17000-0001-4000-8000-000000000003', name: 'Answer', type: 'n8n-nodes-base.respondToWebhook', typeVersion: 1.5, parameters: { respondWith: 'json', responseBody: '={{ { id: $json.id, name: $json.name } }}', options: {} } },
	]);
}

/** GET audit-table/export: every row of the table as the audit CSV. */
export function auditTableExportWorkflow(): WorkflowJson {
	return chain('auditTableExport1', 'Audit table: export', [
		webhook('Export', AUDIT_TABLE_EXPORT_PATH, 'GET', 'a0d17000-0002-4000-8000-000000000001'),
		dataTable('a0d17000-0002-4000-8000-000000000002', 'Read Rows', { resource: 'row', operation: 'get', dataTableId: table, returnAll: true }, { alwaysOutputData: true }),
		{
			id: 'a0d17000-0002-4000-8000-000000000003',
			name: 'Export Audit',
			type: 'n8n-nodes-azure-ad-sync.exportUnsynced',
			typeVersion: 1,
			parameters: { operation: 'exportAudit', auditSource: 'input', binaryPropertyName: 'data', options: {} },
		},
		{ id: 'a0d17000-0002-4000-8000-000000000004', name: 'Send CSV', type: 'n8n-nodes-base.respondToWebhook', typeVersion: 1.5, parameters: { respondWith: 'binary', options: {} } },
	]);
}

/**
 * POST audit-table/prune: deletes the rows whose `time` is before the cutoff (PRUNE_CUTOFF), the
 * Data Table retention docs/audit.md describes (there on a Schedule Trigger).
 */
export function auditTablePruneWorkflow(): WorkflowJson {
	return chain('auditTablePrune1', 'Audit table: prune', [
		webhook('Prune', AUDIT_TABLE_PRUNE_PATH, 'POST', 'a0d17000-0004-4000-8000-000000000001'),
		dataTable(
			'a0d17000-0004-4000-8000-000000000002',
			'Delete Old Rows',
			{ resource: 'row', operation: 'deleteRows', dataTableId: table, matchType: 'allConditions', filters: { conditions: [{ keyName: 'time', condition: 'lt', keyValue: PRUNE_CUTOFF }] }, options: {} },
			{ alwaysOutputData: true },
		),
		{ id: 'a0d17000-0004-4000-8000-000000000003', name: 'Answer', type: 'n8n-nodes-base.respondToWebhook', typeVersion: 1.5, parameters: { respondWith: 'noData', options: {} } },
	]);
}

/**
 * Sends the Audit output of the named nodes (kept in static data too) to the table, one row per
 * record. The Audit output is each node's last: the one after the outputs the workflow connects.
 */
export function appendAuditToTable(workflow: WorkflowJson, nodeNames: string[]): void {
	const nodes = workflow.nodes as NodeJson[];
	for (const node of nodes.filter((candidate) => nodeNames.includes(candidate.name))) {
		node.parameters.auditLog = { sink: 'both' };
		const outputs = (workflow.connections[node.name] as { main: unknown[][] } | undefined)?.main ?? [[]];
		workflow.connections[node.name] = { main: [...outputs, [{ node: 'Append Audit', type: 'main', index: 0 }]] };
	}
	nodes.push({
		...dataTable('a0d17000-0003-4000-8000-000000000001', 'Append Audit', { resource: 'row', operation: 'insert', dataTableId: table, columns: { mappingMode: 'autoMapInputData', value: {} }, options: {} }),
		position: [1000, 900],
	} as unknown as NodeJson);
}
