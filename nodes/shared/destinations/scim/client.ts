/**
 * A SCIM 2.0 service's /Users as a requester destination (RFC 7643 / 7644): matched with
 * `userName eq "…"` (or `externalId eq "…"` when matching on the object id), the Azure object id
 * kept in externalId, creates POSTed (or sent through /Bulk), updates PATCHed with only the
 * changed attributes (PUT when the service has no PATCH), deactivation as active=false.
 * Mapping table and behaviour: SCIM.md.
 */
import { HttpError } from '../../http/errors';
import { rateBudgetFor, rateBudgetKey, type RateBudget } from '../../http/rateBudget';
import { mergeRetryPolicy, type RetryPolicy } from '../../http/retry';
import { normaliseKey, type MappedRequesterFields, type Requester, type RequesterFieldId, type SsoKey } from '../../requester/model';
import { createOnce, IdentityMemory } from '../common';
import type { DestinationCapabilities, DestinationRecord, RequesterChanges, RequesterDestination } from '../types';
import { applyOperations } from './apply';
import { BulkCreator } from './bulk';
import { loadSupport, type ScimSupport } from './capabilities';
import { eqFilter, needsEscaping } from './filter';
import { expectedFields, fromScimUser, patchOperations, toScimUser, userNameOf, type PatchOperation, type ScimResource } from './mapping';
import { refusal, ScimApi } from './requests';
import { ENTERPRISE_USER, PATCH_OP, scimLayout, type ScimLayout, type ScimOptions } from './settings';

const USERS = '/Users';

export class ScimDestination implements RequesterDestination {
	readonly label: string;
	readonly capabilities: DestinationCapabilities = { storesAzureObjectId: true, reportingManager: true };
	readonly supportedFields: readonly RequesterFieldId[];
	readonly rateBudget: RateBudget | undefined;

	private readonly api: ScimApi;
	private readonly policy: RetryPolicy;
	private readonly layout: ScimLayout;
	private readonly identity = new IdentityMemory();
	/** The last resource read or written per id, so a PATCH knows which entries exist and a PUT what to keep. */
	private readonly seen = new Map<string, ScimResource>();
	private support?: Promise<ScimSupport>;
	/** Set when the service answered a PATCH with 501/405 although it did not say so. */
	private patchRefused = false;
	private filterRefused = false;
	/** Every user by key and by object id, for services without filtering (loaded once). */
	private index?: Promise<{ byKey: Map<string, DestinationRecord>; byObjectId: Map<string, DestinationRecord> }>;
	private bulk?: BulkCreator;

	constructor(private readonly options: ScimOptions) {
		this.layout = scimLayout(options);
		this.policy = mergeRetryPolicy(options.retry);
		// One budget per SCIM service: several tenants of one provider share a host but not a base URL.
		this.rateBudget = options.rateBudget && rateBudgetFor(rateBudgetKey(this.layout.root, new URL(this.layout.root).pathname), options.rateBudget);
		this.api = new ScimApi(this.layout.root, this.layout.headers, this.policy, { ...options, rateBudget: this.rateBudget });
		this.supportedFields = this.layout.supportedFields;
		this.label = `SCIM (${new URL(this.layout.root).host})`;
	}

	/** The service's ServiceProviderConfig, read once. */
	async serviceSupport(): Promise<ScimSupport> {
		this.support ??= loadSupport(this.api);
		return await this.support;
	}

	async findById(id: string): Promise<DestinationRecord | null> {
		try {
			return this.record((await this.api.request('GET', `${USERS}/${encodeURIComponent(id)}`)).body);
		} catch (error) {
			if (error instanceof HttpError && error.status === 404) return null;
			throw error;
		}
	}

	async findByKey(key: SsoKey): Promise<DestinationRecord | null> {
		if (key.kind !== this.layout.keyKind) throw new Error(`This SCIM destination matches on ${this.layout.keyKind}, not ${key.kind}`);
		const value = normaliseKey(key.value);
		const attribute = this.layout.keyKind === 'objectId' ? 'externalId' : 'userName';
		return await this.findOne(attribute, value, (record) => record.key === value, (index) => index.byKey.get(value));
	}

	async findByAzureObjectId(azureObjectId: string): Promise<DestinationRecord | null> {
		const value = normaliseKey(azureObjectId);
		return await this.findOne('externalId', azureObjectId, (record) => record.azureObjectId !== null && normaliseKey(record.azureObjectId) === value, (index) => index.byObjectId.get(value));
	}

	async *list(): AsyncIterable<DestinationRecord[]> {
		for await (const page of this.api.pages(USERS, {}, await this.pageSize())) yield page.map((resource) => this.record(resource));
	}

	async create(requester: Requester, options: { managerId?: string } = {}): Promise<DestinationRecord> {
		const body = toScimUser(requester, this.layout.keyKind, this.supportedFields, options.managerId);
		const support = await this.serviceSupport();
		if (this.options.useBulk && support.bulk.supported) this.bulk ??= new BulkCreator(this.api, support.bulk);
		try {
			return await createOnce({
				post: async () => this.record(this.bulk ? await this.bulk.create(body) : (await this.api.request('POST', USERS, body)).body),
				lookup: async () => await this.findByKey(requester.ssoKey),
				isDuplicate: (error) => error instanceof HttpError && error.status === 409,
				policy: this.policy,
				sleep: this.options.sleep,
				random: this.options.random,
				onRetry: this.options.onRetry,
			});
		} catch (error) {
			throw refusal(error, this.supportedFields, this.userNameField());
		}
	}

	async update(id: string, changes: RequesterChanges, requester: Requester): Promise<DestinationRecord> {
		const current = this.seen.get(id) ?? (await this.api.request('GET', `${USERS}/${encodeURIComponent(id)}`)).body;
		const before = fromScimUser(current, this.layout.keyKind, this.supportedFields);
		const operations = patchOperations(changes, before.fields, this.supportedFields);
		for (const slot of this.identity.toWrite(id, requester, ['azureObjectId', 'ssoKey'])) {
			if (slot === 'azureObjectId') operations.push({ op: 'replace', path: 'externalId', value: requester.azureObjectId });
			else if (this.layout.keyKind !== 'objectId') operations.push({ op: 'replace', path: 'userName', value: userNameOf(requester, this.layout.keyKind) });
		}
		if (operations.length === 0) return before;
		const written = Object.keys(changes) as RequesterFieldId[];
		return await this.modify(id, operations, written);
	}

	async deactivate(id: string): Promise<void> {
		if (this.options.deleteOnDeactivate) {
			await this.api.request('DELETE', `${USERS}/${encodeURIComponent(id)}`);
			this.seen.delete(id);
			return;
		}
		await this.modify(id, [{ op: 'replace', path: 'active', value: false }], []);
	}

	async reactivate(id: string): Promise<void> {
		await this.modify(id, [{ op: 'replace', path: 'active', value: true }], []);
	}

	async setManager(id: string, managerId: string | null): Promise<void> {
		const path = `${ENTERPRISE_USER}:manager`;
		const operation: PatchOperation = managerId === null ? { op: 'remove', path } : { op: 'replace', path, value: { value: managerId } };
		await this.modify(id, [operation], ['manager']);
	}

	expectedFields(requester: Requester): Partial<MappedRequesterFields> {
		return expectedFields(requester, this.supportedFields);
	}

	// ---- plumbing --------------------------------------------------------------------------------

	/**
	 * One PATCH with the operations; without PATCH support, a PUT of the user as just read with the
	 * same operations applied to it (so nothing else changes).
	 */
	private async modify(id: string, operations: PatchOperation[], written: readonly RequesterFieldId[]): Promise<DestinationRecord> {
		const path = `${USERS}/${encodeURIComponent(id)}`;
		try {
			if ((await this.serviceSupport()).patch && !this.patchRefused) {
				try {
					const { body } = await this.api.request('PATCH', path, { schemas: [PATCH_OP], Operations: operations });
					// 204 No Content: the service applied it without sending the resource back.
					return body && typeof body === 'object' ? this.record(body) : this.record((await this.api.request('GET', path)).body);
				} catch (error) {
					if (!(error instanceof HttpError) || (error.status !== 501 && error.status !== 405)) throw error;
					this.patchRefused = true;
				}
			}
			const { body: current } = await this.api.request('GET', path);
			const { meta, groups, ...kept } = current;
			void groups;
			const next = applyOperations(kept, operations);
			const version = meta && typeof meta === 'object' ? (meta as Record<string, unknown>).version : undefined;
			const ifMatch = (await this.serviceSupport()).etag && typeof version === 'string' ? { 'if-match': version } : undefined;
			return this.record((await this.api.request('PUT', path, next, ifMatch)).body);
		} catch (error) {
			throw refusal(error, written, this.userNameField());
		}
	}

	private async findOne(
		attribute: 'userName' | 'externalId',
		value: string,
		matches: (record: DestinationRecord) => boolean,
		fromIndex: (index: Awaited<NonNullable<ScimDestination['index']>>) => DestinationRecord | undefined,
	): Promise<DestinationRecord | null> {
		if ((await this.serviceSupport()).filter && !this.filterRefused) {
			try {
				const { body } = await this.api.request<Record<string, unknown>>('GET', `${USERS}?${new URLSearchParams({ filter: eqFilter(attribute, value) }).toString().replace(/\+/g, '%20')}`);
				const resources = Array.isArray(body?.Resources) ? (body.Resources as ScimResource[]) : [];
				// Checked here too: a service that ignores or mis-parses the filter answers with other users.
				const found = resources.map((resource) => this.record(resource)).filter(matches);
				if (found.length || !needsEscaping(value)) return found.find((record) => record.active) ?? found[0] ?? null;
			} catch (error) {
				if (!(error instanceof HttpError) || error.status !== 400 || (error.code !== 'invalidFilter' && error.code !== 'invalidValue')) throw error;
				// A value with a quote or backslash its parser cannot read: that value is looked up in the full list.
				if (!needsEscaping(value)) this.filterRefused = true;
			}
		}
		return fromIndex(await this.loadIndex()) ?? null;
	}

	private async loadIndex(): Promise<{ byKey: Map<string, DestinationRecord>; byObjectId: Map<string, DestinationRecord> }> {
		this.index ??= (async () => {
			const byKey = new Map<string, DestinationRecord>();
			const byObjectId = new Map<string, DestinationRecord>();
			for await (const page of this.list()) {
				for (const record of page) {
					if (record.key && (!byKey.has(record.key) || record.active)) byKey.set(record.key, record);
					if (record.azureObjectId) byObjectId.set(normaliseKey(record.azureObjectId), record);
				}
			}
			return { byKey, byObjectId };
		})();
		return await this.index;
	}

	private async pageSize(): Promise<number> {
		const { maxResults } = await this.serviceSupport();
		return maxResults ? Math.min(maxResults, this.layout.pageSize) : this.layout.pageSize;
	}

	/** A resource as a record; remembered (and kept in the list index when there is one). */
	private record(resource: ScimResource): DestinationRecord {
		const record = fromScimUser(resource, this.layout.keyKind, this.supportedFields);
		this.seen.set(record.id, resource);
		this.identity.remember(record.id, record.key, record.azureObjectId);
		void this.index?.then((index) => {
			if (record.key) index.byKey.set(record.key, record);
			if (record.azureObjectId) index.byObjectId.set(normaliseKey(record.azureObjectId), record);
		});
		return record;
	}

	private userNameField(): string {
		return { email: 'email', employeeId: 'employeeId', upn: 'userName', objectId: 'username' }[this.layout.keyKind];
	}
}
