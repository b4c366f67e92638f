/** Parameters of the Export Unsynced node. */
import type { INodeProperties } from 'n8n-workflow';
import { syncIdProperty } from '../shared/n8n/syncState';

export type Operation = 'exportUnsynced' | 'exportAudit';
export type Source = 'registry' | 'input';
export type AuditSource = 'workflow' | 'input';

/** The Audit Filter collection, as the node reads it. */
export interface AuditFilterParameters {
	from?: string;
	to?: string;
	subject?: string;
	actions?: string;
}

const unsyncedOnly = { show: { operation: ['exportUnsynced'] } };
const auditOnly = { show: { operation: ['exportAudit'] } };

/** The Options collection, as the node reads it. */
export interface ExportOptions {
	fileName?: string;
	bom?: boolean;
	skipWhenEmpty?: boolean;
}

export const properties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Export Unsynced', value: 'exportUnsynced', action: 'Export unsynced users as CSV', description: 'Every user that did not sync, with the reason' },
			{
				name: 'Export Audit',
				value: 'exportAudit',
				action: 'Export the audit log as CSV',
				description: 'Requester changes, account actions and SSO events, filtered by time, subject or action',
			},
		],
		default: 'exportUnsynced',
	},
	{
		displayName: 'Source',
		name: 'source',
		type: 'options',
		displayOptions: unsyncedOnly,
		options: [
			{
				name: 'Unsynced Registry',
				value: 'registry',
				description: 'Every user the sync has not managed to sync yet (kept between runs and retried each run)',
			},
			{
				name: 'Failed Input Items',
				value: 'input',
				description: 'The failed users among the items this node receives (from Upsert Requester or the Unmapped output of Map To Requester)',
			},
		],
		default: 'registry',
	},
	{ ...syncIdProperty, displayOptions: { show: { operation: ['exportUnsynced'], source: ['registry'] } } },
	{
		displayName: 'Source',
		name: 'auditSource',
		type: 'options',
		displayOptions: auditOnly,
		options: [
			{
				name: "This Workflow's Audit Log",
				value: 'workflow',
				description: 'The records this workflow keeps in static data (Upsert Requester, Azure AD Account Action, Azure AD SSO with the default sink)',
			},
			{
				name: 'Audit Records in Input Items',
				value: 'input',
				description: 'Records among the items this node receives: an Audit output, or rows read back from a Data Table or database',
			},
		],
		default: 'workflow',
	},
	{
		displayName: 'Filter',
		name: 'auditFilter',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: auditOnly,
		options: [
			{ displayName: 'From', name: 'from', type: 'string', default: '', placeholder: 'e.g. 2026-12-01T00:00:00Z', description: 'Records at or after this time (ISO 8601)' },
			{ displayName: 'To', name: 'to', type: 'string', default: '', placeholder: 'e.g. 2026-12-08T00:00:00Z', description: 'Records before this time (ISO 8601)' },
			{
				displayName: 'Subject',
				name: 'subject',
				type: 'string',
				default: '',
				placeholder: 'e.g. jane.doe@contoso.com',
				description: 'Only records about this Azure object ID, requester ID or email (whole value, any case)',
			},
			{
				displayName: 'Actions',
				name: 'actions',
				type: 'string',
				default: '',
				placeholder: 'e.g. requesterDeactivated, disable',
				description:
					'Comma-separated actions: requesterCreated, requesterUpdated, requesterDeactivated, requesterReactivated, requesterUnsynced, disable, unlock, forcePasswordReset, revokeSessions, loginStarted, loginSucceeded, loginFailed, lockedOut, sessionRevoked, signedOutEverywhere',
			},
		],
	},
	{
		displayName: 'Put Output File in Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		description: 'The name of the binary field the CSV file is written to',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'File Name',
				name: 'fileName',
				type: 'string',
				default: '',
				placeholder: 'e.g. unsynced-users.csv',
				description: 'Defaults to unsynced-[Sync ID]-[date].csv, or audit-[date].csv',
			},
			{
				displayName: 'Add BOM for Excel',
				name: 'bom',
				type: 'boolean',
				default: false,
				description: 'Whether to start the file with a UTF-8 byte order mark, so Excel shows accented and non-Latin names correctly',
			},
			{
				displayName: 'Skip When Empty',
				name: 'skipWhenEmpty',
				type: 'boolean',
				default: false,
				description: 'Whether to output nothing when there are no rows, so a following email is not sent',
			},
		],
	},
];
