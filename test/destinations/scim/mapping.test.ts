/** The pure parts of the SCIM client: filter escaping, requester ↔ SCIM User, PATCH operations, SCIM errors. */
import { HttpError } from '../../../nodes/shared/http/errors';
import { eqFilter, escapeFilterValue, fromScimUser, patchOperations, readScimError, refusal, toScimUser, ScimDestination } from '../../../nodes/shared/destinations/scim';
import { DestinationValidationError } from '../../../nodes/shared/destinations/types';
import { makeRequester } from '../support/requesters';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const FIELDS = ['fullName', 'firstName', 'lastName', 'email', 'phone', 'landline', 'jobTitle', 'department', 'company', 'employeeId', 'costCenter', 'division', 'street', 'city', 'country'] as const;

describe('filter escaping (RFC 7644 §3.4.2.2)', () => {
	it('escapes double quotes and backslashes, nothing else', () => {
		expect(escapeFilterValue(String.raw`a"b\c`)).toBe(String.raw`a\"b\\c`);
		expect(escapeFilterValue("o'brien (x) and y")).toBe("o'brien (x) and y");
		expect(eqFilter('userName', String.raw`"\"`)).toBe(String.raw`userName eq "\"\\\""`);
		expect(eqFilter('externalId', 'abc')).toBe('externalId eq "abc"');
	});
});

describe('requester ↔ SCIM User', () => {
	const jane = makeRequester({ phone: '+47 900 00 000', landline: '+47 22 00 00 00', jobTitle: 'Lead', department: 'IT', company: 'Contoso', employeeId: 'E1', costCenter: 'CC7', division: 'North', street: 'Main 1', city: 'Oslo', country: 'NO' });

	it('writes core attributes, typed multi-valued entries with primary, and the enterprise extension', () => {
		const user = toScimUser(jane, 'email', FIELDS, 'boss-id');
		expect(user).toEqual({
			schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
			userName: 'Jane.Doe@contoso.com',
			externalId: jane.azureObjectId,
			active: true,
			displayName: 'Jane Doe',
			name: { givenName: 'Jane', familyName: 'Doe' },
			title: 'Lead',
			emails: [{ value: 'Jane.Doe@contoso.com', type: 'work', primary: true }],
			phoneNumbers: [
				{ value: '+47 22 00 00 00', type: 'work', primary: true },
				{ value: '+47 900 00 000', type: 'mobile', primary: false },
			],
			addresses: [{ type: 'work', streetAddress: 'Main 1', locality: 'Oslo', country: 'NO', primary: true }],
			[ENTERPRISE]: { department: 'IT', organization: 'Contoso', employeeNumber: 'E1', costCenter: 'CC7', division: 'North', manager: { value: 'boss-id' } },
		});
	});

	it('reads the same values back, with the key normalised and the object id from externalId', () => {
		const record = fromScimUser({ ...toScimUser(jane, 'email', FIELDS, 'boss-id'), id: 'u1', active: false }, 'email', FIELDS);
		expect(record).toMatchObject({ id: 'u1', key: 'jane.doe@contoso.com', azureObjectId: jane.azureObjectId, active: false, managerId: 'boss-id' });
		expect(record.fields).toMatchObject({ email: 'Jane.Doe@contoso.com', phone: '+47 900 00 000', landline: '+47 22 00 00 00', department: 'IT', company: 'Contoso', city: 'Oslo', street: 'Main 1', country: 'NO', jobTitle: 'Lead' });
	});

	it('matching on the object id keys on externalId and keeps the mapped username in userName', () => {
		const requester = makeRequester({ username: 'jdoe', ssoKey: { kind: 'objectId', value: '6f1c2a9e-0d4b-4c1e-9a51-2b7d7c1e8f10' } });
		const user = toScimUser(requester, 'objectId', ['username'], undefined);
		expect(user.userName).toBe('jdoe');
		expect(fromScimUser({ ...user, id: 'u2' }, 'objectId', ['username'])).toMatchObject({ key: requester.azureObjectId, fields: { username: 'jdoe' } });
	});
});

describe('PATCH operations', () => {
	const current = { department: 'IT', landline: '+47 22 00 00 00', phone: null, city: 'Oslo', street: null, email: 'a@contoso.test' };

	it('one replace per changed single-valued attribute, a remove for a cleared one', () => {
		expect(patchOperations({ department: 'Sales' }, current, FIELDS)).toEqual([{ op: 'replace', path: `${ENTERPRISE}:department`, value: 'Sales' }]);
		expect(patchOperations({ jobTitle: null }, current, FIELDS)).toEqual([{ op: 'remove', path: 'title' }]);
	});

	it('a typed entry: replace its value when it exists, add it when it does not, remove it when cleared', () => {
		expect(patchOperations({ landline: '+47 1' }, current, FIELDS)).toEqual([{ op: 'replace', path: 'phoneNumbers[type eq "work"].value', value: '+47 1' }]);
		expect(patchOperations({ phone: '+47 2' }, current, FIELDS)).toEqual([{ op: 'add', path: 'phoneNumbers', value: [{ value: '+47 2', type: 'mobile', primary: false }] }]);
		expect(patchOperations({ landline: null }, current, FIELDS)).toEqual([{ op: 'remove', path: 'phoneNumbers[type eq "work"]' }]);
	});

	it('the work address: sub-attribute replaces when it exists, one add of the whole entry when not, a remove when emptied', () => {
		expect(patchOperations({ street: 'Main 2' }, current, FIELDS)).toEqual([{ op: 'replace', path: 'addresses[type eq "work"].streetAddress', value: 'Main 2' }]);
		expect(patchOperations({ street: 'Main 2', city: 'Bergen' }, { city: null }, FIELDS)).toEqual([{ op: 'add', path: 'addresses', value: [{ type: 'work', streetAddress: 'Main 2', locality: 'Bergen', primary: true }] }]);
		expect(patchOperations({ city: null }, current, FIELDS)).toEqual([{ op: 'remove', path: 'addresses[type eq "work"]' }]);
	});

	it('fields the destination does not write make no operation', () => {
		expect(patchOperations({ state: 'Viken', tags: ['x'] }, current, FIELDS)).toEqual([]);
	});
});

describe('SCIM errors', () => {
	it('scimType is the code and detail the message', () => {
		expect(readScimError({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400', scimType: 'invalidValue', detail: 'title too long' }, {})).toEqual({ code: 'invalidValue', message: 'title too long', requestId: undefined });
		expect(readScimError({ status: '500' }, { 'x-request-id': 'r1' })).toEqual({ code: undefined, message: undefined, requestId: 'r1' });
	});

	it('a refused write names the fields whose attributes the detail mentions, and leaves other errors alone', () => {
		const error = new HttpError({ status: 400, code: 'invalidValue', serviceMessage: "Attribute 'title' is too long", method: 'PATCH', url: 'https://scim.example.com/Users/1' });
		const refused = refusal(error, ['jobTitle'], 'email') as DestinationValidationError;
		expect(refused).toBeInstanceOf(DestinationValidationError);
		expect(refused.reasons).toEqual([{ field: 'jobTitle', code: 'invalidValue', message: "Attribute 'title' is too long (SCIM attribute title)" }]);
		const throttled = new HttpError({ status: 429, method: 'GET', url: 'https://scim.example.com/Users' });
		expect(refusal(throttled, [], 'email')).toBe(throttled);
	});

	it('settings are checked before any request: an http URL off this machine and a missing token name their setting', () => {
		expect(() => new ScimDestination({ baseUrl: 'http://scim.example.com/scim/v2', headers: { authorization: 'Bearer FAKE' } })).toThrow(/^Base URL:/);
		expect(() => new ScimDestination({ baseUrl: 'https://scim.example.com/scim/v2', headers: {} })).toThrow(/^Authentication:/);
		expect(new ScimDestination({ baseUrl: 'https://scim.example.com/scim/v2/Users/', headers: { Authorization: 'Bearer FAKE' } }).label).toBe('SCIM (scim.example.com)');
	});
});

describe('the PUT fallback applies the PATCH operations locally', () => {
	it('replaces, adds and removes exactly what the operations say, keeping other entries', async () => {
		const { applyOperations } = await import('../../../nodes/shared/destinations/scim/apply');
		const user = {
			userName: 'a@contoso.test',
			title: 'Engineer',
			nickName: 'A',
			phoneNumbers: [{ value: '1', type: 'work', primary: true }, { value: '9', type: 'home' }],
			addresses: [{ type: 'work', locality: 'Oslo', country: 'NO' }],
			[ENTERPRISE]: { department: 'IT', manager: { value: 'm1' } },
		};
		const next = applyOperations(user, [
			{ op: 'remove', path: 'title' },
			{ op: 'replace', path: 'phoneNumbers[type eq "work"].value', value: '2' },
			{ op: 'add', path: 'emails', value: [{ value: 'a@contoso.test', type: 'work', primary: true }] },
			{ op: 'remove', path: 'addresses[type eq "work"].locality' },
			{ op: 'replace', path: `${ENTERPRISE}:department`, value: 'Sales' },
			{ op: 'remove', path: `${ENTERPRISE}:manager` },
			{ op: 'replace', path: 'name.givenName', value: 'Ann' },
		]);
		expect(next).toEqual({
			userName: 'a@contoso.test',
			nickName: 'A',
			name: { givenName: 'Ann' },
			phoneNumbers: [{ value: '2', type: 'work', primary: true }, { value: '9', type: 'home' }],
			emails: [{ value: 'a@contoso.test', type: 'work', primary: true }],
			addresses: [{ type: 'work', country: 'NO' }],
			[ENTERPRISE]: { department: 'Sales' },
		});
		expect(user.title).toBe('Engineer');
		expect(applyOperations(next, [{ op: 'remove', path: 'phoneNumbers[type eq "work"]' }]).phoneNumbers).toEqual([{ value: '9', type: 'home' }]);
	});
});
