import nock from 'nock';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import { AzureAdVerify } from '../../nodes/AzureAdVerify/AzureAdVerify.node';
import { clearTokenCache } from '../../nodes/shared/graph/auth';
import type { FeatureReadiness } from '../../nodes/shared/graph/permissions';
import type { TenantReport } from '../../nodes/shared/graph/verify';
import { runCredentialTest, runNode } from '../harness/n8n';
import { FAKE_CLIENT_ID, FAKE_SECRET, FAKE_TENANT_ID, GRAPH, fakeCredentialFields, nockTokenEndpoint, nockTokenError } from '../support/fakeTenant';

const credentials = { azureAdSyncApi: fakeCredentialFields() as Record<string, string> };
const DAY = 86_400_000;

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
	nock.cleanAll();
	clearTokenCache();
});
afterAll(() => nock.enableNetConnect());

function verify(parameters: Record<string, unknown> = {}, extra: Partial<Parameters<typeof runNode>[0]> = {}) {
	return runNode({ node: new AzureAdVerify(), parameters: { failWhenNotReady: [], options: {}, ...parameters } as never, credentials, ...extra });
}

describe('Azure AD Verify', () => {
	it('with User.Read.All only, says what is ready and exactly what is missing', async () => {
		nockTokenEndpoint({ roles: ['User.Read.All'] });
		const result = await verify();
		expect(result.error).toBeUndefined();
		const [item] = result.outputs[0];
		const report = item.json as unknown as TenantReport;
		expect(report.tenantId).toBe(FAKE_TENANT_ID);
		expect(report.tenantDisplayName).toBeNull();
		expect(report.grantedPermissions).toEqual(['User.Read.All']);
		expect(report.readyFeatures).toEqual(['listUsers', 'managerLookup']);
		const byId: Record<string, FeatureReadiness> = Object.fromEntries(report.features.map((f) => [f.feature, f]));
		expect(byId.listUsers).toMatchObject({ ready: true, grantedBy: ['User.Read.All'] });
		expect(byId.disableEnable).toMatchObject({ ready: false, missing: ['User.EnableDisableAccount.All'] });
		expect(byId.disableEnable.requires).toBe('User.EnableDisableAccount.All + User.Read.All, or User.ReadWrite.All, or Directory.ReadWrite.All');
		expect(byId.passwordReset).toMatchObject({ ready: false, missing: ['User-PasswordProfile.ReadWrite.All'] });
		expect(byId.passwordReset.note ?? '').toMatch(/User Administrator/);
		expect(byId.revokeSessions).toMatchObject({ ready: false, missing: ['User.RevokeSessions.All'] });
		expect(byId.sendEmail).toMatchObject({ ready: false, missing: ['Mail.Send'] });
		expect(byId.directoryExtensions).toMatchObject({ ready: false, missing: ['Directory.Read.All'] });
		expect(byId.groupScoping).toMatchObject({ ready: false, missing: ['GroupMember.Read.All'] });
		expect(report.credentialExpiry).toEqual({ checked: false, reason: 'Reading the app registration needs Application.Read.All', credentials: [] });
		expect(item.pairedItem).toEqual([{ item: 0 }]);
		expect(nock.isDone()).toBe(true);
	});

	it('reads tenant, domains and warns about the secret in use expiring within 30 days', async () => {
		nockTokenEndpoint({ roles: ['User.Read.All', 'Organization.Read.All', 'Application.Read.All', 'User.ReadWrite.All', 'Mail.Send'] });
		nock(GRAPH)
			.get('/v1.0/organization')
			.query({ $select: 'id,displayName,verifiedDomains' })
			.reply(200, {
				value: [
					{
						id: FAKE_TENANT_ID,
						displayName: 'Contoso (test)',
						verifiedDomains: [
							{ name: 'contoso.test', isDefault: true, isInitial: false },
							{ name: 'contoso.onmicrosoft.com', isDefault: false, isInitial: true },
						],
					},
				],
			});
		nock(GRAPH)
			.get(`/v1.0/applications(appId='${FAKE_CLIENT_ID}')`)
			.query({ $select: 'displayName,passwordCredentials,keyCredentials' })
			.reply(200, {
				displayName: 'Requester Sync',
				passwordCredentials: [
					{ displayName: 'n8n', endDateTime: new Date(Date.now() + 10 * DAY + 3_600_000).toISOString(), hint: FAKE_SECRET.slice(0, 3) },
					{ displayName: 'old', endDateTime: new Date(Date.now() - 5 * DAY).toISOString(), hint: 'zzz' },
				],
				keyCredentials: [],
			});
		const result = await verify();
		const report = result.outputs[0][0].json as unknown as TenantReport;
		expect(report.tenantDisplayName).toBe('Contoso (test)');
		expect(report.verifiedDomains).toEqual([
			{ name: 'contoso.test', isDefault: true, isInitial: false },
			{ name: 'contoso.onmicrosoft.com', isDefault: false, isInitial: true },
		]);
		expect(report.credentialExpiry.checked).toBe(true);
		expect(report.credentialExpiry.credentials).toEqual([
			expect.objectContaining({ kind: 'clientSecret', displayName: 'n8n', daysLeft: 10, inUse: true, status: 'expiringSoon' }),
			expect.objectContaining({ kind: 'clientSecret', displayName: 'old', inUse: false, status: 'expired' }),
		]);
		expect(report.warnings).toEqual([expect.stringMatching(/Client secret "n8n" expires in 10 day\(s\)/)]);
		expect(report.readyFeatures).toEqual(expect.arrayContaining(['disableEnable', 'passwordReset', 'revokeSessions', 'sendEmail']));
		expect(result.logs.join('\n')).toMatch(/expires in 10 day/);
	});

	it('fails the workflow naming the missing permission when a required feature is not ready', async () => {
		nockTokenEndpoint({ roles: ['User.Read.All'] });
		const result = await verify({ failWhenNotReady: ['listUsers', 'passwordReset'] });
		expect(result.error).toBeInstanceOf(NodeOperationError);
		expect(result.error!.message).toBe('Not ready: Force password reset (missing User-PasswordProfile.ReadWrite.All)');
		expect((result.error as NodeOperationError).description).toMatch(/Grant admin consent/);
	});

	it('with continueOnFail outputs "not ready" as one error item that says what to grant, paired with every input', async () => {
		nockTokenEndpoint({ roles: ['User.Read.All'] });
		const result = await verify({ failWhenNotReady: ['passwordReset'] }, { inputItems: [{ json: {} }, { json: {} }], continueOnFail: true });
		expect(result.error).toBeUndefined();
		expect(result.outputs[0]).toHaveLength(1);
		const [item] = result.outputs[0];
		expect(item.pairedItem).toEqual([{ item: 0 }, { item: 1 }]);
		expect(item.json).toMatchObject({ error: 'Not ready: Force password reset (missing User-PasswordProfile.ReadWrite.All)', description: expect.stringMatching(/Grant admin consent/) });
		expect(Object.keys(item.json).sort()).toEqual(['code', 'description', 'error']);
	});

	it('turns a sign-in failure into a plain-words error, or an item with continueOnFail', async () => {
		nockTokenError('7000215', 'Invalid client secret provided.');
		const failed = await verify();
		expect(failed.error).toBeInstanceOf(NodeApiError);
		expect(failed.error!.message).toMatch(/client secret is wrong/);

		nockTokenError('700016', "Application with identifier 'x' was not found in the directory 'y'.");
		const tolerated = await verify({}, { continueOnFail: true });
		expect(tolerated.error).toBeUndefined();
		expect(tolerated.outputs[0][0].json).toMatchObject({ code: 'appNotInTenant', error: expect.stringMatching(/No application with this Client ID/) });
	});

	it('names the credential field for a malformed tenant ID', async () => {
		const result = await runNode({
			node: new AzureAdVerify(),
			parameters: { failWhenNotReady: [], options: {} },
			credentials: { azureAdSyncApi: fakeCredentialFields({ tenantId: 'my tenant' }) as Record<string, string> },
		});
		expect(result.error!.message).toMatch(/^Azure AD credential: Tenant ID must be/);
		expect((result.error as NodeOperationError).description).toBe('Open the credential and fix "Tenant ID".');
	});

	it('never lets the secret or the access token reach items, logs or errors', async () => {
		nockTokenEndpoint({ roles: ['User.Read.All', 'Directory.Read.All'] });
		nock(GRAPH).get('/v1.0/organization').query(true).reply(403, { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } });
		const result = await verify();
		const everything = JSON.stringify({ outputs: result.outputs, logs: result.logs, error: result.error, message: result.error?.message, description: (result.error as NodeApiError)?.description, runData: result.runData });
		expect(result.error!.message).toMatch(/Authorization_RequestDenied/);
		expect(everything).not.toContain(FAKE_SECRET);
		expect(everything).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
	});
});

describe('Azure AD credential test', () => {
	const run = (data = fakeCredentialFields()) => runCredentialTest(new AzureAdVerify(), 'azureAdConnectionTest', data as Record<string, string>, 'azureAdSyncApi');

	it('passes after signing in and reading a user', async () => {
		nockTokenEndpoint({ roles: ['User.Read.All'] });
		nock(GRAPH).get('/v1.0/users').query({ $top: '1', $select: 'id' }).reply(200, { value: [{ id: 'u1' }] });
		expect(await run()).toEqual({ status: 'OK', message: `Connected to tenant ${FAKE_TENANT_ID}; users can be read` });
	});

	it('names the tenant when it can read it', async () => {
		nockTokenEndpoint({ roles: ['Organization.Read.All', 'User.Read.All'] });
		nock(GRAPH).get('/v1.0/organization').query(true).reply(200, { value: [{ id: FAKE_TENANT_ID, displayName: 'Contoso (test)' }] });
		expect(await run()).toEqual({ status: 'OK', message: `Connected to Contoso (test) (${FAKE_TENANT_ID}) with 2 permission(s)` });
	});

	it.each([
		['90002', /tenant was not found/],
		['700016', /No application with this Client ID/],
		['7000215', /client secret is wrong/],
		['7000222', /client secret has expired/],
		['700027', /certificate does not match/],
	])('explains AADSTS%s', async (code, message) => {
		nockTokenError(code, 'sign-in refused');
		const result = await run();
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(message);
		expect(result.message).not.toContain(FAKE_SECRET);
	});

	it('says admin consent is missing when the token carries no permissions', async () => {
		nockTokenEndpoint({ roles: [] });
		const result = await run();
		expect(result).toEqual({ status: 'Error', message: expect.stringMatching(/no Microsoft Graph application permissions.*Grant admin consent/) });
	});

	it('rejects a malformed client ID before calling Microsoft', async () => {
		const result = await run(fakeCredentialFields({ clientId: 'not-a-guid' }));
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/Client ID must be the application \(client\) ID/);
	});
});
