import nock from 'nock';
import {
	escapeHtml,
	renderTemplate,
	runAccountAction,
	type AccountActionRequest,
	type PasswordEmailSettings,
} from '../../nodes/shared/graph/accountActions';
import { clearTokenCache } from '../../nodes/shared/graph/auth';
import { GraphClient } from '../../nodes/shared/graph/client';
import { buildConnection } from '../../nodes/shared/graph/connection';
import { PRIVILEGED_ROLES, parseList } from '../../nodes/shared/graph/protection';
import { normaliseUserValue, USER_SELECT } from '../../nodes/shared/graph/userResolution';
import { FAKE_CLIENT_ID, GRAPH, connectionReset, fakeCredentialFields, nockTokenEndpoint } from '../support/fakeTenant';

const ALICE = {
	id: 'a11ce000-0000-4000-8000-000000000001',
	userPrincipalName: 'alice@contoso.test',
	displayName: 'Alice <b>O\'Brien</b> & Co',
	mail: 'alice@contoso.test',
	otherMails: ['alice.home@example.net'],
	proxyAddresses: ['SMTP:alice@contoso.test', 'smtp:a.obrien@contoso.test'],
	accountEnabled: true,
};
const PROTECTED_GROUP = 'b0000000-0000-4000-8000-0000000000aa';
const NOW = new Date('2026-11-26T12:00:00.000Z');
const ROLES_PATH = `/v1.0/users/${ALICE.id}/transitiveMemberOf/microsoft.graph.directoryRole`;
const DENIED = { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } };

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
	nock.cleanAll();
	clearTokenCache();
});
afterAll(() => nock.enableNetConnect());

function client() {
	return new GraphClient(buildConnection(fakeCredentialFields()), { sleep: async () => undefined });
}

const noProtection = { protectedGroupIds: [], protectedUsers: [], protectPrivilegedRoles: false };

function run(request: Partial<AccountActionRequest> & Pick<AccountActionRequest, 'action'>) {
	return runAccountAction(client(), { user: ALICE.id, ticketId: 'T-42', protection: noProtection, ...request }, { now: () => NOW });
}

function graph() {
	return nock(GRAPH);
}

function nockAliceById(user: object = ALICE) {
	return graph().get(`/v1.0/users/${ALICE.id}`).query({ $select: USER_SELECT }).reply(200, user, { 'request-id': 'req-read' });
}

function nockFilter(filter: string, users: object[], advanced = false) {
	const query = { $filter: filter, $select: USER_SELECT, $top: '5', ...(advanced ? { $count: 'true' } : {}) };
	const scope = graph().get('/v1.0/users').query(query);
	return (advanced ? scope.matchHeader('consistencylevel', 'eventual') : scope).reply(200, { value: users });
}

function nockRoles(roles: object[]) {
	return graph()
		.get(ROLES_PATH)
		.query({ $select: 'id,displayName,roleTemplateId', $count: 'true' })
		.matchHeader('consistencylevel', 'eventual')
		.reply(200, { value: roles }, { 'request-id': 'req-roles' });
}

interface SentMail {
	message: { subject: string; body: { contentType: string; content: string }; toRecipients: Array<{ emailAddress: { address: string } }> };
	saveToSentItems: boolean;
}

function emailSettings(overrides: Partial<PasswordEmailSettings> = {}): PasswordEmailSettings {
	return {
		senderMailbox: 'servicedesk@contoso.test',
		recipient: 'requester.contact@example.net',
		recipientFallback: 'none',
		subject: 'Ticket {ticketId}: password reset for {displayName}',
		body: '<p>Hello {displayName}</p><p>Password: <b>{temporaryPassword}</b></p>',
		bodyFormat: 'html',
		saveToSentItems: false,
		...overrides,
	};
}

describe('finding the user', () => {
	it('reads a GUID as an object ID', async () => {
		nockTokenEndpoint();
		nockAliceById({ ...ALICE, accountEnabled: true });
		const result = await run({ action: 'unlock' });
		expect(result.audit).toMatchObject({ outcome: 'noChange', matchedBy: 'id', user: { id: ALICE.id, userPrincipalName: ALICE.userPrincipalName } });
		expect(nock.isDone()).toBe(true);
	});

	it('tries UPN, then mail, then alternate addresses (advanced queries), escaping quotes', async () => {
		nockTokenEndpoint();
		const address = "o'brien@example.net";
		nockFilter("userPrincipalName eq 'o''brien@example.net'", []);
		nockFilter("mail eq 'o''brien@example.net'", []);
		nockFilter("otherMails/any(x:x eq 'o''brien@example.net')", [], true);
		nockFilter("proxyAddresses/any(x:x eq 'smtp:o''brien@example.net')", [{ ...ALICE, accountEnabled: true }], true);
		const result = await run({ action: 'unlock', user: `Alice O'Brien <${address}>` });
		expect(result.audit).toMatchObject({ outcome: 'noChange', matchedBy: 'proxyAddresses', requestedUser: `Alice O'Brien <${address}>` });
		expect(nock.isDone()).toBe(true);
	});

	it('fails clearly, writing nothing, when no user matches', async () => {
		nockTokenEndpoint();
		nockFilter("mail eq 'nobody@contoso.test'", []);
		const result = await run({ action: 'disable', user: 'nobody@contoso.test', matchBy: 'mail' });
		expect(result.audit).toMatchObject({
			outcome: 'failed',
			errorCode: 'notFound',
			reason: 'No Azure AD user has the mail address "nobody@contoso.test"',
			user: null,
			changes: [],
		});
	});

	it('fails on several matches and names them, never guessing', async () => {
		nockTokenEndpoint();
		nockFilter("mail eq 'shared@contoso.test'", [
			{ ...ALICE, id: 'u1', userPrincipalName: 'one@contoso.test' },
			{ ...ALICE, id: 'u2', userPrincipalName: 'two@contoso.test' },
		]);
		const result = await run({ action: 'disable', user: 'shared@contoso.test', matchBy: 'mail' });
		expect(result.audit.outcome).toBe('failed');
		expect(result.audit.errorCode).toBe('ambiguous');
		expect(result.audit.reason).toMatch(/matches 2 users by mail \(one@contoso.test, two@contoso.test\)/);
	});

	it('rejects a value that is neither an ID nor an address, and a non-GUID object ID, before searching', async () => {
		nockTokenEndpoint();
		const plain = await run({ action: 'disable', user: 'alice' });
		expect(plain.audit).toMatchObject({ outcome: 'failed', errorCode: 'invalidInput' });
		const notGuid = await run({ action: 'disable', user: 'alice@contoso.test', matchBy: 'id' });
		expect(notGuid.audit).toMatchObject({ outcome: 'failed', errorCode: 'invalidInput', reason: expect.stringMatching(/not an object ID/) });
		const empty = await run({ action: 'disable', user: '  ' });
		expect(empty.audit.reason).toMatch(/empty/);
	});

	it('reports a 404 for an object ID as not found', async () => {
		nockTokenEndpoint();
		graph().get(`/v1.0/users/${ALICE.id}`).query(true).reply(404, { error: { code: 'Request_ResourceNotFound', message: 'gone' } }, { 'request-id': 'req-404' });
		const result = await run({ action: 'revokeSessions' });
		expect(result.audit).toMatchObject({ outcome: 'failed', errorCode: 'notFound', requestIds: ['req-404'] });
	});

	it('normalises what tickets send', () => {
		expect(normaliseUserValue('  Alice <alice@contoso.test> ')).toBe('alice@contoso.test');
		expect(normaliseUserValue('mailto:alice@contoso.test')).toBe('alice@contoso.test');
	});
});

describe('disable, unlock, revoke', () => {
	it('disables and revokes sessions, with an audit record of every write', async () => {
		nockTokenEndpoint();
		nockAliceById();
		let patched: unknown;
		graph().patch(`/v1.0/users/${ALICE.id}`, (body) => ((patched = body), true)).reply(204, '', { 'request-id': 'req-patch' });
		graph().post(`/v1.0/users/${ALICE.id}/revokeSignInSessions`).reply(200, { value: true }, { 'request-id': 'req-revoke' });
		const result = await run({ action: 'disable' });
		expect(patched).toEqual({ accountEnabled: false });
		expect(result.audit).toEqual({
			ticketId: 'T-42',
			action: 'disable',
			outcome: 'done',
			reason: expect.stringMatching(/^Account disabled and sign-in sessions revoked/),
			requestedUser: ALICE.id,
			user: { id: ALICE.id, userPrincipalName: ALICE.userPrincipalName, displayName: ALICE.displayName },
			matchedBy: 'id',
			changes: ['accountEnabled: true → false', 'signInSessionsRevoked'],
			requestIds: ['req-read', 'req-patch', 'req-revoke'],
			timestamp: '2026-11-26T12:00:00.000Z',
			actingApp: { appId: FAKE_CLIENT_ID, displayName: 'Requester Sync (test)' },
		});
		expect(nock.isDone()).toBe(true);
	});

	it('writes nothing when the account is already disabled', async () => {
		nockTokenEndpoint();
		nockAliceById({ ...ALICE, accountEnabled: false });
		const result = await run({ action: 'disable' });
		expect(result.audit).toMatchObject({ outcome: 'noChange', changes: [], reason: expect.stringMatching(/already disabled; nothing was written/) });
	});

	it('unlocks by re-enabling, and says smart lockout cannot be cleared', async () => {
		nockTokenEndpoint();
		nockAliceById({ ...ALICE, accountEnabled: false });
		graph().patch(`/v1.0/users/${ALICE.id}`, { accountEnabled: true }).reply(204);
		const result = await run({ action: 'unlock' });
		expect(result.audit).toMatchObject({ outcome: 'done', changes: ['accountEnabled: false → true'], reason: expect.stringMatching(/no API to clear a smart lockout/) });
	});

	it('reports an enabled account as noChange on unlock', async () => {
		nockTokenEndpoint();
		nockAliceById();
		const result = await run({ action: 'unlock' });
		expect(result.audit).toMatchObject({ outcome: 'noChange', changes: [] });
	});

	it('always revokes sessions, and retries the revoke after a dropped connection (safe to repeat)', async () => {
		nockTokenEndpoint();
		nockAliceById({ ...ALICE, accountEnabled: false });
		graph().post(`/v1.0/users/${ALICE.id}/revokeSignInSessions`).replyWithError(connectionReset());
		graph().post(`/v1.0/users/${ALICE.id}/revokeSignInSessions`).reply(200, { value: true });
		const result = await run({ action: 'revokeSessions' });
		expect(result.audit).toMatchObject({ outcome: 'done', changes: ['signInSessionsRevoked'] });
		expect(nock.isDone()).toBe(true);
	});

	it('names the missing permission on a 403', async () => {
		nockTokenEndpoint();
		nockAliceById();
		graph().patch(`/v1.0/users/${ALICE.id}`).reply(403, DENIED, { 'request-id': 'req-denied' });
		const result = await run({ action: 'disable' });
		expect(result.audit.outcome).toBe('failed');
		expect(result.audit.errorCode).toBe('Authorization_RequestDenied');
		expect(result.audit.reason).toBe(
			'Could not disable the account of alice@contoso.test: Microsoft Graph answered 403 Authorization_RequestDenied: Insufficient privileges to complete the operation. ' +
				'The app needs User.EnableDisableAccount.All + User.Read.All, or User.ReadWrite.All, or Directory.ReadWrite.All. ' +
				'Disabling an administrator also needs the app to hold a directory role such as Privileged Authentication Administrator.',
		);
		expect(result.audit.requestIds).toEqual(['req-read', 'req-denied']);
		expect(result.audit.changes).toEqual([]);
	});

	it('says what was already written when a later step fails', async () => {
		nockTokenEndpoint();
		nockAliceById();
		graph().patch(`/v1.0/users/${ALICE.id}`).reply(204);
		graph().post(`/v1.0/users/${ALICE.id}/revokeSignInSessions`).reply(403, DENIED);
		const result = await run({ action: 'disable' });
		expect(result.audit.outcome).toBe('failed');
		expect(result.audit.changes).toEqual(['accountEnabled: true → false']);
		expect(result.audit.reason).toMatch(/^Could not revoke the sign-in sessions of alice@contoso.test: .*User\.RevokeSessions\.All.*Already written: accountEnabled: true → false\.$/);
	});
});

describe('protected accounts', () => {
	it('refuses users on the protected list (any of their addresses, any case) without asking Graph', async () => {
		nockTokenEndpoint();
		nockAliceById();
		const result = await run({ action: 'disable', protection: { ...noProtection, protectedUsers: parseList('ceo@contoso.test;\nA.OBRIEN@contoso.test') } });
		expect(result.audit).toMatchObject({ outcome: 'refused', changes: [], reason: 'alice@contoso.test is on the Protected Users list (as "A.OBRIEN@contoso.test")' });
		expect(nock.isDone()).toBe(true);
	});

	it('refuses members of a protected group, checking 20 groups per call', async () => {
		nockTokenEndpoint();
		nockAliceById();
		const groups = Array.from({ length: 21 }, (_, i) => `b0000000-0000-4000-8000-0000000000${String(i).padStart(2, '0')}`);
		groups[20] = PROTECTED_GROUP;
		graph().post(`/v1.0/users/${ALICE.id}/checkMemberGroups`, { groupIds: groups.slice(0, 20) }).reply(200, { value: [] });
		graph().post(`/v1.0/users/${ALICE.id}/checkMemberGroups`, { groupIds: [PROTECTED_GROUP] }).reply(200, { value: [PROTECTED_GROUP] }, { 'request-id': 'req-groups' });
		const result = await run({ action: 'forcePasswordReset', protection: { ...noProtection, protectedGroupIds: groups }, passwordReset: { email: emailSettings(), returnTemporaryPassword: false } });
		expect(result.audit).toMatchObject({
			outcome: 'refused',
			reason: `alice@contoso.test is a member of protected group ${PROTECTED_GROUP}`,
			emailSent: false,
			changes: [],
		});
		expect(result.audit.requestIds).toContain('req-groups');
		expect(nock.isDone()).toBe(true);
	});

	it('refuses (fails closed) when group membership cannot be read', async () => {
		nockTokenEndpoint();
		nockAliceById();
		graph().post(`/v1.0/users/${ALICE.id}/checkMemberGroups`).reply(403, DENIED);
		const result = await run({ action: 'unlock', protection: { ...noProtection, protectedGroupIds: [PROTECTED_GROUP] } });
		expect(result.audit.outcome).toBe('refused');
		expect(result.audit.reason).toMatch(/GroupMember\.Read\.All \+ User\.Read\.All/);
	});

	it('refuses holders of a privileged directory role', async () => {
		nockTokenEndpoint();
		nockAliceById();
		nockRoles([{ id: 'r1', displayName: 'Helpdesk Administrator', roleTemplateId: '729827e3-9c14-49f7-bb1b-9608f156bbb8' }]);
		const result = await run({ action: 'disable', protection: { ...noProtection, protectPrivilegedRoles: true } });
		expect(result.audit).toMatchObject({ outcome: 'refused', reason: 'alice@contoso.test holds the privileged directory role Helpdesk Administrator', requestIds: ['req-read', 'req-roles'] });
	});

	it('lets a user with only ordinary roles through, and honours extra protected role IDs', async () => {
		nockTokenEndpoint();
		nockAliceById();
		const readerRole = { id: 'r2', displayName: 'Directory Readers', roleTemplateId: '88d8e3e3-8f55-4a1e-953a-9b9898b8876b' };
		nockRoles([readerRole]);
		graph().post(`/v1.0/users/${ALICE.id}/revokeSignInSessions`).reply(200, { value: true });
		const allowed = await run({ action: 'revokeSessions', protection: { ...noProtection, protectPrivilegedRoles: true } });
		expect(allowed.audit.outcome).toBe('done');

		nockAliceById();
		nockRoles([readerRole]);
		const refused = await run({
			action: 'revokeSessions',
			protection: { ...noProtection, protectPrivilegedRoles: true, extraRoleTemplateIds: ['88D8E3E3-8F55-4A1E-953A-9B9898B8876B'] },
		});
		expect(refused.audit.outcome).toBe('refused');
	});

	it('refuses, naming the permission, when roles cannot be read or come back without template IDs', async () => {
		nockTokenEndpoint();
		nockAliceById();
		graph().get(ROLES_PATH).query(true).reply(403, DENIED);
		const denied = await run({ action: 'disable', protection: { ...noProtection, protectPrivilegedRoles: true } });
		expect(denied.audit.outcome).toBe('refused');
		expect(denied.audit.reason).toBe(
			'Could not read the directory roles of alice@contoso.test to rule out a protected account; that needs RoleManagement.Read.Directory, or Directory.Read.All, or RoleManagement.ReadWrite.Directory: grant one of them, or turn off "Protect Privileged Role Holders"',
		);

		nockAliceById();
		nockRoles([{ id: 'r3' }]);
		const hidden = await run({ action: 'disable', protection: { ...noProtection, protectPrivilegedRoles: true } });
		expect(hidden.audit.outcome).toBe('refused');
		expect(hidden.audit.reason).toMatch(/RoleManagement\.Read\.Directory/);
	});

	it('rejects malformed group and role IDs before calling Graph', async () => {
		const result = await run({ action: 'disable', protection: { ...noProtection, protectedGroupIds: ['Admins'] } });
		expect(result.audit).toMatchObject({ outcome: 'failed', errorCode: 'invalidSetting', reason: 'Protected Group IDs: "Admins" is not a group object ID (a GUID)' });
	});

	it('covers the roles named in the issue with their documented template IDs', () => {
		const byName = Object.fromEntries(PRIVILEGED_ROLES.map((role) => [role.name, role.templateId]));
		expect(byName['Global Administrator']).toBe('62e90394-69f5-4237-9190-012177145e10');
		expect(byName['Privileged Role Administrator']).toBe('e8611ab8-c189-46e8-94e1-60213ab1f814');
		expect(byName['Privileged Authentication Administrator']).toBe('7be44c8a-adaf-4e2a-84d6-ab2649e08a13');
		expect(byName['User Administrator']).toBe('fe930be7-5e62-47db-91af-98c3a49a38b1');
		for (const name of ['Security Administrator', 'Exchange Administrator', 'Helpdesk Administrator', 'Authentication Administrator', 'Conditional Access Administrator', 'Application Administrator', 'Cloud Application Administrator', 'SharePoint Administrator', 'Intune Administrator']) {
			expect(byName[name]).toMatch(/^[0-9a-f-]{36}$/);
		}
		expect(new Set(PRIVILEGED_ROLES.map((role) => role.templateId)).size).toBe(PRIVILEGED_ROLES.length);
	});
});

describe('force password reset', () => {
	function nockReset() {
		let patched: { passwordProfile?: { password: string; forceChangePasswordNextSignIn: boolean } } = {};
		graph()
			.patch(`/v1.0/users/${ALICE.id}`, (body) => ((patched = body), true))
			.reply(204, '', { 'request-id': 'req-reset' });
		return () => patched;
	}

	it('sets a temporary password, forces a change, and emails it with escaped values', async () => {
		nockTokenEndpoint();
		nockAliceById();
		const patched = nockReset();
		let sent: SentMail | undefined;
		graph()
			.post('/v1.0/users/servicedesk%40contoso.test/sendMail', (body) => ((sent = body), true))
			.reply(202, '', { 'request-id': 'req-mail' });
		const result = await run({ action: 'forcePasswordReset', passwordReset: { email: emailSettings(), returnTemporaryPassword: false } });

		const password = patched().passwordProfile!.password;
		expect(patched().passwordProfile!.forceChangePasswordNextSignIn).toBe(true);
		expect(password).toHaveLength(16);
		expect(sent).toEqual({
			message: {
				subject: `Ticket T-42: password reset for ${ALICE.displayName}`,
				body: { contentType: 'HTML', content: `<p>Hello Alice &lt;b&gt;O&#39;Brien&lt;/b&gt; &amp; Co</p><p>Password: <b>${password}</b></p>` },
				toRecipients: [{ emailAddress: { address: 'requester.contact@example.net' } }],
			},
			saveToSentItems: false,
		});
		expect(result.audit).toMatchObject({
			outcome: 'done',
			emailSent: true,
			emailRecipient: 'requester.contact@example.net',
			emailError: null,
			changes: ['passwordProfile: temporary password set, forceChangePasswordNextSignIn = true'],
			requestIds: ['req-read', 'req-reset', 'req-mail'],
		});
		expect(result.temporaryPassword).toBeUndefined();
		expect(JSON.stringify(result)).not.toContain(password);
	});

	it('returns the password only when asked', async () => {
		nockTokenEndpoint();
		nockAliceById();
		const patched = nockReset();
		const result = await run({ action: 'forcePasswordReset', passwordReset: { returnTemporaryPassword: true, length: 20 } });
		expect(result.temporaryPassword).toBe(patched().passwordProfile!.password);
		expect(result.temporaryPassword).toHaveLength(20);
		expect(result.audit).toMatchObject({ outcome: 'done', emailSent: false, emailRecipient: null });
		expect(JSON.stringify(result.audit)).not.toContain(result.temporaryPassword);
	});

	it('reports the reset as done and the email failure plainly when sendMail fails', async () => {
		nockTokenEndpoint();
		nockAliceById();
		const patched = nockReset();
		graph()
			.post('/v1.0/users/servicedesk%40contoso.test/sendMail')
			.reply(403, { error: { code: 'ErrorAccessDenied', message: 'Access is denied. Check credentials and try again.' } }, { 'request-id': 'req-mail-denied' });
		const result = await run({ action: 'forcePasswordReset', passwordReset: { email: emailSettings(), returnTemporaryPassword: false } });
		expect(result.audit).toMatchObject({
			outcome: 'done',
			emailSent: false,
			emailRecipient: 'requester.contact@example.net',
			emailError: expect.stringMatching(/^Microsoft Graph answered 403 ErrorAccessDenied: Access is denied.*The app needs Mail\.Send/),
			changes: ['passwordProfile: temporary password set, forceChangePasswordNextSignIn = true'],
		});
		expect(result.audit.reason).toMatch(/could not be sent .*Nobody has the temporary password/);
		expect(result.audit.requestIds).toContain('req-mail-denied');
		expect(JSON.stringify(result)).not.toContain(patched().passwordProfile!.password);
	});

	it('never sends the email twice after a dropped connection', async () => {
		nockTokenEndpoint();
		nockAliceById();
		nockReset();
		graph().post('/v1.0/users/servicedesk%40contoso.test/sendMail').replyWithError(connectionReset());
		const result = await run({ action: 'forcePasswordReset', passwordReset: { email: emailSettings(), returnTemporaryPassword: false } });
		expect(result.audit).toMatchObject({ outcome: 'done', emailSent: false, emailError: expect.stringMatching(/ECONNRESET/) });
		expect(nock.isDone()).toBe(true);
	});

	it('falls back to the alternate email only when configured, and otherwise writes nothing', async () => {
		nockTokenEndpoint();
		nockAliceById();
		const noRecipient = await run({ action: 'forcePasswordReset', passwordReset: { email: emailSettings({ recipient: ' ' }), returnTemporaryPassword: false } });
		expect(noRecipient.audit).toMatchObject({ outcome: 'failed', errorCode: 'invalidSetting', changes: [], reason: expect.stringMatching(/No address to send the temporary password to/) });

		nockAliceById();
		nockReset();
		let to = '';
		graph()
			.post('/v1.0/users/servicedesk%40contoso.test/sendMail', (body) => ((to = body.message.toRecipients[0].emailAddress.address), true))
			.reply(202);
		const fallback = await run({
			action: 'forcePasswordReset',
			passwordReset: { email: emailSettings({ recipient: '', recipientFallback: 'otherMails' }), returnTemporaryPassword: false },
		});
		expect(to).toBe('alice.home@example.net');
		expect(fallback.audit).toMatchObject({ outcome: 'done', emailSent: true, emailRecipient: 'alice.home@example.net' });
	});

	it.each([
		['no way to hand over the password', { returnTemporaryPassword: false }, 'Send Email'],
		['a body without the password', { email: emailSettings({ body: 'Hello' }), returnTemporaryPassword: false }, 'must contain {temporaryPassword}'],
		['the password in the subject', { email: emailSettings({ subject: 'Your password {{temporaryPassword}}' }), returnTemporaryPassword: false }, 'out of the Email Subject'],
		['no sender', { email: emailSettings({ senderMailbox: '' }), returnTemporaryPassword: false }, 'Sender Mailbox is empty'],
		['a short password', { returnTemporaryPassword: true, length: 8 }, 'from 16 to 256'],
	])('rejects %s before calling Graph', async (_name, passwordReset, message) => {
		const result = await run({ action: 'forcePasswordReset', passwordReset });
		expect(result.audit.outcome).toBe('failed');
		expect(result.audit.reason).toContain(message);
		expect(result.audit.changes).toEqual([]);
	});

	it('rejects a recipient that is not an address, writing nothing', async () => {
		nockTokenEndpoint();
		nockAliceById();
		const result = await run({ action: 'forcePasswordReset', passwordReset: { email: emailSettings({ recipient: 'not an address' }), returnTemporaryPassword: false } });
		expect(result.audit).toMatchObject({ outcome: 'failed', errorCode: 'invalidSetting', changes: [] });
	});

	it('names the permission and the Entra role when the reset is refused', async () => {
		nockTokenEndpoint();
		nockAliceById();
		graph().patch(`/v1.0/users/${ALICE.id}`).reply(403, DENIED);
		const result = await run({ action: 'forcePasswordReset', passwordReset: { email: emailSettings(), returnTemporaryPassword: false } });
		expect(result.audit.outcome).toBe('failed');
		expect(result.audit.reason).toMatch(/^Could not set the temporary password of alice@contoso.test: .*User-PasswordProfile\.ReadWrite\.All.*User Administrator/);
		expect(result.audit.emailSent).toBe(false);
	});
});

describe('email templates', () => {
	const values = { displayName: 'A & B', userPrincipalName: 'a@b.c', mail: '', ticketId: '7', temporaryPassword: 'P<w>' };

	it('fills {name} and {{name}} placeholders and leaves other braces alone', () => {
		expect(renderTemplate('{displayName} {{ ticketId }} {unknown} {temporaryPassword} p { color: red }', values, escapeHtml)).toBe(
			'A &amp; B 7 {unknown} P&lt;w&gt; p { color: red }',
		);
	});
});
