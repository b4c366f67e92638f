import {
	GRAPH_USER_ATTRIBUTES,
	MANAGER_ATTRIBUTE,
	describeAttribute,
	readPath,
	type AttributeInfo,
	type GraphUser,
} from './attributes';
import {
	REQUESTER_FIELDS,
	SSO_KEY_KINDS,
	emptyFieldValue,
	emptyRequester,
	getRequesterField,
	isRequesterFieldId,
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
import {
	DEFAULT_JOIN_SEPARATOR,
	applyTransforms,
	isTransformName,
	type TextValue,
	type TransformName,
} from './transforms';
import { validateRequester, type FieldReason } from './validation';

export interface FieldRule {
	/** Azure AD attributes (catalogue paths) tried in order; the first non-empty one is used. */
	source?: readonly string[];
	/** A value supplied by the caller (in the node: an evaluated expression). Replaces `source`. */
	literal?: string | readonly string[];
	/** Applied in order after the value is read. Values are always trimmed first. */
	transforms?: readonly TransformName[];
	/** For the `join` transform. */
	separator?: string;
}

/** What a user configures. Anything left out falls back to DEFAULT_MAPPING. */
export interface MappingConfig {
	login?: Partial<LoginSettings>;
	fields?: Partial<Record<RequesterFieldId, FieldRule>>;
}

export interface ResolvedMapping {
	login: LoginSettings;
	fields: Record<RequesterFieldId, FieldRule>;
}

const attributes = (...source: string[]): FieldRule => ({ source });

// The email and username defaults fall back from mail to the UPN, and the `guestEmail` transform
// turns a B2B guest's "#EXT#" UPN back into the guest's own address, so guests without `mail`
// still get their real address rather than the host tenant's routing name.
export const DEFAULT_MAPPING: ResolvedMapping = {
	login: { ssoKey: 'email', allowLogin: true },
	fields: {
		username: { source: ['mail', 'userPrincipalName'], transforms: ['guestEmail', 'lower'] },
		fullName: attributes('displayName'),
		firstName: attributes('givenName'),
		lastName: attributes('surname'),
		email: { source: ['mail', 'userPrincipalName'], transforms: ['guestEmail', 'lower'] },
		phone: { source: ['mobilePhone'], transforms: ['phone'] },
		landline: { source: ['businessPhones'], transforms: ['first', 'phone'] },
		tags: attributes(),
		manager: attributes(MANAGER_ATTRIBUTE),
		department: attributes('department'),
		jobTitle: attributes('jobTitle'),
		company: attributes('companyName'),
		employeeId: attributes('employeeId'),
		employeeType: attributes('employeeType'),
		officeLocation: attributes('officeLocation'),
		division: attributes('employeeOrgData.division'),
		costCenter: attributes('employeeOrgData.costCenter'),
		hireDate: { source: ['employeeHireDate'], transforms: ['date'] },
		street: attributes('streetAddress'),
		city: attributes('city'),
		state: attributes('state'),
		postalCode: attributes('postalCode'),
		country: attributes('country'),
	},
};

export interface MappingProblem {
	field: RequesterFieldId | 'login' | 'fields';
	message: string;
}

/** The configuration itself is wrong (unknown attribute, impossible rule); no user can be mapped. */
export class MappingConfigError extends Error {
	constructor(readonly problems: readonly MappingProblem[]) {
		super(`Invalid requester mapping: ${problems.map((problem) => problem.message).join(' ')}`);
		this.name = 'MappingConfigError';
	}
}

export function resolveMapping(config: MappingConfig): ResolvedMapping {
	return {
		login: { ...DEFAULT_MAPPING.login, ...withoutUndefined(config.login ?? {}) },
		fields: { ...DEFAULT_MAPPING.fields, ...withoutUndefined(config.fields ?? {}) },
	};
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
	return Object.fromEntries(
		Object.entries(value).filter(([, entry]) => entry !== undefined),
	) as Partial<T>;
}

function isLiteralRule(rule: FieldRule): boolean {
	return rule.literal !== undefined;
}

function isMapped(rule: FieldRule): boolean {
	return isLiteralRule(rule) || (rule.source?.length ?? 0) > 0;
}

function checkSource(spec: RequesterFieldSpec, path: string): string | undefined {
	const info = describeAttribute(path);
	const where = `${spec.label}: "${path}"`;
	if (!info) return `${where} is not an Azure AD user attribute.`;
	if (info.type === 'object') {
		const example = GRAPH_USER_ATTRIBUTES.find((child) => child.path.startsWith(`${path}.`));
		return `${where} is a group of attributes; choose one of them, such as "${example?.path}".`;
	}
	if (info.type === 'manager' && spec.kind !== 'manager') {
		return `${where} can only be mapped to Reporting Manager.`;
	}
	if (info.type !== 'manager' && spec.kind === 'manager') {
		return `${where} is not a manager; map Reporting Manager to the "manager" attribute.`;
	}
	return undefined;
}

function checkRule(spec: RequesterFieldSpec, rule: FieldRule): string[] {
	const messages: string[] = [];
	if (spec.kind === 'manager' && isLiteralRule(rule)) {
		messages.push(`${spec.label} cannot be a fixed value; map it to the "manager" attribute.`);
	}
	if (!isLiteralRule(rule)) {
		for (const path of rule.source ?? []) {
			const message = checkSource(spec, path);
			if (message) messages.push(message);
		}
	}
	for (const name of rule.transforms ?? []) {
		if (!isTransformName(name)) messages.push(`${spec.label}: unknown transform "${name}".`);
	}
	return messages;
}

const SSO_KEY_FIELDS: Partial<Record<LoginSettings['ssoKey'], RequesterFieldId>> = {
	email: 'email',
	employeeId: 'employeeId',
};

function checkLogin(mapping: ResolvedMapping): MappingProblem[] {
	const problems: MappingProblem[] = [];
	const { ssoKey, allowLogin } = mapping.login;
	if (!SSO_KEY_KINDS.includes(ssoKey)) {
		problems.push({
			field: 'login',
			message: `SSO unique key "${ssoKey}" is not one of ${SSO_KEY_KINDS.join(', ')}.`,
		});
	}
	const keyField = SSO_KEY_FIELDS[ssoKey];
	if (keyField && !isMapped(mapping.fields[keyField])) {
		const label = getRequesterField(keyField).label;
		problems.push({
			field: keyField,
			message: `The SSO unique key is ${label}, so ${label} must be mapped.`,
		});
	}
	if (allowLogin && !isMapped(mapping.fields.username)) {
		problems.push({
			field: 'username',
			message: 'Requester login is allowed, so Username must be mapped.',
		});
	}
	return problems;
}

/** Every problem with a configuration, for the node to show before any user is read. */
export function checkMapping(config: MappingConfig): MappingProblem[] {
	const problems: MappingProblem[] = [];
	for (const key of Object.keys(config.fields ?? {})) {
		if (!isRequesterFieldId(key)) {
			problems.push({ field: 'fields', message: `"${key}" is not a requester field.` });
		}
	}
	const mapping = resolveMapping(config);
	for (const spec of REQUESTER_FIELDS) {
		for (const message of checkRule(spec, mapping.fields[spec.id])) {
			problems.push({ field: spec.id, message });
		}
	}
	problems.push(...checkLogin(mapping));
	return problems;
}

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
