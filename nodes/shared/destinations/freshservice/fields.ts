/**
 * The Freshservice field model: which canonical field goes to which requester field, the custom
 * field slots, and the one-line-per-part address that can be read back for diffing.
 */
import type { Requester, RequesterFieldId } from '../../requester/model';
import { DestinationConfigError } from '../common';
import { DestinationValidationError, type DestinationRecord } from '../types';

/** Values without a built-in requester field, which can go to custom fields instead. */
export const FRESHSERVICE_CUSTOM_SOURCES = [
	'azureObjectId',
	'ssoKey',
	'username',
	'fullName',
	'company',
	'employeeId',
	'employeeType',
	'division',
	'costCenter',
	'hireDate',
] as const;

export type FreshserviceCustomSource = (typeof FRESHSERVICE_CUSTOM_SOURCES)[number];

/** The one built-in field that may stand in for a custom field (to hold, say, the Azure object id). */
export const FRESHSERVICE_EXTERNAL_ID = 'external_id';

export const TEXT_FIELDS = {
	firstName: 'first_name',
	lastName: 'last_name',
	email: 'primary_email',
	phone: 'mobile_phone_number',
	landline: 'work_phone_number',
	jobTitle: 'job_title',
} as const satisfies Partial<Record<RequesterFieldId, string>>;

export type TextField = keyof typeof TEXT_FIELDS;

const ADDRESS_PARTS = ['street', 'city', 'state', 'postalCode', 'country'] as const;

type AddressPart = (typeof ADDRESS_PARTS)[number];

export const BUILT_IN_FIELDS: readonly RequesterFieldId[] = [...(Object.keys(TEXT_FIELDS) as TextField[]), 'department', 'officeLocation', ...ADDRESS_PARTS];

/** Freshservice field names read back into canonical ones, for validation reasons. */
export const CANONICAL_BY_FRESHSERVICE: Record<string, string> = {
	...Object.fromEntries(Object.entries(TEXT_FIELDS).map(([canonical, freshservice]) => [freshservice, canonical])),
	department_ids: 'department',
	location_id: 'officeLocation',
	address: 'street',
	reporting_manager_id: 'manager',
};

const CUSTOM_FIELD_NAME = /^[A-Za-z0-9_]{1,128}$/;

/** The custom field chosen per value, checked: known values, API-style names, no name used twice. */
export function checkCustomFields(customFields: Partial<Record<string, string>>): Map<FreshserviceCustomSource, string> {
	const slots = new Map<FreshserviceCustomSource, string>();
	const owners = new Map<string, string>();
	for (const [source, rawName] of Object.entries(customFields)) {
		const name = rawName?.trim() ?? '';
		if (name === '') continue;
		if (!(FRESHSERVICE_CUSTOM_SOURCES as readonly string[]).includes(source)) {
			throw new DestinationConfigError('Custom Fields', `"${source}" has a built-in Freshservice field or cannot be stored; choose one of ${FRESHSERVICE_CUSTOM_SOURCES.join(', ')}`);
		}
		if (!CUSTOM_FIELD_NAME.test(name)) {
			throw new DestinationConfigError('Custom Fields', `"${name}" is not a Freshservice field name (use the API name shown under Admin > Requester Fields: letters, digits and _)`);
		}
		const owner = owners.get(name);
		if (owner !== undefined) throw new DestinationConfigError('Custom Fields', `"${name}" is chosen for both ${owner} and ${source}`);
		owners.set(name, source);
		slots.set(source as FreshserviceCustomSource, name);
	}
	return slots;
}

/** Freshservice requires a first name; a directory entry without a given name uses its full name. */
export function firstNameOf(requester: Requester): string | null {
	return requester.firstName ?? requester.fullName ?? requester.email?.split('@')[0] ?? requester.ssoKey.value;
}

/** One address line per part, in a fixed order, so the parts can be read back for diffing. */
export function composeAddress(requester: Requester): string | null {
	const text = ADDRESS_PARTS.map((part) => requester[part] ?? '').join('\n').trim();
	return text === '' ? null : text;
}

/** The inverse of composeAddress; an address typed by hand (fewer lines) is all street. */
export function parseAddress(address: string | null): Record<AddressPart, string | null> {
	const parts: Record<AddressPart, string | null> = { street: null, city: null, state: null, postalCode: null, country: null };
	if (address === null) return parts;
	const lines = address.replace(/\r\n/g, '\n').split('\n');
	if (lines.length < ADDRESS_PARTS.length) return { ...parts, street: address };
	const tail = lines.slice(-(ADDRESS_PARTS.length - 1));
	parts.street = lines.slice(0, lines.length - tail.length).join('\n') || null;
	ADDRESS_PARTS.slice(1).forEach((part, index) => (parts[part] = tail[index] || null));
	return parts;
}

export function isAddressPart(field: string): field is AddressPart {
	return (ADDRESS_PARTS as readonly string[]).includes(field);
}

export function isStoredSource(field: RequesterFieldId): field is Exclude<RequesterFieldId, 'manager'> {
	return field !== 'manager';
}

/** A create sends only values: an empty value is Freshservice's default anyway. */
export function dropEmpty(body: Record<string, unknown>): Record<string, unknown> {
	const kept = Object.entries(body).filter(([, value]) => value !== null && !(Array.isArray(value) && value.length === 0));
	const result = Object.fromEntries(kept);
	if (result.custom_fields && typeof result.custom_fields === 'object') {
		const custom = Object.entries(result.custom_fields as Record<string, unknown>).filter(([, value]) => value !== null);
		if (custom.length === 0) delete result.custom_fields;
		else result.custom_fields = Object.fromEntries(custom);
	}
	return result;
}

export function idsOf(value: unknown): number[] {
	return Array.isArray(value) ? value.filter((item): item is number => typeof item === 'number') : [];
}

/** Several matches on one key are a data problem; prefer the active one, then the oldest. */
export function pickOne(records: DestinationRecord[]): DestinationRecord | null {
	const sorted = [...records].sort((a, b) => Number(b.active) - Number(a.active) || Number(a.id) - Number(b.id));
	return sorted[0] ?? null;
}

/** Freshservice requester ids are numbers; a reporting manager is written as one. */
export function freshserviceId(managerId: string): number {
	if (!/^\d+$/.test(managerId)) {
		throw new DestinationValidationError(`Freshservice requester ids are numbers, not "${managerId}"`, 0, [{ field: 'manager', message: `"${managerId}" is not a Freshservice requester id` }]);
	}
	return Number(managerId);
}
