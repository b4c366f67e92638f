/**
 * CSV files for people who open them in Excel: csv-stringify does the quoting; cells that a
 * spreadsheet would run as a formula (= + - @, tab, CR) are neutralised with a leading apostrophe.
 */
import { stringifyCsv } from '../vendor';

export interface CsvColumn<T> {
	header: string;
	value: (row: T) => string | number | boolean | null | undefined;
}

const FORMULA_START = /^[=+\-@\t\r]/;

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
