import { parse } from 'csv-parse/sync';
import { neutraliseFormula, toCsv } from '../../nodes/shared/export/csv';
import { ssoAuditCsv } from '../../nodes/shared/export/ssoAudit';
import { unsyncedCsv } from '../../nodes/shared/export/unsynced';

// Each of these was written as it is before: only the first character was checked.
const HIDDEN_FORMULAS = [
	' =1+1',
	'  @x',
	'\n=1',
	'\r\n+SUM(A1:A9)',
	'\t -2+3',
	'\u00A0=HYPERLINK("http://x.test")', // no-break space
	'\u2003@cmd', // em space
	'\u3000=1', // ideographic space
	'\u2028=1', // line separator
	'\uFEFF=1', // byte order mark
	'\u200B=1', // zero-width space
];

describe('formula cells behind whitespace', () => {
	it.each(HIDDEN_FORMULAS)('neutralises %j', (value) => {
		expect(neutraliseFormula(value)).toBe(`'${value}`);
	});

	it('leaves text that only contains a formula character later alone', () => {
		for (const safe of [' a=b', 'x @y', '  O\'Brien', ' ', '\n', 'Zoë - Finance', '2+2']) expect(neutraliseFormula(safe)).toBe(safe);
	});

	it('applies to every CSV the pack writes', () => {
		const unsynced = unsyncedCsv([
			{
				azureObjectId: '00000000-0000-4000-8000-000000000001',
				displayName: ' =1+1',
				email: '\u00A0@evil',
				userPrincipalName: 'u@contoso.test',
				stage: 'validation',
				code: 'invalid',
				message: '\n=cmd',
				firstFailedAt: '2026-12-01T00:00:00.000Z',
				lastAttemptAt: '2026-12-01T00:00:00.000Z',
				attempts: 1,
			} as never,
		]);
		const cells = (parse(unsynced, { bom: true }) as string[][]).slice(1).flat();
		for (const value of [' =1+1', '\u00A0@evil', '\n=cmd']) expect(cells).toContain(`'${value}`);
		expect(cells.some((cell) => cell.startsWith('=') || /^\s+[=@+-]/u.test(cell))).toBe(false);

		const audit = ssoAuditCsv([{ time: '2026-12-01T00:00:00.000Z', event: 'loginFailed', requester: '  @x', reason: ' +1' } as never]);
		const auditCells = (parse(audit, { bom: true }) as string[][]).slice(1).flat();
		expect(auditCells).toEqual(expect.arrayContaining(["'  @x", "' +1"]));
	});

	it('toCsv writes the apostrophe first, before the whitespace', () => {
		const text = toCsv([{ header: 'v', value: (row: string) => row }], [' =1', '\u00A0@x']);
		expect(text.split('\r\n').slice(1, 3)).toEqual(["' =1", "'\u00A0@x"]);
	});
});
