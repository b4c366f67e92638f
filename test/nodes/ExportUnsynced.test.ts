import { parse } from 'csv-parse/sync';
import type { INodeExecutionData } from 'n8n-workflow';
import { ExportUnsynced } from '../../nodes/ExportUnsynced/ExportUnsynced.node';
import { SYNC_RECORDS_KEY } from '../../nodes/shared/sync/records';
import { runNode, staticDataFor } from '../harness/n8n';

const entry = (id: string, displayName: string, firstFailedAt: string) => ({
	azureObjectId: id,
	userPrincipalName: `${id}@contoso.test`,
	email: `${id}@contoso.test`,
	displayName,
	stage: 'destination',
	code: 'HTTP503',
	message: 'Service unavailable',
	firstFailedAt,
	lastAttemptAt: '2026-11-26T12:00:00.000Z',
	attempts: 3,
	requester: null,
});

async function csvOf(item: INodeExecutionData, field = 'data') {
	const binary = item.binary![field];
	const text = Buffer.from(binary.data, 'base64').toString('utf8');
	return { binary, text, rows: parse(text, { columns: true, bom: true }) as Array<Record<string, string>> };
}

describe('Export Unsynced', () => {
	it('exports the registry of the Sync ID, oldest failure first, as a CSV file', async () => {
		const staticData = staticDataFor({
			global: {
				[SYNC_RECORDS_KEY]: {
					employees: {
						links: {},
						unsynced: { b: entry('b', '=cmd|calc', '2026-11-25T00:00:00.000Z'), a: entry('a', 'Zoë, "Z"', '2026-11-20T00:00:00.000Z') },
					},
				},
			},
		});
		const result = await runNode({
			node: new ExportUnsynced(),
			parameters: { source: 'registry', syncId: 'employees', binaryPropertyName: 'data', options: { fileName: 'failed.csv', bom: true } },
			staticData,
			inputItems: [{ json: {} }, { json: {} }],
		});
		const [item] = result.outputs[0];
		expect(item.json).toEqual({ source: 'registry', rows: 2, fileName: 'failed.csv', syncId: 'employees' });
		expect(item.pairedItem).toEqual([{ item: 0 }, { item: 1 }]);
		const { binary, text, rows } = await csvOf(item);
		expect(binary).toMatchObject({ fileName: 'failed.csv', mimeType: 'text/csv' });
		expect(text.charCodeAt(0)).toBe(0xfeff);
		expect(rows.map((r) => [r['Object ID'], r['Display Name'], r.Attempts])).toEqual([
			['a', 'Zoë, "Z"', '3'],
			['b', "'=cmd|calc", '3'],
		]);
	});

	it('exports the failed items it receives and ignores the rest', async () => {
		const result = await runNode({
			node: new ExportUnsynced(),
			parameters: { source: 'input', binaryPropertyName: 'csv', options: {} },
			inputItems: [
				{ json: { azureObjectId: 'ok', status: 'done' } },
				{ json: { azureObjectId: 'x1', status: 'failed', email: 'x1@contoso.test', error: { stage: 'destination', code: 'HTTP500', message: 'boom' } } },
				{ json: { azureObjectId: 'x2', userPrincipalName: 'x2@contoso.test', mail: null, displayName: 'X2', reasons: [{ field: 'email', code: 'required', message: 'Email is empty' }] } },
			],
		});
		const { rows } = await csvOf(result.outputs[0][0], 'csv');
		expect(rows.map((r) => [r['Object ID'], r.Stage, r['Error Code'], r.Message])).toEqual([
			['x1', 'destination', 'HTTP500', 'boom'],
			['x2', 'validation', 'required', 'email: Email is empty'],
		]);
	});

	it('outputs nothing for an empty registry when Skip When Empty is on, and a header-only file otherwise', async () => {
		const skipped = await runNode({ node: new ExportUnsynced(), parameters: { source: 'registry', syncId: 'default', binaryPropertyName: 'data', options: { skipWhenEmpty: true } } });
		expect(skipped.outputs[0] ?? []).toEqual([]);
		const empty = await runNode({ node: new ExportUnsynced(), parameters: { source: 'registry', syncId: 'default', binaryPropertyName: 'data', options: {} } });
		const { text } = await csvOf(empty.outputs[0][0]);
		expect(text).toBe('Object ID,User Principal Name,Email,Display Name,Stage,Error Code,Message,First Failed,Last Attempt,Attempts\r\n');
	});

	it('names the Sync ID when it is unusable', async () => {
		const result = await runNode({ node: new ExportUnsynced(), parameters: { source: 'registry', syncId: '  ', binaryPropertyName: 'data', options: {} } });
		expect(result.error?.message).toMatch(/Sync ID is empty/);
	});

	it('with Continue On Fail outputs that as one error item, paired with every input item', async () => {
		const result = await runNode({
			node: new ExportUnsynced(),
			parameters: { source: 'registry', syncId: '  ', binaryPropertyName: 'data', options: {} },
			inputItems: [{ json: {} }, { json: {} }],
			continueOnFail: true,
		});
		expect(result.error).toBeUndefined();
		expect(result.outputs[0]).toEqual([
			{
				json: { error: expect.stringMatching(/Sync ID is empty/), description: 'Check the Sync ID: it must be the one used by the Upsert Requester node' },
				pairedItem: [{ item: 0 }, { item: 1 }],
			},
		]);
	});
});
