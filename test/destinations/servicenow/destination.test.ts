/**
 * The ServiceNow destination against the ServiceNow stand-in over real sockets (its encoded-query
 * parser, paging links, reference columns, error shape and injected faults), reached through a
 * loopback front (see ../support/loopbackFront.ts) with the Base URL override, as a proxy would be.
 */
import { rmSync } from 'node:fs';
import { ServiceNowDestination, type ServiceNowOptions } from '../../../nodes/shared/destinations/servicenow';
import { DestinationValidationError } from '../../../nodes/shared/destinations/types';
import { HttpError } from '../../../nodes/shared/http/errors';
import { normaliseKey } from '../../../nodes/shared/requester/model';
import { createTestTls, type TestTls } from '../../fixtures/standins/tls';
import { startLoopbackFront, type LoopbackFront } from '../support/loopbackFront';
import { JANE_OBJECT_ID, makeRequester } from '../support/requesters';
import { startServiceNowStandIn, type ServiceNowStandIn } from './standIn';

const ACCOUNT = 'svc.azure.sync';
const PASSWORD = 'FAKE-sn-password-0123';
const MANAGER_OBJECT_ID = '0a1b2c3d-0000-4000-8000-00000000b055';

let tls: TestTls;
let sn: ServiceNowStandIn;
let front: LoopbackFront;
const delays: number[] = [];

beforeAll(async () => {
	tls = createTestTls();
	sn = await startServiceNowStandIn({
		tls,
		accounts: { [ACCOUNT]: PASSWORD },
		departments: ['IT', 'Sales'],
		locations: ['Zürich HQ'],
		companies: ['Contoso AG'],
		costCenters: ['CC-100'],
		customColumns: ['u_azure_object_id'],
	});
	front = await startLoopbackFront(sn.url, tls.caPem);
});

afterAll(async () => {
	await front.close();
	await sn.close();
	rmSync(tls.dir, { recursive: true, force: true });
});

beforeEach(() => {
	sn.faults.clear();
	delays.length = 0;
});

function destination(options: Partial<ServiceNowOptions> = {}) {
	return new ServiceNowDestination({
		baseUrl: front.url,
		auth: { kind: 'basic', username: ACCOUNT, password: PASSWORD },
		azureObjectIdField: 'u_azure_object_id',
		sleep: async (ms) => {
			delays.push(ms);
		},
		...options,
	});
}

/** Requests the stand-in received while `work` ran. */
async function during<T>(work: () => Promise<T>) {
	const start = sn.requests.length;
	const value = await work();
	return { value, requests: sn.requests.slice(start) };
}

const writes = (requests: typeof sn.requests) => requests.filter((request) => request.method !== 'GET');

let nextObjectId = 1;

/** A requester whose user_name (unique in sys_user) and object id are its own, as Map To Requester makes them. */
function person(email: string, overrides: Parameters<typeof makeRequester>[0] = {}) {
	const azureObjectId = `99999999-0000-4000-8000-${String(nextObjectId++).padStart(12, '0')}`;
	return makeRequester({ email, username: email.toLowerCase(), azureObjectId, ...overrides });
}

describe('ServiceNow destination against the stand-in', () => {
	it('creates a user with its references resolved by name, reads back what it said it would store, and finds it by key and object id', async () => {
		const jane = makeRequester({ email: 'Jane.Doe@contoso.com', username: 'jane.doe@contoso.com', jobTitle: 'Engineer', department: 'it', officeLocation: 'Zürich HQ', company: 'Contoso AG', costCenter: 'CC-100', city: 'Zürich', landline: '+41 44 000 00 00' });
		const subject = destination();
		const { value: created, requests } = await during(() => subject.create(jane));
		expect(created).toMatchObject({ key: 'jane.doe@contoso.com', azureObjectId: JANE_OBJECT_ID, active: true, managerId: null });
		expect(created.id).toMatch(/^[0-9a-f]{32}$/);
		// Read back in ServiceNow's spelling, and equal to what a plan compares with: the next run sees no change.
		expect(created.fields).toMatchObject({ department: 'IT', officeLocation: 'Zürich HQ', company: 'Contoso AG', costCenter: 'CC-100', jobTitle: 'Engineer', landline: '+41 44 000 00 00' });
		expect(created.fields).toEqual(subject.expectedFields(jane));

		const row = sn.state.user(created.id)!;
		expect(row).toMatchObject({ email: 'Jane.Doe@contoso.com', title: 'Engineer', phone: '+41 44 000 00 00', u_azure_object_id: JANE_OBJECT_ID, name: 'Jane Doe' });
		expect(row.department).toBe(sn.state.byName('cmn_department', 'IT')!.sys_id);
		expect(row.location).toBe(sn.state.byName('cmn_location', 'Zürich HQ')!.sys_id);
		// A create sends values only, never an empty column.
		const post = writes(requests);
		expect(post).toHaveLength(1);
		expect(Object.values(post[0].body as object)).not.toContain('');

		expect((await destination().findByKey({ kind: 'email', value: 'JANE.DOE@contoso.com' }))?.id).toBe(created.id);
		expect((await destination().findByAzureObjectId(JANE_OBJECT_ID))?.id).toBe(created.id);
		expect(await destination().findById('0'.repeat(32))).toBeNull();
	});

	it('reads only the columns it compares', async () => {
		const { requests } = await during(() => destination({ fields: ['jobTitle', 'department'] }).findByKey({ kind: 'email', value: 'jane.doe@contoso.com' }));
		const read = requests.find((request) => request.path === '/api/now/table/sys_user')!;
		expect(read.query.sysparm_fields.split(',').sort()).toEqual(['active', 'department', 'email', 'manager', 'sys_id', 'title', 'u_azure_object_id']);
		expect(read.query).toMatchObject({ sysparm_query: 'email=jane.doe@contoso.com', sysparm_exclude_reference_link: 'true' });
	});

	it('updates with one PATCH of the changed column only, links the manager by sys_id, deactivates and reactivates with active alone', async () => {
		const subject = destination();
		const subjectPerson = person('pat@contoso.com', { jobTitle: 'Engineer' });
		const created = await subject.create(subjectPerson);
		sn.state.user(created.id)!.locked_out = 'true';

		const { value: updated, requests } = await during(() => subject.update(created.id, { jobTitle: 'Architect' }, { ...subjectPerson, jobTitle: 'Architect' }));
		expect(writes(requests).map((request) => [request.method, request.path, request.body])).toEqual([['PATCH', `/api/now/table/sys_user/${created.id}`, { title: 'Architect' }]]);
		expect(updated.fields.jobTitle).toBe('Architect');

		const boss = await subject.create(person('boss@contoso.com', { azureObjectId: MANAGER_OBJECT_ID }));
		const { requests: linking } = await during(() => subject.setManager(created.id, boss.id));
		expect(writes(linking).map((request) => request.body)).toEqual([{ manager: boss.id }]);
		expect(sn.state.user(created.id)!.manager).toBe(boss.id);
		expect((await destination().findById(created.id))?.managerId).toBe(boss.id);

		const { requests: off } = await during(() => subject.deactivate(created.id));
		expect(writes(off).map((request) => [request.method, request.body])).toEqual([['PATCH', { active: false }]]);
		expect(sn.state.user(created.id)).toMatchObject({ active: 'false', locked_out: 'true' });
		expect((await destination().findById(created.id))?.active).toBe(false);
		// Matched by key whether active or not.
		expect((await destination().findByKey({ kind: 'email', value: 'pat@contoso.com' }))?.id).toBe(created.id);

		const { requests: on } = await during(() => subject.reactivate(created.id));
		expect(writes(on).map((request) => [request.method, request.body])).toEqual([['PATCH', { active: true }]]);
		// locked_out is the admin's: never written, so a deliberate lock stays.
		expect(sn.state.user(created.id)).toMatchObject({ active: 'true', locked_out: 'true' });

		await subject.setManager(created.id, null);
		expect(sn.state.user(created.id)!.manager).toBe('');
	});

	it('creates a user with its manager in the same request, and refuses a manager id that is no sys_id before sending', async () => {
		const subject = destination();
		const boss = await subject.create(person('boss2@contoso.com'));
		const { value: report, requests } = await during(() => subject.create(person('report@contoso.com'), { managerId: boss.id }));
		expect(report.managerId).toBe(boss.id);
		expect(writes(requests)[0].body).toMatchObject({ manager: boss.id });
		const before = sn.requests.length;
		await expect(subject.create(person('x@contoso.com'), { managerId: '42' })).rejects.toMatchObject({ reasons: [{ field: 'manager' }] });
		expect(writes(sn.requests.slice(before))).toEqual([]);
	});

	it('a department ServiceNow does not have is a reason naming it, looked up once however many users have it', async () => {
		const subject = destination();
		const { value: errors, requests } = await during(() =>
			Promise.all(['ann', 'ben'].map((name) => subject.create(person(`${name}@contoso.com`, { department: 'Quantum Research' })).catch((error: unknown) => error))),
		);
		for (const error of errors) {
			expect(error).toBeInstanceOf(DestinationValidationError);
			expect((error as DestinationValidationError).reasons).toEqual([
				{ field: 'department', code: 'unknown_department', message: expect.stringContaining('ServiceNow has no department named "Quantum Research" (cmn_department)') },
			]);
		}
		expect(requests.filter((request) => request.path === '/api/now/table/cmn_department').map((request) => request.query.sysparm_query)).toEqual(['name=Quantum Research']);
		expect(writes(requests)).toEqual([]);
		expect(sn.state.users().filter((row) => row.email.startsWith('ann@') || row.email.startsWith('ben@'))).toEqual([]);
	});

	it("a key holding ^ and a quote (O'Brien^ORactive=false) is one escaped condition that matches exactly one user", async () => {
		const value = "O'Brien^ORactive=false";
		const target = sn.state.addUser({ user_name: 'obrien.caret', employee_number: value, email: 'caret@contoso.com' });
		sn.state.addUser({ user_name: 'obrien.plain', employee_number: "O'Brien", email: 'plain@contoso.com' });
		sn.state.addUser({ user_name: 'gone.1', employee_number: 'E-901', active: 'false' });
		sn.state.addUser({ user_name: 'gone.2', employee_number: 'E-902', active: 'false' });
		const subject = destination({ keyKind: 'employeeId' });

		const { value: found, requests } = await during(() => subject.findByKey({ kind: 'employeeId', value: normaliseKey(value) }));
		expect(found?.id).toBe(target.sys_id);
		const reads = requests.filter((request) => request.path === '/api/now/table/sys_user');
		expect(reads.map((request) => request.query.sysparm_query)).toEqual(["employee_number=o'brien^^oractive=false"]);
		// What the stand-in answered: that one user, not the plain O'Brien nor the inactive ones.
		expect(sn.state.query('sys_user', reads[0].query.sysparm_query).map((row) => row.sys_id)).toEqual([target.sys_id]);
	});

	it('a server that does not find a caret value with ^^ is asked once more with a caret-free part, and only the exact value matches', async () => {
		const target = sn.state.addUser({ user_name: 'caret.fallback', employee_number: 'X^Y-77', email: 'fallback@contoso.com' });
		sn.state.addUser({ user_name: 'decoy', employee_number: 'Y-77-other' });
		sn.faults.failNext(1, { status: 200, body: { result: [] }, path: '/api/now/table/sys_user', method: 'GET' });
		const { value: found, requests } = await during(() => destination({ keyKind: 'employeeId' }).findByKey({ kind: 'employeeId', value: 'x^y-77' }));
		expect(found?.id).toBe(target.sys_id);
		expect(requests.map((request) => request.query.sysparm_query)).toEqual(['employee_number=x^^y-77', 'employee_numberLIKEy-77']);
	});

	it('lists every user page by page with sysparm_offset, following the Link header', async () => {
		for (let index = 0; index < 120; index += 1) sn.state.addUser({ user_name: `bulk.${index}`, email: `bulk${index}@contoso.com` });
		const sizes: number[] = [];
		const ids = new Set<string>();
		const { requests } = await during(async () => {
			for await (const page of destination({ pageSize: 50 }).list()) {
				sizes.push(page.length);
				page.forEach((record) => ids.add(record.id));
			}
		});
		const total = sn.state.users().length;
		expect(ids.size).toBe(total);
		expect(sizes.slice(0, -1).every((size) => size === 50)).toBe(true);
		expect(sizes.length).toBe(Math.ceil(total / 50));
		const pages = requests.filter((request) => request.path === '/api/now/table/sys_user');
		expect(pages.map((request) => Number(request.query.sysparm_offset))).toEqual(sizes.map((_, index) => index * 50));
		expect(pages.every((request) => request.query.sysparm_query === 'ORDERBYsys_id' && request.query.sysparm_limit === '50')).toBe(true);
	});

	it('waits out a 429 for its Retry-After, then succeeds', async () => {
		sn.faults.failNext(1, { status: 429, retryAfter: 1, path: '/api/now/table/sys_user' });
		expect(await destination().findByKey({ kind: 'email', value: 'bulk2@contoso.com' })).not.toBeNull();
		expect(delays).toEqual([1000]);
	});

	it("turns ServiceNow's 400 error body into a reason in ServiceNow's words", async () => {
		sn.faults.failNext(1, { status: 400, method: 'POST', body: { error: { message: 'Invalid value', detail: 'Field title exceeds its maximum length' }, status: 'failure' } });
		const error = await destination()
			.create(person('long.title@contoso.com', { jobTitle: 'x'.repeat(300) }))
			.catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(DestinationValidationError);
		expect((error as DestinationValidationError).status).toBe(400);
		expect((error as DestinationValidationError).reasons).toEqual([{ field: 'requester', code: 'HTTP400', message: 'Invalid value: Field title exceeds its maximum length' }]);
		expect(String(error)).toContain('Field title exceeds its maximum length');
	});

	it('a duplicate user_name (403 Operation Failed) is a reason; a 403 for missing rights stays an HttpError', async () => {
		const error = await destination({ keyKind: 'upn' })
			.create(makeRequester({ ssoKey: { kind: 'upn', value: 'bulk.3' }, email: 'other@contoso.com' }))
			.catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(DestinationValidationError);
		expect((error as DestinationValidationError).reasons[0].message).toBe('Operation Failed: Error during insert of sys_user (bulk.3)');

		sn.faults.failNext(1, { status: 403, method: 'PATCH', body: { error: { message: 'User Not Authorized', detail: 'ACL Exception Update Failed due to security constraints' }, status: 'failure' } });
		const denied = await destination()
			.deactivate(sn.state.users()[0].sys_id)
			.catch((caught: unknown) => caught);
		expect(denied).toBeInstanceOf(HttpError);
		expect((denied as HttpError).status).toBe(403);
	});

	it('a create whose connection drops is looked up, then sent once more, leaving one user', async () => {
		const posts = () => sn.requests.filter((request) => request.method === 'POST' && request.path === '/api/now/table/sys_user').length;
		const before = posts();
		sn.faults.resetConnectionNext(1, { method: 'POST' });
		const created = await destination().create(person('reset@contoso.com'));
		expect(posts() - before).toBe(2);
		expect(sn.state.users().filter((row) => row.email === 'reset@contoso.com').map((row) => row.sys_id)).toEqual([created.id]);
	});

	it('fails with the HttpError when the instance stays unavailable, never showing the password', async () => {
		sn.faults.setOutage({ status: 503 });
		const error = await destination({ retry: { maxAttempts: 2 } })
			.findById('0'.repeat(32))
			.catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(HttpError);
		expect((error as HttpError).status).toBe(503);
		expect(`${String(error)} ${JSON.stringify(error)}`).not.toContain(PASSWORD);
	});
});
