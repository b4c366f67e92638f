/**
 * Freshservice's `query` filter: `"field:'value'"`, wrapped in double quotes, at most
 * MAX_QUERY_LENGTH characters inside them.
 */
import { DestinationValidationError } from '../types';

const MAX_QUERY_LENGTH = 512;

/** Freshservice query strings are `field:'value'`; quotes and backslashes in the value are escaped. */
export function escapeQueryValue(value: string): string {
	return value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/"/g, '\\"');
}

/** The query that finds `value` in `field`; a value too long to search with is a validation error. */
export function fieldQuery(field: string, value: string): string {
	const query = `"${field}:'${escapeQueryValue(value)}'"`;
	if (query.length - 2 > MAX_QUERY_LENGTH) {
		throw new DestinationValidationError(`The value is too long to search Freshservice ${field} with`, 0, [{ field, message: `too long to search for (Freshservice queries are limited to ${MAX_QUERY_LENGTH} characters)` }]);
	}
	return query;
}
