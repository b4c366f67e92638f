/**
 * Map To Requester's parameters → the core's MappingConfig, in one place: the node maps items
 * with it, and List Users reads that node's parameters from the workflow and passes the result to
 * `requiredGraphAttributes`, so it `$select`s exactly the attributes the mapping reads.
 *
 * Parameters (as the node stores them; any key may be missing and then means the node's default):
 *   usernameAttribute           'mail'                  Login Settings: the requester's username
 *   usernameFallbackAttributes  ['userPrincipalName']   tried in order when the username attribute is empty
 *   ssoKey                      'email'                 'email' | 'upn' | 'objectId' | 'employeeId'
 *   allowLogin                  true
 *   requesterFields / workFields / addressFields        { mappings: FieldMappingParameters[] }
 * Only listed fields are overridden; every other field keeps DEFAULT_MAPPING.
 */
import type { IDataObject } from 'n8n-workflow';
import {
	DEFAULT_MAPPING,
	MappingConfigError,
	REQUESTER_FIELDS,
	type FieldRule,
	type MappingConfig,
	type MappingProblem,
	type RequesterFieldId,
	type RequesterFieldSpec,
	type RequesterSection,
	type SsoKeyKind,
	type TransformName,
} from '../requester';

export type MappedSection = Exclude<RequesterSection, 'login'>;

export interface SectionParameter {
	section: MappedSection;
	/** The node's fixedCollection parameter for the section. */
	parameter: 'requesterFields' | 'workFields' | 'addressFields';
	label: string;
}

export const SECTION_PARAMETERS: readonly SectionParameter[] = [
	{ section: 'requester', parameter: 'requesterFields', label: 'Requester' },
	{ section: 'work', parameter: 'workFields', label: 'Work' },
	{ section: 'address', parameter: 'addressFields', label: 'Address' },
];

/** The key under each section's fixedCollection that holds its list of field mappings. */
export const FIELD_MAPPINGS_KEY = 'mappings';

/** Every parameter the mapping reads; the node's other parameters (mode, preview user, options) do not change it. */
export const MAPPING_PARAMETER_NAMES = [
	'usernameAttribute',
	'usernameFallbackAttributes',
	'ssoKey',
	'allowLogin',
	...SECTION_PARAMETERS.map(({ parameter }) => parameter),
] as const;

export type FieldSource = 'attribute' | 'value' | 'none';

/** One entry of a section's field mappings. */
export interface FieldMappingParameters {
	field?: string;
	/** Default 'attribute'. */
	source?: FieldSource;
	attribute?: string;
	fallbackAttributes?: string[];
	/** An n8n expression's result (or fixed text) when source is 'value'. */
	value?: unknown;
	transforms?: string[];
	separator?: string;
}

const DEFAULT_USERNAME_ATTRIBUTE = 'mail';
const DEFAULT_USERNAME_FALLBACKS = ['userPrincipalName'];
// The username is a login name: lower-cased, and a guest's #EXT# UPN read back as its own address.
const USERNAME_TRANSFORMS = DEFAULT_MAPPING.fields.username.transforms;

/**
 * Turns the node's parameters into a MappingConfig. Throws MappingConfigError, naming the field,
 * for what only the parameters can get wrong (a field listed twice or in the wrong section, an
 * attribute rule without an attribute); the core checks the rest when the config is used.
 */
export function mappingConfigFromParameters(parameters: IDataObject): MappingConfig {
	const problems: MappingProblem[] = [];
	const fields: Partial<Record<RequesterFieldId, FieldRule>> = { username: usernameRule(parameters) };
	for (const section of SECTION_PARAMETERS) readSection(section, sectionEntries(parameters, section), fields, problems);
	if (problems.length > 0) throw new MappingConfigError(problems);
	return {
		login: {
			ssoKey: (parameters.ssoKey ?? DEFAULT_MAPPING.login.ssoKey) as SsoKeyKind,
			allowLogin: parameters.allowLogin !== false,
		},
		fields,
	};
}

function usernameRule(parameters: IDataObject): FieldRule {
	const attribute = parameters.usernameAttribute ?? DEFAULT_USERNAME_ATTRIBUTE;
	const fallbacks = parameters.usernameFallbackAttributes ?? DEFAULT_USERNAME_FALLBACKS;
	return { source: attributeList([attribute, ...listOf(fallbacks)]), transforms: USERNAME_TRANSFORMS };
}

function sectionEntries(parameters: IDataObject, section: SectionParameter): FieldMappingParameters[] {
	const collection = parameters[section.parameter] as IDataObject | undefined;
	return listOf(collection?.[FIELD_MAPPINGS_KEY]) as FieldMappingParameters[];
}

function readSection(
	section: SectionParameter,
	entries: readonly FieldMappingParameters[],
	fields: Partial<Record<RequesterFieldId, FieldRule>>,
	problems: MappingProblem[],
): void {
	const listed = new Set<RequesterFieldId>();
	for (const entry of entries) {
		const spec = REQUESTER_FIELDS.find((candidate) => candidate.id === entry.field);
		if (!spec) {
			problems.push({ field: 'fields', message: `${section.label}: "${entry.field ?? ''}" is not a requester field.` });
			continue;
		}
		const source = entry.source ?? 'attribute';
		const attributes = attributeList([entry.attribute, ...listOf(entry.fallbackAttributes)]);
		const problem = entryProblem(section, spec, source, attributes, listed);
		if (problem) {
			problems.push(problem);
			continue;
		}
		listed.add(spec.id);
		fields[spec.id] = fieldRule(entry, source, attributes);
	}
}

function entryProblem(
	section: SectionParameter,
	spec: RequesterFieldSpec,
	source: FieldSource,
	attributes: readonly string[],
	listed: ReadonlySet<RequesterFieldId>,
): MappingProblem | undefined {
	// A field can only be listed in its own section, so it can never be mapped twice across sections.
	if (spec.section !== section.section) {
		return { field: spec.id, message: `${spec.label} is not a ${section.label} field; map it in its own section.` };
	}
	if (listed.has(spec.id)) {
		return { field: spec.id, message: `${spec.label} is listed twice under ${section.label}; keep one.` };
	}
	if (source === 'attribute' && attributes.length === 0) {
		return { field: spec.id, message: `${spec.label}: choose an Azure AD attribute, or set Source to "Leave Empty".` };
	}
	return undefined;
}

function fieldRule(entry: FieldMappingParameters, source: FieldSource, attributes: string[]): FieldRule {
	const transforms: FieldRule = { transforms: listOf(entry.transforms) as TransformName[] };
	if (typeof entry.separator === 'string') transforms.separator = entry.separator;
	switch (source) {
		case 'none':
			return { source: [] };
		case 'value':
			// Non-text results (objects) are passed on as they are: the core reports them per user.
			return { literal: (entry.value ?? '') as string | string[], ...transforms };
		default:
			return { source: attributes, ...transforms };
	}
}

function listOf(value: unknown): unknown[] {
	return Array.isArray(value) ? value : [];
}

/** Trimmed, non-empty and each once, in the order given. */
function attributeList(values: readonly unknown[]): string[] {
	const names = values.filter((value): value is string => typeof value === 'string').map((value) => value.trim());
	return [...new Set(names.filter((name) => name !== ''))];
}

/**
 * The mapping parameters that hold an n8n expression, so the mapping may differ per item. The node
 * reads only these per item; without any it builds the config once, and the core compiles it once.
 */
export function parametersVaryingPerItem(rawParameters: Readonly<Record<string, unknown>>): string[] {
	return MAPPING_PARAMETER_NAMES.filter((name) => containsExpression(rawParameters[name]));
}

function containsExpression(value: unknown): boolean {
	if (typeof value === 'string') return value.startsWith('=');
	if (Array.isArray(value)) return value.some(containsExpression);
	if (value !== null && typeof value === 'object') return Object.values(value).some(containsExpression);
	return false;
}

/** Where a mapping problem is fixed in the node, for error descriptions. */
export function parameterLocation(field: MappingProblem['field']): string {
	if (field === 'login') return 'Login Settings → SSO Unique Key';
	if (field === 'fields') return 'the field mappings';
	const spec = REQUESTER_FIELDS.find((candidate) => candidate.id === field);
	if (!spec || spec.section === 'login') return 'Login Settings → Username Attribute';
	const section = SECTION_PARAMETERS.find((candidate) => candidate.section === spec.section);
	return `${section?.label} Fields → ${spec.label}`;
}
