// Graph v1.0 user objects as `/users?$select=...&$expand=manager(...)` returns them, covering the
// shapes a real tenant produces: nulls, empty lists, guests, Unicode, on-prem and directory
// extension attributes, and the bad data validation must catch.
import type { GraphUser } from '../../nodes/shared/requester/attributes';

export const BADGE_EXTENSION = 'extension_b7e4c2a19d3f4e5a8c6b1d2e3f4a5b6c_badgeNumber';

const MANAGER_MEGAN = {
	'@odata.type': '#microsoft.graph.user',
	id: '5bde3e51-d13b-4db1-9948-fe4b109d11a7',
	displayName: 'Megan Bowen',
	mail: 'Megan.Bowen@contoso.com',
	userPrincipalName: 'MeganB@contoso.com',
};

/** A fully populated member with a manager, on-prem and directory extension attributes. */
export const adele: GraphUser = {
	id: '87d349ed-44d7-43e1-9a83-5f2406dee5bd',
	accountEnabled: true,
	displayName: 'Adele Vance',
	givenName: 'Adele',
	surname: 'Vance',
	mail: 'AdeleV@contoso.com',
	userPrincipalName: 'AdeleV@contoso.com',
	mobilePhone: '+1 (425) 555-0109',
	businessPhones: ['+1 425 555 0100', '+1 425 555 0199'],
	otherMails: ['adele.personal@example.org'],
	department: 'Retail',
	jobTitle: 'Retail Manager',
	companyName: 'Contoso Ltd',
	employeeId: 'E1042',
	employeeType: 'Employee',
	officeLocation: '18/2111',
	employeeOrgData: { division: 'Consumer', costCenter: 'CC-4410' },
	employeeHireDate: '2019-03-04T00:00:00Z',
	streetAddress: '205 108th Ave NE',
	city: 'Bellevue',
	state: 'WA',
	postalCode: '98004',
	country: 'United States',
	userType: 'Member',
	onPremisesExtensionAttributes: {
		extensionAttribute1: 'VIP',
		extensionAttribute2: null,
		extensionAttribute15: ' Floor 18 ',
	},
	[BADGE_EXTENSION]: 'B-1042',
	manager: MANAGER_MEGAN,
};

/** Only the properties Graph always fills; everything else null or empty. */
export const nulls: GraphUser = {
	id: 'c1a5f5c0-0b0e-4f4e-9d55-2f1c9e1c0a01',
	accountEnabled: true,
	displayName: 'Conf Room Lyra',
	givenName: null,
	surname: null,
	mail: null,
	userPrincipalName: 'Lyra@contoso.onmicrosoft.com',
	mobilePhone: null,
	businessPhones: [],
	otherMails: [],
	department: null,
	jobTitle: null,
	companyName: null,
	employeeId: null,
	employeeType: null,
	officeLocation: null,
	employeeOrgData: null,
	employeeHireDate: null,
	streetAddress: null,
	city: null,
	state: null,
	postalCode: null,
	country: null,
	onPremisesExtensionAttributes: {
		extensionAttribute1: null,
		extensionAttribute15: null,
	},
	manager: null,
};

/** B2B guest without `mail`: the real address is only in the #EXT# UPN (and otherMails). */
export const guest: GraphUser = {
	id: '0f4a3c9e-6d3b-4c7a-8f1e-2b9d5e7a1c33',
	accountEnabled: true,
	displayName: 'Jane Doe (Fabrikam)',
	givenName: 'Jane',
	surname: 'Doe',
	mail: null,
	userPrincipalName: 'jane.doe_fabrikam.com#EXT#@contoso.onmicrosoft.com',
	otherMails: ['jane.doe@fabrikam.com'],
	userType: 'Guest',
	businessPhones: [],
	mobilePhone: null,
};

/** Guest whose own local part contains "_": only the last "_" stands for "@". */
export const guestUnderscore: GraphUser = {
	id: '9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
	accountEnabled: true,
	displayName: 'Bob Smith',
	mail: null,
	userPrincipalName: 'Bob_Smith_Partner.Example#EXT#@contoso.onmicrosoft.com',
	userType: 'Guest',
	businessPhones: [],
};

export const zoe: GraphUser = {
	id: '2e7c1f8a-3b4d-4e5f-9a6b-7c8d9e0f1a2b',
	accountEnabled: true,
	displayName: 'Zoë Ñúñez',
	givenName: 'Zoë',
	surname: 'Ñúñez',
	mail: 'Zoe.Nunez@contoso.com',
	userPrincipalName: 'zoe.nunez@contoso.com',
	mobilePhone: 'ext. 4411',
	businessPhones: ['+44 (0)20 7946 0958'],
	city: 'Málaga',
	country: 'España',
	manager: MANAGER_MEGAN,
};

export const bruce: GraphUser = {
	id: '6f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f',
	accountEnabled: true,
	displayName: '李小龍',
	givenName: '小龍',
	surname: '李',
	mail: 'bruce.lee@contoso.com',
	userPrincipalName: 'bruce.lee@contoso.com',
	mobilePhone: '852-2345-6789',
	businessPhones: [],
	city: '香港',
};

export const obrien: GraphUser = {
	id: '3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a98',
	accountEnabled: true,
	displayName: "Seán O'Brien",
	givenName: 'Seán',
	surname: "O'Brien",
	mail: "Sean.O'Brien@contoso.ie",
	userPrincipalName: 'sobrien@contoso.ie',
	businessPhones: ['  ', '01 234 5678'],
	streetAddress: 'Unit 4\r\nDocklands Innovation Park',
	city: 'Dublin',
	postalCode: 'D01 F5P2',
	country: 'Ireland',
};

/** Member without a mailbox, with padding and whitespace-only mail from a CSV import. */
export const noMail: GraphUser = {
	id: '7d6c5b4a-3928-4716-a5b4-c3d2e1f0a9b8',
	accountEnabled: true,
	displayName: '  Kai Tanaka  ',
	givenName: 'Kai',
	surname: 'Tanaka',
	mail: '   ',
	userPrincipalName: 'Kai.Tanaka@contoso.onmicrosoft.com',
	businessPhones: [],
	manager: null,
};

export const disabled: GraphUser = {
	id: 'e5d4c3b2-a190-4f8e-b7d6-c5b4a3928170',
	accountEnabled: false,
	displayName: 'Former Employee',
	givenName: 'Former',
	surname: 'Employee',
	mail: 'former.employee@contoso.com',
	userPrincipalName: 'former.employee@contoso.com',
	employeeId: 'E0007',
	businessPhones: [],
};

export const controlChars: GraphUser = {
	id: 'b1a2c3d4-e5f6-4789-9abc-def012345678',
	accountEnabled: true,
	displayName: 'Eva\u0007 Green',
	givenName: 'Ev\u0000a',
	surname: 'Green',
	mail: 'eva.green@contoso.com',
	userPrincipalName: 'eva.green@contoso.com',
	businessPhones: [],
};

export const LONG_JOB_TITLE = `Principal ${'Distinguished '.repeat(21)}Engineer`;

export const longTitle: GraphUser = {
	id: 'a9b8c7d6-e5f4-4321-8fed-cba987654321',
	accountEnabled: true,
	displayName: 'Lee Gu',
	mail: 'lee.gu@contoso.com',
	userPrincipalName: 'lee.gu@contoso.com',
	jobTitle: LONG_JOB_TITLE,
	businessPhones: [],
};

export const badEmail: GraphUser = {
	id: 'f0e1d2c3-b4a5-4697-8879-6a5b4c3d2e1f',
	accountEnabled: true,
	displayName: 'Typo Person',
	mail: 'typo.person@@contoso.com',
	userPrincipalName: 'typo.person@contoso.com',
	businessPhones: [],
};

export const ALL_USERS = {
	adele,
	nulls,
	guest,
	guestUnderscore,
	zoe,
	bruce,
	obrien,
	noMail,
	disabled,
	controlChars,
	longTitle,
	badEmail,
};
