/**
 * A service may echo what we sent in its error answer (a request field, a key). HttpError keeps only
 * what its reader took out (code, message, field reasons), never the body, so nothing that logs or
 * stores an error (the unsynced registry, node errors) carries the echo. A non-JSON answer (an HTML
 * error page, a proxy's page) is quoted only when it is one short plain line; otherwise every reader
 * describes it by type and size.
 */
import nock from 'nock';
import { asValidationError, readFieldErrorBody } from '../../nodes/shared/destinations/common';
import { FreshserviceDestination } from '../../nodes/shared/destinations/freshservice';
import { GenericRestDestination } from '../../nodes/shared/destinations/genericRest';
import { ScimDestination } from '../../nodes/shared/destinations/scim';
import { readScimError } from '../../nodes/shared/destinations/scim/requests';
import { ServiceNowDestination } from '../../nodes/shared/destinations/servicenow';
import { readServiceNowError } from '../../nodes/shared/destinations/servicenow/requests';
import type { RequesterDestination } from '../../nodes/shared/destinations/types';
import { HttpError, textBodyMessage } from '../../nodes/shared/http/errors';
import { send, type ErrorBodyReader } from '../../nodes/shared/http/request';
import { DEFAULT_RETRY_POLICY } from '../../nodes/shared/http/retry';
import { GraphError, readGraphError } from '../../nodes/shared/graph/errors';
import { mapUser } from '../../nodes/shared/requester/mapping';
import { runRequesterSync } from '../../nodes/shared/sync/engine';
import { MemoryDestination } from '../support/memoryDestination';

const API = 'https://itsm.example.test';
const ECHO = 'ECHOED-FAKE-api-key-and-request-body';
const ONE_TRY = { policy: { ...DEFAULT_RETRY_POLICY, maxAttempts: 1 } };

const refusal = {
	description: 'Validation failed',
	errors: [{ field: 'primary_email', message: 'It should be a valid email address', code: 'invalid_value' }],
	request: { primary_email: 'not-an-email', api_key: ECHO },
};

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

const ADA_ID = '00000000-0000-4000-8000-000000000001';

/** One mapped user through the real sync engine into `destination`, from empty records. */
async function syncAda(destination: RequesterDestination) {
	const mapped = mapUser({ id: ADA_ID, displayName: 'Ada', mail: 'ada@contoso.test', userPrincipalName: 'ada@contoso.test', accountEnabled: true }, {});
	if (!mapped.ok) throw new Error('mapping failed');
	return await runRequesterSync(
		destination,
		{ mapped: [{ requester: mapped.requester, itemIndex: 0 }], removed: [], unmapped: [], completeRead: false, mode: 'incremental' },
		{ links: {}, unsynced: {} },
		{ dryRun: false, safeguard: { maxCount: 500, maxPercent: 50 }, concurrency: 1, deactivateDisabled: true },
	);
}

async function refused(status: number, body: unknown, readError: ErrorBodyReader | undefined = readFieldErrorBody, headers: Record<string, string> = {}): Promise<HttpError> {
	nock(API).post('/requesters').reply(status, body as nock.Body, headers);
	const error = await send({ method: 'POST', url: `${API}/requesters`, body: { email: 'x' } }, { ...ONE_TRY, readError }).catch((caught) => caught);
	expect(error).toBeInstanceOf(HttpError);
	return error as HttpError;
}

describe('error answers that echo the request', () => {
	it('HttpError keeps the field reasons, not the body', async () => {
		const error = await refused(422, refusal);
		expect(error.fieldErrors).toEqual([{ field: 'primary_email', message: 'It should be a valid email address', code: 'invalid_value' }]);
		expect(error.summary).toBe('Validation failed');
		expect(Object.keys(error)).not.toContain('body');
		expect(`${error.message} ${JSON.stringify(error)} ${String(error)}`).not.toContain(ECHO);
	});

	it('a Graph error keeps code and message only', async () => {
		const error = await refused(400, { error: { code: 'Request_BadRequest', message: 'Invalid value', innerError: { echo: ECHO } } }, readGraphError);
		expect(error.code).toBe('Request_BadRequest');
		expect(JSON.stringify(error)).not.toContain(ECHO);
	});

	it('the validation error and the stored unsynced reason hold the reason, not the echo', async () => {
		const httpError = await refused(400, refusal);
		const validation = asValidationError(httpError, (field) => (field === 'primary_email' ? 'email' : field), 'Freshservice');
		const destination = new MemoryDestination();
		destination.failures.push({ call: 'create', error: validation as Error });
		const result = await syncAda(destination);
		const stored = JSON.stringify(result.records);
		expect(stored).toContain('It should be a valid email address');
		expect(stored).toContain('email');
		expect(stored).not.toContain(ECHO);
		expect(JSON.stringify(result.outcomes)).not.toContain(ECHO);
	});
});

/** A WAF / proxy page that echoes the request: a fake email and a fake API key, never to be repeated. */
const ECHOED_EMAIL = 'echoed.victim@contoso.test';
const ECHOED_KEY = 'FAKE-echoed-api-key-7f3a9c';
const HTML_PAGE = `<!DOCTYPE html>
<html><head><title>403 Forbidden</title></head>
<body><h1>Request blocked</h1><p>Your request for ${ECHOED_EMAIL} with api_key=${ECHOED_KEY} was refused by the firewall.</p>
<p>Support ID: 1234567890 · Zürich</p></body></html>`;
const HTML = { 'content-type': 'text/html; charset=utf-8' };
const PAGE_DESCRIPTION = `non-JSON answer (text/html, ${Buffer.byteLength(HTML_PAGE)} bytes)`;

function expectNoEcho(text: string) {
	expect(text).not.toContain(ECHOED_EMAIL);
	expect(text).not.toContain(ECHOED_KEY);
	expect(text).not.toContain('<');
}

describe('a non-JSON error answer', () => {
	it('is quoted only as one short plain line, otherwise described by type and size', () => {
		expect(textBodyMessage('Service Unavailable', { 'content-type': 'text/plain' })).toBe('Service Unavailable');
		expect(textBodyMessage('  Bad gateway\n', {})).toBe('Bad gateway');
		expect(textBodyMessage('x'.repeat(200), {})).toBe('x'.repeat(200));
		expect(textBodyMessage('x'.repeat(201), { 'content-type': 'text/plain' })).toBe('non-JSON answer (text/plain, 201 bytes)');
		expect(textBodyMessage(`<p>${'é'.repeat(600)}</p>`, { 'content-type': 'TEXT/HTML; charset=utf-8' })).toBe('non-JSON answer (text/html, 1,207 bytes)');
		expect(textBodyMessage('<html>Hibernating</html>', {})).toBe('non-JSON answer (no content type, 24 bytes)');
		expect(textBodyMessage('Blocked\nemail=a@b.test', { 'content-type': 'text/plain' })).toBe('non-JSON answer (text/plain, 22 bytes)');
		expect(textBodyMessage('Blocked\temail', {})).toBe('non-JSON answer (no content type, 13 bytes)');
		expect(textBodyMessage('Blocked \u202Eyek', {})).toBe('non-JSON answer (no content type, 14 bytes)');
		expect(textBodyMessage('<b>x</b>', { 'content-type': 'text/html <script>' })).toBe('non-JSON answer (no content type, 8 bytes)');
		expect(textBodyMessage('   ', {})).toBeUndefined();
		expect(textBodyMessage(undefined, {})).toBeUndefined();
		expect(textBodyMessage(42, {})).toBeUndefined();
	});

	const readers: Array<[string, ErrorBodyReader | undefined]> = [
		['the generic reader', undefined],
		['the Graph reader', readGraphError],
		['the Freshservice / generic REST reader', readFieldErrorBody],
		['the ServiceNow reader', readServiceNowError],
		['the SCIM reader', readScimError],
		['a reader that knows only its JSON shape', () => ({})],
	];

	it.each(readers)('%s describes an HTML page and never repeats what it echoed', async (_name, reader) => {
		const error = await refused(403, HTML_PAGE, reader, HTML);
		expect(error.serviceMessage).toBe(PAGE_DESCRIPTION);
		expect(error.message).toContain(PAGE_DESCRIPTION);
		expectNoEcho(`${error.message} ${JSON.stringify(error)} ${String(error)} ${error.stack ?? ''}`);
		if (reader === readGraphError) expectNoEcho(new GraphError(error).message);
	});

	it.each(readers)('%s still quotes a short plain line', async (_name, reader) => {
		const error = await refused(503, 'Service Unavailable', reader, { 'content-type': 'text/plain' });
		expect(error.serviceMessage).toBe('Service Unavailable');
		expect(error.message).toContain('(Service Unavailable)');
	});
});

describe('an HTML error page through each destination into the unsynced registry', () => {
	const SECRET = 'FAKE-destination-secret-0123';
	/** Every request to `origin` answers the page (the token endpoint too); `status` is not retried. */
	function blocked(origin: string, status = 403) {
		const scope = nock(origin).persist();
		for (const method of ['get', 'post', 'patch', 'put', 'delete'] as const) scope[method](/.*/).reply(status, HTML_PAGE, HTML);
	}
	const destinations: Array<[string, string, () => RequesterDestination]> = [
		['Freshservice', 'https://acme.freshservice.com', () => new FreshserviceDestination({ domain: 'acme', apiKey: SECRET, retry: { maxAttempts: 1 } })],
		['generic REST', 'https://itsm.example.test', () => new GenericRestDestination({ baseUrl: 'https://itsm.example.test/api', headers: { Authorization: `Bearer ${SECRET}` }, retry: { maxAttempts: 1 } })],
		['ServiceNow (Basic)', 'https://acme.service-now.com', () => new ServiceNowDestination({ instance: 'acme', auth: { kind: 'basic', username: 'svc', password: SECRET }, retry: { maxAttempts: 1 } })],
		[
			'ServiceNow (OAuth token request)',
			'https://acme.service-now.com',
			() => new ServiceNowDestination({ instance: 'acme', auth: { kind: 'oauth', grant: 'clientCredentials', clientId: 'client', clientSecret: SECRET }, retry: { maxAttempts: 1 } }),
		],
		['SCIM 2.0', 'https://scim.example.test', () => new ScimDestination({ baseUrl: 'https://scim.example.test/scim/v2', headers: { authorization: `Bearer ${SECRET}` }, retry: { maxAttempts: 1 } })],
	];

	it.each(destinations)('%s: the stored reason describes the page and holds nothing it echoed', async (_name, origin, build) => {
		blocked(origin);
		const result = await syncAda(build());
		const reason = result.records.unsynced[ADA_ID];
		expect(reason?.message).toContain(PAGE_DESCRIPTION);
		const stored = `${JSON.stringify(result.records)} ${JSON.stringify(result.outcomes)}`;
		expectNoEcho(stored);
		expect(stored).not.toContain(SECRET);
	});
});
