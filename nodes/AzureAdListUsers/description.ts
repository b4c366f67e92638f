/** Parameters of the Azure AD List Users node. */
import type { INodeProperties } from 'n8n-workflow';
import { maxTriesOption } from '../shared/n8n/azureAd';
import { azureAdUserLocator } from '../shared/n8n/directoryMethods';
import { syncIdProperty } from '../shared/n8n/syncState';

export const properties: INodeProperties[] = [
	{
		displayName: 'Mode',
		name: 'mode',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'All Users', value: 'full', description: 'Every user in scope, 999 per request' },
			{
				name: 'Changes Since Last Run',
				value: 'incremental',
				description:
					'The first run returns every user and saves a cursor; later runs return only users created, changed or removed since (Graph delta query)',
			},
			{ name: 'One User', value: 'single', description: 'One user by name, object ID or user principal name' },
		],
		default: 'full',
	},
	{
		displayName:
			'The cursor is saved only by production runs (active workflow). Manual test runs do not save it, so each test run reads every user.',
		name: 'cursorNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { mode: ['incremental'] } },
	},
	{ ...syncIdProperty, displayOptions: { show: { mode: ['incremental'] } } },
	{ ...azureAdUserLocator, displayOptions: { show: { mode: ['single'] } } },
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: true,
		description: 'Whether to return all results or only up to a given limit',
		displayOptions: { show: { mode: ['full'] } },
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { mode: ['full'], returnAll: [false] } },
	},
	{
		displayName: 'Attributes',
		name: 'attributeSource',
		type: 'options',
		options: [
			{
				name: 'What the Requester Mapping Needs',
				value: 'mapping',
				description:
					'Exactly the attributes the Map To Requester node after this one reads, reporting manager included (its default mapping when there is none)',
			},
			{ name: 'Selected Attributes', value: 'selected', description: 'Pick attributes from the tenant' },
			{ name: 'Custom List', value: 'custom', description: 'Type attribute names, separated by commas' },
		],
		default: 'mapping',
		description: 'Which user attributes to read; Graph returns only these (and the object ID), which keeps reads fast',
	},
	{
		displayName: 'Attribute Names or IDs',
		name: 'attributes',
		type: 'multiOptions',
		typeOptions: { loadOptionsMethod: 'getUserAttributes' },
		default: [],
		description: 'Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
		hint: 'Directory extensions are listed when the app has the Directory.Read.All permission',
		displayOptions: { show: { attributeSource: ['selected'] } },
	},
	{
		displayName: 'Attribute List',
		name: 'customAttributes',
		type: 'string',
		default: 'displayName,mail,userPrincipalName',
		placeholder: 'e.g. department, employeeOrgData.division, extensionAttribute3, manager',
		description:
			'Comma-separated Graph attribute names: user properties, employeeOrgData.division or costCenter, extensionAttribute1 to 15, manager, or directory extensions (extension_&lt;app ID&gt;_&lt;name&gt;)',
		displayOptions: { show: { attributeSource: ['custom'] } },
	},
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		description: 'Which users to read; all must hold. In Changes Since Last Run mode, a user who stops matching comes out as removed.',
		displayOptions: { hide: { mode: ['single'] } },
		options: [
			{
				displayName: 'Attribute Filters',
				name: 'attributeFilters',
				type: 'fixedCollection',
				typeOptions: { multipleValues: true },
				default: {},
				placeholder: 'Add Attribute Filter',
				description: 'Conditions on user attributes; values are matched without regard to case',
				options: [
					{
						displayName: 'Condition',
						name: 'conditions',
						values: [
							{
								displayName: 'Attribute Name or ID',
								name: 'attribute',
								type: 'options',
								typeOptions: { loadOptionsMethod: 'getFilterableUserAttributes' },
								default: '',
								description: 'Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
							},
							{
								displayName: 'Operator',
								name: 'operator',
								type: 'options',
								options: [
									{ name: 'Equals', value: 'equals' },
									{ name: 'Is Empty', value: 'isEmpty' },
									{ name: 'Is Not Empty', value: 'isNotEmpty' },
									{ name: 'Not Equals', value: 'notEquals' },
									{ name: 'Starts With', value: 'startsWith' },
								],
								default: 'equals',
							},
							{
								displayName: 'Value',
								name: 'value',
								type: 'string',
								default: '',
								placeholder: "e.g. O'Brien",
								description: 'Type it as it is; quotes are escaped for you',
								displayOptions: { hide: { operator: ['isEmpty', 'isNotEmpty'] } },
							},
						],
					},
				],
			},
			{
				displayName: 'Custom Filter',
				name: 'customFilter',
				type: 'string',
				default: '',
				placeholder: "e.g. department eq 'Sales' and startswith(jobTitle,'Eng')",
				description:
					"An OData $filter for Microsoft Graph, combined with the other filters by AND. You write the OData: put strings in single quotes and double a quote inside a value (surname eq 'O''Brien').",
			},
			{
				displayName: 'Custom Filter Uses Advanced Query',
				name: 'customFilterAdvanced',
				type: 'boolean',
				default: false,
				description:
					'Whether to send the custom filter as an advanced query (ConsistencyLevel: eventual, $count=true). Turned on for you when the filter uses ne, not, endsWith or null, or a property only advanced queries can filter.',
			},
			{
				displayName: 'Enabled Accounts Only',
				name: 'enabledOnly',
				type: 'boolean',
				default: false,
				description: 'Whether to read only accounts that can sign in (accountEnabled is true)',
			},
			{
				displayName: 'Member Users Only',
				name: 'membersOnly',
				type: 'boolean',
				default: false,
				description: 'Whether to leave out B2B guests (userType Guest)',
			},
			{
				displayName: 'Members of Group Names or IDs',
				name: 'groupIds',
				type: 'multiOptions',
				typeOptions: { loadOptionsMethod: 'getAzureAdGroups' },
				default: [],
				description: 'Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>',
				hint: 'Only members of any of these groups, directly or through nested groups (needs GroupMember.Read.All)',
			},
			{
				displayName: 'With Mail Address Only',
				name: 'withMailOnly',
				type: 'boolean',
				default: false,
				description: 'Whether to leave out users without a mail address (rooms, service accounts, users without a mailbox)',
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
				displayName: 'Commit Cursor',
				name: 'commitCursor',
				type: 'options',
				options: [
					{
						name: 'After Upsert Requester Succeeds',
						value: 'afterUpsert',
						description: 'The Upsert Requester node with the same Sync ID saves the cursor once the changes are applied, so a failed run is read again',
					},
					{
						name: 'Immediately',
						value: 'immediately',
						description: 'Save the cursor as soon as the users are read (when no Upsert Requester node follows)',
					},
				],
				default: 'afterUpsert',
				description: 'When the next run may start from where this one ended',
				displayOptions: { show: { '/mode': ['incremental'] } },
			},
			maxTriesOption,
			{
				displayName: 'Reset Cursor',
				name: 'resetCursor',
				type: 'boolean',
				default: false,
				description: 'Whether to forget the saved cursor and read every user again. Turn it off after one run.',
				displayOptions: { show: { '/mode': ['incremental'] } },
			},
		],
	},
];
