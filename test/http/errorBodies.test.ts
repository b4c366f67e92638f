/**
 * A service may echo what we sent in its error answer (a request field, a key). HttpError keeps only
 * what its reader took out (code, message, field reasons), never the body, so nothing that logs or
 * stores an error (the unsynced registry, node errors) carries the echo.
 */
import nock from 'nock';
import { asValidationError, readFieldErrorBody } from '../../nodes/shared/destinations/common';
import { HttpError } from '../../nodes/shared/http/errors';
import { send } from '../../nodes/shared/http/request';
import { DEFAULT_RETRY_POLICY } from '../../nodes/shared/http/retry';
import { readGraphError } from '../../nodes/shared/graph/errors';
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

async function refused(status: number, body: unknown, readError = readFieldErrorBody): Promise<HttpError> {
	nock(API).post('/requesters').reply(status, body as nock.Body);
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
		const mapped = mapUser({ id: '00000000-0000-4000-8000-000000000001', displayName: 'Ada', mail: 'ada@contoso.test', userPrincipalName: 'ada@contoso.test', accountEnabled: true }, {});
		if (!mapped.ok) throw new Error('mapping failed');
		const result = await runRequesterSync(
			destination,
			{ mapped: [{ requester: mapped.requester, itemIndex: 0 }], removed: [], unmapped: [], completeRead: true, mode: 'full' },
			{ links: {}, unsynced: {} },
			{ dryRun: false, safeguard: { maxCount: 500, maxPercent: 50 }, concurrency: 1, deactivateDisabled: true },
		);
		const stored = JSON.stringify(result.records);
		expect(stored).toContain('It should be a valid email address');
		expect(stored).toContain('email');
		expect(stored).not.toContain(ECHO);
		expect(JSON.stringify(result.outcomes)).not.toContain(ECHO);
	});
});
