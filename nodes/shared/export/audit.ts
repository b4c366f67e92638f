/**
 * The audit log as CSV, oldest first, through the shared CSV writer (formula-safe). The headers
 * are the record's field names, the same as the columns of a database or Data Table holding it,
 * so the file loads back into one.
 */
import { AUDIT_FIELDS, type AuditEntry } from '../audit/record';
import { toCsv, type CsvColumn } from './csv';

const AUDIT_COLUMNS: readonly CsvColumn<AuditEntry>[] = AUDIT_FIELDS.map((field) => ({ header: field, value: (row: AuditEntry) => row[field] }));

export function auditCsv(rows: readonly AuditEntry[], options: { bom?: boolean } = {}): string {
	return toCsv(AUDIT_COLUMNS, rows, options);
}
