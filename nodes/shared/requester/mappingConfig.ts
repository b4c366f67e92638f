/**
 * What a requester mapping is: the rule per field, the login settings, the defaults for what is left
 * out, and the checks that reject a configuration before any user is mapped (mapping.ts applies it).
 */
import { GRAPH_USER_ATTRIBUTES, MANAGER_ATTRIBUTE, describeAttribute } from './attributes';
import {
	REQUESTER_FIELDS,
	SSO_KEY_KINDS,
	getRequesterField,
	isRequesterFieldId,
	type LoginSettings,
	type RequesterFieldId,
	type RequesterFieldSpec,
} from './model';
import { isTransformName, type TransformName } from './transforms';

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

/** A rule with a caller-supplied value instead of attributes. */
export function isLiteralRule(rule: FieldRule): boolean {
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
