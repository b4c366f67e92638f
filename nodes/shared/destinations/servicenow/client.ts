/**
 * ServiceNow users (sys_user, over the Table API `/api/now/table/sys_user`) as a requester
 * destination. Matched on a chosen column (email, user_name or another unique column), the Azure
 * object id kept in another; reads ask only for the compared columns, updates PATCH only the
 * changed ones, deactivation writes active=false and nothing else (locked_out is left alone).
 * Field table and set-up: SERVICENOW.md.
 */
import { HttpError } from '../../http/errors';
import { rateBudgetFor, rateBudgetKey, type RateBudget } from '../../http/rateBudget';
import { headerValue } from '../../http/request';
import { mergeRetryPolicy, type RetryPolicy } from '../../http/retry';
import { normaliseKey, type MappedRequesterFields, type Requester, type RequesterFieldId, type SsoKey } from '../../requester/model';
import { createOnce, IdentityMemory, type StoredSource } from '../common';
import { DestinationValidationError, type DestinationCapabilities, type DestinationRecord, type RequesterChanges, type RequesterDestination } from '../types';
import { nextPage } from './query';
import { bodyFor, dropEmpty, expectedFields, pickOne, readColumns, toRecords, type RowContext } from './records';
import { findExact, ReferenceNames } from './references';
import { ServiceNowApi, type Row } from './requests';
import {
	checkAuth,
	checkPageSize,
	columnLayout,
	isReferenceField,
	MANAGER_COLUMN,
	RATE_LIMIT_WINDOW_MS,
	REFERENCE_COLUMNS,
	SERVICENOW_RETRY_STATUSES,
	serviceNowRoot,
	type ColumnLayout,
	type ReferenceField,
	type ServiceNowOptions,
} from './settings';

const USERS = 'sys_user';
/** Rows read per key lookup; more users on one key than this is a data problem reported by pickOne's choice. */
const ROWS_PER_KEY = 20;
const SYS_ID = /^[0-9a-f]{32}$/i;
/** ServiceNow's answers to a write its rules refused: bad input, or a business rule / data policy abort ("Operation Failed"). */
const REFUSED = new Set([400, 409, 422]);

export class ServiceNowDestination implements RequesterDestination {
	readonly label: string;
	readonly capabilities: DestinationCapabilities;
	readonly supportedFields: readonly RequesterFieldId[];
	readonly rateBudget: RateBudget | undefined;

	private readonly api: ServiceNowApi;
	private readonly policy: RetryPolicy;
	private readonly layout: ColumnLayout;
	private readonly context: RowContext;
	private readonly columns: string;
	private readonly pageSize: number;
	private readonly identity = new IdentityMemory();

	constructor(private readonly options: ServiceNowOptions) {
		const auth = checkAuth(options.auth);
		const root = serviceNowRoot(options);
		this.layout = columnLayout(options);
		this.pageSize = checkPageSize(options.pageSize);
		this.policy = mergeRetryPolicy({ retryStatuses: SERVICENOW_RETRY_STATUSES, ...options.retry });
		// One budget per instance: its X-RateLimit-Limit counts per hour, its X-RateLimit-Reset ends the hour.
		this.rateBudget = options.rateBudget && rateBudgetFor(rateBudgetKey(root), { windowMs: RATE_LIMIT_WINDOW_MS, ...options.rateBudget });
		this.api = new ServiceNowApi(root, auth, this.policy, { ...options, rateBudget: this.rateBudget });
		const references = new Map<ReferenceField, ReferenceNames>();
		for (const field of this.layout.supportedFields) if (isReferenceField(field)) references.set(field, new ReferenceNames(this.api, REFERENCE_COLUMNS[field]));
		this.context = { layout: this.layout, references };
		this.columns = readColumns(this.layout).join(',');
		this.label = `ServiceNow (${new URL(root).host})`;
		this.capabilities = { storesAzureObjectId: this.layout.azureObjectIdField !== undefined, reportingManager: true };
		this.supportedFields = this.layout.supportedFields;
	}

	async findById(id: string): Promise<DestinationRecord | null> {
		if (!SYS_ID.test(id)) return null;
		try {
			return await this.read(id);
		} catch (error) {
			if (error instanceof HttpError && error.status === 404) return null;
			throw error;
		}
	}

	async findByKey(key: SsoKey): Promise<DestinationRecord | null> {
		if (key.kind !== this.layout.keyKind) throw new Error(`This ServiceNow destination matches on ${this.layout.keyKind}, not ${key.kind}`);
		const value = normaliseKey(key.value);
		const records = await this.records(await findExact(this.api, USERS, this.layout.keyField, value, this.columns.split(','), ROWS_PER_KEY));
		return pickOne(records.filter((record) => record.key === value));
	}

	async findByAzureObjectId(azureObjectId: string): Promise<DestinationRecord | null> {
		const column = this.layout.azureObjectIdField;
		if (column === undefined) return null;
		const value = normaliseKey(azureObjectId);
		const records = await this.records(await findExact(this.api, USERS, column, value, this.columns.split(','), ROWS_PER_KEY));
		return pickOne(records.filter((record) => record.azureObjectId !== null && normaliseKey(record.azureObjectId) === value));
	}

	/** Every user, ordered by sys_id so pages neither skip nor repeat; the next offset comes from the Link header. */
	async *list(): AsyncIterable<DestinationRecord[]> {
		for (let offset = 0; ; ) {
			const response = await this.api.table({ method: 'GET', path: USERS, query: { ...this.readQuery(), sysparm_query: 'ORDERBYsys_id', sysparm_limit: this.pageSize, sysparm_offset: offset } });
			const rows = ServiceNowApi.rows(response.body);
			if (rows.length > 0) yield await this.records(rows);
			const next = nextPage(headerValue(response.headers, 'link'));
			if (!next || rows.length === 0) return;
			const following = next.offset ?? offset + rows.length;
			// A Link that does not move forward would loop for ever.
			if (following <= offset) return;
			offset = following;
		}
	}

	async create(requester: Requester, options: { managerId?: string } = {}): Promise<DestinationRecord> {
		const sources = new Set<StoredSource>([...this.layout.supportedFields.filter(isStoredSource), this.layout.keyFrom, ...this.identitySlots()]);
		const body = dropEmpty(await bodyFor(requester, sources, this.context));
		if (options.managerId !== undefined) body[MANAGER_COLUMN] = managerSysId(options.managerId);
		try {
			return await createOnce({
				post: async () => await this.recordFrom(await this.api.table({ method: 'POST', path: USERS, query: this.readQuery(), body })),
				lookup: async () => await this.findByKey(requester.ssoKey),
				// A second user on a unique column (user_name) is refused by the database: 403 "Operation Failed".
				isDuplicate: (error) => error instanceof HttpError && (error.status === 403 || error.status === 409),
				policy: this.policy,
				sleep: this.options.sleep,
				random: this.options.random,
				onRetry: this.options.onRetry,
			});
		} catch (error) {
			throw refusal(error);
		}
	}

	async update(id: string, changes: RequesterChanges, requester: Requester): Promise<DestinationRecord> {
		const changed = (Object.keys(changes) as RequesterFieldId[]).filter((field) => this.layout.supportedFields.includes(field) && isStoredSource(field));
		const identity = this.identity.toWrite(id, requester, this.identitySlots());
		const body = await bodyFor(requester, [...(changed as StoredSource[]), ...identity], this.context);
		if (Object.keys(body).length === 0) return await this.read(id);
		return await this.patch(id, body);
	}

	async deactivate(id: string): Promise<void> {
		await this.patch(id, { active: false }, 'sys_id,active');
	}

	async reactivate(id: string): Promise<void> {
		await this.patch(id, { active: true }, 'sys_id,active');
	}

	async setManager(id: string, managerId: string | null): Promise<void> {
		await this.patch(id, { [MANAGER_COLUMN]: managerId === null ? '' : managerSysId(managerId) }, `sys_id,${MANAGER_COLUMN}`);
	}

	expectedFields(requester: Requester): Partial<MappedRequesterFields> {
		return expectedFields(requester, this.context);
	}

	/**
	 * Reads one sys_user row with the key and object id columns: proves the instance, the
	 * credential and the right to read users, and names a configured column sys_user lacks
	 * (ServiceNow leaves unknown columns out of the answer instead of failing).
	 */
	async checkAccess(): Promise<{ missingColumns: string[] }> {
		const wanted = [this.layout.keyField, this.layout.azureObjectIdField].filter((column): column is string => column !== undefined);
		const response = await this.api.table({ method: 'GET', path: USERS, query: { sysparm_limit: 1, sysparm_fields: ['sys_id', ...wanted].join(','), sysparm_exclude_reference_link: 'true' } });
		const [row] = ServiceNowApi.rows(response.body);
		return { missingColumns: row ? wanted.filter((column) => !(column in row)) : [] };
	}

	// ---- plumbing --------------------------------------------------------------------------------

	private readQuery(fields = this.columns): Record<string, string> {
		return { sysparm_fields: fields, sysparm_exclude_reference_link: 'true' };
	}

	private async read(id: string): Promise<DestinationRecord> {
		return await this.recordFrom(await this.api.table({ method: 'GET', path: `${USERS}/${encodeURIComponent(id)}`, query: this.readQuery() }));
	}

	private async patch(id: string, body: Row, fields?: string): Promise<DestinationRecord> {
		try {
			return await this.recordFrom(await this.api.table({ method: 'PATCH', path: `${USERS}/${encodeURIComponent(id)}`, query: this.readQuery(fields), body }));
		} catch (error) {
			throw refusal(error);
		}
	}

	private async recordFrom(response: { body: unknown }): Promise<DestinationRecord> {
		const [record] = await this.records(ServiceNowApi.rows(response.body));
		if (!record) throw new Error('ServiceNow answered without a sys_user row');
		return record;
	}

	/** Rows as records; the key and object id read are remembered, so updates rewrite them only when they differ. */
	private async records(rows: Row[]): Promise<DestinationRecord[]> {
		const records = await toRecords(rows, this.context);
		// The answer of a narrow PATCH (active, manager) holds no key column and says nothing about it.
		rows.forEach((row, index) => {
			if (this.layout.keyField in row) this.identity.remember(records[index].id, records[index].key, records[index].azureObjectId);
		});
		return records;
	}

	private identitySlots(): Array<'azureObjectId' | 'ssoKey'> {
		const slots: Array<'azureObjectId' | 'ssoKey'> = [];
		if (this.layout.azureObjectIdField !== undefined) slots.push('azureObjectId');
		if (this.layout.keyFrom === 'ssoKey') slots.push('ssoKey');
		return slots;
	}
}

function isStoredSource(field: RequesterFieldId): field is Exclude<RequesterFieldId, 'manager'> {
	return field !== 'manager';
}

/** A manager is written as its sys_id; anything else is refused before sending. */
function managerSysId(managerId: string): string {
	if (!SYS_ID.test(managerId)) {
		throw new DestinationValidationError(`ServiceNow user ids are sys_ids (32 hexadecimal characters), not "${managerId}"`, 0, [{ field: 'manager', message: `"${managerId}" is not a ServiceNow sys_id` }]);
	}
	return managerId.toLowerCase();
}

/**
 * A write ServiceNow refused as a field-level reason in its own words (ServiceNow names no field,
 * so the reason is on the requester). A 403 is a refusal only as "Operation Failed" (a business
 * rule or data policy aborted it); any other 403 is the account's missing rights and stays an HttpError.
 */
function refusal(error: unknown): unknown {
	if (!(error instanceof HttpError)) return error;
	const aborted = error.status === 403 && /^Operation Failed\b/i.test(error.serviceMessage ?? '');
	if (!REFUSED.has(error.status) && !aborted) return error;
	const said = error.serviceMessage ?? `HTTP ${error.status}`;
	return new DestinationValidationError(`ServiceNow refused the requester (HTTP ${error.status}): ${said}`, error.status, [{ field: 'requester', message: said, code: `HTTP${error.status}` }]);
}
