import {
	applyTransforms,
	guestUpnToEmail,
	isoDateOnly,
	normalisePhone,
} from '../../nodes/shared/requester/transforms';

describe('normalisePhone', () => {
	it.each([
		['+1 (425) 555-0109', '+14255550109'],
		['+44 (0)20 7946 0958', '+442079460958'],
		['030 1234567', '0301234567'],
		['852-2345-6789', '85223456789'],
		['+49\u00a089\u2011123\u2011456', '+4989123456'],
		['425.555.0100', '4255550100'],
	])('cleans %p to %p', (input, expected) => {
		expect(normalisePhone(input)).toBe(expected);
	});

	it.each([
		['ext. 4411'],
		['+1 425 555 0100 x23'],
		['call reception'],
		['+1 425 555 0100 / +1 425 555 0199'],
		['12'],
		['+1234567890123456'],
	])('keeps %p unchanged because it is not clearly one number', (input) => {
		expect(normalisePhone(input)).toBe(input);
	});
});

describe('guestUpnToEmail', () => {
	it('recovers the guest address from an #EXT# UPN', () => {
		expect(guestUpnToEmail('jane.doe_fabrikam.com#EXT#@contoso.onmicrosoft.com')).toBe(
			'jane.doe@fabrikam.com',
		);
	});

	it('treats only the last underscore as the "@"', () => {
		expect(guestUpnToEmail('bob_smith_partner.example#EXT#@contoso.onmicrosoft.com')).toBe(
			'bob_smith@partner.example',
		);
	});

	it('matches #ext# case-insensitively', () => {
		expect(guestUpnToEmail('a_b.com#ext#@t.onmicrosoft.com')).toBe('a@b.com');
	});

	it.each([
		['adelev@contoso.com'],
		['nounderscore#EXT#@contoso.onmicrosoft.com'],
		['trailing_#EXT#@contoso.onmicrosoft.com'],
		['_leading.com#EXT#@contoso.onmicrosoft.com'],
	])('leaves %p unchanged', (input) => {
		expect(guestUpnToEmail(input)).toBe(input);
	});
});

describe('isoDateOnly', () => {
	it('keeps the date of an ISO date-time without shifting zones', () => {
		expect(isoDateOnly('2019-03-04T00:00:00Z')).toBe('2019-03-04');
		expect(isoDateOnly('2019-03-04T23:30:00-08:00')).toBe('2019-03-04');
		expect(isoDateOnly('2019-03-04')).toBe('2019-03-04');
	});

	it('passes other text through for validation to report', () => {
		expect(isoDateOnly('04/03/2019')).toBe('04/03/2019');
	});
});

describe('applyTransforms', () => {
	const phones = ['+1 425 555 0100', '+1 425 555 0199'];

	it('applies transforms in order', () => {
		expect(applyTransforms(phones, ['first', 'phone'], ', ')).toBe('+14255550100');
		expect(applyTransforms(phones, ['phone', 'join'], ' / ')).toBe('+14255550100 / +14255550199');
		expect(applyTransforms(phones, ['join', 'phone'], ' / ')).toBe(
			'+1 425 555 0100 / +1 425 555 0199',
		);
	});

	it('applies text transforms to every entry of a list', () => {
		expect(
			applyTransforms(['A@X.COM', 'b_c.com#EXT#@t.com'], ['guestEmail', 'lower'], ','),
		).toEqual(['a@x.com', 'b@c.com']);
	});

	it('leaves single values alone for first and join', () => {
		expect(applyTransforms('Only', ['first', 'join'], ',')).toBe('Only');
	});
});
