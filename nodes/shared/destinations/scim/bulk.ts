/**
 * Creates through /Bulk (RFC 7644 §3.7): creates that arrive together (the sync sends several at
 * once) go out as one BulkRequest, split to honour the service's maxOperations and
 * maxPayloadSize, and each operation's result is handed back to its own create by bulkId.
 */
import { HttpError } from '../../http/errors';
import type { ScimResource } from './mapping';
import type { ScimApi } from './requests';
import { BULK_REQUEST } from './settings';

interface Pending {
	bulkId: string;
	body: ScimResource;
	resolve: (resource: ScimResource) => void;
	reject: (error: unknown) => void;
}

export interface BulkLimits {
	maxOperations: number;
	maxPayloadSize: number;
}

const operationOf = (item: { bulkId: string; body: ScimResource }) => ({ method: 'POST', path: '/Users', bulkId: item.bulkId, data: item.body });
const envelope = (operations: unknown[]) => ({ schemas: [BULK_REQUEST], Operations: operations });
const sizeOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/** Operations in order, cut into requests of at most maxOperations and maxPayloadSize bytes (0: no limit). */
export function splitBulk<T extends { bulkId: string; body: ScimResource }>(items: readonly T[], limits: BulkLimits): T[][] {
	const batches: T[][] = [];
	let batch: T[] = [];
	for (const item of items) {
		const candidate = [...batch, item];
		const tooMany = limits.maxOperations > 0 && candidate.length > limits.maxOperations;
		const tooBig = limits.maxPayloadSize > 0 && sizeOf(envelope(candidate.map(operationOf))) > limits.maxPayloadSize;
		if ((tooMany || tooBig) && batch.length) {
			batches.push(batch);
			batch = [item];
		} else batch = candidate;
	}
	if (batch.length) batches.push(batch);
	return batches;
}

export class BulkCreator {
	private queue: Pending[] = [];
	private next = 1;

	constructor(
		private readonly api: ScimApi,
		private readonly limits: BulkLimits,
	) {}

	/** Resolves with the created resource (the body sent, with the id the service gave it). */
	create(body: ScimResource): Promise<ScimResource> {
		return new Promise((resolve, reject) => {
			this.queue.push({ bulkId: `create-${this.next++}`, body, resolve, reject });
			// Creates started in the same turn of the event loop share one request.
			if (this.queue.length === 1) setImmediate(() => void this.flush());
		});
	}

	private async flush(): Promise<void> {
		const items = this.queue;
		this.queue = [];
		await Promise.all(splitBulk(items, this.limits).map((batch) => this.send(batch)));
	}

	private async send(batch: Pending[]): Promise<void> {
		const sizeLimit = this.limits.maxPayloadSize;
		const single = envelope(batch.map(operationOf));
		if (sizeLimit > 0 && sizeOf(single) > sizeLimit) {
			const error = new HttpError({ status: 413, code: 'tooLarge', serviceMessage: `one create is ${sizeOf(single)} bytes, over the service's Bulk maxPayloadSize of ${sizeLimit}`, method: 'POST', url: `${this.api.root}/Bulk` });
			for (const item of batch) item.reject(error);
			return;
		}
		let results: Array<Record<string, unknown>>;
		try {
			const { body } = await this.api.request<Record<string, unknown>>('POST', '/Bulk', single);
			results = Array.isArray(body?.Operations) ? (body.Operations as Array<Record<string, unknown>>) : [];
		} catch (error) {
			for (const item of batch) item.reject(error);
			return;
		}
		for (const item of batch) {
			const result = results.find((entry) => entry.bulkId === item.bulkId);
			const status = Number(result?.status);
			const response = (result?.response ?? undefined) as Record<string, unknown> | undefined;
			if (!result || !(status >= 200 && status < 300)) {
				const said = response && typeof response.detail === 'string' ? response.detail : result ? `HTTP ${status}` : 'no result for this operation';
				const code = response && typeof response.scimType === 'string' ? response.scimType : undefined;
				item.reject(new HttpError({ status: status || 500, code, serviceMessage: said, method: 'POST', url: `${this.api.root}/Bulk` }));
				continue;
			}
			const id = response && typeof response.id === 'string' ? response.id : String(result.location ?? '').split('/').filter(Boolean).pop();
			if (!id) item.reject(new Error('The SCIM service created a user through /Bulk without saying its location'));
			else item.resolve(response && typeof response.id === 'string' ? response : { ...item.body, id });
		}
	}
}
