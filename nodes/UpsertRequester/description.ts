/** Parameters and credentials of the Upsert Requester node. */
import type { INodeCredentialDescription, INodeProperties } from 'n8n-workflow';
import { auditLogProperty } from '../shared/n8n/auditLog';
import { destinationCredentials, destinationProperties } from '../shared/n8n/destinations';
import { syncIdProperty } from '../shared/n8n/syncState';

export const credentials: INodeCredentialDescription[] = [...destinationCredentials];

export const properties: INodeProperties[] = [
	{
		displayName:
			'Connect the Mapped output of Map To Requester to the Requesters input, and its Unmapped output to the Unmapped input, so invalid users are listed as unsynced too',
		name: 'notice',
		type: 'notice',
		default: '',
	},
	syncIdProperty,
	...destinationProperties,
	{
		displayName: 'Dry Run',
		name: 'dryRun',
		type: 'boolean',
		default: false,
		description: 'Whether to only plan: output what would be created, updated, deactivated or reactivated, and write nothing',
	},
	{
		displayName: 'Deactivation Safeguard',
		name: 'safeguard',
		type: 'collection',
		placeholder: 'Change Limit',
		default: {},
		description:
			'When one run would deactivate more requesters than this, it deactivates none and says so (like Entra provisioning\'s accidental-deletion prevention)',
		options: [
			{
				displayName: 'Max Deactivations per Run',
				name: 'maxCount',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 500,
			},
			{
				displayName: 'Max Deactivations (% of Synced)',
				name: 'maxPercent',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 100 },
				default: 30,
				description: 'Percentage of the requesters this sync manages; applied once a run would deactivate 10 or more',
			},
		],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Concurrency',
				name: 'concurrency',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 16 },
				default: 4,
				description: 'How many destination requests run at the same time; keep it low enough for the ITSM\'s rate limit',
			},
			{
				displayName: 'Deactivate Disabled Users',
				name: 'deactivateDisabled',
				type: 'boolean',
				default: true,
				description: 'Whether requesters of users disabled in Azure AD are deactivated (never deleted)',
			},
			{
				displayName: 'Max Run Time (Minutes)',
				name: 'maxRunMinutes',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 45,
				description:
					'Stop starting writes this long after the run starts (0: no limit). The summary then says partial: true and how many users are left; the next run goes on from there, so a first sync of a large tenant becomes a series of runs. 45 fits an hourly schedule.',
			},
			{
				displayName: 'Max Writes Per Run',
				name: 'maxWritesPerRun',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description:
					'Stop after this many destination writes (creates, updates, deactivations, manager links; 0: no limit). The rest is left for the next run, which writes only what is still missing.',
			},
			{
				displayName: 'Output Users',
				name: 'outputUsers',
				type: 'options',
				options: [
					{ name: 'Changes and Failures', value: 'changes', description: 'One item per user that was written, failed or held back' },
					{ name: 'All Users', value: 'all', description: 'One item per user, unchanged ones too (large tenants: many items)' },
					{ name: 'None', value: 'none', description: 'Only the summary' },
				],
				default: 'changes',
			},
			{
				displayName: 'Time Zone',
				name: 'timeZone',
				type: 'string',
				default: '',
				placeholder: 'e.g. Europe/Oslo',
				description: 'Time zone of the human-readable "last synced" time; defaults to the workflow\'s time zone',
			},
		],
	},
	auditLogProperty({ retention: true }),
];
