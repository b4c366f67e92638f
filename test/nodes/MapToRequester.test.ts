import nock from 'nock';
import { NodeHelpers, NodeOperationError, type IDataObject, type INodeExecutionData, type INodeParameters } from 'n8n-workflow';
import { MapToRequester } from '../../nodes/MapToRequester/MapToRequester.node';
import { mappingConfigFromParameters, parametersVaryingPerItem } from '../../nodes/shared/n8n/mappingParameters';
import { MappingConfigError, mapUser, requiredGraphAttributes } from '../../nodes/shared/requester/mapping';
import type { Requester } from '../../nodes/shared/requester/model';
import { runNode } from '../harness/n8n';
import { ALL_USERS, BADGE_EXTENSION, adele, badEmail, bruce, controlChars, guest, longTitle, noMail, nulls, zoe } from '../requester/fixtures';
import { fakeCredentialFields } from '../support/fakeTenant';
import { requester } from '../support/requesters';

const credentials = { azureAdSyncApi: fakeCredentialFields() as Record<string, string> };

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());

const MEGAN = {
	azureObjectId: '5bde3e51-d13b-4db1-9948-fe4b109d11a7',
	email: 'Megan.Bowen@contoso.com',
	upn: 'MeganB@contoso.com',
	displayName: 'Megan Bowen',
};

const SYNC = { mode: 'full', syncId: 'sync-2026-11-26T12:00:00Z' };

function item(user: object, sync: IDataObject | null = SYNC): INodeExecutionData {
	return { json: (sync ? { ...user, _sync: sync } : { ...user }) as IDataObject };
}

function mapNode(parameters: INodeParameters, inputItems: INodeExecutionData[], extra: Partial<Parameters<typeof runNode>[0]> = {}) {
	return runNode({ node: new MapToRequester(), parameters: { mode: 'map', ...parameters }, credentials, inputItems, ...extra });
}

function requesters(items: INodeExecutionData[]): Requester[] {
	return items.map((entry) => entry.json.requester as unknown as Requester);
}

/** Every fixture user, in fixture order, so item indexes are stable. */
const USERS = Object.values(ALL_USERS);
const indexOf = (user: object) => USERS.indexOf(user as never);

describe('Map To Requester with the default mapping (no overrides)', () => {
	it('maps realistic users exactly, without calling Graph or reading the credential', async () => {
		const result = await mapNode({}, USERS.map((user) => item(user)));
		expect(result.error).toBeUndefined();
		expect(result.credentialRequests).toEqual([]);
		const [mapped, unmapped] = result.outputs;
		expect(mapped).toHaveLength(9);
		expect(unmapped).toHaveLength(3);

		const byId = new Map(requesters(mapped).map((requester) => [requester.azureObjectId, requester]));
		expect(byId.get(adele.id as string)).toEqual({
			azureObjectId: '87d349ed-44d7-43e1-9a83-5f2406dee5bd',
			accountEnabled: true,
			ssoKey: { kind: 'email', value: 'adelev@contoso.com' },
			allowLogin: true,
			username: 'adelev@contoso.com',
			fullName: 'Adele Vance',
			firstName: 'Adele',
			lastName: 'Vance',
			email: 'adelev@contoso.com',
			phone: '+14255550109',
			landline: '+14255550100',
			tags: [],
			manager: MEGAN,
			department: 'Retail',
			jobTitle: 'Retail Manager',
			company: 'Contoso Ltd',
			employeeId: 'E1042',
			employeeType: 'Employee',
			officeLocation: '18/2111',
			division: 'Consumer',
			costCenter: 'CC-4410',
			hireDate: '2019-03-04',
			street: '205 108th Ave NE',
			city: 'Bellevue',
			state: 'WA',
			postalCode: '98004',
			country: 'United States',
		});
		// Nulls everywhere, an empty businessPhones list, no manager.
		expect(byId.get(nulls.id as string)).toEqual(requester({
			azureObjectId: 'c1a5f5c0-0b0e-4f4e-9d55-2f1c9e1c0a01',
			accountEnabled: true,
			ssoKey: { kind: 'email', value: 'lyra@contoso.onmicrosoft.com' },
			allowLogin: true,
			username: 'lyra@contoso.onmicrosoft.com',
			fullName: 'Conf Room Lyra',
			email: 'lyra@contoso.onmicrosoft.com',
		}));
		// A guest without mail gets its own address from the #EXT# UPN, not otherMails.
		expect(byId.get(guest.id as string)).toEqual(requester({
			azureObjectId: '0f4a3c9e-6d3b-4c7a-8f1e-2b9d5e7a1c33',
			accountEnabled: true,
			ssoKey: { kind: 'email', value: 'jane.doe@fabrikam.com' },
			allowLogin: true,
			username: 'jane.doe@fabrikam.com',
			fullName: 'Jane Doe (Fabrikam)',
			firstName: 'Jane',
			lastName: 'Doe',
			email: 'jane.doe@fabrikam.com',
		}));
		// Whitespace-only mail falls back to the UPN; the padded display name is trimmed.
		expect(byId.get(noMail.id as string)).toEqual(requester({
			azureObjectId: '7d6c5b4a-3928-4716-a5b4-c3d2e1f0a9b8',
			accountEnabled: true,
			ssoKey: { kind: 'email', value: 'kai.tanaka@contoso.onmicrosoft.com' },
			allowLogin: true,
			username: 'kai.tanaka@contoso.onmicrosoft.com',
			fullName: 'Kai Tanaka',
			firstName: 'Kai',
			lastName: 'Tanaka',
			email: 'kai.tanaka@contoso.onmicrosoft.com',
		}));
		expect(byId.get(zoe.id as string)).toEqual(requester({
			azureObjectId: '2e7c1f8a-3b4d-4e5f-9a6b-7c8d9e0f1a2b',
			accountEnabled: true,
			ssoKey: { kind: 'email', value: 'zoe.nunez@contoso.com' },
			allowLogin: true,
			username: 'zoe.nunez@contoso.com',
			fullName: 'Zoë Ñúñez',
			firstName: 'Zoë',
			lastName: 'Ñúñez',
			email: 'zoe.nunez@contoso.com',
			phone: 'ext. 4411',
			landline: '+442079460958',
			manager: MEGAN,
			city: 'Málaga',
			country: 'España',
		}));
		expect(byId.get(bruce.id as string)).toMatchObject({ fullName: '李小龍', firstName: '小龍', lastName: '李', phone: '85223456789', city: '香港', landline: null });
		expect(byId.get(ALL_USERS.disabled.id as string)).toMatchObject({ accountEnabled: false, employeeId: 'E0007' });
		expect(byId.get(ALL_USERS.obrien.id as string)).toMatchObject({ email: "sean.o'brien@contoso.ie", landline: '012345678', street: 'Unit 4\r\nDocklands Innovation Park' });
	});

	it('shapes Mapped items as { requester, azureObjectId, user, _sync } with pairedItem, carrying _sync untouched', async () => {
		const sync = { mode: 'delta', syncId: 'abc', extra: { nested: [1, 2] } };
		const result = await mapNode({}, [item(nulls, sync), item(adele, null)]);
		const [first, second] = result.outputs[0];
		expect(Object.keys(first.json)).toEqual(['requester', 'azureObjectId', 'user', '_sync']);
		expect(first.json.azureObjectId).toBe(nulls.id);
		expect(first.json.user).toEqual({ id: nulls.id, userPrincipalName: 'Lyra@contoso.onmicrosoft.com', mail: null, displayName: 'Conf Room Lyra' });
		expect(first.json._sync).toEqual(sync);
		expect(first.pairedItem).toEqual({ item: 0 });
		expect('_sync' in second.json).toBe(false);
		expect(second.pairedItem).toEqual({ item: 1 });
	});
});

describe('Map To Requester with overrides', () => {
	const parameters: INodeParameters = {
		usernameAttribute: 'userPrincipalName',
		usernameFallbackAttributes: [],
		ssoKey: 'objectId',
		allowLogin: false,
		requesterFields: {
			mappings: [
				// A fallback: mail, then otherMails, then the UPN; no guest decoding this time.
				{ field: 'email', source: 'attribute', attribute: 'mail', fallbackAttributes: ['otherMails', 'userPrincipalName'], transforms: ['lower'] },
				// A transform: every business phone, joined.
				{ field: 'landline', source: 'attribute', attribute: 'businessPhones', fallbackAttributes: [], transforms: ['join'], separator: ' / ' },
				// An expression value, evaluated per user.
				{ field: 'tags', source: 'value', value: '={{ $json.userType }}', transforms: ['lower'] },
				{ field: 'phone', source: 'none' },
				{ field: 'manager', source: 'none' },
			],
		},
		workFields: { mappings: [{ field: 'employeeId', source: 'attribute', attribute: BADGE_EXTENSION, fallbackAttributes: ['employeeId'], transforms: [] }] },
		addressFields: { mappings: [{ field: 'country', source: 'value', value: 'Ireland', transforms: [] }] },
	};

	it('applies fallbacks, transforms, expression values and login settings', async () => {
		const result = await mapNode(parameters, [item(adele), item(guest), item(noMail)]);
		expect(result.error).toBeUndefined();
		expect(result.outputs[1]).toEqual([]);
		expect(requesters(result.outputs[0])).toEqual([
			{
				azureObjectId: '87d349ed-44d7-43e1-9a83-5f2406dee5bd',
				accountEnabled: true,
				ssoKey: { kind: 'objectId', value: '87d349ed-44d7-43e1-9a83-5f2406dee5bd' },
				allowLogin: false,
				username: 'adelev@contoso.com',
				fullName: 'Adele Vance',
				firstName: 'Adele',
				lastName: 'Vance',
				email: 'adelev@contoso.com',
				phone: null,
				landline: '+1 425 555 0100 / +1 425 555 0199',
				tags: ['member'],
				manager: null,
				department: 'Retail',
				jobTitle: 'Retail Manager',
				company: 'Contoso Ltd',
				employeeId: 'B-1042',
				employeeType: 'Employee',
				officeLocation: '18/2111',
				division: 'Consumer',
				costCenter: 'CC-4410',
				hireDate: '2019-03-04',
				street: '205 108th Ave NE',
				city: 'Bellevue',
				state: 'WA',
				postalCode: '98004',
				country: 'Ireland',
			},
			requester({
				azureObjectId: '0f4a3c9e-6d3b-4c7a-8f1e-2b9d5e7a1c33',
				accountEnabled: true,
				ssoKey: { kind: 'objectId', value: '0f4a3c9e-6d3b-4c7a-8f1e-2b9d5e7a1c33' },
				allowLogin: false,
				// The username keeps its login transforms: the guest's #EXT# UPN becomes its own address.
				username: 'jane.doe@fabrikam.com',
				fullName: 'Jane Doe (Fabrikam)',
				firstName: 'Jane',
				lastName: 'Doe',
				email: 'jane.doe@fabrikam.com',
				tags: ['guest'],
				country: 'Ireland',
			}),
			requester({
				azureObjectId: '7d6c5b4a-3928-4716-a5b4-c3d2e1f0a9b8',
				accountEnabled: true,
				ssoKey: { kind: 'objectId', value: '7d6c5b4a-3928-4716-a5b4-c3d2e1f0a9b8' },
				allowLogin: false,
				username: 'kai.tanaka@contoso.onmicrosoft.com',
				fullName: 'Kai Tanaka',
				firstName: 'Kai',
				lastName: 'Tanaka',
				email: 'kai.tanaka@contoso.onmicrosoft.com',
				country: 'Ireland',
			}),
		]);
		expect(result.outputs[0].map((entry) => entry.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
	});

	it('gives List Users exactly the attributes the overrides read', () => {
		expect(requiredGraphAttributes(mappingConfigFromParameters(parameters as IDataObject))).toEqual({
			select: [
				'id',
				'accountEnabled',
				'userPrincipalName',
				'displayName',
				'givenName',
				'surname',
				'mail',
				'otherMails',
				'businessPhones',
				'department',
				'jobTitle',
				'companyName',
				BADGE_EXTENSION,
				'employeeId',
				'employeeType',
				'officeLocation',
				'employeeOrgData',
				'employeeHireDate',
				'streetAddress',
				'city',
				'state',
				'postalCode',
			],
			needsManager: false,
		});
	});

	it('reports a value that is not text (an expression returning an object) as a field reason', async () => {
		const result = await mapNode({ requesterFields: { mappings: [{ field: 'firstName', source: 'value', value: '={{ $json.manager }}' }] } }, [item(adele), item(bruce)]);
		expect(result.outputs[0].map((entry) => entry.json.azureObjectId)).toEqual([bruce.id]);
		expect(result.outputs[1]).toHaveLength(1);
		expect(result.outputs[1][0].json.reasons).toEqual([{ field: 'firstName', code: 'unsupported_value', message: 'First Name: the supplied value holds an object, not text.' }]);
		expect(result.outputs[1][0].pairedItem).toEqual({ item: 0 });
	});
});

describe('an expression that fails for one user', () => {
	const parameters = { addressFields: { mappings: [{ field: 'city', source: 'value', value: "={{ $json.city ? $json.city.toUpperCase() : $('No Such Node').item.json.city }}" }] } };

	it('fails the run at that item', async () => {
		const result = await mapNode(parameters, [item(adele), item(guest)]);
		expect(result.error?.message).toBe("Referenced node doesn't exist");
		expect((result.error as NodeOperationError).context.itemIndex).toBe(1);
	});

	it('with continue on fail, puts only that user on Unmapped with the error', async () => {
		const result = await mapNode(parameters, [item(adele), item(guest), item(bruce)], { continueOnFail: true });
		expect(requesters(result.outputs[0]).map((requester) => [requester.azureObjectId, requester.city])).toEqual([
			[adele.id, 'BELLEVUE'],
			[bruce.id, '香港'],
		]);
		expect(result.outputs[1]).toHaveLength(1);
		expect(result.outputs[1][0]).toMatchObject({ json: { azureObjectId: guest.id, displayName: 'Jane Doe (Fabrikam)', error: "Referenced node doesn't exist", reasons: [] }, pairedItem: { item: 1 } });
	});
});

describe('invalid users', () => {
	it('go to Unmapped with field-level reasons and who they are, never failing the run', async () => {
		const inputs = USERS.map((user) => item(user));
		const result = await mapNode({}, inputs);
		expect(result.error).toBeUndefined();
		const [mapped, unmapped] = result.outputs;
		expect(mapped.length + unmapped.length).toBe(USERS.length);
		expect(unmapped.map((entry) => entry.pairedItem)).toEqual([{ item: indexOf(controlChars) }, { item: indexOf(longTitle) }, { item: indexOf(badEmail) }]);

		const typo = unmapped[2].json;
		expect(Object.keys(typo)).toEqual(['azureObjectId', 'userPrincipalName', 'mail', 'displayName', 'reasons', 'requester', '_sync']);
		expect(typo).toMatchObject({
			azureObjectId: 'f0e1d2c3-b4a5-4697-8879-6a5b4c3d2e1f',
			userPrincipalName: 'typo.person@contoso.com',
			mail: 'typo.person@@contoso.com',
			displayName: 'Typo Person',
			reasons: [{ field: 'email', code: 'invalid_email', message: 'Email "typo.person@@contoso.com" is not a valid email address.' }],
			_sync: SYNC,
		});
		expect(typo.requester).toMatchObject({ azureObjectId: 'f0e1d2c3-b4a5-4697-8879-6a5b4c3d2e1f', email: 'typo.person@@contoso.com' });

		expect(unmapped[0].json.reasons).toEqual([
			{ field: 'fullName', code: 'control_character', message: 'Full Name contains a control character (U+0007) at position 4.' },
			{ field: 'firstName', code: 'control_character', message: 'First Name contains a control character (U+0000) at position 3.' },
		]);
		expect(unmapped[1].json.reasons).toEqual([{ field: 'jobTitle', code: 'too_long', message: 'Job Title is 312 characters long; the limit is 255.' }]);
	});

	it('handles items that are not users at all', async () => {
		const result = await mapNode({}, [{ json: {} }, { json: { id: 42, mail: ['x'] } }]);
		expect(result.error).toBeUndefined();
		expect(result.outputs[0]).toEqual([]);
		expect(result.outputs[1].map((entry) => [entry.pairedItem, (entry.json.reasons as Array<{ field: string }>).map((reason) => reason.field)])).toEqual([
			[{ item: 0 }, ['azureObjectId', 'email', 'username']],
			// A number is no object ID, and "x" no address.
			[{ item: 1 }, ['azureObjectId', 'email']],
		]);
		expect(result.outputs[1][0].json).toMatchObject({ azureObjectId: null, userPrincipalName: null, mail: null, displayName: null });
	});

	it('with Fail on Invalid, stop the run with an error naming the user and the field', async () => {
		const result = await mapNode({ options: { failOnInvalid: true } }, [item(adele), item(badEmail)]);
		expect(result.error).toBeInstanceOf(NodeOperationError);
		expect(result.error!.message).toBe(
			'Azure AD user "Typo Person" (typo.person@contoso.com) cannot become a requester: Email "typo.person@@contoso.com" is not a valid email address.',
		);
		expect((result.error as NodeOperationError).description).toBe(
			'Object ID: f0e1d2c3-b4a5-4697-8879-6a5b4c3d2e1f. Fix the value in Azure AD or the field mapping, or turn off "Fail on Invalid" to send such users to the Unmapped output.',
		);
		expect((result.error as NodeOperationError).context.itemIndex).toBe(1);
	});

	it('with Fail on Invalid and continue on fail, become error items on Unmapped with their reasons', async () => {
		const result = await mapNode({ options: { failOnInvalid: true } }, [item(badEmail), item(adele)], { continueOnFail: true });
		expect(result.error).toBeUndefined();
		expect(result.outputs[0].map((entry) => [entry.json.azureObjectId, entry.pairedItem])).toEqual([[adele.id, { item: 1 }]]);
		const [failed] = result.outputs[1];
		expect(failed.pairedItem).toEqual({ item: 0 });
		expect(failed.json).toMatchObject({
			error: expect.stringMatching(/^Azure AD user "Typo Person" \(typo\.person@contoso\.com\) cannot become a requester: .*Email/),
			azureObjectId: badEmail.id,
			reasons: expect.arrayContaining([expect.objectContaining({ field: 'email', code: 'invalid_email' })]),
			_sync: SYNC,
		});
	});

	it('with "continue using error output", still go to Unmapped, where their reasons are kept', async () => {
		const result = await mapNode({ options: { failOnInvalid: true } }, [item(badEmail), item(adele)], { onError: 'continueErrorOutput' });
		expect(result.outputs.map((output) => output.length)).toEqual([1, 1, 0]);
		expect(result.outputs[1][0]).toMatchObject({ json: { azureObjectId: badEmail.id, error: expect.stringContaining('Email') }, pairedItem: { item: 0 } });
	});
});

describe('the "no changes" item of an incremental read', () => {
	it('passes it to Mapped untouched so the sync downstream still runs', async () => {
		const marker = { mode: 'incremental', syncId: 'default', noChanges: true };
		const result = await mapNode({}, [{ json: { _sync: marker } }]);
		expect(result.outputs[0]).toEqual([{ json: { requester: null, _sync: marker }, pairedItem: { item: 0 } }]);
		expect(result.outputs[1] ?? []).toEqual([]);
	});
});

describe('removed users', () => {
	it('pass to Mapped as { requester: null, azureObjectId, _sync } without validation', async () => {
		const removed = { mode: 'delta', removed: 'deleted', syncId: 'abc' };
		const result = await mapNode({ options: { failOnInvalid: true } }, [
			{ json: { id: '11111111-2222-4333-8444-555555555555', _sync: removed } },
			item(adele),
			{ json: { _sync: { ...removed, removed: 'changed' } } },
		]);
		expect(result.error).toBeUndefined();
		expect(result.outputs[0][0]).toEqual({ json: { requester: null, azureObjectId: '11111111-2222-4333-8444-555555555555', _sync: removed }, pairedItem: { item: 0 } });
		expect(result.outputs[0][1].json.azureObjectId).toBe(adele.id);
		// Without an id nothing can be deactivated: that is reported, not dropped.
		expect(result.outputs[1]).toEqual([
			{
				json: {
					azureObjectId: null,
					userPrincipalName: null,
					mail: null,
					displayName: null,
					reasons: [{ field: 'azureObjectId', code: 'required', message: 'A removed user came without its object ID (id), so its requester cannot be deactivated.' }],
					requester: null,
					_sync: { ...removed, removed: 'changed' },
				},
				pairedItem: { item: 2 },
			},
		]);
	});
});

describe('a wrong mapping', () => {
	const unknownAttribute = { workFields: { mappings: [{ field: 'department', source: 'attribute', attribute: 'departmnet' }] } };

	it('fails with a NodeOperationError naming the field and where to fix it', async () => {
		const result = await mapNode(unknownAttribute, [item(adele)]);
		expect(result.error).toBeInstanceOf(NodeOperationError);
		expect(result.error!.message).toBe('Invalid requester mapping: Department: "departmnet" is not an Azure AD user attribute.');
		expect((result.error as NodeOperationError).description).toBe('Check Work Fields → Department.');
	});

	it.each([
		[{ requesterFields: { mappings: [{ field: 'email', source: 'attribute', attribute: '' }] } }, 'Email: choose an Azure AD attribute, or set Source to "Leave Empty".', 'Requester Fields → Email'],
		[{ requesterFields: { mappings: [{ field: 'phone', attribute: 'mobilePhone' }, { field: 'phone', attribute: 'businessPhones' }] } }, 'Phone Number is listed twice under Requester; keep one.', 'Requester Fields → Phone Number'],
		[{ addressFields: { mappings: [{ field: 'department', attribute: 'department' }] } }, 'Department is not a Address field; map it in its own section.', 'Work Fields → Department'],
		[{ requesterFields: { mappings: [{ field: 'manager', attribute: 'department' }] } }, 'Reporting Manager: "department" is not a manager; map Reporting Manager to the "manager" attribute.', 'Requester Fields → Reporting Manager'],
		[{ usernameAttribute: 'employeeOrgData', usernameFallbackAttributes: [] }, 'Username: "employeeOrgData" is a group of attributes; choose one of them, such as "employeeOrgData.division".', 'Login Settings → Username Attribute'],
		[{ ssoKey: 'employeeId', workFields: { mappings: [{ field: 'employeeId', source: 'none' }] } }, 'The SSO unique key is Employee ID, so Employee ID must be mapped.', 'Work Fields → Employee ID'],
	])('%j is reported by field', async (parameters, message, location) => {
		const result = await mapNode(parameters as INodeParameters, [item(adele)]);
		expect(result.error).toBeInstanceOf(NodeOperationError);
		expect(result.error!.message).toContain(message);
		expect((result.error as NodeOperationError).description).toBe(`Check ${location}.`);
	});

	it('with continue on fail, reports every user on Unmapped with the mapping problem as its reason', async () => {
		const result = await mapNode(unknownAttribute, [item(adele), item(bruce)], { continueOnFail: true });
		expect(result.error).toBeUndefined();
		expect(result.outputs[0]).toEqual([]);
		expect(result.outputs[1].map((entry) => [entry.pairedItem, entry.json.azureObjectId, entry.json.reasons])).toEqual([
			[{ item: 0 }, adele.id, [{ field: 'department', code: 'invalid_mapping', message: 'Department: "departmnet" is not an Azure AD user attribute.' }]],
			[{ item: 1 }, bruce.id, [{ field: 'department', code: 'invalid_mapping', message: 'Department: "departmnet" is not an Azure AD user attribute.' }]],
		]);
		expect(result.outputs[1][0].json.error).toBe('Invalid requester mapping: Department: "departmnet" is not an Azure AD user attribute.');
	});
});

describe('mappingConfigFromParameters', () => {
	const node = new MapToRequester();
	const withNodeDefaults = (parameters: INodeParameters) =>
		NodeHelpers.getNodeParameters(node.description.properties, parameters, true, false, null, node.description) as IDataObject;

	it('gives the default mapping for the node defaults and for missing keys alike', () => {
		const fromDefaults = mappingConfigFromParameters(withNodeDefaults({}));
		expect(fromDefaults).toEqual(mappingConfigFromParameters({}));
		for (const user of USERS) expect(mapUser(user, fromDefaults)).toEqual(mapUser(user, {}));
		expect(requiredGraphAttributes(fromDefaults)).toEqual(requiredGraphAttributes({}));
	});

	it('fills the defaults n8n leaves out of a stored field mapping', () => {
		const stored = withNodeDefaults({ requesterFields: { mappings: [{ field: 'phone', attribute: 'businessPhones', transforms: ['first'] }] } });
		expect(mappingConfigFromParameters(stored).fields?.phone).toStrictEqual({ source: ['businessPhones'], transforms: ['first'] });
		const joined = withNodeDefaults({ requesterFields: { mappings: [{ field: 'tags', attribute: 'proxyAddresses', transforms: ['join'] }] } });
		expect(mappingConfigFromParameters(joined).fields?.tags).toStrictEqual({ source: ['proxyAddresses'], transforms: ['join'], separator: ', ' });
	});

	it('collects every problem before throwing', () => {
		const parameters = {
			requesterFields: { mappings: [{ field: 'nickname', attribute: 'mail' }, { field: 'email', source: 'attribute' }] },
			workFields: { mappings: [{ field: 'city', attribute: 'city' }] },
		};
		expect(() => mappingConfigFromParameters(parameters)).toThrow(MappingConfigError);
		try {
			mappingConfigFromParameters(parameters);
		} catch (error) {
			expect((error as MappingConfigError).problems).toEqual([
				{ field: 'fields', message: 'Requester: "nickname" is not a requester field.' },
				{ field: 'email', message: 'Email: choose an Azure AD attribute, or set Source to "Leave Empty".' },
				{ field: 'city', message: 'City is not a Work field; map it in its own section.' },
			]);
		}
	});

	it('names the parameters whose expressions make the mapping differ per item', () => {
		expect(parametersVaryingPerItem(withNodeDefaults({}))).toEqual([]);
		expect(parametersVaryingPerItem({ mode: '={{ "map" }}' })).toEqual([]);
		expect(parametersVaryingPerItem({ addressFields: { mappings: [{ field: 'city', source: 'value', value: '={{ $json.city }}' }] } })).toEqual(['addressFields']);
		expect(parametersVaryingPerItem({ usernameFallbackAttributes: ['={{ "mail" }}'], allowLogin: '={{ true }}' })).toEqual(['usernameFallbackAttributes', 'allowLogin']);
	});
});
