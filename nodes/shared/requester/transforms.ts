// Small value transforms a field rule can chain. Values reaching them are already trimmed and
// non-empty (a list has at least one entry), so every transform keeps that true.

export type TextValue = string | string[];

export type TransformName = 'first' | 'join' | 'lower' | 'phone' | 'guestEmail' | 'date';

export const TRANSFORM_NAMES: readonly TransformName[] = [
	'first',
	'join',
	'lower',
	'phone',
	'guestEmail',
	'date',
];

export const DEFAULT_JOIN_SEPARATOR = ', ';

export function isTransformName(value: string): value is TransformName {
	return (TRANSFORM_NAMES as readonly string[]).includes(value);
}

export function applyTransforms(
	value: TextValue,
	transforms: readonly TransformName[],
	separator: string,
): TextValue {
	let current = value;
	for (const name of transforms) current = applyTransform(current, name, separator);
	return current;
}

function applyTransform(value: TextValue, name: TransformName, separator: string): TextValue {
	switch (name) {
		case 'first':
			return typeof value === 'string' ? value : value[0];
		case 'join':
			return typeof value === 'string' ? value : value.join(separator);
		case 'lower':
			return mapEach(value, lowerCase);
		case 'phone':
			return mapEach(value, normalisePhone);
		case 'guestEmail':
			return mapEach(value, guestUpnToEmail);
		case 'date':
			return mapEach(value, isoDateOnly);
	}
}

function mapEach(value: TextValue, transform: (text: string) => string): TextValue {
	return typeof value === 'string' ? transform(value) : value.map(transform);
}

export function lowerCase(value: string): string {
	return value.toLowerCase();
}

// Separators people type into phone fields, including Unicode dashes and no-break spaces.
const PHONE_DECORATION = /[\s\-.()/\u2010-\u2015]/g;
// "+44 (0)20 ..." writes the national trunk prefix next to the country code; E.164 drops it.
const TRUNK_PREFIX_AFTER_COUNTRY = /^(\+\d{1,3})\s*\(0\)/;
const E164_LIKE = /^\+?\d{3,15}$/;

/**
 * Cleans spaces, dashes, dots and brackets out of a phone number (E.164-like: optional "+", then
 * 3 to 15 digits). Anything that does not then look like a number (extensions such as "x123",
 * letters, several numbers) is returned unchanged: a readable original beats a wrong guess.
 */
export function normalisePhone(value: string): string {
	const compact = value.replace(TRUNK_PREFIX_AFTER_COUNTRY, '$1').replace(PHONE_DECORATION, '');
	return E164_LIKE.test(compact) ? compact : value;
}

// A B2B guest's UPN encodes the guest's own address: "jane.doe_contoso.com#EXT#@host.onmicrosoft.com".
const GUEST_UPN = /^(.+)#EXT#@[^@]+$/i;

/**
 * Recovers a guest's own address from an `#EXT#` UPN; any other value is returned unchanged.
 * The last "_" is the one that replaced "@", because mail domains cannot contain "_" while local
 * parts can ("jane_doe_contoso.com" is jane_doe@contoso.com).
 */
export function guestUpnToEmail(value: string): string {
	const match = GUEST_UPN.exec(value);
	if (!match) return value;
	const encoded = match[1];
	const separator = encoded.lastIndexOf('_');
	if (separator <= 0 || separator === encoded.length - 1) return value;
	return `${encoded.slice(0, separator)}@${encoded.slice(separator + 1)}`;
}

const ISO_DATE_PREFIX = /^(\d{4}-\d{2}-\d{2})(?:T|$)/;

/**
 * Keeps the calendar date of an ISO date-time as written (Graph returns `employeeHireDate` in UTC);
 * shifting it into a local zone could move a hire date to the previous day. Non-ISO values pass
 * through for validation to report.
 */
export function isoDateOnly(value: string): string {
	const match = ISO_DATE_PREFIX.exec(value);
	return match ? match[1] : value;
}
