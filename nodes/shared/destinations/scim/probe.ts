/**
 * The credential test: /ServiceProviderConfig (and /ResourceTypes, /Schemas where offered), one
 * page of /Users, and a message that says what the service supports or what to fix.
 */
import { HttpError, NetworkError } from '../../http/errors';
import { DestinationConfigError } from '../common';
import { readSupport, type ScimSupport } from './capabilities';
import { ScimApi } from './requests';
import { ENTERPRISE_USER, scimLayout, type ScimOptions } from './settings';
import { mergeRetryPolicy } from '../../http/retry';

export interface ScimProbe {
	ok: boolean;
	message: string;
	supports?: ScimSupport & { enterpriseUser?: boolean };
}

export async function probeScimServer(options: ScimOptions): Promise<ScimProbe> {
	try {
		const layout = scimLayout(options);
		const api = new ScimApi(layout.root, layout.headers, mergeRetryPolicy({ maxAttempts: 2, maxRetryAfterMs: 10_000, ...options.retry }), {
			// The Test button's few requests are not paced.
			onRetry: options.onRetry,
			sleep: options.sleep,
			random: options.random,
		});
		const config = await optional(api, '/ServiceProviderConfig');
		const supports: ScimSupport & { enterpriseUser?: boolean } = config ? readSupport(config) : { patch: true, filter: true, bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 }, etag: false };
		const types = await optional(api, '/ResourceTypes');
		if (types) supports.enterpriseUser = JSON.stringify(types).includes(ENTERPRISE_USER);
		else if (await optional(api, '/Schemas')) supports.enterpriseUser = JSON.stringify(await optional(api, `/Schemas/${ENTERPRISE_USER}`)).includes(ENTERPRISE_USER);
		await api.request('GET', '/Users?startIndex=1&count=1');
		const said = [
			`PATCH ${supports.patch ? 'yes' : 'no (updates use PUT)'}`,
			`filter ${supports.filter ? 'yes' : 'no (users are matched from the full list)'}`,
			`bulk ${supports.bulk.supported ? `yes (max ${supports.bulk.maxOperations} operations, ${supports.bulk.maxPayloadSize} bytes)` : 'no'}`,
			`ETag ${supports.etag ? 'yes' : 'no'}`,
			...(supports.maxResults ? [`max results ${supports.maxResults}`] : []),
			...(supports.enterpriseUser === false ? ['enterprise extension not listed (department, manager … may be dropped)'] : []),
		];
		return { ok: true, message: `Connected to SCIM (${new URL(layout.root).host}): ${said.join(', ')}${config ? '' : ' (no ServiceProviderConfig: assumed)'}`, supports };
	} catch (error) {
		return { ok: false, message: failure(error) };
	}
}

async function optional(api: ScimApi, path: string): Promise<Record<string, unknown> | undefined> {
	try {
		return (await api.request<Record<string, unknown>>('GET', path)).body;
	} catch (error) {
		if (error instanceof HttpError && (error.status === 404 || error.status === 501)) return undefined;
		throw error;
	}
}

function failure(error: unknown): string {
	if (error instanceof DestinationConfigError) return error.message;
	if (error instanceof HttpError && (error.status === 401 || error.status === 403)) return `The SCIM service refused the credential (HTTP ${error.status}). Check the token or user name and password, and the extra header.`;
	if (error instanceof HttpError && error.status === 404) return 'No SCIM /Users endpoint at this address (HTTP 404). The Base URL is the SCIM root, e.g. https://example.com/scim/v2.';
	if (error instanceof NetworkError) return `${error.message}. Check the Base URL and the n8n host's network.`;
	return error instanceof Error ? error.message : String(error);
}
