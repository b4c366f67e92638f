/**
 * An in-memory RequesterDestination for sync-engine tests: keeps requesters, counts every call,
 * and fails on demand. Keys are compared with normaliseKey like a real destination.
 */
import type { DestinationRecord, RequesterChanges, RequesterDestination } from '../../nodes/shared/destinations/types';
import { DestinationValidationError } from '../../nodes/shared/destinations/types';
import { HttpError } from '../../nodes/shared/http/errors';
import { normaliseKey, type Requester, type RequesterFieldId, type SsoKey } from '../../nodes/shared/requester/model';

export type Call = 'findById' | 'findByKey' | 'findByAzureObjectId' | 'list' | 'create' | 'update' | 'deactivate' | 'reactivate' | 'setManager';
const WRITES: Call[] = ['create', 'update', 'deactivate', 'reactivate', 'setManager'];

export class MemoryDestination implements RequesterDestination {
	readonly label = 'Memory';
	readonly capabilities = { storesAzureObjectId: false, reportingManager: true };
	readonly supportedFields: RequesterFieldId[] = ['fullName', 'firstName', 'lastName', 'email', 'phone', 'landline', 'jobTitle', 'department', 'city', 'manager'];
	readonly records = new Map<string, DestinationRecord>();
	readonly calls: Array<{ call: Call; id?: string; body?: unknown; managerId?: string }> = [];
	/** Calls that must fail (by call name); each entry fails once. */
	failures: Array<{ call: Call; error: Error; when?: (id?: string, requester?: Requester) => boolean }> = [];
	private nextId = 1000;

	expectedFields(requester: Requester): DestinationRecord['fields'] {
		return pick(requester, this.supportedFields);
	}

	writes(): Array<{ call: Call; id?: string; body?: unknown; managerId?: string }> {
		return this.calls.filter((c) => WRITES.includes(c.call));
	}

	/** Adds a requester directly, as if created by hand in the destination. */
	seed(fields: DestinationRecord['fields'], options: { active?: boolean; key?: string } = {}): DestinationRecord {
		const id = String(this.nextId++);
		const record: DestinationRecord = { id, key: normaliseKey(options.key ?? fields.email ?? ''), azureObjectId: null, active: options.active ?? true, fields: { ...fields }, managerId: null };
		this.records.set(id, record);
		return record;
	}

	async findById(id: string) {
		this.calls.push({ call: 'findById', id });
		this.maybeFail('findById', id);
		return clone(this.records.get(id) ?? null);
	}
	async findByKey(key: SsoKey) {
		this.calls.push({ call: 'findByKey', id: key.value });
		this.maybeFail('findByKey', key.value);
		return clone([...this.records.values()].find((r) => r.key === normaliseKey(key.value)) ?? null);
	}
	async findByAzureObjectId() {
		this.calls.push({ call: 'findByAzureObjectId' });
		return null;
	}
	async *list() {
		this.calls.push({ call: 'list' });
		this.maybeFail('list');
		yield [...this.records.values()].map((r) => clone(r)!);
	}
	async create(requester: Requester, options: { managerId?: string } = {}) {
		this.calls.push({ call: 'create', body: requester.email, ...(options.managerId === undefined ? {} : { managerId: options.managerId }) });
		this.maybeFail('create', undefined, requester);
		if ([...this.records.values()].some((r) => r.key === requester.ssoKey.value)) {
			throw new DestinationValidationError('Duplicate', 409, [{ field: 'email', message: 'already exists', code: 'duplicate_value' }]);
		}
		const record: DestinationRecord = { id: String(this.nextId++), key: requester.ssoKey.value, azureObjectId: null, active: true, fields: this.expectedFields(requester), managerId: options.managerId ?? null };
		this.records.set(record.id, record);
		return clone(record)!;
	}
	async update(id: string, changes: RequesterChanges) {
		this.calls.push({ call: 'update', id, body: changes });
		this.maybeFail('update', id);
		const record = this.records.get(id)!;
		Object.assign(record.fields, changes);
		if (changes.email) record.key = normaliseKey(changes.email);
		return clone(record)!;
	}
	async deactivate(id: string) {
		this.calls.push({ call: 'deactivate', id });
		this.maybeFail('deactivate', id);
		this.records.get(id)!.active = false;
	}
	async reactivate(id: string) {
		this.calls.push({ call: 'reactivate', id });
		this.maybeFail('reactivate', id);
		this.records.get(id)!.active = true;
	}
	async setManager(id: string, managerId: string | null) {
		this.calls.push({ call: 'setManager', id, body: managerId });
		this.maybeFail('setManager', id);
		this.records.get(id)!.managerId = managerId;
	}

	private maybeFail(call: Call, id?: string, requester?: Requester) {
		const index = this.failures.findIndex((f) => f.call === call && (!f.when || f.when(id, requester)));
		if (index >= 0) throw this.failures.splice(index, 1)[0].error;
	}
}

export function serviceUnavailable(): HttpError {
	return new HttpError({ status: 503, code: 'ServiceUnavailable', serviceMessage: 'Down for maintenance', method: 'POST', url: 'https://itsm.example/requesters' });
}

function pick(requester: Requester, fields: RequesterFieldId[]): DestinationRecord['fields'] {
	return Object.fromEntries(fields.filter((f) => f !== 'manager').map((f) => [f, requester[f]]));
}

function clone<T>(value: T): T {
	return value === null ? value : structuredClone(value);
}
