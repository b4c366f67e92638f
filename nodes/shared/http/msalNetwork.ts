/**
 * MSAL's network client, on the pack's own HTTP layer: the Microsoft sign-in then takes the same
 * route as Graph and the destinations (the proxy from HTTPS_PROXY / NO_PROXY, the same TLS trust).
 * No retries here: MSAL decides itself what to do with an error answer.
 */
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '../vendor';
import { sendOnce, type HttpMethod } from './request';

async function exchange<T>(method: HttpMethod, url: string, options: NetworkRequestOptions = {}, timeoutMs?: number): Promise<NetworkResponse<T>> {
	const response = await sendOnce({ method, url, headers: options.headers, body: options.body, timeoutMs });
	const headers: Record<string, string> = {};
	for (const [name, value] of Object.entries(response.headers)) {
		if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
	}
	return { status: response.status, headers, body: response.body as T };
}

export const msalNetworkClient: INetworkModule = {
	sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions, timeout?: number) => exchange<T>('GET', url, options, timeout),
	sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => exchange<T>('POST', url, options),
};
