/**
 * ServiceNow encoded queries (`sysparm_query`) built from values the sync does not control, and
 * the paging links of Table API answers.
 *
 * In an encoded query `^` separates conditions (`^OR`, `^NQ` start alternatives), so a value
 * holding `^` could add conditions of its own: `email=O'Brien^ORactive=false` would also match
 * every inactive user. What this relies on (see SERVICENOW.md, "Queries"):
 *   - a literal `^` in a value is written `^^` (the rule the stand-in implements);
 *   - a value starting with `javascript:` is evaluated as a script, so it is never sent as a value;
 *   - every row an answer returns is compared with the wanted value here, exactly, so a broader
 *     answer never matches the wrong user;
 *   - a value with `^` that the escaped query does not find is looked for once more with a
 *     caret-free part of it (`LIKE`), so a server that reads `^^` otherwise still finds it.
 * Quotes, `=` and `@` need no escaping in a value; the whole query is URL-encoded on the way.
 */

/** A value as it goes after the operator of one condition. */
export function escapeQueryValue(value: string): string {
	return value.replace(/\^/g, '^^');
}

export interface ExactSearch {
	/** `column=value`, when the value can be sent as it is (escaped). */
	equals?: string;
	/** `columnLIKEpart`, a broader query whose rows are then compared exactly. */
	contains?: string;
}

/** The queries that find `value` in `column` exactly, in the order to try them. */
export function exactSearch(column: string, value: string): ExactSearch {
	const search: ExactSearch = {};
	const scripted = /^\s*javascript:/i.test(value);
	if (!scripted) search.equals = `${column}=${escapeQueryValue(value)}`;
	if (scripted || value.includes('^')) {
		const part = safePart(value);
		if (part !== '') search.contains = `${column}LIKE${part}`;
	}
	return search;
}

/** The longest caret-free run of the value, never starting with `javascript:`. */
function safePart(value: string): string {
	const longest = value.split('^').reduce((best, run) => (run.length > best.length ? run : best), '');
	return /^\s*javascript:/i.test(longest) ? longest.replace(/^\s*j/i, '') : longest;
}

/** `sys_idINa,b,c` for sys_ids (32 hex characters, nothing to escape); others are dropped. */
export function sysIdIn(ids: readonly string[]): string {
	return `sys_idIN${ids.filter((id) => /^[0-9a-f]{32}$/i.test(id)).join(',')}`;
}

/**
 * The `rel="next"` entry of a Link header: undefined when there is no next page, else its
 * `sysparm_offset` (when it has one). Only the offset is taken: the link's own host is the
 * instance's, which a Base URL override (a proxy) must not be bypassed for.
 */
export function nextPage(link: string | undefined): { offset?: number } | undefined {
	if (!link) return undefined;
	for (const entry of link.split(/,(?=\s*<)/)) {
		const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(entry);
		if (!match || !/\brel\s*=\s*"?next"?/i.test(match[2])) continue;
		const raw = /[?&]sysparm_offset=(\d+)/.exec(match[1])?.[1];
		return raw === undefined ? {} : { offset: Number(raw) };
	}
	return undefined;
}

/** Query parameters in the order given, each value URL-encoded (spaces as %20, never +). */
export function queryString(params: Record<string, string | number | undefined>): string {
	const parts = Object.entries(params)
		.filter((entry): entry is [string, string | number] => entry[1] !== undefined)
		.map(([name, value]) => `${name}=${encodeURIComponent(String(value))}`);
	return parts.length > 0 ? `?${parts.join('&')}` : '';
}
