/** What a SCIM service says it supports (/ServiceProviderConfig, RFC 7643 §5). */
import { HttpError } from '../../http/errors';
import type { ScimApi } from './requests';

export interface ScimSupport {
	patch: boolean;
	filter: boolean;
	bulk: { supported: boolean; maxOperations: number; maxPayloadSize: number };
	etag: boolean;
	/** Most resources one list answer holds (filter.maxResults), when said. */
	maxResults?: number;
}

function flag(config: Record<string, unknown>, name: string): boolean {
	const entry = config[name];
	return !!entry && typeof entry === 'object' && (entry as Record<string, unknown>).supported === true;
}

export function readSupport(config: Record<string, unknown>): ScimSupport {
	const bulk = (config.bulk ?? {}) as Record<string, unknown>;
	const filter = (config.filter ?? {}) as Record<string, unknown>;
	const maxResults = Number(filter.maxResults);
	return {
		patch: flag(config, 'patch'),
		filter: flag(config, 'filter'),
		bulk: { supported: flag(config, 'bulk'), maxOperations: Number(bulk.maxOperations) || 0, maxPayloadSize: Number(bulk.maxPayloadSize) || 0 },
		etag: flag(config, 'etag'),
		...(Number.isInteger(maxResults) && maxResults > 0 ? { maxResults } : {}),
	};
}

/** Services without /ServiceProviderConfig are assumed to filter and patch; their answers correct that. */
export const ASSUMED_SUPPORT: ScimSupport = { patch: true, filter: true, bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 }, etag: false };

export async function loadSupport(api: ScimApi): Promise<ScimSupport> {
	try {
		const { body } = await api.request<Record<string, unknown>>('GET', '/ServiceProviderConfig');
		return body && typeof body === 'object' ? readSupport(body) : ASSUMED_SUPPORT;
	} catch (error) {
		if (error instanceof HttpError && (error.status === 404 || error.status === 501)) return ASSUMED_SUPPORT;
		throw error;
	}
}
