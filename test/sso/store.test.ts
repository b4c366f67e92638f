import { parse } from 'csv-parse/sync';
import { ssoAuditCsv } from '../../nodes/shared/export/ssoAudit';
import { appendAudit, auditRecord, DEFAULT_SSO_AUDIT_RETENTION } from '../../nodes/shared/sso/audit';
import { consumeState, emptyStore, MAX_CONSUMED_STATES, parseStore, SSO_STORE_KEY, type SsoStoreData } from '../../nodes/shared/sso/store';
import { forgetSsoStores, ssoStoreAccess, type StoreSlot } from '../../nodes/shared/sso/storeAccess';

afterEach(() => forgetSsoStores());

/** One execution's view of workflow static data: a copy loaded at its start, saved whole at its end. */
class Execution implements StoreSlot {
	readonly data: Record<string, unknown>;
	constructor(private readonly database: { saved: Record<string, unknown> }) {
		this.data = JSON.parse(JSON.stringify(database.saved));
	}
	load() {
		return this.data[SSO_STORE_KEY];
	}
	save(value: SsoStoreData) {
		this.data[SSO_STORE_KEY] = value;
	}
	finish() {
		this.database.saved = JSON.parse(JSON.stringify(this.data));
	}
}

const NOW = Date.parse('2026-11-26T09:00:00Z');
const caller = { clientAddress: '198.51.100.7', userAgent: 'test' };

function addAudit(execution: Execution, scope: string, what: string) {
	ssoStoreAccess(scope, execution).update((data) => appendAudit(data, [auditRecord('loginStarted', NOW, caller, { reason: what })], DEFAULT_SSO_AUDIT_RETENTION, NOW));
}

describe('SSO store in workflow static data', () => {
	it('keeps both changes of two executions that overlap (n8n saves each execution\'s whole copy)', () => {
		const database = { saved: {} as Record<string, unknown> };
		const first = new Execution(database);
		const second = new Execution(database);
		addAudit(first, 'wf-1', 'first');
		addAudit(second, 'wf-1', 'second');
		second.finish();
		first.finish();
		expect((database.saved[SSO_STORE_KEY] as SsoStoreData).audit.map((record) => record.reason)).toEqual(['first', 'second']);
	});

	it('after a restart reads static data, and prefers a fresher copy saved by another process', () => {
		const database = { saved: {} as Record<string, unknown> };
		const execution = new Execution(database);
		addAudit(execution, 'wf-2', 'before restart');
		execution.finish();
		forgetSsoStores();
		const afterRestart = new Execution(database);
		expect(ssoStoreAccess('wf-2', afterRestart).read().audit.map((record) => record.reason)).toEqual(['before restart']);

		const elsewhere = { ...(database.saved[SSO_STORE_KEY] as SsoStoreData), revision: 99, audit: [] };
		const loadedNewer = new Execution({ saved: { [SSO_STORE_KEY]: elsewhere } });
		expect(ssoStoreAccess('wf-2', loadedNewer).read()).toMatchObject({ revision: 99, audit: [] });
	});

	it('keeps the stores of different workflows apart', () => {
		const database = { saved: {} as Record<string, unknown> };
		addAudit(new Execution(database), 'wf-a', 'a');
		expect(ssoStoreAccess('wf-b', new Execution(database)).read().audit).toEqual([]);
	});

	it('reads malformed static data as empty parts', () => {
		expect(parseStore('nonsense')).toEqual(emptyStore());
		expect(parseStore({ revision: 3, sessions: { s1: { requesterKey: 1 } }, attempts: { a: { failures: ['x'] } }, consumedStates: { x: 'soon' }, audit: [null, { time: 'T', event: 'loginStarted' }] })).toEqual({
			...emptyStore(),
			revision: 3,
			audit: [{ time: 'T', event: 'loginStarted' }],
		});
	});

	it('remembers consumed states until they expire, bounded', () => {
		const data = emptyStore();
		expect(consumeState(data, 'state-1', NOW + 600_000, NOW)).toBe(true);
		expect(consumeState(data, 'state-1', NOW + 600_000, NOW)).toBe(false);
		consumeState(data, 'state-2', NOW + 1_200_000, NOW + 700_000);
		expect(Object.keys(data.consumedStates)).toEqual(['state-2']);
		for (let index = 0; index <= MAX_CONSUMED_STATES; index++) data.consumedStates[`s${index}`] = NOW + 2_000_000 + index;
		consumeState(data, 'newest', NOW + 3_000_000, NOW);
		expect(Object.keys(data.consumedStates)).toHaveLength(MAX_CONSUMED_STATES);
		expect(data.consumedStates.newest).toBeDefined();
		expect(data.consumedStates['state-2']).toBeUndefined();
	});

	it('keeps only the newest audit records', () => {
		const data = emptyStore();
		for (let index = 0; index < 15; index++) appendAudit(data, [auditRecord('loginStarted', NOW + index, caller, { reason: String(index) })], { maxCount: 10, maxAgeDays: 0 }, NOW + index);
		expect(data.audit.map((record) => record.reason)).toEqual(['5', '6', '7', '8', '9', '10', '11', '12', '13', '14']);
	});

	it('drops audit records older than the age limit, oldest first, and keeps them without one', () => {
		const DAY = 86_400_000;
		const aged = (limit: number) => {
			const data = emptyStore();
			for (const age of [40, 31, 29, 1]) appendAudit(data, [auditRecord('loginStarted', NOW - age * DAY, caller, { reason: `${age} days` })], { maxCount: 1000, maxAgeDays: limit }, NOW - age * DAY);
			appendAudit(data, [auditRecord('loginSucceeded', NOW, caller, { reason: 'now' })], { maxCount: 1000, maxAgeDays: limit }, NOW);
			return data.audit.map((record) => record.reason);
		};
		expect(aged(30)).toEqual(['29 days', '1 days', 'now']);
		expect(aged(0)).toEqual(['40 days', '31 days', '29 days', '1 days', 'now']);
	});
});

describe('audit log CSV', () => {
	it('has one row per event with readable columns, and neutralises formula-looking cells', () => {
		const records = [
			auditRecord('loginSucceeded', NOW, caller, { requester: 'jane.doe@contoso.test', requesterId: '1001', sessionId: 'sess-1', reason: 'Edge on Windows' }),
			auditRecord('loginFailed', NOW + 1000, { clientAddress: '192.0.2.66', userAgent: '=HYPERLINK("http://evil.test")' }, { code: 'stateInvalid', reason: 'The state parameter was not issued by this SSO node' }),
		];
		const rows = parse(ssoAuditCsv(records, { bom: true }), { bom: true }) as string[][];
		expect(rows[0]).toEqual(['Time (UTC)', 'Event', 'Requester', 'Requester ID', 'Session ID', 'Client Address', 'User Agent', 'Code', 'Reason']);
		expect(rows[1]).toEqual(['2026-11-26T09:00:00.000Z', 'Login succeeded', 'jane.doe@contoso.test', '1001', 'sess-1', '198.51.100.7', 'test', '', 'Edge on Windows']);
		expect(rows[2]).toEqual([
			'2026-11-26T09:00:01.000Z',
			'Login failed',
			'',
			'',
			'',
			'192.0.2.66',
			'\'=HYPERLINK("http://evil.test")',
			'stateInvalid',
			'The state parameter was not issued by this SSO node',
		]);
	});
});
