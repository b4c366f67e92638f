import { previewMapping } from '../../nodes/shared/requester/mapping';
import { LONG_JOB_TITLE, adele, guest, longTitle } from './fixtures';

describe('previewMapping', () => {
	it('shows, for every target field, the sources, the raw Azure value and the mapped value', () => {
		const rows = previewMapping(guest, {});
		expect(rows.map((row) => [row.field, row.usedSource, row.rawValue, row.mappedValue])).toEqual([
			[
				'username',
				'userPrincipalName',
				'jane.doe_fabrikam.com#EXT#@contoso.onmicrosoft.com',
				'jane.doe@fabrikam.com',
			],
			['fullName', 'displayName', 'Jane Doe (Fabrikam)', 'Jane Doe (Fabrikam)'],
			['firstName', 'givenName', 'Jane', 'Jane'],
			['lastName', 'surname', 'Doe', 'Doe'],
			[
				'email',
				'userPrincipalName',
				'jane.doe_fabrikam.com#EXT#@contoso.onmicrosoft.com',
				'jane.doe@fabrikam.com',
			],
			['phone', null, null, null],
			['landline', null, [], null],
			['tags', null, null, []],
			['manager', 'manager', null, null],
			['department', null, null, null],
			['jobTitle', null, null, null],
			['company', null, null, null],
			['employeeId', null, null, null],
			['employeeType', null, null, null],
			['officeLocation', null, null, null],
			['division', null, null, null],
			['costCenter', null, null, null],
			['hireDate', null, null, null],
			['street', null, null, null],
			['city', null, null, null],
			['state', null, null, null],
			['postalCode', null, null, null],
			['country', null, null, null],
		]);
	});

	it('gives each row its label, section, configured sources and reasons', () => {
		const rows = previewMapping(longTitle, {});
		expect(rows.find((row) => row.field === 'email')).toEqual({
			field: 'email',
			label: 'Email',
			section: 'requester',
			sources: ['mail', 'userPrincipalName'],
			literal: false,
			usedSource: 'mail',
			rawValue: 'lee.gu@contoso.com',
			mappedValue: 'lee.gu@contoso.com',
			reasons: [],
		});
		expect(rows.find((row) => row.field === 'jobTitle')).toEqual({
			field: 'jobTitle',
			label: 'Job Title',
			section: 'work',
			sources: ['jobTitle'],
			literal: false,
			usedSource: 'jobTitle',
			rawValue: LONG_JOB_TITLE,
			mappedValue: LONG_JOB_TITLE,
			reasons: [
				{
					field: 'jobTitle',
					code: 'too_long',
					message: 'Job Title is 312 characters long; the limit is 255.',
				},
			],
		});
	});

	it('shows transformed lists, nested attributes, the manager and literals', () => {
		const rows = previewMapping(adele, {
			fields: {
				company: { literal: 'Contoso Group' },
				officeLocation: {
					source: ['onPremisesExtensionAttributes.extensionAttribute2', 'officeLocation'],
				},
			},
		});
		const byField = new Map(rows.map((row) => [row.field, row]));
		expect(byField.get('landline')).toMatchObject({
			usedSource: 'businessPhones',
			rawValue: ['+1 425 555 0100', '+1 425 555 0199'],
			mappedValue: '+14255550100',
		});
		expect(byField.get('hireDate')).toMatchObject({
			rawValue: '2019-03-04T00:00:00Z',
			mappedValue: '2019-03-04',
		});
		expect(byField.get('division')).toMatchObject({
			section: 'work',
			sources: ['employeeOrgData.division'],
			rawValue: 'Consumer',
			mappedValue: 'Consumer',
		});
		expect(byField.get('street')?.section).toBe('address');
		expect(byField.get('manager')).toMatchObject({
			usedSource: 'manager',
			mappedValue: {
				azureObjectId: '5bde3e51-d13b-4db1-9948-fe4b109d11a7',
				email: 'Megan.Bowen@contoso.com',
				upn: 'MeganB@contoso.com',
				displayName: 'Megan Bowen',
			},
		});
		expect(byField.get('company')).toEqual({
			field: 'company',
			label: 'Company',
			section: 'work',
			sources: [],
			literal: true,
			usedSource: null,
			rawValue: 'Contoso Group',
			mappedValue: 'Contoso Group',
			reasons: [],
		});
		expect(byField.get('officeLocation')).toMatchObject({
			sources: ['onPremisesExtensionAttributes.extensionAttribute2', 'officeLocation'],
			usedSource: 'officeLocation',
			rawValue: '18/2111',
		});
	});
});
