import { HttpError, redactUrl } from '../../nodes/shared/http/errors';

describe('redactUrl', () => {
	it('redacts a Freshservice-style URL: basic-auth key in the user part, api_key and X-Token-like names in the query', () => {
		const url = 'https://FAKE-fs-key:X@acme.freshservice.com/api/v2/requesters?query=%22email%3A%27a%40b.test%27%22&apiKey=FAKE1&X-Api-Token=FAKE2&page=2';
		const redacted = redactUrl(url);
		expect(redacted).not.toMatch(/FAKE/);
		const query = new URL(redacted).searchParams;
		expect(query.get('apiKey')).toBe('REDACTED');
		expect(query.get('X-Api-Token')).toBe('REDACTED');
		expect(query.get('page')).toBe('2');
		expect(query.get('query')).toBe(`"email:'a@b.test'"`);
	});

	it('redacts a SAS-style URL (Azure storage): sig, and names containing key, token or pass anywhere', () => {
		const url =
			'https://acct.blob.core.windows.net/c/audit.csv?sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-12-31T00:00:00Z&sig=FAKEsig%3D&skoid=1&sktid=2&SubscriptionKey=FAKE3&refresh_TOKEN=FAKE4&userPass=FAKE5&authCode=FAKE6';
		const query = new URL(redactUrl(url)).searchParams;
		for (const name of ['sig', 'SubscriptionKey', 'refresh_TOKEN', 'userPass', 'authCode']) expect(query.get(name)).toBe('REDACTED');
		for (const [name, value] of [['sv', '2022-11-02'], ['sp', 'r'], ['se', '2026-12-31T00:00:00Z']]) expect(query.get(name)).toBe(value);
		expect(redactUrl(url)).not.toMatch(/FAKE/);
	});

	it('drops the query and user part of a string it cannot parse', () => {
		expect(redactUrl('//user:FAKE@host/x?token=FAKE')).toBe('//host/x?REDACTED');
	});

	it('is what HttpError messages and fields carry', () => {
		const error = new HttpError({ status: 403, method: 'GET', url: 'https://x.test/a?client_secret=FAKE7&mySignature=FAKE8' });
		expect(error.message + error.url).not.toMatch(/FAKE/);
	});
});
