/**
 * Where a node's audit records go (its "Audit Log" parameter): this workflow's static data, the
 * node's Audit output as items (for n8n's Data Table, database or SIEM nodes), or both. n8n 2.41
 * lets only its own Data Table nodes open a Data Table (its proxy checks the node type), so a
 * shared table is filled by a Data Table node on the Audit output; see docs/audit.md.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties, IPairedItemData } from 'n8n-workflow';
import { parseAuditEntry, type AuditActor, type AuditEntry } from '../audit/record';
import { checkRetention, DEFAULT_AUDIT_RETENTION, type AuditRetention } from '../audit/retention';
import { appendAuditEntries, auditStoreAccess, readAuditEntries, AUDIT_STORE_KEY } from '../audit/store';
import { readAudit, ssoAuditEntry } from '../sso/audit';
import { storeOf } from './ssoStore';
import { workflowStore, type WorkflowContext } from './workflowStore';

export type AuditSink = 'staticData' | 'items' | 'both';

interface AuditLogParameters {
	sink?: AuditSink;
	keepDays?: number;
	keepRecords?: number;
}

export interface AuditLogSettings {
	sink: AuditSink;
	retention: AuditRetention;
}

const SINK_OPTIONS: Array<{ name: string; value: AuditSink; description: string }> = [
	{ name: 'Workflow Static Data', value: 'staticData', description: "Kept in this workflow's static data, within the retention; read by Export Unsynced → Export Audit" },
	{
		name: 'Output as Items',
		value: 'items',
		description: 'One item per record on the Audit output, for a Data Table, database or SIEM node; only failed and refused records are also kept in static data (an error that stops the node drops its outputs)',
	},
	{ name: 'Both', value: 'both', description: 'Kept in static data and output as items' },
];

/**
 * The "Audit Log" parameter. `notes` replace a sink's description where this node differs (the SSO
 * node keeps its events in its own store, with its own size options, whatever the sink, so it has
 * no retention here).
 */
export function auditLogProperty(options: { retention: boolean; notes?: Partial<Record<AuditSink, string>>; displayOptions?: INodeProperties['displayOptions'] }): INodeProperties {
	const sink: INodeProperties = {
		displayName: 'Sink',
		name: 'sink',
		type: 'options',
		options: SINK_OPTIONS.map((option) => ({ ...option, description: options.notes?.[option.value] ?? option.description })),
		default: 'staticData',
		description: 'Where the audit records of this node go',
	};
	const retention: INodeProperties[] = [
		{
			displayName: 'Keep Days',
			name: 'keepDays',
			type: 'number',
			typeOptions: { minValue: 0 },
			// DEFAULT_AUDIT_RETENTION's values, written out: n8n's linter wants literal defaults.
			default: 90,
			description: 'Records older than this are dropped from static data (0: no age limit)',
		},
		{
			displayName: 'Keep Records',
			name: 'keepRecords',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 10000,
			description: 'At most this many records are kept in static data, the newest (0: no limit; mind static data size, see docs/audit.md)',
		},
	];
	return {
		displayName: 'Audit Log',
		name: 'auditLog',
		type: 'collection',
		placeholder: 'Add Audit Log Setting',
		default: {},
		description: 'One audit record per change, action or login: kept in static data by default, or sent to the Audit output',
		...(options.displayOptions ? { displayOptions: options.displayOptions } : {}),
		options: options.retention ? [sink, ...retention] : [sink],
	};
}

export function auditLogSettings(context: IExecuteFunctions): AuditLogSettings {
	const parameters = context.getNodeParameter('auditLog', 0, {}) as AuditLogParameters;
	return {
		sink: parameters.sink ?? 'staticData',
		retention: checkRetention({ maxAgeDays: parameters.keepDays ?? DEFAULT_AUDIT_RETENTION.maxAgeDays, maxCount: parameters.keepRecords ?? DEFAULT_AUDIT_RETENTION.maxCount }),
	};
}

/** Who runs this node: the workflow, the execution and how it started (n8n's mode). */
export function auditActorOf(context: IExecuteFunctions): AuditActor {
	const workflow = context.getWorkflow();
	return { workflowId: workflow.id ?? null, workflowName: workflow.name ?? null, executionId: context.getExecutionId() ?? null, trigger: context.getMode() };
}

/** This workflow's audit log in static data. */
function workflowAuditStore(context: WorkflowContext) {
	return workflowStore(context, AUDIT_STORE_KEY, auditStoreAccess);
}

export interface PairedAuditEntry {
	record: AuditEntry;
	pairedItem: IPairedItemData | IPairedItemData[];
}

/**
 * Sends the records where the settings say: into static data (`keepInStaticData` false: the node
 * keeps them itself) and/or back as items for the Audit output. Failed and refused records are kept
 * in static data whatever the sink: when they stop the node, n8n drops its outputs.
 */
export function recordAudit(context: IExecuteFunctions, entries: readonly PairedAuditEntry[], settings: AuditLogSettings, keepInStaticData = true): INodeExecutionData[] {
	if (entries.length === 0) return [];
	if (keepInStaticData) {
		const kept = settings.sink === 'items' ? entries.filter(({ record }) => record.outcome !== 'done') : entries;
		keepAudit(context, kept.map(({ record }) => record), settings.retention);
	}
	return settings.sink === 'staticData' ? [] : entries.map(({ record, pairedItem }) => ({ json: record as unknown as IDataObject, pairedItem }));
}

/** Appends the records to this workflow's audit log in static data, within the retention, whatever the sink. */
export function keepAudit(context: IExecuteFunctions, records: readonly AuditEntry[], retention: AuditRetention): void {
	if (records.length === 0) return;
	const dropped = appendAuditEntries(workflowAuditStore(context), records, retention, new Date());
	if (dropped > 0) {
		context.logger.warn(
			`Audit log: ${dropped} of ${records.length} new records are not kept in static data (Keep Records ${retention.maxCount}, Keep Days ${retention.maxAgeDays}); raise the limits or send the Audit output to a Data Table or database (docs/audit.md)`,
		);
	}
}

/**
 * This workflow's audit log: its own records and, read as records, the events its SSO store keeps
 * (that store is the SSO node's static-data sink; they are not copied). Unordered.
 */
export function readWorkflowAudit(context: IExecuteFunctions): AuditEntry[] {
	const workflow = context.getWorkflow();
	const ssoActor: AuditActor = { workflowId: workflow.id ?? null, workflowName: workflow.name ?? null, executionId: null, trigger: null };
	const now = new Date();
	return [...readAuditEntries(workflowAuditStore(context), now), ...readAudit(storeOf(context).read(), now).map((record) => ssoAuditEntry(record, ssoActor))];
}

/** Audit records among input items (the Audit output, or rows of a Data Table or database); other items are skipped. */
export function auditEntriesFrom(items: readonly INodeExecutionData[]): AuditEntry[] {
	return items.map((item) => parseAuditEntry(item.json)).filter((entry): entry is AuditEntry => entry !== null);
}
