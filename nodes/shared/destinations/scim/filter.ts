/** SCIM filter text (RFC 7644 §3.4.2.2): string values in double quotes, `"` and `\` escaped. */

export function escapeFilterValue(value: string): string {
	return value.replace(/[\\"]/g, (char) => `\\${char}`);
}

/** `attribute eq "value"`, the only filter the client sends. */
export function eqFilter(attribute: 'userName' | 'externalId', value: string): string {
	return `${attribute} eq "${escapeFilterValue(value)}"`;
}

/** Values some servers' filter parsers get wrong even when escaped (checked against a full list instead). */
export function needsEscaping(value: string): boolean {
	return /[\\"]/.test(value);
}
