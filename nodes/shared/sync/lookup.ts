/**
 * Finding the destination record of each user of a run: a complete read lists the destination
 * once; otherwise each user is looked up on its own (stored object id, then the link, then the key).
 */
import type { DestinationRecord, RequesterDestination } from '../destinations/types';
import type { Requester } from '../requester/model';

export type RecordLookup = {
	byAzureObjectId(azureObjectId: string, key: Requester['ssoKey'] | null): Promise<DestinationRecord | null>;
};

/** A complete read lists the destination once; otherwise each user is looked up on its own. */
export async function recordResolver(destination: RequesterDestination, links: Record<string, string>, completeRead: boolean): Promise<RecordLookup> {
	if (completeRead) {
		const byId = new Map<string, DestinationRecord>();
		const byKey = new Map<string, DestinationRecord>();
		const byAzure = new Map<string, DestinationRecord>();
		for await (const page of destination.list()) {
			for (const record of page) {
				byId.set(record.id, record);
				if (record.key) byKey.set(record.key, record);
				if (record.azureObjectId) byAzure.set(record.azureObjectId, record);
			}
		}
		return {
			byAzureObjectId: async (azureObjectId, key) => {
				const linked = links[azureObjectId];
				return byAzure.get(azureObjectId) ?? (linked ? byId.get(linked) : undefined) ?? (key ? byKey.get(key.value) : undefined) ?? null;
			},
		};
	}
	return {
		byAzureObjectId: async (azureObjectId, key) => {
			if (destination.capabilities.storesAzureObjectId) {
				const stored = await destination.findByAzureObjectId(azureObjectId);
				if (stored) return stored;
			}
			const linked = links[azureObjectId];
			if (linked) {
				const record = await destination.findById(linked);
				if (record) return record;
			}
			return key ? destination.findByKey(key) : null;
		},
	};
}
