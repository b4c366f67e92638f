/** Parameters of the Export Unsynced node. */
import type { INodeProperties } from 'n8n-workflow';
import { syncIdProperty } from '../shared/n8n/syncState';

export type Source = 'registry' | 'input';

/** The Options collection, as the node reads it. */
export interface ExportOptions {
	fileName?: string;
	bom?: boolean;
	skipWhenEmpty?: boolean;
}

export const properties: INodeProperties[] = [
	{
		displayName: 'Source',
		name: 'source',
		type: 'options',
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
	{ ...syncIdProperty, displayOptions: { show: { source: ['registry'] } } },
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
				description: 'Defaults to unsynced-[Sync ID]-[date].csv',
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
				description: 'Whether to output nothing when there are no unsynced users, so a following email is not sent',
			},
		],
	},
];
