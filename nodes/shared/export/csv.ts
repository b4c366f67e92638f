/**
 * CSV files for people who open them in Excel: csv-stringify does the quoting; cells that a
 * spreadsheet would run as a formula are neutralised with a leading apostrophe. Every CSV the
 * pack writes goes through toCsv (Export Unsynced, the SSO audit, Export Audit).
 */
import { stringifyCsv } from '../vendor';

export interface CsvColumn<T> {
	header: string;
	value: (row: T) => string | number | boolean | null | undefined;
}

/**
 * A formula starts with = + - @ (a tab or CR first is also read as one), possibly after
 * whitespace that some spreadsheet programs trim before they evaluate: spaces, tabs, CR, LF and the
 * Unicode spaces (\s covers NBSP, the en/em spaces, U+2028/2029, U+3000, U+FEFF), plus the
 * zero-width characters that are invisible in a cell.
 */
const FORMULA_START = /^[\s\u200B-\u200D\u2060\u180E]*[=+\-@]|^[\t\r]/u;

/** A value a spreadsheet would evaluate becomes plain text; everything else is left as it is. */
export function neutraliseFormula(value: string): string {
	return FORMULA_START.test(value) ? `'${value}` : value;
}

export function toCsv<T>(columns: readonly CsvColumn<T>[], rows: readonly T[], options: { bom?: boolean } = {}): string {
	const records = rows.map((row) =>
		columns.map((column) => {
			const value = column.value(row);
			if (value === null || value === undefined) return '';
			return typeof value === 'string' ? neutraliseFormula(value) : String(value);
		}),
	);
	const text = stringifyCsv([columns.map((column) => column.header), ...records], { record_delimiter: '\r\n', quoted_match: /^\s|\s$/ });
	return options.bom ? `\uFEFF${text}` : text;
}
