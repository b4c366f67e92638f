/** The unsynced registry (or failed sync outcomes) as CSV rows. */
import type { UnsyncedEntry } from '../sync/registry';
import { toCsv, type CsvColumn } from './csv';

export type UnsyncedRow = Pick<
	UnsyncedEntry,
	'azureObjectId' | 'userPrincipalName' | 'email' | 'displayName' | 'stage' | 'code' | 'message' | 'firstFailedAt' | 'lastAttemptAt' | 'attempts'
>;

export const UNSYNCED_COLUMNS: readonly CsvColumn<UnsyncedRow>[] = [
	{ header: 'Object ID', value: (row) => row.azureObjectId },
	{ header: 'User Principal Name', value: (row) => row.userPrincipalName },
	{ header: 'Email', value: (row) => row.email },
	{ header: 'Display Name', value: (row) => row.displayName },
	{ header: 'Stage', value: (row) => row.stage },
	{ header: 'Error Code', value: (row) => row.code },
	{ header: 'Message', value: (row) => row.message },
	{ header: 'First Failed', value: (row) => row.firstFailedAt },
	{ header: 'Last Attempt', value: (row) => row.lastAttemptAt },
	{ header: 'Attempts', value: (row) => row.attempts },
];

export function unsyncedCsv(rows: readonly UnsyncedRow[], options: { bom?: boolean } = {}): string {
	return toCsv(UNSYNCED_COLUMNS, rows, options);
}
