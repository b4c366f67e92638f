import nock from 'nock';
import { NodeApiError, NodeOperationError, type INodeExecutionData } from 'n8n-workflow';
import { AzureAdAccountAction } from '../../nodes/AzureAdAccountAction/AzureAdAccountAction.node';
import { clearTokenCache } from '../../nodes/shared/graph/auth';
import { USER_SELECT } from '../../nodes/shared/graph/userResolution';
import { runNode } from '../harness/n8n';
import { FAKE_CLIENT_ID, FAKE_SECRET, GRAPH, fakeCredentialFields, nockTokenEndpoint } from '../support/fakeTenant';

const credentials = { azureAdSyncApi: fakeCredentialFields() as Record<string, string> };

const ALICE = {
	id: 'a11ce000-0000-4000-8000-000000000001',
	userPrincipalName: 'alice@contoso.test',
	displayName: 'Alice Example',
	mail: 'alice@contoso.test',
	otherMails: [],
	proxyAddresses: ['SMTP:alice@contoso.test'],
	accountEnabled: true,
};
const BOB = { ...ALICE, id: 'b0b00000-0000-4000-8000-000000000002', userPrincipalName: 'bob@contoso.test', displayName: 'Bob Example', mail: 'bob@contoso.test' };
const PROTECTED_GROUP = 'c0000000-0000-4000-8000-0000000000aa';
const SENDER = 'servicedesk@contoso.test';
const DENIED = { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } };
const TICKET = { ticket_id: 'T-1001', requester_email: 'alice@contoso.test', requester_contact: 'alice.private@example.net' };

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
	nock.cleanAll();
	clearTokenCache();
});
afterAll(() => nock.enableNetConnect());

function graph() {
	return nock(GRAPH);
}

/** The UPN lookup an address goes through first in Auto mode. */
function nockFindByUpn(user: typeof ALICE) {
	return graph()
		.get('/v1.0/users')
		.query({ $filter: `userPrincipalName eq '${user.userPrincipalName}'`, $select: USER_SELECT, $top: '5' })
		.reply(200, { value: [user] }, { 'request-id': `req-find-${user.displayName.split(' ')[0]}` });
}

function nockRoles(user: typeof ALICE, roles: object[] = []) {
	return graph()
		.get(`/v1.0/users/${user.id}/transitiveMemberOf/microsoft.graph.directoryRole`)
		.query(true)
		.reply(200, { value: roles });
}

function nockReset(user: typeof ALICE) {
	const sent: { password?: string } = {};
	graph()
		.patch(`/v1.0/users/${user.id}`, (body) => {
			sent.password = body.passwordProfile?.password;
			return body.passwordProfile?.forceChangePasswordNextSignIn === true;
		})
		.reply(204);
	return sent;
}

function action(parameters: Record<string, unknown>, extra: Partial<Parameters<typeof runNode>[0]> = {}) {
	return runNode({
		node: new AzureAdAccountAction(),
		parameters: { user: '={{ $json.requester_email }}', ticketId: '={{ $json.ticket_id }}', ...parameters } as never,
		credentials,
		inputItems: [{ json: TICKET }],
		...extra,
	});
}

const resetParameters = {
	operation: 'forcePasswordReset',
	senderMailbox: SENDER,
	emailRecipient: '={{ $json.requester_contact }}',
};

/** Everything a run leaves behind where a secret could leak. */
function everything(result: Awaited<ReturnType<typeof runNode>>): string {
	return JSON.stringify({
		outputs: result.outputs,
		logs: result.logs,
		error: result.error,
		message: result.error?.message,
		description: (result.error as NodeApiError | undefined)?.description,
		runData: result.runData,
	});
}

/** An output item's JSON, loosely typed for matchers. */
function json(item: INodeExecutionData): Record<string, unknown> & { reason?: string } {
	return item.json as Record<string, unknown> & { reason?: string };
}

interface SentMail {
	message: { subject: string; body: { contentType: string; content: string }; toRecipients: Array<{ emailAddress: { address: string } }> };
	saveToSentItems: boolean;
}


describe('Azure AD Account Action: operations', () => {
	it('disables (locks) the account from a ticket item and outputs the audit record', async () => {
		nockTokenEndpoint();
		nockFindByUpn(ALICE);
		nockRoles(ALICE);
		graph().patch(`/v1.0/users/${ALICE.id}`, { accountEnabled: false }).reply(204, '', { 'request-id': 'req-patch' });
		graph().post(`/v1.0/users/${ALICE.id}/revokeSignInSessions`).reply(200, { value: true }, { 'request-id': 'req-revoke' });
		const result = await action({ operation: 'disable' });
		expect(result.error).toBeUndefined();
		const [item] = result.outputs[0];
		expect(item.pairedItem).toEqual({ item: 0 });
		expect(json(item)).toEqual({
			ticketId: 'T-1001',
			action: 'disable',
			outcome: 'done',
			reason: expect.stringMatching(/^Account disabled and sign-in sessions revoked/),
			requestedUser: 'alice@contoso.test',
			user: { id: ALICE.id, userPrincipalName: ALICE.userPrincipalName, displayName: 'Alice Example' },
			matchedBy: 'userPrincipalName',
			changes: ['accountEnabled: true → false', 'signInSessionsRevoked'],
			requestIds: ['req-find-Alice', 'req-patch', 'req-revoke'],
			timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
			actingApp: { appId: FAKE_CLIENT_ID, displayName: 'Requester Sync (test)' },
		});
		expect(result.logs.join('\n')).toMatch(/Azure AD Account Action: disable for alice@contoso.test → done \(ticket T-1001\)/);
		expect(nock.isDone()).toBe(true);
	});

	it('reports an already disabled account as noChange and writes nothing', async () => {
		nockTokenEndpoint();
		nockFindByUpn({ ...ALICE, accountEnabled: false });
		nockRoles(ALICE);
		const result = await action({ operation: 'disable' });
		expect(json(result.outputs[0][0])).toMatchObject({ outcome: 'noChange', changes: [] });
		expect(nock.isDone()).toBe(true);
	});

	it('unlocks per item: re-enables a disabled account, leaves an enabled one alone', async () => {
		nockTokenEndpoint();
		nockFindByUpn({ ...ALICE, accountEnabled: false });
		nockRoles(ALICE);
		graph().patch(`/v1.0/users/${ALICE.id}`, { accountEnabled: true }).reply(204);
		nockFindByUpn(BOB);
		nockRoles(BOB);
		const result = await action(
			{ operation: 'unlock' },
			{ inputItems: [{ json: TICKET }, { json: { ticket_id: 'T-1002', requester_email: 'bob@contoso.test' } }] },
		);
		const [alice, bob] = result.outputs[0];
		expect(json(alice)).toMatchObject({ outcome: 'done', ticketId: 'T-1001', changes: ['accountEnabled: false → true'] });
		expect(json(alice).reason).toMatch(/no API to clear a smart lockout/);
		expect(json(bob)).toMatchObject({ outcome: 'noChange', ticketId: 'T-1002', user: { userPrincipalName: 'bob@contoso.test' } });
		expect(bob.pairedItem).toEqual({ item: 1 });
	});

	it('revokes sessions on its own', async () => {
		nockTokenEndpoint();
		nockFindByUpn(ALICE);
		nockRoles(ALICE);
		graph().post(`/v1.0/users/${ALICE.id}/revokeSignInSessions`).reply(200, { value: true });
		const result = await action({ operation: 'revokeSessions' });
		expect(json(result.outputs[0][0])).toMatchObject({ outcome: 'done', changes: ['signInSessionsRevoked'] });
	});

	it('forces a password reset and emails the temporary password to the requester contact', async () => {
		nockTokenEndpoint();
		nockFindByUpn(ALICE);
		nockRoles(ALICE);
		const reset = nockReset(ALICE);
		let mail = {} as SentMail;
		graph()
			.post(`/v1.0/users/${encodeURIComponent(SENDER)}/sendMail`, (body) => ((mail = body), true))
			.reply(202);
		const result = await action(resetParameters);
		expect(json(result.outputs[0][0])).toMatchObject({ outcome: 'done', emailSent: true, emailRecipient: 'alice.private@example.net', emailError: null });
		expect(mail.message.toRecipients).toEqual([{ emailAddress: { address: 'alice.private@example.net' } }]);
		expect(mail.message.subject).toBe('Your temporary password');
		expect(mail.message.body.content).toContain(`<strong>${reset.password}</strong>`);
		expect(mail.message.body.content).toContain('Hello Alice Example,');
		expect(mail.saveToSentItems).toBe(false);
		expect(json(result.outputs[0][0])).not.toHaveProperty('temporaryPassword');
	});
});

describe('Azure AD Account Action: refusals and failures', () => {
	it('refuses a member of a protected group as an item, or as an error with Fail on Refusal', async () => {
		nockTokenEndpoint();
		nockFindByUpn(ALICE);
		graph().post(`/v1.0/users/${ALICE.id}/checkMemberGroups`, { groupIds: [PROTECTED_GROUP] }).reply(200, { value: [PROTECTED_GROUP] });
		const refused = await action({ operation: 'disable', protectedGroupIds: PROTECTED_GROUP });
		expect(refused.error).toBeUndefined();
		expect(json(refused.outputs[0][0])).toMatchObject({ outcome: 'refused', reason: `alice@contoso.test is a member of protected group ${PROTECTED_GROUP}`, changes: [] });

		nockFindByUpn(ALICE);
		graph().post(`/v1.0/users/${ALICE.id}/checkMemberGroups`).reply(200, { value: [PROTECTED_GROUP] });
		const failed = await action({ operation: 'disable', protectedGroupIds: PROTECTED_GROUP, options: { failOnRefusal: true } });
		expect(failed.error).toBeInstanceOf(NodeOperationError);
		expect(failed.error!.message).toBe(`Disable refused for alice@contoso.test: alice@contoso.test is a member of protected group ${PROTECTED_GROUP}`);
	});

	it('refuses a holder of a privileged role (protection on by default)', async () => {
		nockTokenEndpoint();
		nockFindByUpn(ALICE);
		nockRoles(ALICE, [{ id: 'r1', displayName: 'Global Administrator', roleTemplateId: '62e90394-69f5-4237-9190-012177145e10' }]);
		const result = await action(resetParameters);
		expect(json(result.outputs[0][0])).toMatchObject({
			outcome: 'refused',
			reason: 'alice@contoso.test holds the privileged directory role Global Administrator',
			emailSent: false,
			changes: [],
		});
		expect(nock.isDone()).toBe(true);
	});

	it('fails with a NodeApiError naming the user when nobody matches, or outputs the failure with Continue On Fail', async () => {
		const ticket = { ticket_id: 'T-9', requester_email: 'nobody@contoso.test' };
		nockTokenEndpoint();
		const notFound = () =>
			graph().get('/v1.0/users').query(true).times(4).reply(200, { value: [] });
		notFound();
		const failed = await action({ operation: 'disable' }, { inputItems: [{ json: ticket }] });
		expect(failed.error).toBeInstanceOf(NodeApiError);
		expect(failed.error!.message).toBe(
			'Disable failed for nobody@contoso.test: No Azure AD user has the UPN or the mail address or the alternate email or the proxy address "nobody@contoso.test"',
		);

		notFound();
		const tolerated = await action({ operation: 'disable' }, { inputItems: [{ json: ticket }], continueOnFail: true });
		expect(tolerated.error).toBeUndefined();
		expect(json(tolerated.outputs[0][0])).toMatchObject({ outcome: 'failed', errorCode: 'notFound', ticketId: 'T-9', user: null });
	});

	it('outputs an ambiguous match as a failed item with Continue On Fail', async () => {
		nockTokenEndpoint();
		graph()
			.get('/v1.0/users')
			.query(true)
			.reply(200, { value: [ALICE, BOB] });
		const result = await action({ operation: 'disable', matchBy: 'mail' }, { continueOnFail: true });
		const [item] = result.outputs[0];
		expect(json(item)).toMatchObject({ outcome: 'failed', errorCode: 'ambiguous', ticketId: 'T-1001', changes: [] });
		expect(json(item).reason).toMatch(/matches 2 users by mail \(alice@contoso.test, bob@contoso.test\)/);
		expect(item.pairedItem).toEqual({ item: 0 });
	});

	it('names the missing permission on a 403', async () => {
		nockTokenEndpoint();
		nockFindByUpn(ALICE);
		nockRoles(ALICE);
		graph().post(`/v1.0/users/${ALICE.id}/revokeSignInSessions`).reply(403, DENIED, { 'request-id': 'req-denied' });
		const result = await action({ operation: 'revokeSessions' });
		expect(result.error).toBeInstanceOf(NodeApiError);
		expect(result.error!.message).toMatch(
			/^Revoke sessions failed for alice@contoso.test: Could not revoke the sign-in sessions of alice@contoso.test: Microsoft Graph answered 403 Authorization_RequestDenied: .* The app needs User\.RevokeSessions\.All, or User\.ReadWrite\.All, or Directory\.ReadWrite\.All\.$/,
		);
		expect((result.error as NodeApiError).httpCode).toBe('403');
		expect((result.error as NodeApiError).description).toContain('req-denied');
	});

	it('reports the reset as done and the email failure when sendMail fails', async () => {
		nockTokenEndpoint();
		nockFindByUpn(ALICE);
		nockRoles(ALICE);
		nockReset(ALICE);
		graph()
			.post(`/v1.0/users/${encodeURIComponent(SENDER)}/sendMail`)
			.reply(404, { error: { code: 'MailboxNotEnabledForRESTAPI', message: 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.' } });
		const result = await action(resetParameters);
		expect(result.error).toBeUndefined();
		expect(json(result.outputs[0][0])).toMatchObject({
			outcome: 'done',
			changes: ['passwordProfile: temporary password set, forceChangePasswordNextSignIn = true'],
			emailSent: false,
			emailError: expect.stringMatching(/^Microsoft Graph answered 404 MailboxNotEnabledForRESTAPI/),
		});
		expect(json(result.outputs[0][0]).reason).toMatch(/could not be sent/);
	});

	it('stops on a settings mistake with a NodeOperationError naming the field', async () => {
		nockTokenEndpoint();
		const result = await action({ ...resetParameters, emailBody: 'Hello {displayName}' });
		expect(result.error).toBeInstanceOf(NodeOperationError);
		expect(result.error!.message).toMatch(/Email Body must contain \{temporaryPassword\}/);
		expect((result.error as NodeOperationError).description).toBe('Fix "Email Body".');
	});
});

describe('Azure AD Account Action: secrets', () => {
	it('keeps the temporary password out of output, logs and errors by default, even when the email fails', async () => {
		nockTokenEndpoint();
		nockFindByUpn(ALICE);
		nockRoles(ALICE);
		const reset = nockReset(ALICE);
		graph().post(`/v1.0/users/${encodeURIComponent(SENDER)}/sendMail`).reply(403, DENIED);
		const result = await action(resetParameters, { continueOnFail: true });
		expect(reset.password).toMatch(/^.{16}$/);
		expect(json(result.outputs[0][0])).toMatchObject({ outcome: 'done', emailSent: false });
		const left = everything(result);
		expect(left).not.toContain(reset.password);
		expect(left).not.toContain(FAKE_SECRET);
		expect(left).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
	});

	it('keeps it out of the error when Azure AD rejects it', async () => {
		nockTokenEndpoint();
		nockFindByUpn(ALICE);
		nockRoles(ALICE);
		let password = '';
		graph()
			.patch(`/v1.0/users/${ALICE.id}`, (body) => ((password = body.passwordProfile.password), true))
			.reply(400, { error: { code: 'Request_BadRequest', message: 'The specified password does not comply with password complexity requirements.' } });
		const result = await action(resetParameters);
		expect(result.error).toBeInstanceOf(NodeApiError);
		expect(result.error!.message).toMatch(/^Force password reset failed for alice@contoso.test: Could not set the temporary password of alice@contoso.test: Microsoft Graph answered 400/);
		expect(password).toHaveLength(16);
		expect(everything(result)).not.toContain(password);
	});

	it('outputs the temporary password only when "Return Temporary Password" is on', async () => {
		nockTokenEndpoint();
		nockFindByUpn(ALICE);
		nockRoles(ALICE);
		const reset = nockReset(ALICE);
		const result = await action({ operation: 'forcePasswordReset', sendEmail: false, returnTemporaryPassword: true });
		const item = json(result.outputs[0][0]);
		expect(item).toMatchObject({ outcome: 'done', emailSent: false, temporaryPassword: reset.password });
		expect(result.logs.join('\n')).not.toContain(reset.password);
	});
});

describe('Azure AD Account Action: Continue On Fail', () => {
	const twoTickets = [{ json: TICKET }, { json: { ...TICKET, ticket_id: 'T-1002' } }];

	it('gives every item the error item of a credential that cannot be used, or stops with it', async () => {
		const broken = { azureAdSyncApi: fakeCredentialFields({ tenantId: 'my tenant' }) as Record<string, string> };
		const tolerated = await action({ operation: 'disable' }, { credentials: broken, inputItems: twoTickets, continueOnFail: true });
		expect(tolerated.error).toBeUndefined();
		expect(tolerated.outputs[0].map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		for (const item of tolerated.outputs[0]) {
			expect(item.json).toEqual({ error: expect.stringMatching(/^Azure AD credential: Tenant ID must be/), description: 'Open the credential and fix "Tenant ID".' });
		}

		const failed = await action({ operation: 'disable' }, { credentials: broken, inputItems: twoTickets });
		expect(failed.error).toBeInstanceOf(NodeOperationError);
		expect(failed.error!.message).toMatch(/^Azure AD credential: Tenant ID must be/);
	});

	it('turns a parameter that fails to evaluate into an error item for that item only', async () => {
		nockTokenEndpoint();
		nockFindByUpn(ALICE);
		nockRoles(ALICE);
		graph().patch(`/v1.0/users/${ALICE.id}`, { accountEnabled: false }).reply(204, '');
		graph().post(`/v1.0/users/${ALICE.id}/revokeSignInSessions`).reply(200, { value: true });
		const result = await action(
			{ operation: 'disable', ticketId: "={{ $json.ok ? $json.ticket_id : $('Missing Node').item.json.id }}" },
			{ inputItems: [{ json: TICKET }, { json: { ...TICKET, ticket_id: 'T-7', ok: true } }], continueOnFail: true },
		);
		expect(result.error).toBeUndefined();
		const [first, second] = result.outputs[0];
		expect(first.pairedItem).toEqual({ item: 0 });
		expect(Object.keys(first.json).sort()).toEqual(['description', 'error']);
		expect(first.json.error).toBe("Referenced node doesn't exist");
		expect(second.pairedItem).toEqual({ item: 1 });
		expect(json(second)).toMatchObject({ outcome: 'done', ticketId: 'T-7', action: 'disable' });
	});
});
