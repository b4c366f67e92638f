import { parse } from 'csv-parse/sync';
import { neutraliseFormula, toCsv } from '../../nodes/shared/export/csv';
import { unsyncedCsv, type UnsyncedRow } from '../../nodes/shared/export/unsynced';

const row = (overrides: Partial<UnsyncedRow>): UnsyncedRow => ({
	azureObjectId: 'id-1',
	userPrincipalName: 'u@contoso.test',
	email: 'u@contoso.test',
	displayName: 'U',
	stage: 'destination',
	code: 'HTTP503',
	message: 'down',
	firstFailedAt: '2026-11-26T10:00:00.000Z',
	lastAttemptAt: '2026-11-26T11:00:00.000Z',
	attempts: 2,
	...overrides,
});

describe('CSV export', () => {
	it('neutralises cells a spreadsheet would run as formulas', () => {
		for (const dangerous of ['=1+1', '+SUM(A1)', '-2+3', '@cmd', '\tx', '\rx']) expect(neutraliseFormula(dangerous)).toBe(`'${dangerous}`);
		for (const safe of ['O\'Brien', 'a=b', '', 'Zoë']) expect(neutraliseFormula(safe)).toBe(safe);
	});

	it('round-trips quotes, commas, newlines and Unicode through a CSV parser, with formulas neutralised', () => {
		const rows = [
			row({ displayName: 'Doe, "Jane"', message: 'line one\nline two' }),
			row({ azureObjectId: 'id-2', displayName: '李小龍 Zoë Ñúñez', message: 'ok, fine' }),
			row({ azureObjectId: 'id-3', displayName: '=HYPERLINK("http://evil.example","click")', email: '+1@x.test', message: '@SUM(1)' }),
		];
		const parsed = parse(unsyncedCsv(rows), { columns: true, bom: true }) as Array<Record<string, string>>;
		expect(parsed.map((r) => r['Display Name'])).toEqual(['Doe, "Jane"', '李小龍 Zoë Ñúñez', '\'=HYPERLINK("http://evil.example","click")']);
		expect(parsed[0].Message).toBe('line one\nline two');
		expect(parsed[2]).toMatchObject({ Email: "'+1@x.test", Message: "'@SUM(1)" });
		expect(Object.keys(parsed[0])).toEqual(['Object ID', 'User Principal Name', 'Email', 'Display Name', 'Stage', 'Error Code', 'Message', 'First Failed', 'Last Attempt', 'Attempts']);
		expect(parsed[1].Attempts).toBe('2');
	});

	it('starts with a BOM only when asked and writes empty cells for missing values', () => {
		expect(unsyncedCsv([], { bom: true }).charCodeAt(0)).toBe(0xfeff);
		expect(unsyncedCsv([]).charCodeAt(0)).not.toBe(0xfeff);
		const text = toCsv([{ header: 'a', value: (r: { a: string | null }) => r.a }], [{ a: null }]);
		expect(text).toBe('a\r\n\r\n');
	});
});
