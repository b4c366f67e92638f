/**
 * Requesters and SCIM Users: the resource a create sends, a resource read back in canonical field
 * names, and the PATCH operations of an update (only the changed attributes). The table is in SCIM.md.
 */
import { normaliseKey, type MappedRequesterFields, type Requester, type RequesterFieldId, type SsoKeyKind } from '../../requester/model';
import { asText, keyOf } from '../common';
import type { DestinationRecord, RequesterChanges } from '../types';
import { CORE_USER, ENTERPRISE_USER } from './settings';

export type ScimResource = Record<string, unknown>;
export interface PatchOperation {
	op: 'add' | 'replace' | 'remove';
	path: string;
	value?: unknown;
}

/** Single-valued attributes: canonical field → SCIM path (enterprise ones under the extension URN). */
export const SIMPLE_PATHS: Partial<Record<RequesterFieldId, string>> = {
	username: 'userName',
	fullName: 'displayName',
	firstName: 'name.givenName',
	lastName: 'name.familyName',
	jobTitle: 'title',
	employeeType: 'userType',
	employeeId: `${ENTERPRISE_USER}:employeeNumber`,
	department: `${ENTERPRISE_USER}:department`,
	costCenter: `${ENTERPRISE_USER}:costCenter`,
	company: `${ENTERPRISE_USER}:organization`,
	division: `${ENTERPRISE_USER}:division`,
};

/** Multi-valued attributes with a `type`: canonical field → [attribute, type]. */
export const TYPED_VALUES: Partial<Record<RequesterFieldId, [string, string]>> = {
	email: ['emails', 'work'],
	phone: ['phoneNumbers', 'mobile'],
	landline: ['phoneNumbers', 'work'],
};

/** The work address: canonical field → sub-attribute of addresses[type eq "work"]. */
export const ADDRESS_PARTS: Partial<Record<RequesterFieldId, string>> = {
	street: 'streetAddress',
	city: 'locality',
	state: 'region',
	postalCode: 'postalCode',
	country: 'country',
};

/** The value userName holds: the SSO key as Azure spells it (the mapped username when matching on the object id). */
export function userNameOf(requester: Requester, keyKind: SsoKeyKind): string {
	if (keyKind === 'email') return requester.email ?? requester.ssoKey.value;
	if (keyKind === 'employeeId') return requester.employeeId ?? requester.ssoKey.value;
	if (keyKind === 'objectId') return requester.username ?? requester.email ?? requester.azureObjectId;
	return requester.ssoKey.value;
}

function text(value: unknown): string | null {
	return Array.isArray(value) ? (value.length ? value.join(', ') : null) : typeof value === 'string' && value.trim() !== '' ? value : null;
}

/** The full resource for a create or a PUT: every supported field that has a value. */
export function toScimUser(requester: Requester, keyKind: SsoKeyKind, fields: readonly RequesterFieldId[], managerId?: string | null): ScimResource {
	const user: ScimResource = { schemas: [CORE_USER, ENTERPRISE_USER], userName: userNameOf(requester, keyKind), externalId: requester.azureObjectId, active: true };
	const enterprise: Record<string, unknown> = {};
	const name: Record<string, string> = {};
	for (const field of fields) {
		const value = text(requester[field as keyof MappedRequesterFields]);
		const path = SIMPLE_PATHS[field];
		if (value === null || path === undefined) continue;
		if (path.startsWith(ENTERPRISE_USER)) enterprise[path.slice(ENTERPRISE_USER.length + 1)] = value;
		else if (path.startsWith('name.')) name[path.slice(5)] = value;
		else user[path] = value;
	}
	if (Object.keys(name).length) user.name = name;
	const phones = (['landline', 'phone'] as const).filter((field) => fields.includes(field) && text(requester[field]) !== null);
	if (phones.length) user.phoneNumbers = phones.map((field, index) => ({ value: text(requester[field]), type: TYPED_VALUES[field]![1], primary: index === 0 }));
	if (fields.includes('email') && text(requester.email) !== null) user.emails = [{ value: requester.email, type: 'work', primary: true }];
	const address = addressOf(requester, fields);
	if (address) user.addresses = [{ type: 'work', ...address, primary: true }];
	if (managerId) enterprise.manager = { value: managerId };
	if (Object.keys(enterprise).length) user[ENTERPRISE_USER] = enterprise;
	return user;
}

function addressOf(values: Partial<Record<RequesterFieldId, unknown>>, fields: readonly RequesterFieldId[]): Record<string, string> | null {
	const parts: Record<string, string> = {};
	for (const [field, part] of Object.entries(ADDRESS_PARTS) as Array<[RequesterFieldId, string]>) {
		const value = fields.includes(field) ? text(values[field]) : null;
		if (value !== null) parts[part] = value;
	}
	return Object.keys(parts).length ? parts : null;
}

function at(resource: ScimResource, path: string): unknown {
	if (path.startsWith(ENTERPRISE_USER)) return (resource[ENTERPRISE_USER] as Record<string, unknown> | undefined)?.[path.slice(ENTERPRISE_USER.length + 1)];
	return path.split('.').reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), resource);
}

function typed(resource: ScimResource, attribute: string, type: string): Record<string, unknown> | undefined {
	const list = resource[attribute];
	if (!Array.isArray(list)) return undefined;
	return list.find((entry) => entry && typeof entry === 'object' && String((entry as Record<string, unknown>).type).toLowerCase() === type) as Record<string, unknown> | undefined;
}

/** A SCIM User read back: canonical values of the supported fields, the key, the object id, the manager. */
export function fromScimUser(resource: ScimResource, keyKind: SsoKeyKind, fields: readonly RequesterFieldId[]): DestinationRecord {
	const id = asText(resource.id);
	if (id === null) throw new Error('The SCIM service answered with a User without id');
	const values: Partial<Record<RequesterFieldId, string | null>> = {};
	for (const field of fields) {
		const simple = SIMPLE_PATHS[field];
		const multi = TYPED_VALUES[field];
		const part = ADDRESS_PARTS[field];
		if (simple) values[field] = asText(at(resource, simple));
		else if (multi) values[field] = asText(typed(resource, multi[0], multi[1])?.value);
		else if (part) values[field] = asText(typed(resource, 'addresses', 'work')?.[part]);
	}
	const externalId = asText(resource.externalId);
	const manager = at(resource, `${ENTERPRISE_USER}:manager`);
	return {
		id,
		key: keyKind === 'objectId' ? keyOf(externalId) : keyOf(resource.userName),
		azureObjectId: externalId,
		active: resource.active !== false && resource.active !== 'false',
		fields: values as Partial<MappedRequesterFields>,
		managerId: manager && typeof manager === 'object' ? asText((manager as Record<string, unknown>).value) : asText(manager),
	};
}

/** What a read-back shows after writing `requester`: lists (none are mapped today) joined like text. */
export function expectedFields(requester: Requester, fields: readonly RequesterFieldId[]): Partial<MappedRequesterFields> {
	return Object.fromEntries(fields.map((field) => [field, text(requester[field as keyof MappedRequesterFields])])) as Partial<MappedRequesterFields>;
}

/**
 * PATCH operations for the changed fields, given what was last read (`current`): replace a value
 * that exists, add an entry that does not (a filtered replace on a missing entry is noTarget),
 * remove a value that became empty.
 */
export function patchOperations(changes: RequesterChanges, current: Partial<Record<RequesterFieldId, unknown>>, fields: readonly RequesterFieldId[]): PatchOperation[] {
	const operations: PatchOperation[] = [];
	const changed = (Object.keys(changes) as RequesterFieldId[]).filter((field) => fields.includes(field));
	const next = { ...current, ...changes } as Partial<Record<RequesterFieldId, unknown>>;
	for (const field of changed) {
		const value = text(next[field]);
		const simple = SIMPLE_PATHS[field];
		const multi = TYPED_VALUES[field];
		if (simple) operations.push(value === null ? { op: 'remove', path: simple } : { op: 'replace', path: simple, value });
		else if (multi) {
			const [attribute, type] = multi;
			const entry = `${attribute}[type eq "${type}"]`;
			if (value === null) operations.push({ op: 'remove', path: entry });
			else if (text(current[field]) !== null) operations.push({ op: 'replace', path: `${entry}.value`, value });
			else operations.push({ op: 'add', path: attribute, value: [{ value, type, primary: attribute === 'emails' || type === 'work' || text(next.landline) === null }] });
		}
	}
	const addressChanged = changed.filter((field) => ADDRESS_PARTS[field] !== undefined);
	if (addressChanged.length) {
		const had = addressOf(current, fields);
		const wanted = addressOf(next, fields);
		if (!wanted) operations.push({ op: 'remove', path: 'addresses[type eq "work"]' });
		else if (!had) operations.push({ op: 'add', path: 'addresses', value: [{ type: 'work', ...wanted, primary: true }] });
		else {
			for (const field of addressChanged) {
				const path = `addresses[type eq "work"].${ADDRESS_PARTS[field]}`;
				const value = text(next[field]);
				operations.push(value === null ? { op: 'remove', path } : { op: 'replace', path, value });
			}
		}
	}
	return operations;
}

/** Whether a stored userName still is this requester's key. */
export function sameKey(value: string | null, key: string): boolean {
	return value !== null && normaliseKey(value) === key;
}
