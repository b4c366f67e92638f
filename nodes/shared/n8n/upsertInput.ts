/**
 * Reads Upsert Requester's input items (from Map To Requester) into the sync engine's input.
 * Input 0 carries mapped requesters and removed users; input 1 (or any item with `reasons`)
 * carries users that could not be mapped. Items with neither (an empty "nothing changed" item)
 * are ignored.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import type { Requester } from '../requester/model';
import type { SyncInput, UnmappedUser } from '../sync/engine';
import { SYNC_MARKER_KEY, type SyncMarker } from '../sync/cursor';
import type { RemovalReason } from '../sync/registry';

export interface InputRef {
	input: number;
	item: number;
}

export interface ParsedInput extends SyncInput {
	/** Position of each engine item index in the node's inputs, for pairedItem. */
	refs: InputRef[];
	syncIds: Set<string>;
}

export function readUpsertInput(inputs: INodeExecutionData[][]): ParsedInput {
	const parsed: ParsedInput = { mapped: [], removed: [], unmapped: [], completeRead: false, mode: 'retryOnly', refs: [], syncIds: new Set() };
	let sawFull = false;
	let sawPartialOrIncremental = false;
	inputs.forEach((items, input) =>
		items.forEach((item, index) => {
			const json = item.json;
			const marker = json[SYNC_MARKER_KEY] as SyncMarker | undefined;
			if (marker?.syncId) parsed.syncIds.add(marker.syncId);
			if (marker) {
				if (marker.mode === 'full' && !(marker as { partial?: boolean }).partial) sawFull = true;
				else sawPartialOrIncremental = true;
			}
			const itemIndex = parsed.refs.push({ input, item: index }) - 1;
			const unmapped = asUnmapped(json, itemIndex);
			if (unmapped) {
				parsed.unmapped.push(unmapped);
			} else if (marker?.removed && typeof json.azureObjectId === 'string') {
				parsed.removed.push({ azureObjectId: json.azureObjectId, reason: marker.removed as RemovalReason, itemIndex });
			} else if (isRequester(json.requester)) {
				parsed.mapped.push({ requester: json.requester, itemIndex });
			}
		}),
	);
	parsed.completeRead = sawFull && !sawPartialOrIncremental;
	parsed.mode = sawFull ? 'full' : sawPartialOrIncremental ? 'incremental' : 'retryOnly';
	return parsed;
}

function asUnmapped(json: IDataObject, itemIndex: number): UnmappedUser | undefined {
	if (!Array.isArray(json.reasons) || typeof json.azureObjectId !== 'string') return undefined;
	const reasons = (json.reasons as Array<{ field?: unknown; code?: unknown; message?: unknown }>).map((reason) => ({
		field: String(reason.field ?? ''),
		code: String(reason.code ?? 'invalid'),
		message: String(reason.message ?? ''),
	}));
	return {
		azureObjectId: json.azureObjectId,
		userPrincipalName: typeof json.userPrincipalName === 'string' ? json.userPrincipalName : null,
		email: typeof json.mail === 'string' ? json.mail : typeof json.email === 'string' ? json.email : null,
		displayName: typeof json.displayName === 'string' ? json.displayName : null,
		stage: json.stage === 'mapping' ? 'mapping' : 'validation',
		reasons,
		itemIndex,
	};
}

function isRequester(value: unknown): value is Requester {
	if (typeof value !== 'object' || value === null) return false;
	const candidate = value as Partial<Requester>;
	return typeof candidate.azureObjectId === 'string' && typeof candidate.ssoKey?.value === 'string' && typeof candidate.accountEnabled === 'boolean';
}
