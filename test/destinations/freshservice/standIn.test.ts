/**
 * The Freshservice destination against the Freshservice stand-in over real sockets: its query
 * parser, paging, validation and injected faults, reached through a loopback front (see
 * support/loopbackFront.ts) with the base-URL override, as a proxy would be.
 */
import { rmSync } from 'node:fs';
import { FreshserviceDestination } from '../../../nodes/shared/destinations/freshservice';
import { DestinationValidationError } from '../../../nodes/shared/destinations/types';
import { HttpError } from '../../../nodes/shared/http/errors';
import { startFreshserviceStandIn, type FreshserviceStandIn } from './standIn';
import { createTestTls, type TestTls } from '../../fixtures/standins/tls';
import { startLoopbackFront, type LoopbackFront } from '../support/loopbackFront';
import { JANE_OBJECT_ID, makeRequester } from '../support/requesters';

const API_KEY = 'FAKE-standin-key';
const MANAGER_OBJECT_ID = '0a1b2c3d-0000-4000-8000-00000000b055';

let tls: TestTls;
let fs: FreshserviceStandIn;
let front: LoopbackFront;
const delays: number[] = [];

beforeAll(async () => {
	tls = createTestTls();
	fs = await startFreshserviceStandIn({
		tls,
		apiKey: API_KEY,
		departments: [{ id: 7, name: 'IT' }],
		locations: [{ id: 3, name: 'Zürich HQ' }],
		customFields: [{ name: 'azure_object_id', label: 'Azure Object ID', type: 'custom_text' }],
	});
	front = await startLoopbackFront(fs.url, tls.caPem);
});

afterAll(async () => {
	await front.close();
	await fs.close();
	rmSync(tls.dir, { recursive: true, force: true });
});

beforeEach(() => {
	fs.faults.clear();
	delays.length = 0;
});

function destination() {
	return new FreshserviceDestination({
		baseUrl: `${front.url}/api/v2`,
		apiKey: API_KEY,
		customFields: { azureObjectId: 'azure_object_id' },
		sleep: async (ms) => {
			delays.push(ms);
		},
	});
}

const posts = () => fs.requests.filter((request) => request.method === 'POST').length;

describe('Freshservice destination against the stand-in', () => {
	it('creates, finds, updates, links a manager, deactivates and reactivates', async () => {
		const destinationUnderTest = destination();
		const jane = makeRequester({ email: "Zoe.O'Brien@contoso.com", firstName: 'Zoë', lastName: "O'Brien", department: 'it', officeLocation: 'Zürich HQ', city: 'Zürich' });
		const created = await destinationUnderTest.create(jane);
		expect(Number(created.id)).toBeGreaterThan(2 ** 31);
		expect(created).toMatchObject({ key: "zoe.o'brien@contoso.com", azureObjectId: JANE_OBJECT_ID, active: true });
		expect(created.fields).toMatchObject({ department: 'IT', officeLocation: 'Zürich HQ', firstName: 'Zoë' });
		// What a plan compares: the read-back equals what the destination said it would store, so the next run sees no change.
		expect(created.fields).toEqual(destinationUnderTest.expectedFields(jane));

		expect((await destination().findByKey(jane.ssoKey))?.id).toBe(created.id);
		expect((await destination().findByAzureObjectId(JANE_OBJECT_ID))?.id).toBe(created.id);

		const promoted = { ...jane, jobTitle: 'Engineer', street: '1 Main St', country: 'Switzerland' };
		const updated = await destinationUnderTest.update(created.id, { jobTitle: 'Engineer', street: '1 Main St', country: 'Switzerland' }, promoted);
		expect(updated.fields).toEqual(destinationUnderTest.expectedFields(promoted));
		expect(updated.fields).toMatchObject({ jobTitle: 'Engineer', street: '1 Main St', city: 'Zürich', state: null, country: 'Switzerland' });
		expect(fs.requests.at(-1)).toMatchObject({ method: 'PUT', body: { job_title: 'Engineer', address: '1 Main St\nZürich\n\n\nSwitzerland' } });

		const boss = await destinationUnderTest.create(makeRequester({ email: 'boss@contoso.com', firstName: 'Bo', azureObjectId: MANAGER_OBJECT_ID }));
		await destinationUnderTest.setManager(created.id, boss.id);
		expect(fs.state.requesters.get(Number(created.id))?.reporting_manager_id).toBe(Number(boss.id));

		await destinationUnderTest.deactivate(created.id);
		expect((await destination().findById(created.id))?.active).toBe(false);
		await destinationUnderTest.reactivate(created.id);
		expect((await destination().findById(created.id))?.active).toBe(true);
	});

	it('creates a requester with its reporting manager in the same request', async () => {
		const destinationUnderTest = destination();
		const boss = await destinationUnderTest.create(makeRequester({ email: 'boss2@contoso.com', firstName: 'Bo', azureObjectId: MANAGER_OBJECT_ID }));
		const report = await destinationUnderTest.create(makeRequester({ email: 'report@contoso.com', azureObjectId: '99999999-0000-4000-8000-000000000003' }), { managerId: boss.id });
		expect(report.managerId).toBe(boss.id);
		expect(fs.requests.at(-1)).toMatchObject({ method: 'POST', body: { reporting_manager_id: Number(boss.id) } });
		expect(fs.state.requesters.get(Number(report.id))?.reporting_manager_id).toBe(Number(boss.id));
		await expect(destinationUnderTest.create(makeRequester({ email: 'x@contoso.com' }), { managerId: 'r-2' })).rejects.toMatchObject({ reasons: [{ field: 'manager' }] });
	});

	it('lists every requester in pages of 100', async () => {
		for (let index = 0; index < 205; index += 1) fs.state.addRequester({ first_name: `User ${index}`, primary_email: `bulk${index}@contoso.com` });
		const sizes: number[] = [];
		for await (const page of destination().list()) sizes.push(page.length);
		expect(sizes.reduce((a, b) => a + b, 0)).toBe(fs.state.requesters.size);
		expect(sizes.slice(0, 2)).toEqual([100, 100]);
		expect(fs.requests.filter((request) => request.path === '/api/v2/requesters' && request.method === 'GET').every((request) => request.query.per_page !== '101')).toBe(true);
	});

	it('reports the stand-in refusing a duplicate email as a validation reason', async () => {
		const error = await destination()
			.create(makeRequester({ email: 'BULK1@contoso.com', azureObjectId: '99999999-0000-4000-8000-000000000001' }))
			.catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(DestinationValidationError);
		expect((error as DestinationValidationError).reasons).toEqual([expect.objectContaining({ field: 'email', code: 'duplicate_value', message: expect.stringContaining('possibly deactivated') })]);
	});

	it('waits out a throttled request for its Retry-After', async () => {
		fs.faults.failNext(1, { status: 429, retryAfter: 1 });
		expect(await destination().findByKey({ kind: 'email', value: 'bulk2@contoso.com' })).not.toBeNull();
		expect(delays).toEqual([1000]);
	});

	it('a create whose connection is dropped is looked up, then sent once more, leaving one requester', async () => {
		const before = posts();
		fs.faults.resetConnectionNext(1, { method: 'POST' });
		const created = await destination().create(makeRequester({ email: 'reset@contoso.com', azureObjectId: '99999999-0000-4000-8000-000000000002' }));
		expect(posts() - before).toBe(2);
		expect(fs.state.all().filter((requester) => requester.primary_email === 'reset@contoso.com').map((requester) => String(requester.id))).toEqual([created.id]);
	});

	it('fails with the HttpError when the service stays unavailable', async () => {
		fs.faults.setOutage({ status: 503 });
		const error = await new FreshserviceDestination({ baseUrl: `${front.url}/api/v2`, apiKey: API_KEY, retry: { maxAttempts: 2 }, sleep: async () => undefined })
			.findById('1')
			.catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(HttpError);
		expect((error as HttpError).status).toBe(503);
		expect(String(error)).not.toContain(API_KEY);
	});
});
