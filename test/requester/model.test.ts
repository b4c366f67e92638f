import { REQUESTER_FIELDS, emptyFieldValue, emptyRequester } from '../../nodes/shared/requester/model';

describe('emptyRequester', () => {
	it('has the identity properties, then every requester field in REQUESTER_FIELDS order, all empty', () => {
		const empty = emptyRequester();
		expect(Object.keys(empty)).toEqual(['azureObjectId', 'accountEnabled', 'ssoKey', 'allowLogin', ...REQUESTER_FIELDS.map((spec) => spec.id)]);
		expect(empty).toMatchObject({ azureObjectId: '', accountEnabled: true, ssoKey: undefined, allowLogin: true, username: null, tags: [], manager: null, country: null });
		for (const spec of REQUESTER_FIELDS) expect(empty[spec.id]).toEqual(emptyFieldValue(spec));
	});

	it('gives lists as empty arrays and everything else as null', () => {
		expect(REQUESTER_FIELDS.filter((spec) => emptyFieldValue(spec) !== null).map((spec) => spec.id)).toEqual(['tags']);
		expect(emptyFieldValue({ id: 'tags', label: 'Tags', section: 'requester', kind: 'list' })).toEqual([]);
	});

	it('hands out new lists on every call', () => {
		const first = emptyRequester();
		first.tags.push('changed');
		expect(emptyRequester().tags).toEqual([]);
	});
});
