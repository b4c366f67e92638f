/**
 * The stand-in's reading of ServiceNow encoded queries (`sysparm_query`), as the platform
 * documents them: conditions `<column><operator><value>` joined by `^` (AND), `^OR` (OR with the
 * condition before), `^NQ` (a new query, OR'ed with the whole previous one), `^ORDERBY<column>` /
 * `^ORDERBYDESC<column>`, and `^EQ` as an end marker. A literal `^` in a value is written `^^`.
 * Like ServiceNow with its default settings, a condition on a column the table does not have is
 * ignored (it matches every row), which is exactly why a client must check what it gets back.
 */

export type Row = Record<string, string>;

type Operator = 'ISNOTEMPTY' | 'ISEMPTY' | 'NOTLIKE' | 'NOT IN' | 'STARTSWITH' | 'ENDSWITH' | 'LIKE' | 'IN' | '!=' | '=';

/** Longest first, so ISNOTEMPTY is not read as IN… and != not as =. */
const OPERATORS: readonly Operator[] = ['ISNOTEMPTY', 'ISEMPTY', 'NOTLIKE', 'NOT IN', 'STARTSWITH', 'ENDSWITH', 'LIKE', 'IN', '!=', '='];

export interface Condition {
	column: string;
	operator: Operator;
	value: string;
}

export interface ParsedQuery {
	/** NQ groups (OR'ed) of AND'ed clauses, each clause a list of OR'ed conditions. */
	groups: Condition[][][];
	orderBy: Array<{ column: string; descending: boolean }>;
}

export class EncodedQueryError extends Error {}

/** Splits on `^` separators; `^^` is a literal caret inside a term. */
export function splitTerms(query: string): string[] {
	const terms: string[] = [];
	let current = '';
	for (let index = 0; index < query.length; index += 1) {
		const char = query[index];
		if (char !== '^') {
			current += char;
		} else if (query[index + 1] === '^') {
			current += '^';
			index += 1;
		} else {
			terms.push(current);
			current = '';
		}
	}
	terms.push(current);
	return terms;
}

export function parseEncodedQuery(query: string): ParsedQuery {
	const parsed: ParsedQuery = { groups: [[]], orderBy: [] };
	for (const term of splitTerms(query)) {
		if (term === '' || term === 'EQ') continue;
		const group = parsed.groups[parsed.groups.length - 1];
		if (term.startsWith('ORDERBYDESC')) parsed.orderBy.push({ column: term.slice('ORDERBYDESC'.length), descending: true });
		else if (term.startsWith('ORDERBY')) parsed.orderBy.push({ column: term.slice('ORDERBY'.length), descending: false });
		else if (term.startsWith('NQ')) parsed.groups.push([[condition(term.slice(2))]]);
		else if (term.startsWith('OR') && group.length > 0) group[group.length - 1].push(condition(term.slice(2)));
		else group.push([condition(term)]);
	}
	return parsed;
}

function condition(term: string): Condition {
	const column = /^[a-z0-9_.]+/.exec(term)?.[0];
	if (!column) throw new EncodedQueryError(`"${term}" is not a condition`);
	const rest = term.slice(column.length);
	const operator = OPERATORS.find((candidate) => rest.startsWith(candidate));
	if (!operator) throw new EncodedQueryError(`"${term}" has no operator`);
	const value = rest.slice(operator.length);
	if (/^\s*javascript:/i.test(value)) throw new EncodedQueryError(`"${term}" holds a script; the stand-in never evaluates one`);
	return { column, operator, value };
}

/** Whether a row matches; `columns` are the table's columns (conditions on others are ignored). */
export function matches(parsed: ParsedQuery, row: Row, columns: ReadonlySet<string>): boolean {
	return parsed.groups.some((group) => group.every((clause) => clause.some((item) => holds(item, row, columns))));
}

function holds(item: Condition, row: Row, columns: ReadonlySet<string>): boolean {
	if (!columns.has(item.column)) return true;
	const actual = (row[item.column] ?? '').toLowerCase();
	const wanted = item.value.toLowerCase();
	switch (item.operator) {
		case '=':
			return actual === wanted;
		case '!=':
			return actual !== wanted;
		case 'LIKE':
			return actual.includes(wanted);
		case 'NOTLIKE':
			return !actual.includes(wanted);
		case 'STARTSWITH':
			return actual.startsWith(wanted);
		case 'ENDSWITH':
			return actual.endsWith(wanted);
		case 'IN':
			return wanted.split(',').includes(actual);
		case 'NOT IN':
			return !wanted.split(',').includes(actual);
		case 'ISEMPTY':
			return actual === '';
		case 'ISNOTEMPTY':
			return actual !== '';
	}
}

/** Rows of a query, ordered as it asks (stable: ties keep the table's order). */
export function runQuery(rows: Row[], query: string, columns: ReadonlySet<string>): Row[] {
	const parsed = parseEncodedQuery(query);
	const found = rows.filter((row) => matches(parsed, row, columns));
	for (const { column, descending } of [...parsed.orderBy].reverse()) {
		found.sort((a, b) => (descending ? -1 : 1) * (a[column] ?? '').localeCompare(b[column] ?? ''));
	}
	return found;
}
