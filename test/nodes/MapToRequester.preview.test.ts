import nock from 'nock';
import { NodeApiError, NodeOperationError, type IDataObject, type INodeParameters } from 'n8n-workflow';
import { MapToRequester } from '../../nodes/MapToRequester/MapToRequester.node';
import { clearTokenCache } from '../../nodes/shared/graph/auth';
import { runListSearch, runLoadOptions, runNode } from '../harness/n8n';
import { BADGE_EXTENSION, adele } from '../requester/fixtures';
import { GRAPH, fakeCredentialFields, nockTokenEndpoint } from '../support/fakeTenant';

const credentials = { azureAdSyncApi: fakeCredentialFields() as Record<string, string> };

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
	nock.cleanAll();
	clearTokenCache();
});
afterAll(() => nock.enableNetConnect());

const ADELE_ID = adele.id as string;
const MANAGER_EXPAND = 'manager($select=id,displayName,mail,userPrincipalName)';
const DEFAULT_SELECT = [
	'id',
	'accountEnabled',
	'mail',
	'userPrincipalName',
	'displayName',
	'givenName',
	'surname',
	'mobilePhone',
	'businessPhones',
	'department',
	'jobTitle',
	'companyName',
	'employeeId',
	'employeeType',
	'officeLocation',
	'employeeOrgData',
	'employeeHireDate',
	'streetAddress',
	'city',
	'state',
	'postalCode',
	'country',
].join(',');

/** Adele as Graph returns her for the default query: the selected properties and the expanded manager. */
const ADELE_SELECTED = Object.fromEntries(Object.entries(adele).filter(([key]) => DEFAULT_SELECT.split(',').includes(key) || key === 'manager'));
const ADELE_RESPONSE = { '@odata.context': `${GRAPH}/v1.0/$metadata#users(${DEFAULT_SELECT})/$entity`, ...ADELE_SELECTED };

function preview(parameters: INodeParameters, extra: Partial<Parameters<typeof runNode>[0]> = {}) {
	return runNode({
		node: new MapToRequester(),
		parameters: { mode: 'preview', previewUser: { __rl: true, mode: 'list', value: ADELE_ID }, ...parameters },
		credentials,
		...extra,
	});
}

function rowsByField(items: Array<{ json: IDataObject }>): Record<string, IDataObject> {
	return Object.fromEntries(items.map(({ json }) => [json.fieldId as string, json]));
}

describe('Preview Mapping', () => {
	it('reads the preview user with exactly the attributes the mapping needs and shows every field', async () => {
		nockTokenEndpoint();
		const graph = nock(GRAPH).get(`/v1.0/users/${ADELE_ID}`).query({ $select: DEFAULT_SELECT, $expand: MANAGER_EXPAND }).reply(200, ADELE_RESPONSE);

		const result = await preview({});
		expect(result.error).toBeUndefined();
		expect(graph.isDone()).toBe(true);
		const [rows, unmapped] = result.outputs;
		expect(unmapped).toEqual([]);
		expect(rows).toHaveLength(24);
		expect(rows.every((row) => JSON.stringify(row.pairedItem) === JSON.stringify({ item: 0 }))).toBe(true);
		expect(rows.map((row) => `${row.json.section}/${row.json.field}`).slice(0, 4)).toEqual(['Login/Username', 'Login/SSO Unique Key', 'Requester/Full Name', 'Requester/First Name']);

		const byField = rowsByField(rows);
		expect(byField.email).toEqual({
			section: 'Requester',
			field: 'Email',
			source: 'mail, then userPrincipalName',
			usedAttribute: 'mail',
			azureValue: 'AdeleV@contoso.com',
			mappedValue: 'adelev@contoso.com',
			reasons: [],
			fieldId: 'email',
			previewUser: '"Adele Vance" (AdeleV@contoso.com)',
		});
		expect(byField.ssoKey).toMatchObject({ section: 'Login', field: 'SSO Unique Key', source: 'Email field', mappedValue: 'adelev@contoso.com', reasons: [] });
		expect(byField.landline).toMatchObject({ source: 'businessPhones', azureValue: ['+1 425 555 0100', '+1 425 555 0199'], mappedValue: '+14255550100' });
		expect(byField.manager).toMatchObject({
			section: 'Requester',
			field: 'Reporting Manager',
			usedAttribute: 'manager',
			mappedValue: { azureObjectId: '5bde3e51-d13b-4db1-9948-fe4b109d11a7', email: 'Megan.Bowen@contoso.com', upn: 'MeganB@contoso.com', displayName: 'Megan Bowen' },
		});
		expect(byField.division).toMatchObject({ section: 'Work', source: 'employeeOrgData.division', azureValue: 'Consumer', mappedValue: 'Consumer' });
		expect(byField.hireDate).toMatchObject({ azureValue: '2019-03-04T00:00:00Z', mappedValue: '2019-03-04' });
		expect(byField.tags).toMatchObject({ source: 'Not mapped', usedAttribute: null, azureValue: null, mappedValue: [] });
		expect(byField.country).toMatchObject({ section: 'Address', field: 'Country', mappedValue: 'United States' });
	});

	it('follows the overrides: no manager expand or mobilePhone, extension attributes selected, expressions from the input item, reasons shown', async () => {
		nockTokenEndpoint();
		nock(GRAPH)
			.get(`/v1.0/users/${ADELE_ID}`)
			.query({ $select: 'id,accountEnabled,userPrincipalName,displayName,givenName,surname,mail,businessPhones,onPremisesExtensionAttributes,department,jobTitle,companyName,employeeId,employeeType,officeLocation,employeeOrgData,employeeHireDate,streetAddress,city,state,postalCode,country' })
			.reply(200, { ...ADELE_SELECTED, manager: undefined, onPremisesExtensionAttributes: adele.onPremisesExtensionAttributes, jobTitle: 'x'.repeat(300) });

		const result = await preview(
			{
				usernameAttribute: 'userPrincipalName',
				usernameFallbackAttributes: [],
				ssoKey: 'upn',
				requesterFields: {
					mappings: [
						{ field: 'manager', source: 'none' },
						{ field: 'tags', source: 'attribute', attribute: 'onPremisesExtensionAttributes.extensionAttribute1', fallbackAttributes: ['department'], transforms: ['lower'] },
						{ field: 'phone', source: 'value', value: '={{ $json.ticketPhone }}', transforms: ['phone'] },
					],
				},
			},
			{ inputItems: [{ json: { ticketPhone: '+44 (0)20 7946 0000' } }] },
		);
		expect(result.error).toBeUndefined();
		const byField = rowsByField(result.outputs[0]);
		expect(byField.ssoKey).toMatchObject({ source: 'userPrincipalName', mappedValue: 'adelev@contoso.com' });
		expect(byField.tags).toMatchObject({ source: 'onPremisesExtensionAttributes.extensionAttribute1, then department', usedAttribute: 'onPremisesExtensionAttributes.extensionAttribute1', azureValue: 'VIP', mappedValue: ['vip'] });
		expect(byField.phone).toMatchObject({ source: 'Value', usedAttribute: null, azureValue: null, mappedValue: '+442079460000' });
		expect(byField.manager).toMatchObject({ source: 'Not mapped', mappedValue: null });
		expect(byField.jobTitle.reasons).toEqual([{ field: 'jobTitle', code: 'too_long', message: 'Job Title is 300 characters long; the limit is 255.' }]);
	});

	it('finds a user "By UPN or Email" whose address is not a UPN through its mail address', async () => {
		nockTokenEndpoint();
		nock(GRAPH)
			.get('/v1.0/users/adele.vance%40contoso.com')
			.query(true)
			.reply(404, { error: { code: 'Request_ResourceNotFound', message: "Resource 'adele.vance@contoso.com' does not exist." } })
			.get('/v1.0/users')
			.query((query) => query.$filter === "mail eq 'adele.vance@contoso.com'")
			.reply(200, { value: [{ id: ADELE_ID, userPrincipalName: 'AdeleV@contoso.com', displayName: 'Adele Vance', mail: 'adele.vance@contoso.com' }] })
			.get(`/v1.0/users/${ADELE_ID}`)
			.query({ $select: DEFAULT_SELECT, $expand: MANAGER_EXPAND })
			.reply(200, ADELE_RESPONSE);

		const result = await preview({ previewUser: { __rl: true, mode: 'upn', value: 'adele.vance@contoso.com' } });
		expect(result.error).toBeUndefined();
		expect(rowsByField(result.outputs[0]).fullName).toMatchObject({ mappedValue: 'Adele Vance' });
		expect(nock.isDone()).toBe(true);
	});

	it('says plainly when the preview user does not exist, or continues with an error item', async () => {
		const missing = '00000000-0000-4000-8000-000000000404';
		nockTokenEndpoint({ times: 2 });
		nock(GRAPH)
			.get(`/v1.0/users/${missing}`)
			.query(true)
			.times(2)
			.reply(404, { error: { code: 'Request_ResourceNotFound', message: `Resource '${missing}' does not exist.` } });

		const failed = await preview({ previewUser: { __rl: true, mode: 'id', value: missing } });
		expect(failed.error).toBeInstanceOf(NodeOperationError);
		expect(failed.error!.message).toBe(`No Azure AD user has the object ID "${missing}"`);

		clearTokenCache();
		const tolerated = await preview({ previewUser: { __rl: true, mode: 'id', value: missing } }, { continueOnFail: true });
		expect(tolerated.error).toBeUndefined();
		expect(tolerated.outputs[0]).toEqual([
			{ json: { error: `No Azure AD user has the object ID "${missing}"`, description: 'Pick the preview user from the list, or check the value.' }, pairedItem: { item: 0 } },
		]);
	});

	it('turns a missing Graph permission into a NodeApiError that says what to do', async () => {
		nockTokenEndpoint({ roles: [] });
		nock(GRAPH)
			.get(`/v1.0/users/${ADELE_ID}`)
			.query(true)
			.reply(403, { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } });
		const result = await preview({});
		expect(result.error).toBeInstanceOf(NodeApiError);
		expect((result.error as NodeApiError).description).toMatch(/Azure AD Verify/);
	});

	it('rejects a wrong mapping, naming the field, before calling Graph', async () => {
		const result = await preview({ addressFields: { mappings: [{ field: 'city', source: 'attribute', attribute: 'extension_nope' }] } });
		expect(result.error).toBeInstanceOf(NodeOperationError);
		expect(result.error!.message).toBe('Invalid requester mapping: City: "extension_nope" is not an Azure AD user attribute.');
		expect((result.error as NodeOperationError).description).toBe('Check Address Fields → City.');
		expect(result.credentialRequests).toEqual([]);
	});
});

describe('dropdowns', () => {
	it('lists the attribute catalogue with directory extensions', async () => {
		nockTokenEndpoint({ roles: ['User.Read.All', 'Directory.Read.All'] });
		nock(GRAPH)
			.post('/v1.0/directoryObjects/getAvailableExtensionProperties')
			.reply(200, { value: [{ name: BADGE_EXTENSION, dataType: 'String', appDisplayName: 'HR Sync', targetObjects: ['User'], isSyncedFromOnPremises: false }] });
		const options = await runLoadOptions(new MapToRequester(), 'getUserAttributes', { credentials });
		expect(options.map((option) => option.value)).toEqual(expect.arrayContaining(['mail', 'userPrincipalName', 'manager', 'onPremisesExtensionAttributes.extensionAttribute15', BADGE_EXTENSION]));
	});

	it('searches the preview user by name', async () => {
		nockTokenEndpoint();
		nock(GRAPH)
			.get('/v1.0/users')
			.query((query) => String(query.$filter).includes("startswith(displayName,'Ade')"))
			.reply(200, { value: [{ id: ADELE_ID, displayName: 'Adele Vance', userPrincipalName: 'AdeleV@contoso.com', mail: 'AdeleV@contoso.com' }] });
		const found = await runListSearch(new MapToRequester(), 'searchAzureAdUsers', { credentials, filter: 'Ade' });
		expect(found.results.map((entry) => [entry.name, entry.value])).toEqual([['Adele Vance (AdeleV@contoso.com)', ADELE_ID]]);
	});
});
