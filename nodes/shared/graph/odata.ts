/**
 * OData string literals for `$filter`. Every value a user or a ticket supplies goes through here:
 * single quotes are doubled, so `O'Brien` becomes `'O''Brien'` and cannot end the literal early.
 */
export function escapeODataString(value: string): string {
	return value.replace(/'/g, "''");
}

export function odataString(value: string): string {
	return `'${escapeODataString(value)}'`;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: string): boolean {
	return GUID.test(value);
}

/** A user segment in a Graph path (`/users/{id | userPrincipalName}`), percent-encoded. */
export function userPathSegment(idOrUpn: string): string {
	return encodeURIComponent(idOrUpn.trim());
}

/** A Graph object without its OData annotations (`@odata.type`, `manager@delta`, …). */
export function withoutAnnotations(value: Record<string, unknown>): Record<string, unknown> {
	return Object.fromEntries(Object.entries(value).filter(([key]) => !key.includes('@')));
}
