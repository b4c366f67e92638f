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
	type INodeType,
	type INodeTypeDescription,
	type NodeApiError,
} from 'n8n-workflow';
import type { GraphClient } from '../shared/graph/client';
import { UserResolutionError, resolveUser } from '../shared/graph/userResolution';
import { getUser } from '../shared/graph/directory';
import { azureAdConnectionTest, getGraphClient } from '../shared/n8n/azureAd';
import { getUserAttributes, searchAzureAdUsers, userLocatorValue } from '../shared/n8n/directoryMethods';
import { toNodeError } from '../shared/n8n/errors';
import { forEachItem, forEachItemRouted, type RoutedResult } from '../shared/n8n/itemLoop';
import { MAPPING_PARAMETER_NAMES, mappingConfigFromParameters, parametersVaryingPerItem, parameterLocation } from '../shared/n8n/mappingParameters';
import {
	DEFAULT_MAPPING,
	MappingConfigError,
	mapUser,
	previewMapping,
	requiredGraphAttributes,
	type FieldReason,
	type GraphUser,
	type MapResult,
	type MappingConfig,
	type PreviewRow,
	type Requester,
	type RequesterDraft,
	type RequesterSection,
	type RequiredGraphAttributes,
	type SsoKeyKind,
} from '../shared/requester';
import { credentials, properties, type Mode } from './description';

const SECTION_LABELS: Record<RequesterSection, string> = { login: 'Login', requester: 'Requester', work: 'Work', address: 'Address' };

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
		credentials,
		properties,
	};

	methods = {
		credentialTest: { azureAdConnectionTest },
		loadOptions: { getUserAttributes },
		listSearch: { searchAzureAdUsers },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const mode = this.getNodeParameter('mode', 0) as Mode;
		if (mode === 'preview') return [await previewItems(this), []];
		return await mapItems(this);
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

const MAPPED = 0;
const UNMAPPED = 1;

async function mapItems(context: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = context.getInputData();
	const { failOnInvalid = false } = context.getNodeParameter('options', 0, {}) as { failOnInvalid?: boolean };
	const configFor = mappingConfigReader(context);
	// What mapping made of each user "Fail on Invalid" stopped at, for its Unmapped error item.
	const invalid = new Map<number, MapResult & { ok: false }>();
	const mapOne = (itemIndex: number): RoutedResult => {
		const { json } = items[itemIndex];
		const pairedItem = { item: itemIndex };
		// List Users' "no changes" item: nothing to map, but the sync downstream still runs.
		if (isNoChanges(json._sync)) return { output: MAPPED, result: { json: { requester: null, _sync: json._sync }, pairedItem } };
		if (isRemoved(json._sync)) {
			const id = textOrNull(json.id);
			if (id === null) return { output: UNMAPPED, result: { json: unmappedUser(json, null, [REMOVED_WITHOUT_ID]), pairedItem } };
			return { output: MAPPED, result: { json: withSync(json, { requester: null, azureObjectId: id }), pairedItem } };
		}
		const result = mapUser(json, configFor(itemIndex));
		if (result.ok) return { output: MAPPED, result: { json: mappedUser(json, result.requester), pairedItem } };
		if (failOnInvalid) {
			invalid.set(itemIndex, result);
			throw invalidUserError(context, json, result, itemIndex);
		}
		return { output: UNMAPPED, result: { json: unmappedUser(json, result.requester, result.reasons), pairedItem } };
	};
	// A failed user goes to Unmapped with who it is and why, not only the message.
	return await forEachItemRouted(context, 2, mapOne, {
		errorOutput: UNMAPPED,
		errorFor: (caught, itemIndex) => asNodeError(context, caught, itemIndex),
		errorJson: (_error, itemIndex, caught) => {
			const result = invalid.get(itemIndex);
			return unmappedUser(items[itemIndex].json, result?.requester ?? null, result?.reasons ?? reasonsFor(caught));
		},
	});
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

/* ------------------------------------------------------------------------------------------------
 * Preview Mapping
 * --------------------------------------------------------------------------------------------- */

async function previewItems(context: IExecuteFunctions): Promise<INodeExecutionData[]> {
	// One preview, for the first input item.
	return await forEachItem(
		context,
		async () => {
			const config = mappingConfigFromParameters(readMappingParameters(context, 0));
			const attributes = requiredGraphAttributes(config);
			const { maxTries } = context.getNodeParameter('options', 0, {}) as { maxTries?: number };
			const client = await getGraphClient(context, { maxTries });
			const user = await loadPreviewUser(context, client, attributes);
			return previewRows(user, config).map((row) => ({ json: row as unknown as IDataObject, pairedItem: { item: 0 } }));
		},
		{ errorFor: (caught) => asNodeError(context, caught, 0) },
		1,
	);
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
