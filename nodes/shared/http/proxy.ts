/**
 * The one place that decides how the pack reaches a host: directly, or through the proxy that
 * HTTPS_PROXY / HTTP_PROXY name unless NO_PROXY covers the host (the same variables, upper or
 * lower case, that n8n's own request helpers honour). Graph, the Microsoft sign-in (MSAL's
 * network client is ours, see msalNetwork.ts) and every destination send through the agents
 * handed out here. The environment is read per request, so a changed variable applies without a
 * restart; agents are kept per proxy so keep-alive still works.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { HttpProxyAgent, HttpsProxyAgent, getProxyForUrl } from '../vendor';

const KEEP_ALIVE = { keepAlive: true, maxSockets: 32 };

const direct = {
	http: new http.Agent(KEEP_ALIVE),
	https: new https.Agent(KEEP_ALIVE),
};
const viaProxy = new Map<string, http.Agent>();

/** The proxy URL for `url` ('' when it goes direct), from the environment. */
export function proxyFor(url: URL): string {
	return getProxyForUrl(url.href);
}

/** The agent for one request to `url`. */
export function agentFor(url: URL): http.Agent {
	const isHttps = url.protocol === 'https:';
	const proxy = proxyFor(url);
	if (!proxy) return isHttps ? direct.https : direct.http;
	const key = `${isHttps ? 'https' : 'http'} ${proxy}`;
	let agent = viaProxy.get(key);
	if (!agent) {
		agent = isHttps ? new HttpsProxyAgent(proxy, KEEP_ALIVE) : new HttpProxyAgent(proxy, KEEP_ALIVE);
		viaProxy.set(key, agent);
	}
	return agent;
}

/** A proxy URL without its user and password, for logs and error messages. */
export function describeProxy(proxy: string): string {
	try {
		const url = new URL(proxy);
		return `${url.protocol}//${url.host}`;
	} catch {
		return 'the configured proxy';
	}
}
