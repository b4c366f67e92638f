import { parseAuditFilter, filterAudit } from '../../nodes/shared/audit/filter';
import { auditEntry, NO_ACTOR, type AuditEntry } from '../../nodes/shared/audit/record';
import { applyRetention, checkRetention } from '../../nodes/shared/audit/retention';
import { appendAuditEntries, auditStoreAccess, AUDIT_STORE_KEY, forgetAuditStores, type AuditStoreData } from '../../nodes/shared/audit/store';
import { appendAudit, auditRecord, ssoAuditEntry, type AuditRecord } from '../../nodes/shared/sso/audit';

const DAY = 86_400_000;
const NOW = new Date('2026-12-01T12:00:00.000Z');

function record(daysAgo: number, overrides: Partial<Parameters<typeof auditEntry>[1]> = {}): AuditEntry {
	return auditEntry(NO_ACTOR, {
		source: 'sync',
		action: 'requesterUpdated',
		outcome: 'done',
		subject: { azureObjectId: `obj-${daysAgo}`, requesterId: `${1000 + daysAgo}`, email: `user${daysAgo}@contoso.test` },
		reason: `${daysAgo} days ago`,
		time: new Date(NOW.getTime() - daysAgo * DAY),
		...overrides,
	});
}

afterEach(() => forgetAuditStores());

describe('retention', () => {
	it('drops the oldest first when over the count, whatever order they came in', () => {
		const kept = applyRetention([record(1), record(5), record(3), record(2)], { maxAgeDays: 0, maxCount: 2 }, NOW);
		expect(kept.map((entry) => entry.reason)).toEqual(['2 days ago', '1 days ago']);
	});

	it('drops records older than the age limit, and keeps all with no limits', () => {
		const records = [record(100), record(31), record(29), record(0)];
		expect(applyRetention(records, { maxAgeDays: 30, maxCount: 0 }, NOW).map((entry) => entry.reason)).toEqual(['29 days ago', '0 days ago']);
		expect(applyRetention(records, { maxAgeDays: 0, maxCount: 0 }, NOW)).toHaveLength(4);
	});

	it('names the setting that cannot work', () => {
		expect(() => checkRetention({ maxAgeDays: -1, maxCount: 10 })).toThrow(/Keep Days must be a whole number of 0 or more/);
		expect(() => checkRetention({ maxAgeDays: 1, maxCount: 2.5 })).toThrow(/Keep Records/);
	});
});

describe('the audit log in workflow static data', () => {
	/** One execution's static data: loaded at its start, saved whole at its end (as n8n does). */
	class Execution {
		readonly data: Record<string, unknown>;
		constructor(private readonly database: { saved: Record<string, unknown> }) {
			this.data = JSON.parse(JSON.stringify(database.saved));
		}
		slot() {
			return { load: () => this.data[AUDIT_STORE_KEY], save: (value: AuditStoreData) => void (this.data[AUDIT_STORE_KEY] = value) };
		}
		finish() {
			this.database.saved = JSON.parse(JSON.stringify(this.data));
		}
	}

	it('keeps the records of two overlapping executions of one process, within the retention', () => {
		const database = { saved: {} as Record<string, unknown> };
		const first = new Execution(database);
		const second = new Execution(database);
		const retention = { maxAgeDays: 0, maxCount: 3 };
		expect(appendAuditEntries(auditStoreAccess('wf-1', first.slot()), [record(4), record(3)], retention, NOW)).toBe(0);
		// Over Keep Records: the oldest record goes, and it was kept before this append.
		expect(appendAuditEntries(auditStoreAccess('wf-1', second.slot()), [record(2), record(1)], retention, NOW)).toBe(0);
		second.finish();
		first.finish();
		expect((database.saved[AUDIT_STORE_KEY] as AuditStoreData).records.map((entry) => entry.reason)).toEqual(['3 days ago', '2 days ago', '1 days ago']);
	});

	it('says how many new records the retention dropped at once', () => {
		const store = auditStoreAccess('wf-3', { load: () => undefined, save: () => undefined });
		expect(appendAuditEntries(store, [record(5), record(4), record(3)], { maxAgeDays: 0, maxCount: 2 }, NOW)).toBe(1);
		expect(appendAuditEntries(store, [record(400)], { maxAgeDays: 30, maxCount: 0 }, NOW)).toBe(1);
	});

	it('reads malformed stored records as absent', () => {
		const data: Record<string, unknown> = { [AUDIT_STORE_KEY]: { revision: 3, records: [{ recordId: 'x', time: 'not a time' }, 'junk', record(1)] } };
		const store = auditStoreAccess('wf-2', { load: () => data[AUDIT_STORE_KEY], save: () => undefined });
		expect(store.read().records.map((entry) => entry.reason)).toEqual(['1 days ago']);
	});
});

describe('filtering', () => {
	const records = [
		record(10, { action: 'requesterCreated' }),
		record(5, { source: 'accountAction', action: 'disable', subject: { azureObjectId: 'A11CE', email: 'Alice@Contoso.test' } }),
		record(1, { action: 'requesterDeactivated', subject: { requesterId: '77' } }),
	];
	const actions = (filter: Parameters<typeof parseAuditFilter>[0]) => filterAudit(records, parseAuditFilter(filter)).map((entry) => entry.action);

	it('by time range (from inclusive, to exclusive)', () => {
		expect(actions({ from: new Date(NOW.getTime() - 5 * DAY).toISOString() })).toEqual(['disable', 'requesterDeactivated']);
		expect(actions({ to: new Date(NOW.getTime() - 5 * DAY).toISOString() })).toEqual(['requesterCreated']);
	});

	it('by subject: object ID, requester ID or email, any case, whole value', () => {
		expect(actions({ subject: 'alice@contoso.TEST' })).toEqual(['disable']);
		expect(actions({ subject: 'a11ce' })).toEqual(['disable']);
		expect(actions({ subject: '77' })).toEqual(['requesterDeactivated']);
		expect(actions({ subject: 'alice' })).toEqual([]);
	});

	it('by actions, comma-separated', () => {
		expect(actions({ actions: 'disable, requesterCreated' })).toEqual(['requesterCreated', 'disable']);
	});

	it('names a time it cannot read, and a range that is empty', () => {
		expect(() => parseAuditFilter({ from: 'yesterday' })).toThrow(/"From" is not a date and time: "yesterday"/);
		expect(() => parseAuditFilter({ from: '2026-12-02T00:00:00Z', to: '2026-12-01T00:00:00Z' })).toThrow(/"To" must be later than "From"/);
	});
});

describe('SSO events in the audit log', () => {
	const login = (minutes: number) => auditRecord('loginSucceeded', NOW.getTime() - minutes * 60_000, { clientAddress: '203.0.113.9', userAgent: null }, { requester: 'jane@contoso.test', requesterId: '17' });

	it('gives an event the same record id however its stored object is shaped (key order, fields of another version)', () => {
		const event = login(5);
		const reordered = Object.fromEntries(Object.entries(event).reverse()) as unknown as AuditRecord;
		const withExtra = { ...event, addedByLaterVersion: 'x' } as AuditRecord;
		const id = ssoAuditEntry(event, NO_ACTOR).recordId;
		expect(ssoAuditEntry(reordered, NO_ACTOR).recordId).toBe(id);
		expect(ssoAuditEntry(withExtra, NO_ACTOR).recordId).toBe(id);
		expect(ssoAuditEntry(login(6), NO_ACTOR).recordId).not.toBe(id);
	});

	it('appends events in the order they were written, dropping from the front by the shared retention rules', () => {
		// A clock stepped back between two events: the log stays in written order, it is not re-sorted.
		const data: { audit: AuditRecord[] } = { audit: [login(10), login(20)] };
		appendAudit(data, [login(1)], { maxAgeDays: 0, maxCount: 2 }, NOW.getTime());
		expect(data.audit).toEqual([login(20), login(1)]);
		appendAudit(data, [login(0)], { maxAgeDays: 0, maxCount: 0 }, NOW.getTime());
		expect(data.audit).toEqual([login(20), login(1), login(0)]);
	});
});
