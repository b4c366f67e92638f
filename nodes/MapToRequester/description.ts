/** Parameters of the Map To Requester node: mode, preview user, login settings and the field mapping by section. */
import type { INodeCredentialDescription, INodeProperties, INodePropertyOptions } from 'n8n-workflow';
import { maxTriesOption } from '../shared/n8n/azureAd';
import { azureAdUserLocator } from '../shared/n8n/directoryMethods';
import { FIELD_MAPPINGS_KEY, SECTION_PARAMETERS, type SectionParameter } from '../shared/n8n/mappingParameters';
import { DEFAULT_MAPPING, REQUESTER_FIELDS, type FieldRule, type TransformName } from '../shared/requester';

export type Mode = 'map' | 'preview';

const TRANSFORM_OPTIONS: Array<INodePropertyOptions & { value: TransformName }> = [
	{ name: 'Date Only (YYYY-MM-DD)', value: 'date', description: 'Keeps the calendar date of an ISO date-time: 2019-03-04T00:00:00Z becomes 2019-03-04' },
	{ name: 'First Entry', value: 'first', description: 'Takes the first entry of a list such as Business Phones' },
	{ name: 'Guest Address From UPN', value: 'guestEmail', description: "Turns a B2B guest's UPN jane_fabrikam.com#EXT#@contoso.onmicrosoft.com into jane@fabrikam.com" },
	{ name: 'Join Entries', value: 'join', description: 'Joins the entries of a list into one text, with the separator below' },
	{ name: 'Lower Case', value: 'lower', description: 'For example for email addresses' },
	{ name: 'Normalise Phone Number', value: 'phone', description: '+1 (425) 555-0109 becomes +14255550109; extensions and text stay as typed' },
];

function describeRule(rule: FieldRule): string {
	const sources = rule.source ?? [];
	if (sources.length === 0) return 'not mapped';
	const transforms = (rule.transforms ?? []).map((name) => TRANSFORM_OPTIONS.find((option) => option.value === name)?.name);
	return `${sources.join(', then ')}${transforms.length > 0 ? ` (${transforms.join(', ')})` : ''}`;
}

function fieldMappingCollection(section: SectionParameter): INodeProperties {
	const fields = REQUESTER_FIELDS.filter((spec) => spec.section === section.section).sort((a, b) => a.label.localeCompare(b.label));
	return {
		displayName: `${section.label} Fields`,
		name: section.parameter,
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Field Mapping',
		default: {},
		description: `Only the ${section.label} fields you add here change; every other field keeps its default source, shown in the Field list`,
		options: [
			{
				displayName: 'Field Mapping',
				name: FIELD_MAPPINGS_KEY,
				// Field, then Source, then what the source needs: the order a mapping is read in.
				// eslint-disable-next-line n8n-nodes-base/node-param-fixed-collection-type-unsorted-items
				values: [
					// The default is the section's first field, so it cannot be a literal here.
					// eslint-disable-next-line n8n-nodes-base/node-param-default-missing
					{
						displayName: 'Field',
						name: 'field',
						type: 'options',
						noDataExpression: true,
						options: fields.map((spec) => ({ name: spec.label, value: spec.id, description: `Default: ${describeRule(DEFAULT_MAPPING.fields[spec.id])}` })),
						default: fields[0].id,
						description: 'The requester field to fill',
					},
					{
						displayName: 'Source',
						name: 'source',
						type: 'options',
						noDataExpression: true,
						options: [
							{ name: 'Azure AD Attribute', value: 'attribute', description: 'Read a user attribute, with fallbacks when it is empty' },
							{ name: 'Leave Empty', value: 'none', description: 'Never fill this field' },
							{ name: 'Value', value: 'value', description: 'Fixed text, or an expression over the incoming user' },
						],
						default: 'attribute',
					},
					{
						displayName: 'Attribute Name or ID',
						name: 'attribute',
						type: 'options',
						typeOptions: { loadOptionsMethod: 'getUserAttributes' },
						displayOptions: { show: { source: ['attribute'] } },
						default: '',
						description:
							'The Azure AD attribute to read (Reporting Manager takes "Manager"). Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
					},
					{
						displayName: 'Fallback Attribute Names or IDs',
						name: 'fallbackAttributes',
						type: 'multiOptions',
						typeOptions: { loadOptionsMethod: 'getUserAttributes' },
						displayOptions: { show: { source: ['attribute'] } },
						default: [],
						description:
							'Tried in the order chosen when the attribute above is empty; the first one with a value is used. Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
					},
					{
						displayName: 'Value',
						name: 'value',
						type: 'string',
						displayOptions: { show: { source: ['value'] } },
						default: '',
						placeholder: "e.g. {{ $json.department + ' / ' + $json.officeLocation }}",
						description: 'Fixed text, or an expression evaluated for each incoming Azure AD user. Attributes read only by an expression are not fetched by List Users: map them to a field too.',
					},
					{
						displayName: 'Transforms',
						name: 'transforms',
						type: 'multiOptions',
						options: TRANSFORM_OPTIONS,
						displayOptions: { show: { source: ['attribute', 'value'] } },
						default: [],
						description: "Applied in the order chosen, after the value is trimmed. A field's default transforms do not carry over, so pick the ones you still want.",
					},
					{
						displayName: 'Separator',
						name: 'separator',
						type: 'string',
						displayOptions: { show: { transforms: ['join'] } },
						default: ', ',
						description: 'Put between list entries by Join Entries',
					},
				],
			},
		],
	};
}export const credentials: INodeCredentialDescription[] = [{ name: 'azureAdSyncApi', required: true, testedBy: 'azureAdConnectionTest' }];

export const properties: INodeProperties[] = [
	{
		displayName: 'Mode',
		name: 'mode',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Map Items', value: 'map', description: 'Turn each incoming Azure AD user into a requester: valid ones go to Mapped, the rest to Unmapped with their reasons' },
			{ name: 'Preview Mapping', value: 'preview', description: 'Read one Azure AD user and show, field by field, where each value comes from and what it becomes' },
		],
		default: 'map',
	},
	{
		...azureAdUserLocator,
		displayName: 'Preview User',
		name: 'previewUser',
		description: 'The Azure AD user to preview the mapping with; pick another one to change user',
		displayOptions: { show: { mode: ['preview'] } },
		modes: azureAdUserLocator.modes?.map((mode) => (mode.name === 'upn' ? { ...mode, displayName: 'By UPN or Email' } : mode)),
	},
	{
		displayName: 'Fields set by an expression are evaluated against the first input item, not the preview user',
		name: 'previewNotice',
		type: 'notice',
		displayOptions: { show: { mode: ['preview'] } },
		default: '',
	},
	{
		displayName: 'Username Attribute Name or ID',
		name: 'usernameAttribute',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getUserAttributes' },
		default: 'mail',
		description:
			'Login Settings: the Azure AD attribute that becomes the requester\'s username, e.g. mail or userPrincipalName. It is lower-cased, and a guest\'s #EXT# UPN becomes the guest\'s own address. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
	},
	{
		displayName: 'Username Fallback Attribute Names or IDs',
		name: 'usernameFallbackAttributes',
		type: 'multiOptions',
		typeOptions: { loadOptionsMethod: 'getUserAttributes' },
		default: ['userPrincipalName'],
		description:
			'Tried in the order chosen when the username attribute is empty (a user without a mailbox has no mail). Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
	},
	{
		displayName: 'SSO Unique Key',
		name: 'ssoKey',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Email', value: 'email', description: 'The mapped Email field' },
			{ name: 'Employee ID', value: 'employeeId', description: 'The mapped Employee ID field' },
			{ name: 'Object ID', value: 'objectId', description: "The user's Azure AD object ID, which never changes" },
			{ name: 'User Principal Name', value: 'upn', description: "The user's UPN as Azure AD has it" },
		],
		default: 'email',
		description: 'The value that identifies the requester: existing requesters are matched on it (ignoring case) and SSO login uses it',
	},
	{
		displayName: 'Allow Requester Login',
		name: 'allowLogin',
		type: 'boolean',
		noDataExpression: true,
		default: true,
		description: 'Whether synced requesters may sign in to the self-service portal with Microsoft SSO. When on, a user without a username is unmapped.',
	},
	...SECTION_PARAMETERS.map(fieldMappingCollection),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Fail on Invalid',
				name: 'failOnInvalid',
				type: 'boolean',
				default: false,
				displayOptions: { show: { '/mode': ['map'] } },
				description: 'Whether to stop the workflow with an error naming the user and field when a user cannot become a requester. Off: such users go to the Unmapped output with their reasons.',
			},
			{ ...maxTriesOption, displayOptions: { show: { '/mode': ['preview'] } } },
		],
	},
];
