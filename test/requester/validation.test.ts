import type { RequesterDraft } from '../../nodes/shared/requester/model';
import {
	characterLength,
	findControlCharacter,
	isIsoDate,
	isValidEmail,
	validateRequester,
} from '../../nodes/shared/requester/validation';
import { requester } from '../support/requesters';

describe('isValidEmail', () => {
	it.each([
		'adelev@contoso.com',
		"sean.o'brien@contoso.ie",
		'first+tag@sub.example.co.uk',
		'bob_smith@partner.example',
		'zoë@correo.es',
		'用户@例子.广告',
		`${'a'.repeat(64)}@contoso.com`,
	])('accepts %p', (address) => {
		expect(isValidEmail(address)).toBe(true);
	});

	it.each([
		['typo.person@@contoso.com', 'two @'],
		['plainaddress', 'no @'],
		['@contoso.com', 'empty local part'],
		['user@', 'empty domain'],
		['user@localhost', 'single-label domain'],
		['user@contoso.123', 'numeric top-level domain'],
		['.user@contoso.com', 'leading dot'],
		['us..er@contoso.com', 'consecutive dots'],
		['us er@contoso.com', 'space'],
		['"quoted"@contoso.com', 'quoted local part'],
		['user@-contoso.com', 'label starting with hyphen'],
		[`${'a'.repeat(65)}@contoso.com`, 'local part over 64'],
		[`a@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(63)}.com`, 'over 254'],
	])('rejects %p (%s)', (address) => {
		expect(isValidEmail(address)).toBe(false);
	});
});

describe('findControlCharacter', () => {
	it('finds C0 and C1 control characters and DEL', () => {
		expect(findControlCharacter('Ev\u0000a')).toBe(2);
		expect(findControlCharacter('a\u007f')).toBe(1);
		expect(findControlCharacter('a\u0085')).toBe(1);
		expect(findControlCharacter('tab\there')).toBe(3);
	});

	it('allows line breaks only when asked', () => {
		expect(findControlCharacter('Unit 4\r\nPark')).toBe(6);
		expect(findControlCharacter('Unit 4\r\nPark', true)).toBe(-1);
		expect(findControlCharacter('Unit 4\tPark', true)).toBe(6);
	});

	it('accepts Unicode names', () => {
		expect(findControlCharacter('Zoë Ñúñez 李小龍 O’Brien')).toBe(-1);
	});
});

describe('characterLength', () => {
	it('counts code points, not UTF-16 units', () => {
		expect(characterLength('😀😀')).toBe(2);
		expect('😀😀'.length).toBe(4);
		expect(characterLength('李小龍')).toBe(3);
	});
});

describe('isIsoDate', () => {
	it.each(['2019-03-04', '2019-03-04T00:00:00Z', '2024-02-29T10:15:30.5+01:00'])(
		'accepts %p',
		(v) => {
			expect(isIsoDate(v)).toBe(true);
		},
	);

	it.each(['2021-02-30', '2023-02-29', '2019-13-01', '2019-00-10', '04/03/2019', '2019-3-4'])(
		'rejects %p',
		(v) => {
			expect(isIsoDate(v)).toBe(false);
		},
	);
});

describe('validateRequester', () => {
	const valid: RequesterDraft = requester({
		azureObjectId: 'id-1',
		accountEnabled: true,
		allowLogin: true,
		ssoKey: { kind: 'email', value: 'a@b.com' },
		username: 'a@b.com',
		fullName: 'A B',
		email: 'a@b.com',
	});
	const login = { ssoKey: 'email' as const, allowLogin: true };

	it('finds nothing wrong with a valid requester', () => {
		expect(validateRequester(valid, login)).toEqual([]);
	});

	it('names every failing field with a code and a readable message', () => {
		const draft: RequesterDraft = {
			...valid,
			azureObjectId: '',
			ssoKey: undefined,
			username: null,
			email: null,
			tags: ['ok', 'x'.repeat(65)],
			hireDate: '2021-02-30',
			postalCode: 'D01\u0008',
		};
		expect(validateRequester(draft, login)).toEqual([
			{
				field: 'azureObjectId',
				code: 'required',
				message: 'The Azure AD object ID (id) is missing; add "id" to the selected attributes.',
			},
			{
				field: 'email',
				code: 'required',
				message: 'Email is required because it is the SSO unique key.',
			},
			{
				field: 'username',
				code: 'required',
				message: 'Username is required because requester login is allowed.',
			},
			{
				field: 'tags',
				code: 'too_long',
				message: 'Tags entry 2 is 65 characters long; the limit is 64.',
			},
			{
				field: 'hireDate',
				code: 'invalid_date',
				message: 'Hire Date "2021-02-30" is not an ISO 8601 date (YYYY-MM-DD).',
			},
			{
				field: 'postalCode',
				code: 'control_character',
				message: 'Postal Code contains a control character (U+0008) at position 4.',
			},
		]);
	});

	it('requires the value each SSO key kind needs', () => {
		const noKey = { ...valid, ssoKey: undefined };
		expect(validateRequester(noKey, { ssoKey: 'employeeId', allowLogin: false })).toEqual([
			{
				field: 'employeeId',
				code: 'required',
				message: 'Employee ID is required because it is the SSO unique key.',
			},
		]);
		expect(validateRequester(noKey, { ssoKey: 'upn', allowLogin: false })).toEqual([
			{
				field: 'ssoKey',
				code: 'required',
				message: 'The SSO unique key is the user principal name, and the user has none.',
			},
		]);
	});

	it('does not require a username when login is not allowed', () => {
		expect(
			validateRequester({ ...valid, username: null }, { ...login, allowLogin: false }),
		).toEqual([]);
	});

	it('counts characters, so 255 CJK characters fit a 255 limit', () => {
		expect(validateRequester({ ...valid, jobTitle: '龍'.repeat(255) }, login)).toEqual([]);
		expect(validateRequester({ ...valid, jobTitle: '😀'.repeat(255) }, login)).toEqual([]);
		expect(validateRequester({ ...valid, jobTitle: '😀'.repeat(256) }, login)).toEqual([
			{
				field: 'jobTitle',
				code: 'too_long',
				message: 'Job Title is 256 characters long; the limit is 255.',
			},
		]);
	});

	it('reports only the control character, not a consequent syntax error', () => {
		expect(validateRequester({ ...valid, email: 'a\u0000@b.com' }, login)).toEqual([
			{
				field: 'email',
				code: 'control_character',
				message: 'Email contains a control character (U+0000) at position 2.',
			},
		]);
	});

	it('allows line breaks in the street address only', () => {
		expect(validateRequester({ ...valid, street: 'Unit 4\r\nPark' }, login)).toEqual([]);
		expect(validateRequester({ ...valid, city: 'Dub\nlin' }, login)).toEqual([
			{
				field: 'city',
				code: 'control_character',
				message: 'City contains a control character (U+000A) at position 4.',
			},
		]);
	});
});
