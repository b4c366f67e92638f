import type { GraphUser } from '../../nodes/shared/requester/attributes';
import {
	DEFAULT_MAPPING,
	MappingConfigError,
	checkMapping,
	mapUser,
	requiredGraphAttributes,
	type FieldRule,
	type MappingConfig,
} from '../../nodes/shared/requester/mapping';
import {
	REQUESTER_FIELDS,
	type Requester,
	type RequesterFieldId,
} from '../../nodes/shared/requester/model';
import {
	BADGE_EXTENSION,
	LONG_JOB_TITLE,
	adele,
	badEmail,
	bruce,
	controlChars,
	disabled,
	guest,
	guestUnderscore,
	longTitle,
	noMail,
	nulls,
	obrien,
	zoe,
} from './fixtures';
import { requester } from '../support/requesters';

const MEGAN = {
	azureObjectId: '5bde3e51-d13b-4db1-9948-fe4b109d11a7',
	email: 'Megan.Bowen@contoso.com',
	upn: 'MeganB@contoso.com',
	displayName: 'Megan Bowen',
};

/** Every field unmapped, so a test states exactly the rules it is about. */
function onlyFields(fields: Partial<Record<RequesterFieldId, FieldRule>>): MappingConfig['fields'] {
	const none = Object.fromEntries(REQUESTER_FIELDS.map((spec) => [spec.id, { source: [] }]));
	return { ...none, ...fields };
}

describe('mapUser with the default mapping (empty config)', () => {
	it('maps a fully populated member, manager included', () => {
		expect(mapUser(adele, {})).toEqual({
			ok: true,
			requester: {
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
			},
		});
	});

	it('maps a user whose optional attributes are all null or empty', () => {
		expect(mapUser(nulls, {})).toEqual({
			ok: true,
			requester: requester({
				azureObjectId: 'c1a5f5c0-0b0e-4f4e-9d55-2f1c9e1c0a01',
				accountEnabled: true,
				ssoKey: { kind: 'email', value: 'lyra@contoso.onmicrosoft.com' },
				allowLogin: true,
				username: 'lyra@contoso.onmicrosoft.com',
				fullName: 'Conf Room Lyra',
				email: 'lyra@contoso.onmicrosoft.com',
			}),
		});
	});

	it("gives a guest without mail the guest's own address, not the #EXT# UPN", () => {
		expect(mapUser(guest, {})).toEqual({
			ok: true,
			requester: requester({
				azureObjectId: '0f4a3c9e-6d3b-4c7a-8f1e-2b9d5e7a1c33',
				accountEnabled: true,
				ssoKey: { kind: 'email', value: 'jane.doe@fabrikam.com' },
				allowLogin: true,
				username: 'jane.doe@fabrikam.com',
				fullName: 'Jane Doe (Fabrikam)',
				firstName: 'Jane',
				lastName: 'Doe',
				email: 'jane.doe@fabrikam.com',
			}),
		});
	});

	it('decodes a guest whose own local part contains an underscore', () => {
		expect(mapUser(guestUnderscore, {})).toEqual({
			ok: true,
			requester: requester({
				azureObjectId: '9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
				accountEnabled: true,
				ssoKey: { kind: 'email', value: 'bob_smith@partner.example' },
				allowLogin: true,
				username: 'bob_smith@partner.example',
				fullName: 'Bob Smith',
				email: 'bob_smith@partner.example',
			}),
		});
	});

	it('keeps Unicode names and a phone it cannot normalise as they are', () => {
		expect(mapUser(zoe, {})).toEqual({
			ok: true,
			requester: requester({
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
			}),
		});
	});

	it('maps CJK names', () => {
		expect(mapUser(bruce, {})).toEqual({
			ok: true,
			requester: requester({
				azureObjectId: '6f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f',
				accountEnabled: true,
				ssoKey: { kind: 'email', value: 'bruce.lee@contoso.com' },
				allowLogin: true,
				username: 'bruce.lee@contoso.com',
				fullName: '李小龍',
				firstName: '小龍',
				lastName: '李',
				email: 'bruce.lee@contoso.com',
				phone: '85223456789',
				city: '香港',
			}),
		});
	});

	it('accepts apostrophes, skips blank phones and keeps a multi-line street', () => {
		expect(mapUser(obrien, {})).toEqual({
			ok: true,
			requester: requester({
				azureObjectId: '3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a98',
				accountEnabled: true,
				ssoKey: { kind: 'email', value: "sean.o'brien@contoso.ie" },
				allowLogin: true,
				username: "sean.o'brien@contoso.ie",
				fullName: "Seán O'Brien",
				firstName: 'Seán',
				lastName: "O'Brien",
				email: "sean.o'brien@contoso.ie",
				landline: '012345678',
				street: 'Unit 4\r\nDocklands Innovation Park',
				city: 'Dublin',
				postalCode: 'D01 F5P2',
				country: 'Ireland',
			}),
		});
	});

	it('falls back from a blank mail to the UPN and trims padded values', () => {
		expect(mapUser(noMail, {})).toEqual({
			ok: true,
			requester: requester({
				azureObjectId: '7d6c5b4a-3928-4716-a5b4-c3d2e1f0a9b8',
				accountEnabled: true,
				ssoKey: { kind: 'email', value: 'kai.tanaka@contoso.onmicrosoft.com' },
				allowLogin: true,
				username: 'kai.tanaka@contoso.onmicrosoft.com',
				fullName: 'Kai Tanaka',
				firstName: 'Kai',
				lastName: 'Tanaka',
				email: 'kai.tanaka@contoso.onmicrosoft.com',
			}),
		});
	});

	it('maps a disabled user as a valid requester with accountEnabled false', () => {
		expect(mapUser(disabled, {})).toEqual({
			ok: true,
			requester: requester({
				azureObjectId: 'e5d4c3b2-a190-4f8e-b7d6-c5b4a3928170',
				accountEnabled: false,
				ssoKey: { kind: 'email', value: 'former.employee@contoso.com' },
				allowLogin: true,
				username: 'former.employee@contoso.com',
				fullName: 'Former Employee',
				firstName: 'Former',
				lastName: 'Employee',
				email: 'former.employee@contoso.com',
				employeeId: 'E0007',
			}),
		});
	});
});

describe('mapUser rejects invalid users with field-level reasons', () => {
	it('reports control characters per field and still returns the draft', () => {
		expect(mapUser(controlChars, {})).toEqual({
			ok: false,
			requester: requester({
				azureObjectId: 'b1a2c3d4-e5f6-4789-9abc-def012345678',
				accountEnabled: true,
				ssoKey: { kind: 'email', value: 'eva.green@contoso.com' },
				allowLogin: true,
				username: 'eva.green@contoso.com',
				fullName: 'Eva\u0007 Green',
				firstName: 'Ev\u0000a',
				lastName: 'Green',
				email: 'eva.green@contoso.com',
			}),
			reasons: [
				{
					field: 'fullName',
					code: 'control_character',
					message: 'Full Name contains a control character (U+0007) at position 4.',
				},
				{
					field: 'firstName',
					code: 'control_character',
					message: 'First Name contains a control character (U+0000) at position 3.',
				},
			],
		});
	});

	it('reports an over-long job title', () => {
		expect(mapUser(longTitle, {})).toEqual({
			ok: false,
			requester: requester({
				azureObjectId: 'a9b8c7d6-e5f4-4321-8fed-cba987654321',
				accountEnabled: true,
				ssoKey: { kind: 'email', value: 'lee.gu@contoso.com' },
				allowLogin: true,
				username: 'lee.gu@contoso.com',
				fullName: 'Lee Gu',
				email: 'lee.gu@contoso.com',
				jobTitle: LONG_JOB_TITLE,
			}),
			reasons: [
				{
					field: 'jobTitle',
					code: 'too_long',
					message: 'Job Title is 312 characters long; the limit is 255.',
				},
			],
		});
	});

	it('reports an invalid email instead of falling back to the UPN', () => {
		const result = mapUser(badEmail, {});
		expect(result).toEqual({
			ok: false,
			requester: requester({
				azureObjectId: 'f0e1d2c3-b4a5-4697-8879-6a5b4c3d2e1f',
				accountEnabled: true,
				ssoKey: { kind: 'email', value: 'typo.person@@contoso.com' },
				allowLogin: true,
				username: 'typo.person@@contoso.com',
				fullName: 'Typo Person',
				email: 'typo.person@@contoso.com',
			}),
			reasons: [
				{
					field: 'email',
					code: 'invalid_email',
					message: 'Email "typo.person@@contoso.com" is not a valid email address.',
				},
			],
		});
	});

	it('reports a missing object ID and a missing SSO key value together', () => {
		const result = mapUser(
			{ displayName: 'No Id', userPrincipalName: 'x@contoso.com' },
			{
				login: { ssoKey: 'employeeId' },
			},
		);
		expect(result.ok).toBe(false);
		expect(result.ok === false && result.reasons).toEqual([
			{
				field: 'azureObjectId',
				code: 'required',
				message: 'The Azure AD object ID (id) is missing; add "id" to the selected attributes.',
			},
			{
				field: 'employeeId',
				code: 'required',
				message: 'Employee ID is required because it is the SSO unique key.',
			},
		]);
		expect(result.requester.ssoKey).toBeUndefined();
	});

	it('reports an attribute that holds an object instead of text', () => {
		const user: GraphUser = { ...adele, [BADGE_EXTENSION]: { unexpected: true } };
		const result = mapUser(user, { fields: { tags: { source: [BADGE_EXTENSION] } } });
		expect(result.ok === false && result.reasons).toEqual([
			{
				field: 'tags',
				code: 'unsupported_value',
				message: `Tags: "${BADGE_EXTENSION}" holds an object, not text.`,
			},
		]);
		expect(result.requester.tags).toEqual([]);
	});
});

describe('login settings', () => {
	it('uses the mapped employee ID as the SSO key, normalised', () => {
		const config: MappingConfig = { login: { ssoKey: 'employeeId' } };
		const result = mapUser(disabled, config);
		expect(result.ok && result.requester.ssoKey).toEqual({ kind: 'employeeId', value: 'e0007' });
		expect(mapUser(nulls, config)).toMatchObject({
			ok: false,
			reasons: [{ field: 'employeeId', code: 'required' }],
		});
	});

	it('uses the raw UPN for the upn key, even for guests', () => {
		const result = mapUser(guest, { login: { ssoKey: 'upn' } });
		expect(result.ok && result.requester.ssoKey).toEqual({
			kind: 'upn',
			value: 'jane.doe_fabrikam.com#ext#@contoso.onmicrosoft.com',
		});
	});

	it('uses the object ID for the objectId key', () => {
		const result = mapUser(adele, { login: { ssoKey: 'objectId' } });
		expect(result.ok && result.requester.ssoKey).toEqual({
			kind: 'objectId',
			value: '87d349ed-44d7-43e1-9a83-5f2406dee5bd',
		});
	});

	it('carries allow-login and needs no username when login is off', () => {
		const result = mapUser(adele, {
			login: { allowLogin: false },
			fields: { username: { source: [] } },
		});
		expect(result.ok && result.requester.allowLogin).toBe(false);
		expect(result.ok && result.requester.username).toBeNull();
	});

	it('maps the username from any catalogue attribute', () => {
		const result = mapUser(adele, {
			fields: { username: { source: ['onPremisesExtensionAttributes.extensionAttribute15'] } },
		});
		expect(result.ok && result.requester.username).toBe('Floor 18');
	});

	it('treats a missing accountEnabled as enabled, so it never deactivates anyone', () => {
		const user: Record<string, unknown> = { ...disabled };
		delete user.accountEnabled;
		const result = mapUser(user, {});
		expect(result.ok && result.requester.accountEnabled).toBe(true);
	});
});

describe('custom field rules', () => {
	it('uses the first non-empty source in fallback order', () => {
		const config: MappingConfig = {
			fields: {
				officeLocation: {
					source: ['onPremisesExtensionAttributes.extensionAttribute2', 'officeLocation'],
				},
				department: { source: ['onPremisesExtensionAttributes.extensionAttribute1', 'department'] },
			},
		};
		const result = mapUser(adele, config);
		expect(result.ok && [result.requester.officeLocation, result.requester.department]).toEqual([
			'18/2111',
			'VIP',
		]);
	});

	it('joins a list with the chosen separator', () => {
		const result = mapUser(adele, {
			fields: {
				landline: { source: ['businessPhones'], transforms: ['phone', 'join'], separator: ' / ' },
			},
		});
		expect(result.ok && result.requester.landline).toBe('+14255550100 / +14255550199');
	});

	it('takes the first entry of a list for a single-value field without a transform', () => {
		const result = mapUser(adele, { fields: { landline: { source: ['businessPhones'] } } });
		expect(result.ok && result.requester.landline).toBe('+1 425 555 0100');
	});

	it('maps tags from a directory extension, a list attribute and a literal', () => {
		const fromExtension = mapUser(adele, { fields: { tags: { source: [BADGE_EXTENSION] } } });
		expect(fromExtension.ok && fromExtension.requester.tags).toEqual(['B-1042']);
		const fromList = mapUser(adele, { fields: { tags: { source: ['otherMails', 'department'] } } });
		expect(fromList.ok && fromList.requester.tags).toEqual(['adele.personal@example.org']);
		const fromLiteral = mapUser(adele, {
			fields: { tags: { literal: ['azure-ad', 'vip', 'vip'] } },
		});
		expect(fromLiteral.ok && fromLiteral.requester.tags).toEqual(['azure-ad', 'vip']);
	});

	it('turns numbers and booleans from directory extensions into text', () => {
		const user: GraphUser = { ...adele, [BADGE_EXTENSION]: 1042 };
		const result = mapUser(user, { fields: { employeeId: { source: [BADGE_EXTENSION] } } });
		expect(result.ok && result.requester.employeeId).toBe('1042');
	});

	it('uses a literal (an n8n expression result) instead of attributes, with transforms', () => {
		const result = mapUser(adele, {
			fields: {
				company: { literal: '  Contoso Group  ' },
				email: { literal: 'Adele.Vance@Contoso.com', transforms: ['lower'] },
				department: { literal: '', source: ['department'] },
			},
		});
		expect(result.ok && result.requester).toMatchObject({
			company: 'Contoso Group',
			email: 'adele.vance@contoso.com',
			ssoKey: { kind: 'email', value: 'adele.vance@contoso.com' },
			department: null,
		});
	});

	it('leaves a field with no sources empty', () => {
		const result = mapUser(adele, {
			fields: { department: { source: [] }, manager: { source: [] } },
		});
		expect(result.ok && [result.requester.department, result.requester.manager]).toEqual([
			null,
			null,
		]);
	});

	it('validates a literal like any mapped value', () => {
		const result = mapUser(adele, { fields: { hireDate: { literal: '04/03/2019' } } });
		expect(result.ok === false && result.reasons).toEqual([
			{
				field: 'hireDate',
				code: 'invalid_date',
				message: 'Hire Date "04/03/2019" is not an ISO 8601 date (YYYY-MM-DD).',
			},
		]);
	});

	it('ignores fields set to undefined and keeps the default rule', () => {
		const result = mapUser(adele, {
			fields: { department: undefined },
			login: { ssoKey: undefined },
		});
		expect(result.ok && [result.requester.department, result.requester.ssoKey.kind]).toEqual([
			'Retail',
			'email',
		]);
	});
});

describe('mapping configuration errors', () => {
	it('lists every problem, naming the field', () => {
		const config = {
			login: { ssoKey: 'employeeId' as const },
			fields: {
				jobTitle: { source: ['jobTitel'] },
				division: { source: ['employeeOrgData'] },
				department: { source: ['manager'] },
				manager: { source: ['mail'] },
				city: { source: ['city'], transforms: ['upper' as never] },
				employeeId: { source: [] },
				nickname: { source: ['mailNickname'] },
			},
		} as MappingConfig;
		expect(checkMapping(config)).toEqual([
			{ field: 'fields', message: '"nickname" is not a requester field.' },
			{
				field: 'manager',
				message:
					'Reporting Manager: "mail" is not a manager; map Reporting Manager to the "manager" attribute.',
			},
			{
				field: 'department',
				message: 'Department: "manager" can only be mapped to Reporting Manager.',
			},
			{ field: 'jobTitle', message: 'Job Title: "jobTitel" is not an Azure AD user attribute.' },
			{
				field: 'division',
				message:
					'Division: "employeeOrgData" is a group of attributes; choose one of them, such as "employeeOrgData.division".',
			},
			{ field: 'city', message: 'City: unknown transform "upper".' },
			{
				field: 'employeeId',
				message: 'The SSO unique key is Employee ID, so Employee ID must be mapped.',
			},
		]);
		expect(() => mapUser(adele, config)).toThrow(MappingConfigError);
		expect(() => mapUser(adele, config)).toThrow(
			/Job Title: "jobTitel" is not an Azure AD user attribute/,
		);
	});

	it('rejects a literal manager, an unknown SSO key and login without a username', () => {
		const config = {
			login: { ssoKey: 'samAccountName' },
			fields: { manager: { literal: 'megan@contoso.com' }, username: { source: [] } },
		} as unknown as MappingConfig;
		expect(checkMapping(config)).toEqual([
			{
				field: 'manager',
				message: 'Reporting Manager cannot be a fixed value; map it to the "manager" attribute.',
			},
			{
				field: 'login',
				message: 'SSO unique key "samAccountName" is not one of email, upn, objectId, employeeId.',
			},
			{ field: 'username', message: 'Requester login is allowed, so Username must be mapped.' },
		]);
	});

	it('finds nothing wrong with the defaults', () => {
		expect(checkMapping({})).toEqual([]);
		expect(checkMapping(DEFAULT_MAPPING)).toEqual([]);
	});
});

describe('requiredGraphAttributes', () => {
	it('selects exactly what the default mapping reads and expands the manager', () => {
		expect(requiredGraphAttributes({})).toEqual({
			select: [
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
			],
			needsManager: true,
		});
	});

	it('selects the parent of nested attributes, extension names and the UPN for a upn key', () => {
		const config: MappingConfig = {
			login: { ssoKey: 'upn', allowLogin: false },
			fields: onlyFields({
				fullName: { source: ['displayName'] },
				tags: {
					source: ['onPremisesExtensionAttributes.extensionAttribute1', BADGE_EXTENSION],
				},
				department: { source: ['onPremisesExtensionAttributes.extensionAttribute3'] },
				company: { literal: 'Contoso', source: ['companyName'] },
			}),
		};
		expect(requiredGraphAttributes(config)).toEqual({
			select: [
				'id',
				'accountEnabled',
				'userPrincipalName',
				'displayName',
				'onPremisesExtensionAttributes',
				BADGE_EXTENSION,
			],
			needsManager: false,
		});
	});

	it('maps a user read with exactly that selection', () => {
		const config: MappingConfig = {
			login: { ssoKey: 'upn', allowLogin: false },
			fields: onlyFields({
				fullName: { source: ['displayName'] },
				tags: { source: ['onPremisesExtensionAttributes.extensionAttribute1', BADGE_EXTENSION] },
			}),
		};
		const { select } = requiredGraphAttributes(config);
		const selected = Object.fromEntries(select.map((name) => [name, adele[name]]));
		const expected: Requester = requester({
			azureObjectId: '87d349ed-44d7-43e1-9a83-5f2406dee5bd',
			accountEnabled: true,
			ssoKey: { kind: 'upn', value: 'adelev@contoso.com' },
			allowLogin: false,
			fullName: 'Adele Vance',
			tags: ['VIP'],
		});
		expect(mapUser(selected, config)).toEqual({ ok: true, requester: expected });
	});
});
