/**
 * Issue #25 at node level: the real Upsert Requester node with Destination 'SCIM 2.0', run by
 * n8n's own execution engine (test/harness/n8n.ts), against the independent SCIMMY service
 * (test/destinations/scim/scimmyServer.ts) over a real socket. Input items are what Map To
 * Requester emits (`mapUser` of a Graph user, with List Users' `_sync` marker).
 */
import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';
import { UpsertRequester } from '../../nodes/UpsertRequester/UpsertRequester.node';
import { mapUser } from '../../nodes/shared/requester/mapping';
import type { MappingConfig } from '../../nodes/shared/requester/mappingConfig';
import { startScimmyServer, type RecordedScimRequest, type ScimmyServer, type StoredUser } from '../destinations/scim/scimmyServer';
import { runNode, type RunResult } from '../harness/n8n';

const TOKEN = 'FAKE-scim-upsert-token';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

type GraphUser = Record<string, unknown> & { id: string; mail: string };

let userCount = 0;
let syncCount = 0;

function graphUser(overrides: Record<string, unknown> = {}): GraphUser {
	const n = ++userCount;
	return {
		id: `0b000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
		displayName: `User ${n}`,
		givenName: 'User',
		surname: String(n),
		mail: `scim${n}@contoso.test`,
		userPrincipalName: `scim${n}@contoso.test`,
		jobTitle: 'Engineer',
		department: 'IT',
		accountEnabled: true,
		businessPhones: [],
		...overrides,
	};
}

/** One sync (one Sync ID) into the SCIMMY service, carrying static data from run to run as n8n saves it. */
class Sync {
	readonly id = `scim-sync-${++syncCount}`;
	private staticData: IDataObject = {};

	constructor(
		private readonly server: ScimmyServer,
		private readonly parameters: INodeParameters = {},
		private readonly mapping: MappingConfig = {},
	) {}

	/** Runs the node on these users; returns the result and the requests it made. */
	async run(users: GraphUser[], mode: 'full' | 'incremental' = 'full'): Promise<{ result: RunResult; requests: RecordedScimRequest[] }> {
		const start = this.server.requests.length;
		const mapped: INodeExecutionData[] = users.map((user) => {
			const result = mapUser(user, this.mapping);
			if (!result.ok) throw new Error(`test user does not map: ${JSON.stringify(result.reasons)}`);
			return { json: { requester: result.requester as unknown as IDataObject, azureObjectId: user.id, user: { id: user.id, mail: user.mail }, _sync: { mode, syncId: this.id } } };
		});
		const result = await runNode({
			node: new UpsertRequester(),
			parameters: { syncId: this.id, destination: 'scim', destinationOptions: { maxTries: 2 }, options: { concurrency: 4 }, ...this.parameters },
			credentials: { scimApi: { baseUrl: this.server.url, authentication: 'bearer', token: TOKEN } },
			inputItemsByIndex: [mapped, []],
			staticData: this.staticData,
			mode: 'trigger',
		});
		this.staticData = result.persistedStaticData;
		if (result.error) throw result.error;
		return { result, requests: this.server.requests.slice(start) };
	}
}

const writes = (requests: RecordedScimRequest[]) => requests.filter((request) => request.method !== 'GET');
const runOf = (result: RunResult) => (result.outputs[1][0].json as { run: IDataObject }).run;
const outcomesOf = (result: RunResult) => result.outputs[0].map((item) => item.json);

let server: ScimmyServer;
beforeEach(async () => {
	server = await startScimmyServer({ token: TOKEN });
});
afterEach(async () => await server.close());

function storedUser(user: GraphUser): StoredUser {
	const found = server.users().filter((held) => held.userName.toLowerCase() === user.mail.toLowerCase());
	expect(found).toHaveLength(1);
	return found[0];
}

describe('Upsert Requester → SCIM 2.0 (SCIMMY)', () => {
	it('creates every user on the first sync and writes nothing on a second sync without changes', async () => {
		const sync = new Sync(server);
		const people = [graphUser(), graphUser(), graphUser()];
		const first = await sync.run(people);
		expect(runOf(first.result)).toMatchObject({ created: 3, updated: 0, failed: 0, totalSynced: 3 });
		expect(writes(first.requests).map((request) => `${request.method} ${request.path}`)).toEqual(Array(3).fill('POST /Users'));
		for (const person of people) {
			expect(storedUser(person)).toMatchObject({ userName: person.mail, externalId: person.id, active: true, title: 'Engineer', displayName: person.displayName });
			expect(storedUser(person)[ENTERPRISE]).toMatchObject({ department: 'IT' });
		}
		expect(outcomesOf(first.result).map((outcome) => [outcome.action, outcome.status])).toEqual(Array(3).fill(['create', 'done']));

		const second = await sync.run(people);
		expect(writes(second.requests)).toEqual([]);
		expect(runOf(second.result)).toMatchObject({ created: 0, updated: 0, unchanged: 3, failed: 0 });
	});

	it('sends one change as one PATCH with only that attribute', async () => {
		const sync = new Sync(server);
		const people = [graphUser(), graphUser()];
		await sync.run(people);
		people[1].jobTitle = 'Architect';
		const { result, requests } = await sync.run([people[1]], 'incremental');
		const id = storedUser(people[1]).id;
		expect(writes(requests)).toEqual([{ method: 'PATCH', path: `/Users/${id}`, body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Architect' }] }, status: 200 }]);
		expect(storedUser(people[1]).title).toBe('Architect');
		expect(storedUser(people[0]).title).toBe('Engineer');
		expect(outcomesOf(result)).toEqual([expect.objectContaining({ action: 'update', status: 'done', changedFields: ['jobTitle'], destinationId: id })]);
	});

	it('deactivates a disabled user with active:false, never DELETE', async () => {
		const sync = new Sync(server);
		const [person, other] = [graphUser(), graphUser()];
		await sync.run([person, other]);
		person.accountEnabled = false;
		const { result, requests } = await sync.run([person], 'incremental');
		expect(writes(requests)).toEqual([expect.objectContaining({ method: 'PATCH', path: `/Users/${storedUser(person).id}`, body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] } })]);
		expect(storedUser(person).active).toBe(false);
		expect(storedUser(other).active).toBe(true);
		expect(outcomesOf(result)).toEqual([expect.objectContaining({ action: 'deactivate', status: 'done' })]);
		expect(server.requests.some((request) => request.method === 'DELETE')).toBe(false);
	});

	it('links a report to its manager (enterprise manager.value), the manager created in the same run', async () => {
		const sync = new Sync(server);
		const manager = graphUser({ jobTitle: 'Head of IT' });
		const report = graphUser({ manager: { id: manager.id, displayName: manager.displayName, mail: manager.mail, userPrincipalName: manager.userPrincipalName } });
		const { result } = await sync.run([report, manager]);
		const managerId = storedUser(manager).id;
		expect((storedUser(report)[ENTERPRISE] as { manager?: { value?: string } }).manager?.value).toBe(managerId);
		expect(runOf(result)).toMatchObject({ created: 2, managersLinked: 1 });
		const again = await sync.run([report, manager]);
		expect(writes(again.requests)).toEqual([]);
	});

	it('matches a userName with a double quote exactly: the escaped filter is sent, the existing user is linked, a second run writes nothing', async () => {
		// Email addresses cannot hold a double quote; a UPN login can, and SCIM keeps it in userName.
		const odd = 'o"neil@contoso.test';
		const lookalike = server.seed({ userName: 'oneil@contoso.test', active: true });
		const existing = server.seed({ userName: odd, active: true, title: 'Engineer' });
		const sync = new Sync(server, {}, { login: { ssoKey: 'upn' } });
		const person = graphUser({ mail: 'p.oneil@contoso.test', userPrincipalName: odd });
		// An incremental read looks each user up by key (a full read lists everyone once instead).
		const first = await sync.run([person], 'incremental');
		const filters = first.requests.filter((request) => request.path.startsWith('/Users?filter=')).map((request) => decodeURIComponent(request.path.slice('/Users?filter='.length).split('&')[0]));
		expect(filters).toContain('userName eq "o\\"neil@contoso.test"');
		expect(runOf(first.result)).toMatchObject({ created: 0, updated: 1, failed: 0 });
		expect(outcomesOf(first.result)).toEqual([expect.objectContaining({ action: 'update', destinationId: existing.id })]);
		expect(server.users()).toHaveLength(2);
		expect(server.users().find((user) => user.id === existing.id)).toMatchObject({ userName: odd, externalId: person.id });
		expect(server.users().find((user) => user.id === lookalike.id)).toEqual(lookalike);
		const second = await sync.run([person], 'incremental');
		expect(writes(second.requests)).toEqual([]);
		expect(server.users()).toHaveLength(2);
	});
});
