import nock from 'nock';
import { DestinationConfigError } from '../../../nodes/shared/destinations/common';
import { escapeQueryValue, FreshserviceDestination, freshserviceApiRoot, testFreshserviceAccess, type FreshserviceOptions } from '../../../nodes/shared/destinations/freshservice';
import { DestinationValidationError } from '../../../nodes/shared/destinations/types';
import { HttpError, NetworkError } from '../../../nodes/shared/http/errors';
import { connectionReset } from '../../support/fakeTenant';
import { JANE_OBJECT_ID, makeRequester } from '../support/requesters';

const FS = 'https://acme.freshservice.com';
const API_KEY = 'FAKE-fs-api-key-0123456789';
const ENCODED_KEY = Buffer.from(`${API_KEY}:X`).toString('base64');

const delays: number[] = [];
const errorsSeen: unknown[] = [];

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
	nock.cleanAll();
	delays.length = 0;
});
afterAll(() => {
	nock.enableNetConnect();
	// Whatever failed in this file, no error message or property ever carries the API key.
	for (const error of errorsSeen) {
		const text = `${String(error)} ${JSON.stringify(error)} ${(error as Error).stack ?? ''}`;
		expect(text).not.toContain(API_KEY);
		expect(text).not.toContain(ENCODED_KEY);
	}
});

function destination(options: Partial<FreshserviceOptions> = {}) {
	return new FreshserviceDestination({
		domain: 'acme',
		apiKey: API_KEY,
		sleep: async (ms) => {
			delays.push(ms);
		},
		random: () => 0,
		...options,
	});
}

function api() {
	return nock(FS, { reqheaders: { authorization: `Basic ${ENCODED_KEY}` } });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
	try {
		await promise;
	} catch (error) {
		errorsSeen.push(error);
		return error as Error;
	}
	throw new Error('expected a failure');
}

/** A requester as Freshservice returns it (only the fields these tests read). */
function fsRequester(fields: Record<string, unknown> = {}) {
	return {
		id: 21000500001,
		first_name: 'Jane',
		last_name: 'Doe',
		primary_email: 'jane.doe@contoso.com',
		secondary_emails: [],
		job_title: null,
		mobile_phone_number: null,
		work_phone_number: null,
		department_ids: [],
		location_id: null,
		address: null,
		reporting_manager_id: null,
		can_see_all_tickets_from_associated_departments: false,
		custom_fields: {},
		external_id: null,
		active: true,
		...fields,
	};
}

describe('Freshservice settings', () => {
	it('builds the API root from the domain as users type it, or takes an https / loopback override', () => {
		expect(freshserviceApiRoot({ domain: 'acme' })).toBe('https://acme.freshservice.com/api/v2');
		expect(freshserviceApiRoot({ domain: ' ACME.freshservice.com ' })).toBe('https://acme.freshservice.com/api/v2');
		expect(freshserviceApiRoot({ domain: 'https://acme.freshservice.com/a/login' })).toBe('https://acme.freshservice.com/api/v2');
		expect(freshserviceApiRoot({ baseUrl: 'https://proxy.example.com/fs/api/v2/' })).toBe('https://proxy.example.com/fs/api/v2');
		expect(freshserviceApiRoot({ baseUrl: 'http://127.0.0.1:8443/api/v2' })).toBe('http://127.0.0.1:8443/api/v2');
		expect(() => freshserviceApiRoot({ domain: 'acme corp' })).toThrow(DestinationConfigError);
		expect(() => freshserviceApiRoot({ baseUrl: 'http://proxy.example.com/api/v2' })).toThrow(/https/);
		expect(() => freshserviceApiRoot({ baseUrl: 'https://u:p@proxy.example.com/api/v2' })).toThrow(/credential/);
	});

	it('needs a stored slot for keys that are not the email, and valid custom field names', () => {
		expect(() => destination({ keyKind: 'objectId' })).toThrow(/Azure Object ID/);
		expect(() => destination({ keyKind: 'upn' })).toThrow(/SSO Key/);
		expect(() => destination({ keyKind: 'employeeId', customFields: { employeeId: 'employee id' } })).toThrow(/not a Freshservice field name/);
		expect(() => destination({ customFields: { azureObjectId: 'x', employeeId: 'x' } })).toThrow(/both/);
		expect(() => destination({ customFields: { department: 'dept' } as never })).toThrow(/built-in/);
		expect(() => destination({ apiKey: ' ' })).toThrow(/API Key/);
	});

	it('supports the fields with a target, limited to the chosen ones', () => {
		expect(destination().supportedFields).toEqual(
			expect.arrayContaining(['firstName', 'lastName', 'email', 'phone', 'landline', 'jobTitle', 'department', 'officeLocation', 'street', 'city', 'state', 'postalCode', 'country']),
		);
		expect(destination().supportedFields).not.toContain('employeeId');
		expect(destination({ customFields: { employeeId: 'employee_id' } }).supportedFields).toContain('employeeId');
		expect(destination({ fields: ['jobTitle', 'tags'] }).supportedFields).toEqual(['jobTitle']);
		expect(destination().capabilities).toEqual({ storesAzureObjectId: false, reportingManager: true });
		expect(destination({ customFields: { azureObjectId: 'azure_object_id' } }).capabilities.storesAzureObjectId).toBe(true);
	});

	it('expects a first name from the full name when Azure has none, and reads the address back by line', () => {
		const fs = destination();
		const room = makeRequester({ firstName: null, lastName: null, fullName: 'Conference Room 4', street: '1 Main St\nFloor 2', city: 'Bern', country: 'CH' });
		expect(fs.expectedFields(room)).toMatchObject({ firstName: 'Conference Room 4', lastName: null, street: '1 Main St\nFloor 2', city: 'Bern', state: null, postalCode: null, country: 'CH' });
	});
});

describe('finding requesters', () => {
	it('finds by email with ?email=, case-insensitively, and keeps the key normalised', async () => {
		api()
			.get('/api/v2/requesters')
			.query({ email: "zoe.o'brien@contoso.com" })
			.reply(200, { requesters: [fsRequester({ primary_email: "Zoe.O'Brien@Contoso.com", first_name: 'Zoë' })] });
		const record = await destination().findByKey({ kind: 'email', value: " Zoe.O'Brien@CONTOSO.com " });
		expect(record).toMatchObject({ id: '21000500001', key: "zoe.o'brien@contoso.com", active: true, azureObjectId: null, managerId: null });
		expect(record?.fields).toMatchObject({ firstName: 'Zoë', email: "Zoe.O'Brien@Contoso.com" });
	});

	it('prefers the requester whose primary email matches over one with it as a secondary email, and ignores unrelated answers', async () => {
		api()
			.get('/api/v2/requesters')
			.query({ email: 'jane.doe@contoso.com' })
			.reply(200, {
				requesters: [
					fsRequester({ id: 1, primary_email: 'jd@contoso.com', secondary_emails: ['jane.doe@contoso.com'] }),
					fsRequester({ id: 2, primary_email: 'JANE.DOE@contoso.com' }),
					fsRequester({ id: 3, primary_email: 'someone.else@contoso.com' }),
				],
			});
		expect((await destination().findByKey({ kind: 'email', value: 'jane.doe@contoso.com' }))?.id).toBe('2');
		api().get('/api/v2/requesters').query({ email: 'nobody@contoso.com' }).reply(200, { requesters: [fsRequester({ primary_email: 'someone.else@contoso.com' })] });
		expect(await destination().findByKey({ kind: 'email', value: 'nobody@contoso.com' })).toBeNull();
	});

	it('finds by a custom field with a double-quoted query whose quotes are escaped', async () => {
		let rawPath = '';
		api()
			.get((uri) => {
				rawPath = uri;
				return uri.startsWith('/api/v2/requesters?query=');
			})
			.reply(200, { requesters: [fsRequester({ custom_fields: { employee_id: "O'NEIL-7" } })] });
		const fs = destination({ keyKind: 'employeeId', customFields: { employeeId: 'employee_id' } });
		const record = await fs.findByKey({ kind: 'employeeId', value: "o'neil-7" });
		expect(record?.key).toBe("o'neil-7");
		expect(record?.fields.employeeId).toBe("O'NEIL-7");
		expect(new URL(rawPath, FS).searchParams.get('query')).toBe(`"employee_id:'o\\'neil-7'"`);
		expect(rawPath).toContain('query=%22employee_id');
		expect(escapeQueryValue('a\\b"c\'d')).toBe('a\\\\b\\"c\\\'d');
	});

	it('finds by the stored Azure object id, or answers null when it is not stored', async () => {
		expect(await destination().findByAzureObjectId(JANE_OBJECT_ID)).toBeNull();
		api()
			.get('/api/v2/requesters')
			.query({ query: `"azure_object_id:'${JANE_OBJECT_ID}'"` })
			.reply(200, { requesters: [fsRequester({ custom_fields: { azure_object_id: JANE_OBJECT_ID.toUpperCase() } })] });
		const record = await destination({ customFields: { azureObjectId: 'azure_object_id' } }).findByAzureObjectId(JANE_OBJECT_ID);
		expect(record?.azureObjectId).toBe(JANE_OBJECT_ID.toUpperCase());
	});

	it('finds by id, null when Freshservice says 404', async () => {
		api().get('/api/v2/requesters/21000500001').reply(200, { requester: fsRequester() });
		api().get('/api/v2/requesters/404').reply(404, { description: 'Record not found', errors: [] });
		expect((await destination().findById('21000500001'))?.key).toBe('jane.doe@contoso.com');
		expect(await destination().findById('404')).toBeNull();
	});

	it('lists every requester across pages, following the Link header, with department and location names', async () => {
		const link = (page: number) => ({ link: `<${FS}/api/v2/requesters?per_page=100&page=${page}>; rel="next"` });
		api().get('/api/v2/requesters').query({ per_page: '100', page: '1' }).reply(200, { requesters: [fsRequester({ id: 1, department_ids: [7], location_id: 3 }), fsRequester({ id: 2 })] }, link(2));
		api().get('/api/v2/requesters').query({ per_page: '100', page: '2' }).reply(200, { requesters: [fsRequester({ id: 3, active: false })] }, link(3));
		api().get('/api/v2/requesters').query({ per_page: '100', page: '3' }).reply(200, { requesters: [fsRequester({ id: 4, reporting_manager_id: 1 })] });
		api().get('/api/v2/departments').query({ per_page: '100', page: '1' }).reply(200, { departments: [{ id: 5, name: 'HR' }] }, { link: `<${FS}/api/v2/departments?page=2>; rel="next"` });
		api().get('/api/v2/departments').query({ per_page: '100', page: '2' }).reply(200, { departments: [{ id: 7, name: 'IT' }] });
		api().get('/api/v2/locations').query({ per_page: '100', page: '1' }).reply(200, { locations: [{ id: 3, name: 'Zürich HQ' }] });

		const pages = [];
		for await (const page of destination().list()) pages.push(page);
		expect(pages.map((page) => page.map((record) => record.id))).toEqual([['1', '2'], ['3'], ['4']]);
		expect(pages[0][0].fields).toMatchObject({ department: 'IT', officeLocation: 'Zürich HQ' });
		expect(pages[1][0].active).toBe(false);
		expect(pages[2][0].managerId).toBe('1');
		expect(nock.isDone()).toBe(true);
	});
});

describe('writing requesters', () => {
	const customFields = { azureObjectId: 'azure_object_id', employeeId: 'employee_id', hireDate: 'hire_date' };

	it('creates with every value in Freshservice names, departments and locations resolved by name', async () => {
		api().get('/api/v2/departments').query(true).reply(200, { departments: [{ id: 7, name: 'IT' }] });
		api().get('/api/v2/locations').query(true).reply(200, { locations: [{ id: 3, name: 'Zürich HQ' }] });
		let sent: unknown;
		api()
			.post('/api/v2/requesters', (body) => {
				sent = body;
				return true;
			})
			.reply(201, { requester: fsRequester({ id: 21000500009, department_ids: [7], location_id: 3, custom_fields: { azure_object_id: JANE_OBJECT_ID } }) });

		const requester = makeRequester({
			jobTitle: 'Engineer',
			phone: '+41791234567',
			landline: '+41441234567',
			department: 'it',
			officeLocation: 'zürich hq',
			employeeId: 'E-1',
			hireDate: '2024-02-01',
			street: '1 Main St',
			city: 'Zürich',
			postalCode: '8001',
			country: 'Switzerland',
			tags: ['ignored'],
		});
		const record = await destination({ customFields }).create(requester);
		expect(sent).toEqual({
			first_name: 'Jane',
			last_name: 'Doe',
			primary_email: 'Jane.Doe@contoso.com',
			mobile_phone_number: '+41791234567',
			work_phone_number: '+41441234567',
			job_title: 'Engineer',
			department_ids: [7],
			location_id: 3,
			address: '1 Main St\nZürich\n\n8001\nSwitzerland',
			custom_fields: { azure_object_id: JANE_OBJECT_ID, employee_id: 'E-1', hire_date: '2024-02-01' },
		});
		expect(record).toMatchObject({ id: '21000500009', key: 'jane.doe@contoso.com', azureObjectId: JANE_OBJECT_ID });
		expect(record.fields).toMatchObject({ department: 'IT', officeLocation: 'Zürich HQ' });
	});

	it('refuses an unknown department or location by name before sending anything', async () => {
		api().get('/api/v2/departments').query(true).reply(200, { departments: [{ id: 7, name: 'IT' }] });
		api().get('/api/v2/locations').query(true).reply(200, { locations: [] });
		const error = await failure(destination().create(makeRequester({ department: 'Sales', officeLocation: 'Building 40' })));
		expect(error).toBeInstanceOf(DestinationValidationError);
		expect((error as DestinationValidationError).reasons).toEqual([
			expect.objectContaining({ field: 'department', code: 'unknown_department', message: expect.stringContaining('no department named "Sales"') }),
			expect.objectContaining({ field: 'officeLocation', code: 'unknown_location', message: expect.stringContaining('Admin > Locations') }),
		]);
	});

	it('updates only the changed fields (exact PUT body), keeping department ticket visibility', async () => {
		const fs = destination({ customFields });
		api()
			.get('/api/v2/requesters')
			.query({ email: 'jane.doe@contoso.com' })
			.reply(200, { requesters: [fsRequester({ can_see_all_tickets_from_associated_departments: true, address: '1 Main St\nZürich\n\n8001\nSwitzerland', custom_fields: { azure_object_id: JANE_OBJECT_ID } })] });
		const found = await fs.findByKey({ kind: 'email', value: 'jane.doe@contoso.com' });
		expect(found?.fields).toMatchObject({ street: '1 Main St', city: 'Zürich', state: null, postalCode: '8001', country: 'Switzerland' });

		let sent: unknown;
		api()
			.put('/api/v2/requesters/21000500001', (body) => {
				sent = body;
				return true;
			})
			.reply(200, { requester: fsRequester({ job_title: 'Senior Engineer' }) });
		const requester = makeRequester({ jobTitle: 'Senior Engineer', employeeId: null, street: '1 Main St', city: 'Bern', postalCode: '8001', country: 'Switzerland' });
		const record = await fs.update('21000500001', { jobTitle: 'Senior Engineer', city: 'Bern', employeeId: null }, requester);
		expect(sent).toEqual({
			job_title: 'Senior Engineer',
			address: '1 Main St\nBern\n\n8001\nSwitzerland',
			custom_fields: { employee_id: null },
			can_see_all_tickets_from_associated_departments: true,
		});
		expect(record.fields.jobTitle).toBe('Senior Engineer');
	});

	it('writes the Azure object id when the requester read lacks it, and reads instead of writing when nothing differs', async () => {
		const fs = destination({ customFields: { azureObjectId: 'azure_object_id' } });
		api().get('/api/v2/requesters').query({ email: 'jane.doe@contoso.com' }).reply(200, { requesters: [fsRequester()] });
		await fs.findByKey({ kind: 'email', value: 'jane.doe@contoso.com' });
		let sent: unknown;
		api()
			.put('/api/v2/requesters/21000500001', (body) => {
				sent = body;
				return true;
			})
			.reply(200, { requester: fsRequester({ custom_fields: { azure_object_id: JANE_OBJECT_ID } }) });
		await fs.update('21000500001', {}, makeRequester());
		expect(sent).toEqual({ custom_fields: { azure_object_id: JANE_OBJECT_ID } });

		api().get('/api/v2/requesters/21000500001').reply(200, { requester: fsRequester({ custom_fields: { azure_object_id: JANE_OBJECT_ID } }) });
		const unchanged = await fs.update('21000500001', { tags: ['x'] }, makeRequester());
		expect(unchanged.azureObjectId).toBe(JANE_OBJECT_ID);
		expect(nock.isDone()).toBe(true);
	});

	it('deactivates with DELETE, reactivates with PUT …/reactivate, and accepts a repeat that finds the state already reached', async () => {
		api().delete('/api/v2/requesters/21000500001').reply(204);
		api().put('/api/v2/requesters/21000500001/reactivate').reply(200, { requester: fsRequester() });
		await destination().deactivate('21000500001');
		await destination().reactivate('21000500001');

		api().delete('/api/v2/requesters/21000500001').reply(404, { description: 'Record not found', errors: [] });
		api().get('/api/v2/requesters/21000500001').reply(200, { requester: fsRequester({ active: false }) });
		await destination().deactivate('21000500001');

		api().delete('/api/v2/requesters/21000500002').reply(404, { description: 'Record not found', errors: [] });
		api().get('/api/v2/requesters/21000500002').reply(404, { description: 'Record not found', errors: [] });
		expect((await failure(destination().deactivate('21000500002'))) as HttpError).toMatchObject({ status: 404 });
		expect(nock.isDone()).toBe(true);
	});

	it('sets and clears the reporting manager by requester id', async () => {
		const bodies: unknown[] = [];
		api()
			.put('/api/v2/requesters/21000500001', (body) => bodies.push(body) > 0)
			.times(2)
			.reply(200, { requester: fsRequester() });
		await destination().setManager('21000500001', '21000500002');
		await destination().setManager('21000500001', null);
		expect(bodies).toEqual([{ reporting_manager_id: 21000500002 }, { reporting_manager_id: null }]);
	});

	it('turns a validation answer into field reasons with canonical names', async () => {
		api()
			.post('/api/v2/requesters')
			.reply(400, {
				description: 'Validation failed',
				errors: [
					{ field: 'primary_email', message: "It should be in the 'valid email address' format", code: 'invalid_value' },
					{ field: 'employee_id', message: 'It should be a/an Number', code: 'datatype_mismatch' },
					{ field: 'favourite_colour', message: 'Unexpected/invalid field in request', code: 'invalid_field' },
				],
			});
		const error = (await failure(destination({ customFields }).create(makeRequester({ email: 'not-an-email', employeeId: 'E-1' })))) as DestinationValidationError;
		expect(error).toBeInstanceOf(DestinationValidationError);
		expect(error.status).toBe(400);
		expect(error.reasons.map((reason) => [reason.field, reason.code])).toEqual([
			['email', 'invalid_value'],
			['employeeId', 'datatype_mismatch'],
			['favourite_colour', 'invalid_field'],
		]);
		expect(error.reasons[0].message).toContain('(Freshservice field primary_email)');
		expect(error.message).toContain('HTTP 400');
	});
});

describe('retries', () => {
	it('waits out a 429 for as long as Retry-After says, then succeeds', async () => {
		api().get('/api/v2/requesters').query(true).reply(429, { message: 'You have exceeded the limit of requests per minute' }, { 'retry-after': '7' });
		api().get('/api/v2/requesters').query(true).reply(200, { requesters: [fsRequester()] });
		expect(await destination().findByKey({ kind: 'email', value: 'jane.doe@contoso.com' })).not.toBeNull();
		expect(delays).toEqual([7000]);
	});

	it('retries 500/502/503/504 for reads and gives up with the HttpError after the bound', async () => {
		api().get('/api/v2/requesters/1').reply(500, { description: 'Internal error', errors: [] });
		api().get('/api/v2/requesters/1').reply(502, 'Bad gateway');
		api().get('/api/v2/requesters/1').reply(200, { requester: fsRequester({ id: 1 }) });
		expect((await destination().findById('1'))?.id).toBe('1');

		api().get('/api/v2/requesters/2').times(3).reply(503, { description: 'Service Unavailable', errors: [] });
		const error = (await failure(destination({ retry: { maxAttempts: 3 } }).findById('2'))) as HttpError;
		expect(error).toBeInstanceOf(HttpError);
		expect(error).toMatchObject({ status: 503, attempts: 3 });
		expect(error.message).toContain('Service Unavailable');
	});

	it('create whose connection resets after sending: the lookup finds it, so there is no second POST', async () => {
		const posts = api().post('/api/v2/requesters').replyWithError(connectionReset());
		api().get('/api/v2/requesters').query({ email: 'jane.doe@contoso.com' }).reply(200, { requesters: [fsRequester({ id: 21000500042 })] });
		const record = await destination().create(makeRequester());
		expect(record.id).toBe('21000500042');
		expect(posts.isDone()).toBe(true);
		expect(nock.pendingMocks()).toEqual([]);
		expect(delays).toEqual([]);
	});

	it('create whose connection resets, not found on lookup: one retry creates it', async () => {
		api().post('/api/v2/requesters').replyWithError(connectionReset());
		api().get('/api/v2/requesters').query({ email: 'jane.doe@contoso.com' }).reply(200, { requesters: [] });
		const second = api().post('/api/v2/requesters').reply(201, { requester: fsRequester({ id: 21000500043 }) });
		expect((await destination().create(makeRequester())).id).toBe('21000500043');
		expect(second.isDone()).toBe(true);
		expect(delays).toHaveLength(1);
	});

	it('a retried create refused as a duplicate after a lost answer returns the requester the first one made', async () => {
		api().post('/api/v2/requesters').reply(504, 'Gateway Timeout');
		api().get('/api/v2/requesters').query({ email: 'jane.doe@contoso.com' }).reply(200, { requesters: [] });
		api().post('/api/v2/requesters').reply(409, { description: 'Validation failed', errors: [{ field: 'primary_email', message: 'It should be a unique value', code: 'duplicate_value' }] });
		api().get('/api/v2/requesters').query({ email: 'jane.doe@contoso.com' }).reply(200, { requesters: [fsRequester({ id: 21000500044 })] });
		expect((await destination().create(makeRequester())).id).toBe('21000500044');
	});

	it('a create that keeps failing ambiguously stops after three posts with the last error', async () => {
		api().post('/api/v2/requesters').times(3).replyWithError(connectionReset());
		api().get('/api/v2/requesters').query(true).times(3).reply(200, { requesters: [] });
		const error = await failure(destination().create(makeRequester()));
		expect(error).toBeInstanceOf(NetworkError);
		expect(nock.isDone()).toBe(true);
	});
});

describe('connection test', () => {
	it('answers OK for a working key and plain words for a rejected one, never echoing the key', async () => {
		api().get('/api/v2/requesters').query({ per_page: '1' }).reply(200, { requesters: [] });
		expect(await testFreshserviceAccess({ domain: 'acme', apiKey: API_KEY })).toEqual({ ok: true, message: 'Connected to Freshservice (acme.freshservice.com)' });

		nock(FS).get('/api/v2/requesters').query({ per_page: '1' }).reply(401, { code: 'invalid_credentials', message: 'You have to be logged in to perform this action.' });
		const rejected = await testFreshserviceAccess({ domain: 'acme', apiKey: API_KEY });
		expect(rejected).toEqual({ ok: false, message: expect.stringContaining('rejected the API key (HTTP 401)') });
		expect(JSON.stringify(rejected)).not.toContain(API_KEY);

		expect(await testFreshserviceAccess({ domain: 'acme corp', apiKey: API_KEY })).toEqual({ ok: false, message: expect.stringContaining('Domain') });

		nock(FS).get('/api/v2/requesters/1').reply(401, { code: 'invalid_credentials', message: 'You have to be logged in to perform this action.' });
		const error = (await failure(destination().findById('1'))) as HttpError;
		expect(error).toMatchObject({ status: 401, code: 'invalid_credentials' });
	});
});
