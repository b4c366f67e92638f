import nock from 'nock';
import { DestinationConfigError } from '../../../nodes/shared/destinations/common';
import { GenericRestDestination, getPath, setPath, type GenericRestOptions } from '../../../nodes/shared/destinations/genericRest';
import { DestinationValidationError } from '../../../nodes/shared/destinations/types';
import { HttpError } from '../../../nodes/shared/http/errors';
import { connectionReset } from '../../support/fakeTenant';
import { JANE_OBJECT_ID, makeRequester } from '../support/requesters';

const ITSM = 'https://itsm.example.com';
const TOKEN = 'FAKE-bearer-token-abcdef';
const delays: number[] = [];

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
	nock.cleanAll();
	delays.length = 0;
});
afterAll(() => nock.enableNetConnect());

function destination(options: Partial<GenericRestOptions> = {}) {
	return new GenericRestDestination({
		baseUrl: `${ITSM}/api/v1`,
		headers: { Authorization: `Bearer ${TOKEN}` },
		sleep: async (ms) => {
			delays.push(ms);
		},
		random: () => 0,
		...options,
	});
}

function api() {
	return nock(ITSM, { reqheaders: { authorization: `Bearer ${TOKEN}` } });
}

function contractRequester(fields: Record<string, unknown> = {}) {
	return { id: 'r-1', active: true, email: 'Jane.Doe@contoso.com', firstName: 'Jane', lastName: 'Doe', azureObjectId: JANE_OBJECT_ID, managerId: null, tags: [], ...fields };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
	try {
		await promise;
	} catch (error) {
		const text = `${String(error)} ${JSON.stringify(error)}`;
		expect(text).not.toContain(TOKEN);
		return error as Error;
	}
	throw new Error('expected a failure');
}

describe('generic requester API with the documented defaults', () => {
	it('stores every mapped field and the Azure object id, and can point at managers', () => {
		const generic = destination();
		expect(generic.supportedFields).toEqual(expect.arrayContaining(['email', 'tags', 'hireDate', 'costCenter', 'country']));
		expect(generic.supportedFields).not.toContain('manager');
		expect(generic.capabilities).toEqual({ storesAzureObjectId: true, reportingManager: true });
		expect(generic.label).toBe('Requester API (itsm.example.com)');
	});

	it('finds by key at /requesters?email={key}, exact match only', async () => {
		api()
			.get('/api/v1/requesters')
			.query({ email: "zoe.o'brien@contoso.com" })
			.reply(200, { items: [contractRequester({ id: 'r-9', email: "Zoe.O'Brien@contoso.com" }), contractRequester({ id: 'r-10', email: 'zoe.o@contoso.com' })] });
		const record = await destination().findByKey({ kind: 'email', value: "Zoe.O'Brien@contoso.com" });
		expect(record).toMatchObject({ id: 'r-9', key: "zoe.o'brien@contoso.com", azureObjectId: JANE_OBJECT_ID, active: true });

		api().get('/api/v1/requesters').query(true).reply(404, { message: 'Not found' });
		expect(await destination().findByKey({ kind: 'email', value: 'nobody@contoso.com' })).toBeNull();
	});

	it('finds by Azure object id and by id', async () => {
		api().get('/api/v1/requesters').query({ azureObjectId: JANE_OBJECT_ID }).reply(200, { items: [contractRequester()] });
		api().get('/api/v1/requesters/r-1').reply(200, contractRequester());
		expect((await destination().findByAzureObjectId(JANE_OBJECT_ID.toUpperCase()))?.id).toBe('r-1');
		expect((await destination().findById('r-1'))?.fields.email).toBe('Jane.Doe@contoso.com');
	});

	it('lists page by page until a short page', async () => {
		for (const [page, ids] of [[1, ['a', 'b']], [2, ['c', 'd']], [3, ['e']]] as const) {
			api()
				.get('/api/v1/requesters')
				.query({ page: String(page), per_page: '2' })
				.reply(200, { items: ids.map((id) => contractRequester({ id })) });
		}
		const seen: string[][] = [];
		for await (const page of destination({ pageSize: 2 }).list()) seen.push(page.map((record) => record.id));
		expect(seen).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
	});

	it('notices an API that ignores page instead of reading page 1 forever', async () => {
		api().get('/api/v1/requesters').query(true).times(2).reply(200, { items: [contractRequester({ id: 'a' }), contractRequester({ id: 'b' })] });
		const read = async () => {
			for await (const page of destination({ pageSize: 2 }).list()) void page;
		};
		await expect(read()).rejects.toThrow(/ignores page/);
	});

	it('creates with values only, updates with changed fields only (null clears), and deactivates via the endpoints', async () => {
		const bodies: Array<[string, unknown]> = [];
		const record = (body: unknown) => bodies.push(['body', body]) > 0;
		api().post('/api/v1/requesters', record).reply(201, contractRequester({ jobTitle: 'Engineer' }));
		api().patch('/api/v1/requesters/r-1', record).reply(200, contractRequester({ jobTitle: 'Lead', city: null }));
		api().patch('/api/v1/requesters/r-1', record).reply(204);
		api().get('/api/v1/requesters/r-1').reply(200, contractRequester({ managerId: 'r-2' }));
		api().post('/api/v1/requesters/r-1/deactivate').reply(204);
		api().post('/api/v1/requesters/r-1/reactivate').reply(200, {});

		const generic = destination();
		const jane = makeRequester({ jobTitle: 'Engineer', tags: ['vip'], hireDate: '2024-02-01' });
		const created = await generic.create(jane);
		const updated = await generic.update('r-1', { jobTitle: 'Lead', city: null }, { ...jane, jobTitle: 'Lead' });
		await generic.setManager('r-1', 'r-2');
		await generic.deactivate('r-1');
		await generic.reactivate('r-1');

		expect(bodies.map(([, body]) => body)).toEqual([
			{
				username: 'jane.doe@contoso.com',
				fullName: 'Jane Doe',
				firstName: 'Jane',
				lastName: 'Doe',
				email: 'Jane.Doe@contoso.com',
				tags: ['vip'],
				jobTitle: 'Engineer',
				hireDate: '2024-02-01',
				azureObjectId: JANE_OBJECT_ID,
			},
			{ jobTitle: 'Lead', city: null },
			{ managerId: 'r-2' },
		]);
		expect(created.fields.jobTitle).toBe('Engineer');
		expect(updated.fields).toMatchObject({ jobTitle: 'Lead', city: null });
		expect(nock.isDone()).toBe(true);
	});

	it('maps refused fields back to requester fields', async () => {
		api()
			.post('/api/v1/requesters')
			.reply(422, { message: 'Validation failed', errors: [{ field: 'email', message: 'is not an email', code: 'invalid_value' }, { field: 'managerId', message: 'unknown' }] });
		const error = (await failure(destination().create(makeRequester({ email: 'nope' })))) as DestinationValidationError;
		expect(error).toBeInstanceOf(DestinationValidationError);
		expect(error.reasons).toEqual([
			{ field: 'email', message: 'is not an email', code: 'invalid_value' },
			{ field: 'manager', message: 'unknown (Requester API (itsm.example.com) field managerId)', code: undefined },
		]);
	});
});

describe('generic requester API with its own names and paths', () => {
	const custom: Partial<GenericRestOptions> = {
		keyKind: 'employeeId',
		fieldNames: { email: 'mail', employeeId: 'hr.employeeNumber', jobTitle: 'profile.title', azureObjectId: 'externalId', tags: '', username: '' },
		idField: 'uid',
		activeField: 'enabled',
		managerField: 'manager.uid',
		itemsPath: 'data.results',
		recordPath: 'person',
		paging: 'none',
		updateMethod: 'PUT',
		deactivation: 'activeField',
		paths: {
			findByKey: '/people/search?employee={key}',
			findByAzureObjectId: '',
			list: '/people',
			create: '/people',
			record: '/people/{id}',
		},
	};
	const person = (fields: Record<string, unknown> = {}) => ({
		uid: 77,
		enabled: false,
		mail: 'jane.doe@contoso.com',
		hr: { employeeNumber: 'E-42' },
		profile: { title: 'Engineer' },
		externalId: JANE_OBJECT_ID,
		manager: { uid: 12 },
		...fields,
	});

	it('reads nested names, a wrapped record and an unpaged list', async () => {
		api().get('/api/v1/people/search').query({ employee: 'e-42' }).reply(200, { data: { results: [person()] } });
		api().get('/api/v1/people').reply(200, { data: { results: [person(), person({ uid: 78, enabled: true })] } });
		const generic = destination(custom);
		expect(generic.capabilities).toEqual({ storesAzureObjectId: false, reportingManager: true });
		expect(generic.supportedFields).not.toContain('tags');
		const found = await generic.findByKey({ kind: 'employeeId', value: 'E-42' });
		expect(found).toMatchObject({ id: '77', key: 'e-42', active: false, managerId: '12', azureObjectId: JANE_OBJECT_ID });
		expect(found?.fields).toMatchObject({ jobTitle: 'Engineer', employeeId: 'E-42', email: 'jane.doe@contoso.com' });
		const pages = [];
		for await (const page of generic.list()) pages.push(page.map((record) => record.id));
		expect(pages).toEqual([['77', '78']]);
		expect(await generic.findByAzureObjectId(JANE_OBJECT_ID)).toBeNull();
	});

	it('writes nested bodies, updates with PUT and deactivates by the active field', async () => {
		const sent: Array<[string, unknown]> = [];
		const keep = (method: string) => (body: unknown) => sent.push([method, body]) > 0;
		api().post('/api/v1/people', keep('POST')).reply(201, { person: person({ enabled: true }) });
		api().put('/api/v1/people/77', keep('PUT')).times(3).reply(200, { person: person() });

		const generic = destination(custom);
		const jane = makeRequester({ employeeId: 'E-42', jobTitle: 'Engineer', ssoKey: { kind: 'employeeId', value: 'e-42' } });
		await generic.create(jane);
		await generic.update('77', { jobTitle: 'Lead' }, { ...jane, jobTitle: 'Lead' });
		await generic.deactivate('77');
		await generic.setManager('77', null);
		expect(sent).toEqual([
			['POST', expect.objectContaining({ mail: 'Jane.Doe@contoso.com', hr: { employeeNumber: 'E-42' }, profile: { title: 'Engineer' }, externalId: JANE_OBJECT_ID })],
			['PUT', { profile: { title: 'Lead' } }],
			['PUT', { enabled: false }],
			['PUT', { manager: { uid: null } }],
		]);
	});

	it('sends the manager in a create at the Manager Field path, and never without a Manager Field', async () => {
		const sent: unknown[] = [];
		const keep = (body: unknown) => sent.push(body) > 0;
		api().post('/api/v1/people', keep).reply(201, { person: person({ manager: { uid: 'p-9' } }) });
		api().post('/api/v1/requesters', keep).reply(201, contractRequester());
		const created = await destination(custom).create(makeRequester(), { managerId: 'p-9' });
		await destination({ managerField: '' }).create(makeRequester(), { managerId: 'r-9' });
		expect(sent[0]).toMatchObject({ manager: { uid: 'p-9' } });
		expect(sent[1]).not.toHaveProperty('managerId');
		expect(created.managerId).toBe('p-9');
	});

	it('stores the UPN in its own field when requesters are matched on it', async () => {
		let body: unknown;
		api()
			.post('/api/v1/requesters', (sent) => {
				body = sent;
				return true;
			})
			.reply(201, contractRequester({ userPrincipalName: 'jane.doe_contoso.com#ext#@fabrikam.onmicrosoft.com' }));
		const upn = 'jane.doe_contoso.com#ext#@fabrikam.onmicrosoft.com';
		const generic = destination({ keyKind: 'upn' });
		const record = await generic.create(makeRequester({ ssoKey: { kind: 'upn', value: upn } }));
		expect(body).toMatchObject({ userPrincipalName: upn, email: 'Jane.Doe@contoso.com' });
		expect(record.key).toBe(upn);

		api().get('/api/v1/requesters').query({ userPrincipalName: upn }).reply(200, { items: [] });
		expect(await generic.findByKey({ kind: 'upn', value: upn })).toBeNull();
	});
});

describe('generic requester API settings and retries', () => {
	it('refuses unusable settings naming them', () => {
		expect(() => destination({ baseUrl: 'http://itsm.example.com' })).toThrow(DestinationConfigError);
		expect(() => destination({ paths: { record: '/requesters/{key}' } })).toThrow(/\{key\} is not available/);
		expect(() => destination({ paths: { findByKey: '/requesters' } })).toThrow(/needs \{key\}/);
		expect(() => destination({ paths: { list: 'requesters' } })).toThrow(/must start with \//);
		expect(() => destination({ fieldNames: { email: '' } })).toThrow(/needs a JSON field/);
		expect(() => destination({ fieldNames: { city: 'x', state: 'x' } })).toThrow(/both city and state/);
		expect(() => destination({ pageSize: 0 })).toThrow(/Page Size/);
		expect(() => destination({ keyKind: 'upn', fieldNames: { ssoKey: '' } })).toThrow(/SSO key/);
		expect(destination({ baseUrl: 'http://127.0.0.1:9000/api/' }).label).toBe('Requester API (127.0.0.1:9000)');
	});

	it('honours Retry-After and gives up on a 503 storm after the bound', async () => {
		api().get('/api/v1/requesters/r-1').reply(429, {}, { 'retry-after': '3' });
		api().get('/api/v1/requesters/r-1').reply(200, contractRequester());
		expect((await destination().findById('r-1'))?.id).toBe('r-1');
		expect(delays).toEqual([3000]);

		api().get('/api/v1/requesters/r-2').times(2).reply(503, { message: 'Down for maintenance' });
		const error = (await failure(destination({ retry: { maxAttempts: 2 } }).findById('r-2'))) as HttpError;
		expect(error).toMatchObject({ status: 503, attempts: 2 });
	});

	it('never duplicates a create whose answer was lost, and retries it once when it did not land', async () => {
		api().post('/api/v1/requesters').replyWithError(connectionReset());
		api().get('/api/v1/requesters').query({ email: 'jane.doe@contoso.com' }).reply(200, { items: [contractRequester({ id: 'r-5' })] });
		expect((await destination().create(makeRequester())).id).toBe('r-5');
		expect(nock.pendingMocks()).toEqual([]);

		api().post('/api/v1/requesters').replyWithError(connectionReset());
		api().get('/api/v1/requesters').query({ email: 'jane.doe@contoso.com' }).reply(200, { items: [] });
		api().post('/api/v1/requesters').reply(201, contractRequester({ id: 'r-6' }));
		expect((await destination().create(makeRequester())).id).toBe('r-6');
		expect(nock.isDone()).toBe(true);
	});

	it('reads a create back by key when the API answers without the record', async () => {
		api().post('/api/v1/requesters').reply(201);
		api().get('/api/v1/requesters').query({ email: 'jane.doe@contoso.com' }).reply(200, [contractRequester({ id: 'r-7' })]);
		expect((await destination({ itemsPath: '' }).create(makeRequester())).id).toBe('r-7');
	});

	it('walks dotted paths', () => {
		expect(getPath({ a: { b: [1] } }, 'a.b')).toEqual([1]);
		expect(getPath({ a: 1 }, 'a.b')).toBeUndefined();
		expect(setPath({ a: { x: 1 } }, 'a.b.c', 2)).toEqual({ a: { x: 1, b: { c: 2 } } });
	});
});
