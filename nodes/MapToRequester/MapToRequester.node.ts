/**
 * Map To Requester: turns Azure AD users (as Azure AD List Users outputs them) into requesters.
 *
 * Mode "Map Items", one output item per input item, `pairedItem` pointing at it:
 *   Output 0 "Mapped"
 *     { requester: Requester, azureObjectId, user: { id, userPrincipalName, mail, displayName }, _sync? }
 *     A removed user (`_sync.removed` set; delta reads give only its id) is passed on unvalidated:
 *     { requester: null, azureObjectId, _sync }
 *   Output 1 "Unmapped"
 *     { azureObjectId, userPrincipalName, mail, displayName, reasons: [{ field, code, message }],
 *       requester: RequesterDraft | null, _sync? }
 *     plus `error` and `description` for a user that failed ("Fail on Invalid", a wrong mapping)
 *     while the node continues on fail: every user that did not become a requester is on this one
 *     output with its reasons, also under "continue using error output" (n8n's error output would
 *     keep only the message).
 *   `_sync` (List Users' `{ mode, removed?, syncId }`) is copied untouched when the input has it.
 *   List Users' "no changes" item (`_sync.noChanges`) passes to Mapped as `{ requester: null, _sync }`.
 *
 * Mode "Preview Mapping": reads the chosen user from Graph with exactly the attributes the mapping
 * needs and outputs one item per target field (plus the SSO key) on output 0.
 *
 * The credential is required although mapping items never calls Graph: the attribute dropdowns
 * and the preview need it, and an optional credential would leave those dropdowns failing with
 * n8n's "Node does not require credentials" error.
 */
import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeParameterResourceLocator,
	type INodeProperties,
	type INodePropertyOptions,
	type INodeType,
	type INodeTypeDescription,
	type IPairedItemData,
	type NodeApiError,
} from 'n8n-workflow';
import type { GraphClient } from '../shared/graph/client';
import { UserResolutionError, resolveUser } from '../shared/graph/userResolution';
import { getUser } from '../shared/graph/directory';
import { azureAdConnectionTest, getGraphClient, maxTriesOption } from '../shared/n8n/azureAd';
import { azureAdUserLocator, getUserAttributes, searchAzureAdUsers, userLocatorValue } from '../shared/n8n/directoryMethods';
import { toNodeError } from '../shared/n8n/errors';
import {
	FIELD_MAPPINGS_KEY,
	MAPPING_PARAMETER_NAMES,
	SECTION_PARAMETERS,
	mappingConfigFromParameters,
	parametersVaryingPerItem,
	parameterLocation,
	type SectionParameter,
} from '../shared/n8n/mappingParameters';
import {
	DEFAULT_MAPPING,
	MappingConfigError,
	REQUESTER_FIELDS,
	mapUser,
	previewMapping,
	requiredGraphAttributes,
	type FieldReason,
	type FieldRule,
	type GraphUser,
	type MapResult,
	type MappingConfig,
	type PreviewRow,
	type Requester,
	type RequesterDraft,
	type RequesterSection,
	type RequiredGraphAttributes,
	type SsoKeyKind,
	type TransformName,
} from '../shared/requester';

type Mode = 'map' | 'preview';

const TRANSFORM_OPTIONS: Array<INodePropertyOptions & { value: TransformName }> = [
	{ name: 'Date Only (YYYY-MM-DD)', value: 'date', description: 'Keeps the calendar date of an ISO date-time: 2019-03-04T00:00:00Z becomes 2019-03-04' },
	{ name: 'First Entry', value: 'first', description: 'Takes the first entry of a list such as Business Phones' },
	{ name: 'Guest Address From UPN', value: 'guestEmail', description: "Turns a B2B guest's UPN jane_fabrikam.com#EXT#@contoso.onmicrosoft.com into jane@fabrikam.com" },
	{ name: 'Join Entries', value: 'join', description: 'Joins the entries of a list into one text, with the separator below' },
	{ name: 'Lower Case', value: 'lower', description: 'For example for email addresses' },
	{ name: 'Normalise Phone Number', value: 'phone', description: '+1 (425) 555-0109 becomes +14255550109; extensions and text stay as typed' },
];

const SECTION_LABELS: Record<RequesterSection, string> = { login: 'Login', requester: 'Requester', work: 'Work', address: 'Address' };

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
}

export class MapToRequester implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Map To Requester',
		name: 'mapToRequester',
		icon: { light: 'file:../../icons/azureAd.svg', dark: 'file:../../icons/azureAd.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["mode"] === "preview" ? "Preview mapping" : "Map users to requesters" }}',
		description: 'Turns Azure AD users into requesters: login settings, Requester / Work / Address field mapping, validation and a field-by-field preview',
		defaults: { name: 'Map To Requester' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Mapped', 'Unmapped'],
		credentials: [{ name: 'azureAdSyncApi', required: true, testedBy: 'azureAdConnectionTest' }],
		properties: [
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
		],
	};

	methods = {
		credentialTest: { azureAdConnectionTest },
		loadOptions: { getUserAttributes },
		listSearch: { searchAzureAdUsers },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const mode = this.getNodeParameter('mode', 0) as Mode;
		if (mode === 'preview') return [await previewItems(this), []];
		return mapItems(this);
	}
}

/* ------------------------------------------------------------------------------------------------
 * Map Items
 * --------------------------------------------------------------------------------------------- */

function readParameters(context: IExecuteFunctions, names: readonly string[], itemIndex: number): IDataObject {
	return Object.fromEntries(names.map((name) => [name, context.getNodeParameter(name, itemIndex)]));
}

function readMappingParameters(context: IExecuteFunctions, itemIndex: number): IDataObject {
	return readParameters(context, MAPPING_PARAMETER_NAMES, itemIndex);
}

/**
 * Builds the config once, and per item only re-reads the parameters holding an expression. Lazy,
 * so a wrong mapping fails per item and respects continue on fail like any other error.
 */
function mappingConfigReader(context: IExecuteFunctions): (itemIndex: number) => MappingConfig {
	const varying = parametersVaryingPerItem(context.getNode().parameters);
	const constant = MAPPING_PARAMETER_NAMES.filter((name) => !varying.includes(name));
	let fixed: IDataObject | undefined;
	let config: MappingConfig | undefined;
	return (itemIndex) => {
		fixed ??= readParameters(context, constant, 0);
		if (varying.length === 0) return (config ??= mappingConfigFromParameters(fixed));
		return mappingConfigFromParameters({ ...fixed, ...readParameters(context, varying, itemIndex) });
	};
}

function mapItems(context: IExecuteFunctions): INodeExecutionData[][] {
	const items = context.getInputData();
	const { failOnInvalid = false } = context.getNodeParameter('options', 0, {}) as { failOnInvalid?: boolean };
	const configFor = mappingConfigReader(context);
	const mapped: INodeExecutionData[] = [];
	const unmapped: INodeExecutionData[] = [];
	items.forEach(({ json }, itemIndex) => {
		const pairedItem = { item: itemIndex };
		try {
			// List Users' "no changes" item: nothing to map, but the sync downstream still runs.
			if (isNoChanges(json._sync)) {
				mapped.push({ json: { requester: null, _sync: json._sync }, pairedItem });
				return;
			}
			if (isRemoved(json._sync)) {
				const id = textOrNull(json.id);
				if (id === null) unmapped.push({ json: unmappedUser(json, null, [REMOVED_WITHOUT_ID]), pairedItem });
				else mapped.push({ json: withSync(json, { requester: null, azureObjectId: id }), pairedItem });
				return;
			}
			const result = mapUser(json, configFor(itemIndex));
			if (result.ok) {
				mapped.push({ json: mappedUser(json, result.requester), pairedItem });
				return;
			}
			if (!failOnInvalid) {
				unmapped.push({ json: unmappedUser(json, result.requester, result.reasons), pairedItem });
				return;
			}
			const error = invalidUserError(context, json, result, itemIndex);
			if (!context.continueOnFail()) throw error;
			unmapped.push(errorItem(json, error, pairedItem, result.reasons, result.requester));
		} catch (caught) {
			const error = asNodeError(context, caught, itemIndex);
			if (!context.continueOnFail()) throw error;
			unmapped.push(errorItem(json, error, pairedItem, reasonsFor(caught), null));
		}
	});
	return [mapped, unmapped];
}

function isNoChanges(sync: unknown): boolean {
	return typeof sync === 'object' && sync !== null && (sync as IDataObject).noChanges === true;
}

function isRemoved(sync: unknown): boolean {
	return typeof sync === 'object' && sync !== null && Boolean((sync as IDataObject).removed);
}

function textOrNull(value: unknown): string | null {
	return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/** Who the item is, for people reading outputs and errors. */
function userIdentity(json: IDataObject) {
	return {
		id: textOrNull(json.id),
		userPrincipalName: textOrNull(json.userPrincipalName),
		mail: textOrNull(json.mail),
		displayName: textOrNull(json.displayName),
	};
}

function withSync(json: IDataObject, output: IDataObject): IDataObject {
	return json._sync === undefined ? output : { ...output, _sync: json._sync };
}

function mappedUser(json: IDataObject, requester: Requester): IDataObject {
	return withSync(json, { requester: requester as unknown as IDataObject, azureObjectId: requester.azureObjectId, user: userIdentity(json) });
}

/** A FieldReason, or a mapping problem reported like one. */
interface OutputReason {
	field: string;
	code: string;
	message: string;
}

function unmappedUser(json: IDataObject, requester: RequesterDraft | null, reasons: readonly OutputReason[]): IDataObject {
	const { id, ...identity } = userIdentity(json);
	return withSync(json, { azureObjectId: id, ...identity, reasons: reasons as unknown as IDataObject[], requester: requester as unknown as IDataObject });
}

// A removed user has only an id, by which Upsert Requester deactivates it; without one nothing can.
const REMOVED_WITHOUT_ID: FieldReason = {
	field: 'azureObjectId',
	code: 'required',
	message: 'A removed user came without its object ID (id), so its requester cannot be deactivated.',
};

function describeUser(json: IDataObject): string {
	const { id, userPrincipalName, mail, displayName } = userIdentity(json);
	const handle = userPrincipalName ?? mail ?? id;
	if (displayName !== null) return handle === null ? `"${displayName}"` : `"${displayName}" (${handle})`;
	return handle ?? 'without an object ID';
}

function invalidUserError(context: IExecuteFunctions, json: IDataObject, result: MapResult & { ok: false }, itemIndex: number): NodeOperationError {
	const objectId = result.requester.azureObjectId || 'missing';
	return new NodeOperationError(context.getNode(), `Azure AD user ${describeUser(json)} cannot become a requester: ${result.reasons.map((reason) => reason.message).join(' ')}`, {
		description: `Object ID: ${objectId}. Fix the value in Azure AD or the field mapping, or turn off "Fail on Invalid" to send such users to the Unmapped output.`,
		itemIndex,
	});
}

function mappingError(context: IExecuteFunctions, error: MappingConfigError, itemIndex: number): NodeOperationError {
	const locations = [...new Set(error.problems.map((problem) => parameterLocation(problem.field)))];
	return new NodeOperationError(context.getNode(), error.message, { description: `Check ${locations.join('; ')}.`, itemIndex });
}

function asNodeError(context: IExecuteFunctions, error: unknown, itemIndex: number): NodeOperationError | NodeApiError {
	if (error instanceof MappingConfigError) return mappingError(context, error, itemIndex);
	return toNodeError(context.getNode(), error, itemIndex);
}

/** A wrong mapping is reported per field, like a user's reasons, so Export Unsynced lists it too. */
function reasonsFor(error: unknown): OutputReason[] {
	if (!(error instanceof MappingConfigError)) return [];
	return error.problems.map((problem) => ({ field: problem.field, code: 'invalid_mapping', message: problem.message }));
}

function errorItem(
	json: IDataObject,
	error: NodeOperationError | NodeApiError,
	pairedItem: IPairedItemData,
	reasons: readonly OutputReason[],
	requester: RequesterDraft | null,
): INodeExecutionData {
	// No item-level `error`: n8n would replace the json with the message alone, losing who and why.
	return { json: { error: error.message, description: error.description ?? null, ...unmappedUser(json, requester, reasons) }, pairedItem };
}

/* ------------------------------------------------------------------------------------------------
 * Preview Mapping
 * --------------------------------------------------------------------------------------------- */

async function previewItems(context: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const pairedItem = { item: 0 };
	try {
		const config = mappingConfigFromParameters(readMappingParameters(context, 0));
		const attributes = requiredGraphAttributes(config);
		const { maxTries } = context.getNodeParameter('options', 0, {}) as { maxTries?: number };
		const client = await getGraphClient(context, { maxTries });
		const user = await loadPreviewUser(context, client, attributes);
		return previewRows(user, config).map((row) => ({ json: row as unknown as IDataObject, pairedItem }));
	} catch (caught) {
		const error = asNodeError(context, caught, 0);
		if (!context.continueOnFail()) throw error;
		return [{ json: { error: error.message, description: error.description ?? null }, pairedItem }];
	}
}

/** By ID, from the list (an ID) or by UPN; an address that is not a UPN is looked up as a mail address. */
async function loadPreviewUser(context: IExecuteFunctions, client: GraphClient, attributes: RequiredGraphAttributes): Promise<GraphUser> {
	const locator = context.getNodeParameter('previewUser', 0) as INodeParameterResourceLocator;
	const key = userLocatorValue(locator);
	if (key === '') {
		throw new NodeOperationError(context.getNode(), 'Preview User is empty', { description: 'Pick a user from the list, or give an object ID, UPN or email address.' });
	}
	const user =
		(await getUser(client, key, attributes.select, attributes.needsManager)) ??
		(locator.mode === 'upn' ? await userByMail(context, client, key, attributes) : undefined);
	if (user === undefined) {
		const what = locator.mode === 'upn' ? 'the UPN or email address' : 'the object ID';
		throw new NodeOperationError(context.getNode(), `No Azure AD user has ${what} "${key}"`, { description: 'Pick the preview user from the list, or check the value.' });
	}
	return user;
}

async function userByMail(context: IExecuteFunctions, client: GraphClient, mail: string, attributes: RequiredGraphAttributes): Promise<GraphUser | undefined> {
	try {
		const { user } = await resolveUser(client, mail, 'mail');
		return await getUser(client, user.id, attributes.select, attributes.needsManager);
	} catch (error) {
		if (error instanceof UserResolutionError && error.reason === 'notFound') return undefined;
		throw toNodeError(context.getNode(), error);
	}
}

const SSO_KEY_SOURCES: Record<SsoKeyKind, string> = {
	email: 'Email field',
	employeeId: 'Employee ID field',
	upn: 'userPrincipalName',
	objectId: 'id',
};

function describeSource(row: PreviewRow): string {
	if (row.literal) return 'Value';
	return row.sources.length === 0 ? 'Not mapped' : row.sources.join(', then ');
}

/** One output item of the preview: a target field, where its value comes from and what it becomes. */
interface PreviewItem {
	section: string;
	field: string;
	source: string;
	usedAttribute: string | null;
	azureValue: unknown;
	mappedValue: unknown;
	reasons: readonly OutputReason[];
	fieldId: string;
	previewUser: string;
}

function previewRow(row: PreviewRow, previewUser: string): PreviewItem {
	return {
		section: SECTION_LABELS[row.section],
		field: row.label,
		source: describeSource(row),
		usedAttribute: row.usedSource,
		azureValue: row.literal ? null : row.rawValue,
		mappedValue: row.mappedValue,
		reasons: row.reasons,
		fieldId: row.field,
		previewUser,
	};
}

/** The key the requester is matched and signs in by, with the reasons it could not be made. */
function ssoKeyRow(config: MappingConfig, result: MapResult, previewUser: string): PreviewItem {
	const kind = config.login?.ssoKey ?? DEFAULT_MAPPING.login.ssoKey;
	const reasons = result.ok ? [] : result.reasons.filter((reason) => reason.field === 'ssoKey' || reason.field === 'azureObjectId');
	return {
		section: SECTION_LABELS.login,
		field: 'SSO Unique Key',
		source: SSO_KEY_SOURCES[kind],
		usedAttribute: null,
		azureValue: null,
		mappedValue: result.requester.ssoKey?.value ?? null,
		reasons,
		fieldId: 'ssoKey',
		previewUser,
	};
}

function previewRows(user: GraphUser, config: MappingConfig): PreviewItem[] {
	const previewUser = describeUser(user as IDataObject);
	const [username, ...fields] = previewMapping(user, config).map((row) => previewRow(row, previewUser));
	return [username, ssoKeyRow(config, mapUser(user, config), previewUser), ...fields];
}
