/** Export Unsynced → Export Audit in n8n's real engine: from this workflow's log or from input items, filtered, formula-safe. */
import { parse } from 'csv-parse/sync';
import { NodeOperationError, type IDataObject, type INodeExecutionData } from 'n8n-workflow';
import { ExportUnsynced } from '../../nodes/ExportUnsynced/ExportUnsynced.node';
import { auditEntry, type AuditActor, type AuditEntry } from '../../nodes/shared/audit/record';
import { AUDIT_STORE_KEY, forgetAuditStores } from '../../nodes/shared/audit/store';
import { auditRecord } from '../../nodes/shared/sso/audit';
import { emptyStore, SSO_STORE_KEY } from '../../nodes/shared/sso/store';
import { forgetSsoStores } from '../../nodes/shared/sso/storeAccess';
import { runNode, staticDataFor } from '../harness/n8n';

const ACTOR: AuditActor = { workflowId: 'harness-workflow', workflowName: 'Harness Workflow', executionId: '5', trigger: 'webhook' };

function entry(time: string, action: string, subject: { azureObjectId?: string; email?: string }, reason = 'why'): AuditEntry {
	return auditEntry(ACTOR, { source: action.startsWith('requester') ? 'sync' : 'accountAction', action, outcome: 'done', subject, reason, time: new Date(time) });
}

const JANE = 'b0000000-0000-4000-8000-00000000000a';
const kept = [
	entry('2026-12-01T09:00:00Z', 'requesterCreated', { azureObjectId: JANE, email: 'jane@contoso.test' }),
	entry('2026-12-02T09:00:00Z', 'disable', { azureObjectId: JANE, email: 'jane@contoso.test' }, '=cmd|" /c calc"!A1'),
	entry('2026-12-03T09:00:00Z', 'requesterUpdated', { azureObjectId: 'c0000000-0000-4000-8000-00000000000b', email: 'max@contoso.test' }),
];
const ssoStore = { ...emptyStore(), revision: 1, audit: [auditRecord('loginSucceeded', Date.parse('2026-12-01T12:00:00Z'), { clientAddress: '203.0.113.9', userAgent: null }, { requester: 'JANE@contoso.test', requesterId: '17' })] };

afterEach(() => {
	forgetAuditStores();
	forgetSsoStores();
});

async function exportAudit(parameters: IDataObject, inputItems?: INodeExecutionData[]) {
	const result = await runNode({
		node: new ExportUnsynced(),
		parameters: { operation: 'exportAudit', binaryPropertyName: 'data', ...parameters } as never,
		staticData: staticDataFor({ global: { [AUDIT_STORE_KEY]: { version: 1, revision: 1, records: kept }, [SSO_STORE_KEY]: ssoStore } as unknown as IDataObject }),
		...(inputItems ? { inputItems } : {}),
	});
	if (result.error) return { result, rows: [] as Array<Record<string, string>> };
	const [item] = result.outputs[0];
	const text = Buffer.from(item.binary!.data.data, 'base64').toString('utf8');
	return { result, item, text, rows: parse(text, { columns: true, bom: true }) as Array<Record<string, string>> };
}

describe('Export Unsynced: Export Audit', () => {
	it("writes this workflow's log with its SSO events, oldest first, filtered by subject in any case", async () => {
		const { item, rows } = await exportAudit({ auditFilter: { subject: 'Jane@Contoso.TEST' } });
		expect(rows.map((row) => [row.time, row.action, row.source])).toEqual([
			['2026-12-01T09:00:00.000Z', 'requesterCreated', 'sync'],
			['2026-12-01T12:00:00.000Z', 'loginSucceeded', 'sso'],
			['2026-12-02T09:00:00.000Z', 'disable', 'accountAction'],
		]);
		// A value a spreadsheet would run is written as text.
		expect(rows[2].reason).toBe(`'=cmd|" /c calc"!A1`);
		expect(item!.json).toEqual({ operation: 'exportAudit', source: 'workflow', rows: 3, fileName: expect.stringMatching(/^audit-\d{4}-\d\d-\d\d\.csv$/), from: '2026-12-01T09:00:00.000Z', to: '2026-12-02T09:00:00.000Z' });
		expect(item!.binary!.data).toMatchObject({ mimeType: 'text/csv' });
		expect(item!.pairedItem).toEqual([{ item: 0 }]);
	});

	it('filters by time range and actions', async () => {
		const { rows } = await exportAudit({ auditFilter: { from: '2026-12-01T10:00:00Z', to: '2026-12-03T09:00:00Z', actions: 'disable, loginSucceeded' } });
		expect(rows.map((row) => row.action)).toEqual(['loginSucceeded', 'disable']);
	});

	it('exports audit records among input items (an Audit output, Data Table rows), skipping other items', async () => {
		const dataTableRow = { id: 3, createdAt: '2026-12-05T00:00:00.000Z', ...kept[2] };
		const { rows } = await exportAudit({ auditSource: 'input' }, [{ json: dataTableRow as unknown as IDataObject }, { json: { summary: true } }, { json: kept[0] as unknown as IDataObject }]);
		expect(rows.map((row) => [row.recordId, row.action])).toEqual([
			[kept[0].recordId, 'requesterCreated'],
			[kept[2].recordId, 'requesterUpdated'],
		]);
		expect(Object.keys(rows[0])).not.toContain('createdAt');
	});

	it('leaves out records aged past the Keep Days they were kept with, also when nothing was written since', async () => {
		const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
		const retention = { maxAgeDays: 30, maxCount: 0 };
		const old = entry(daysAgo(31), 'disable', { email: 'old@contoso.test' });
		const recent = entry(daysAgo(29), 'disable', { email: 'recent@contoso.test' });
		const login = (days: number, requester: string) => auditRecord('loginSucceeded', Date.now() - days * 86_400_000, { clientAddress: null, userAgent: null }, { requester, requesterId: null });
		const sso = { ...emptyStore(), revision: 1, audit: [login(31, 'old@contoso.test'), login(29, 'recent@contoso.test')], auditRetention: retention };
		const result = await runNode({
			node: new ExportUnsynced(),
			parameters: { operation: 'exportAudit', binaryPropertyName: 'data' } as never,
			staticData: staticDataFor({ global: { [AUDIT_STORE_KEY]: { version: 1, revision: 1, records: [old, recent], retention }, [SSO_STORE_KEY]: sso } as unknown as IDataObject }),
		});
		const rows = parse(Buffer.from(result.outputs[0][0].binary!.data.data, 'base64').toString('utf8'), { columns: true, bom: true }) as Array<Record<string, string>>;
		expect(rows.map((row) => [row.source, row.email])).toEqual([
			['accountAction', 'recent@contoso.test'],
			['sso', 'recent@contoso.test'],
		]);
	});

	it('names a filter it cannot read', async () => {
		const { result } = await exportAudit({ auditFilter: { from: 'last tuesday' } });
		expect(result.error).toBeInstanceOf(NodeOperationError);
		expect(result.error!.message).toBe('"From" is not a date and time: "last tuesday"; use ISO 8601, e.g. 2026-12-01T00:00:00Z');
		expect((result.error as NodeOperationError).description).toBe('Fix the "From" filter.');
	});
});
