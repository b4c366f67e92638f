/**
 * Applies a requester mapping (mappingConfig.ts) to Graph users: compiles it once, resolves each
 * field's value, derives the SSO key and validates, for mapping and for the field-by-field preview.
 */
import { MANAGER_ATTRIBUTE, describeAttribute, readPath, type AttributeInfo, type GraphUser } from './attributes';
import { isLiteralRule, MappingConfigError, checkMapping, resolveMapping, type FieldRule, type MappingConfig, type ResolvedMapping } from './mappingConfig';
import {
	REQUESTER_FIELDS,
	emptyFieldValue,
	emptyRequester,
	normaliseKey,
	type LoginSettings,
	type ManagerReference,
	type MappedRequesterFields,
	type Requester,
	type RequesterDraft,
	type RequesterFieldId,
	type RequesterFieldSpec,
	type RequesterSection,
	type SsoKey,
} from './model';
import { DEFAULT_JOIN_SEPARATOR, applyTransforms, type TextValue, type TransformName } from './transforms';
import { validateRequester, type FieldReason } from './validation';

// The configuration side, re-exported so './mapping' stays the one entry point for mapping.
export {
	DEFAULT_MAPPING,
	MappingConfigError,
	checkMapping,
	resolveMapping,
	type FieldRule,
	type MappingConfig,
	type MappingProblem,
	type ResolvedMapping,
} from './mappingConfig';

interface CompiledSource {
	info: AttributeInfo;
	segments: readonly string[];
}

interface CompiledRule {
	spec: RequesterFieldSpec;
	rule: FieldRule;
	sources: readonly CompiledSource[];
	transforms: readonly TransformName[];
	separator: string;
}

export interface CompiledMapping {
	mapping: ResolvedMapping;
	rules: readonly CompiledRule[];
}

function compileRule(spec: RequesterFieldSpec, rule: FieldRule): CompiledRule {
	const paths = isLiteralRule(rule) ? [] : (rule.source ?? []);
	return {
		spec,
		rule,
		sources: paths.map((path) => ({
			info: describeAttribute(path) as AttributeInfo,
			segments: path.split('.'),
		})),
		transforms: rule.transforms ?? [],
		separator: rule.separator ?? DEFAULT_JOIN_SEPARATOR,
	};
}

/** Checks and prepares a configuration once, so mapping many users repeats no parsing. */
export function compileMapping(config: MappingConfig): CompiledMapping {
	const problems = checkMapping(config);
	if (problems.length > 0) throw new MappingConfigError(problems);
	const mapping = resolveMapping(config);
	return {
		mapping,
		rules: REQUESTER_FIELDS.map((spec) => compileRule(spec, mapping.fields[spec.id])),
	};
}

// A sync maps every user with the same config object, so remembering the last one spares 100k
// users from re-checking it. One entry, not a WeakMap: a node that builds a config per item (an
// expression per field) would fill a WeakMap with dead keys, and those are costly to collect.
let lastConfig: MappingConfig | undefined;
let lastCompiled: CompiledMapping | undefined;

function compiled(config: MappingConfig): CompiledMapping {
	if (config !== lastConfig || !lastCompiled) {
		lastCompiled = compileMapping(config);
		lastConfig = config;
	}
	return lastCompiled;
}

const UNSUPPORTED = Symbol('unsupported');

function scalarToText(value: unknown): string | null | typeof UNSUPPORTED {
	if (value === null || value === undefined) return null;
	if (typeof value === 'string') return value.trim() || null;
	if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
		return String(value);
	}
	return UNSUPPORTED;
}

/** Graph values as trimmed text: `null` when empty, UNSUPPORTED for objects. */
function toText(value: unknown): TextValue | null | typeof UNSUPPORTED {
	if (!Array.isArray(value)) return scalarToText(value);
	const entries: string[] = [];
	for (const entry of value) {
		const text = scalarToText(entry);
		if (text === UNSUPPORTED) return UNSUPPORTED;
		if (text !== null) entries.push(text);
	}
	return entries.length > 0 ? entries : null;
}

export type MappedValue = MappedRequesterFields[RequesterFieldId];

interface FieldResolution {
	/** The attribute that supplied the value; `null` for a literal or when every source was empty. */
	usedSource: string | null;
	rawValue: unknown;
	value: MappedValue;
	reason?: FieldReason;
}

function shapeForField(spec: RequesterFieldSpec, value: TextValue): MappedValue {
	if (spec.kind === 'list') return typeof value === 'string' ? [value] : [...new Set(value)];
	// A list reaching a single-value field means "first" unless a `join` said otherwise.
	return typeof value === 'string' ? value : value[0];
}

function unsupported(
	spec: RequesterFieldSpec,
	source: string | null,
	rawValue: unknown,
): FieldResolution {
	return {
		usedSource: source,
		rawValue,
		value: emptyFieldValue(spec),
		reason: {
			field: spec.id,
			code: 'unsupported_value',
			message: `${spec.label}: ${source ? `"${source}"` : 'the supplied value'} holds an object, not text.`,
		},
	};
}

function finish(
	compiledRule: CompiledRule,
	usedSource: string | null,
	rawValue: unknown,
	text: TextValue | null,
): FieldResolution {
	const { spec, transforms, separator } = compiledRule;
	if (text === null) return { usedSource, rawValue, value: emptyFieldValue(spec) };
	const value = shapeForField(spec, applyTransforms(text, transforms, separator));
	return { usedSource, rawValue, value };
}

function textOf(value: unknown): string | null {
	return typeof value === 'string' ? value.trim() || null : null;
}

function toManagerReference(raw: unknown): ManagerReference | null {
	if (raw === null || typeof raw !== 'object') return null;
	const manager = raw as Record<string, unknown>;
	const azureObjectId = textOf(manager.id);
	if (!azureObjectId) return null;
	return {
		azureObjectId,
		email: textOf(manager.mail),
		upn: textOf(manager.userPrincipalName),
		displayName: textOf(manager.displayName),
	};
}

function nullWhenUndefined(value: unknown): unknown {
	return value === undefined ? null : value;
}

function resolveField(user: GraphUser, compiledRule: CompiledRule): FieldResolution {
	const { spec, rule, sources } = compiledRule;
	if (isLiteralRule(rule)) {
		const text = toText(rule.literal);
		if (text === UNSUPPORTED) return unsupported(spec, null, rule.literal);
		return finish(compiledRule, null, rule.literal, text);
	}
	if (spec.kind === 'manager') {
		if (sources.length === 0) return { usedSource: null, rawValue: null, value: null };
		const raw = nullWhenUndefined(readPath(user, sources[0].segments));
		return { usedSource: MANAGER_ATTRIBUTE, rawValue: raw, value: toManagerReference(raw) };
	}
	for (const source of sources) {
		const raw = readPath(user, source.segments);
		const text = toText(raw);
		if (text === UNSUPPORTED) return unsupported(spec, source.info.path, raw);
		if (text !== null) return finish(compiledRule, source.info.path, raw, text);
	}
	const firstRaw = sources.length > 0 ? readPath(user, sources[0].segments) : null;
	return { usedSource: null, rawValue: nullWhenUndefined(firstRaw), value: emptyFieldValue(spec) };
}

function deriveSsoKey(
	user: GraphUser,
	login: LoginSettings,
	draft: RequesterDraft,
): SsoKey | undefined {
	let value: string | null;
	switch (login.ssoKey) {
		case 'email':
			value = draft.email;
			break;
		case 'employeeId':
			value = draft.employeeId;
			break;
		case 'upn':
			value = textOf(user.userPrincipalName);
			break;
		case 'objectId':
			value = draft.azureObjectId || null;
			break;
	}
	return value === null ? undefined : { kind: login.ssoKey, value: normaliseKey(value) };
}

export type MapResult =
	| { ok: true; requester: Requester }
	| { ok: false; requester: RequesterDraft; reasons: FieldReason[] };

interface Evaluation {
	draft: RequesterDraft;
	resolutions: FieldResolution[];
	reasons: FieldReason[];
}

function newDraft(user: GraphUser, login: LoginSettings): RequesterDraft {
	const draft = emptyRequester();
	draft.azureObjectId = textOf(user.id) ?? '';
	// Only an explicit false disables: a value that was not selected must never deactivate.
	draft.accountEnabled = user.accountEnabled !== false;
	draft.allowLogin = login.allowLogin;
	return draft;
}

function evaluate(user: GraphUser, { mapping, rules }: CompiledMapping): Evaluation {
	const draft = newDraft(user, mapping.login);
	const fields = draft as unknown as Record<RequesterFieldId, MappedValue>;
	const resolutions: FieldResolution[] = [];
	const fieldReasons: FieldReason[] = [];
	for (const rule of rules) {
		const resolution = resolveField(user, rule);
		resolutions.push(resolution);
		fields[rule.spec.id] = resolution.value;
		if (resolution.reason) fieldReasons.push(resolution.reason);
	}
	draft.ssoKey = deriveSsoKey(user, mapping.login, draft);
	return { draft, resolutions, reasons: validateRequester(draft, mapping.login, fieldReasons) };
}

/**
 * Maps one Graph user. A user that cannot become a valid requester is returned with every reason
 * (field, code, message) rather than dropped, so it can be reported and retried.
 * Throws MappingConfigError when the configuration itself is wrong.
 */
export function mapUser(user: GraphUser, config: MappingConfig): MapResult {
	const { draft, reasons } = evaluate(user, compiled(config));
	if (reasons.length > 0 || !draft.ssoKey) return { ok: false, requester: draft, reasons };
	return { ok: true, requester: draft as Requester };
}

export interface RequiredGraphAttributes {
	/** Top-level properties for `$select`, `id` and `accountEnabled` first. */
	select: string[];
	/** Whether to add `$expand=manager($select=...)` (see MANAGER_SELECT). */
	needsManager: boolean;
}

/** Exactly the Graph properties the mapping reads, so the user list can `$select` nothing more. */
export function requiredGraphAttributes(config: MappingConfig): RequiredGraphAttributes {
	const { mapping, rules } = compiled(config);
	const select = new Set(['id', 'accountEnabled']);
	if (mapping.login.ssoKey === 'upn') select.add('userPrincipalName');
	let needsManager = false;
	for (const { sources } of rules) {
		for (const { info } of sources) {
			if (info.type === 'manager') needsManager = true;
			else select.add(info.select);
		}
	}
	return { select: [...select], needsManager };
}

export interface PreviewRow {
	field: RequesterFieldId;
	label: string;
	section: RequesterSection;
	/** Configured attributes in fallback order (empty for a literal). */
	sources: string[];
	literal: boolean;
	usedSource: string | null;
	rawValue: unknown;
	mappedValue: MappedValue;
	reasons: FieldReason[];
}

/** One row per target field: where the value came from, Azure's raw value and the mapped value. */
export function previewMapping(user: GraphUser, config: MappingConfig): PreviewRow[] {
	const compiledMapping = compiled(config);
	const { resolutions, reasons } = evaluate(user, compiledMapping);
	return compiledMapping.rules.map(({ spec, rule, sources }, index) => ({
		field: spec.id,
		label: spec.label,
		section: spec.section,
		sources: sources.map((source) => source.info.path),
		literal: isLiteralRule(rule),
		usedSource: resolutions[index].usedSource,
		rawValue: resolutions[index].rawValue,
		mappedValue: resolutions[index].value,
		reasons: reasons.filter((reason) => reason.field === spec.id),
	}));
}
