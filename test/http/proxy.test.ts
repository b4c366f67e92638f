/**
 * The HTTP layer through a real forward proxy (Debian's tinyproxy on 127.0.0.1): HTTP_PROXY sends
 * every request through it, NO_PROXY lets a host bypass it, and a dead proxy gives an error that
 * names the proxy (without its password). The HTTPS (CONNECT) path, the Microsoft sign-in and a
 * whole sync through the proxy are proven in real n8n: test/e2e/proxy.e2e.test.ts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { send } from '../../nodes/shared/http/request';
import { DEFAULT_RETRY_POLICY } from '../../nodes/shared/http/retry';
import { proxyFor } from '../../nodes/shared/http/proxy';
import { startForwardProxy, type ForwardProxy } from '../support/forwardProxy';

let proxy: ForwardProxy;
let target: Server;
let targetPort: number;
let served = 0;
const saved = { ...process.env };

beforeAll(async () => {
	proxy = await startForwardProxy();
	target = createServer((request, response) => {
		served++;
		response.writeHead(200, { 'content-type': 'application/json' });
		response.end(JSON.stringify({ path: request.url }));
	});
	await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
	targetPort = (target.address() as AddressInfo).port;
});

afterEach(() => {
	for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy']) {
		if (saved[name] === undefined) delete process.env[name];
		else process.env[name] = saved[name];
	}
});

afterAll(async () => {
	await proxy?.close();
	await new Promise((resolve) => target?.close(resolve));
});

const proxiedRequests = () => proxy.log().split('\n').filter((line) => line.includes(`GET http://127.0.0.1:${targetPort}/`)).length;

describe('HTTP layer behind a forward proxy', () => {
	it('sends every request through HTTP_PROXY', async () => {
		process.env.HTTP_PROXY = proxy.url;
		delete process.env.NO_PROXY;
		const before = { proxied: proxiedRequests(), served };
		for (let index = 0; index < 5; index++) {
			const response = await send<{ path: string }>({ method: 'GET', url: `http://127.0.0.1:${targetPort}/item/${index}` });
			expect(response.body.path).toBe(`/item/${index}`);
		}
		expect(served - before.served).toBe(5);
		expect(proxiedRequests() - before.proxied).toBe(5);
	});

	it('goes direct to a host NO_PROXY covers, and proxies the others', async () => {
		process.env.HTTP_PROXY = proxy.url;
		process.env.NO_PROXY = `localhost,127.0.0.1:${targetPort}`;
		expect(proxyFor(new URL(`http://127.0.0.1:${targetPort}/`))).toBe('');
		expect(proxyFor(new URL('http://127.0.0.1:9/'))).toBe(proxy.url);
		expect(proxyFor(new URL('https://graph.microsoft.com/v1.0/users'))).toBe('');
		process.env.HTTPS_PROXY = proxy.url;
		expect(proxyFor(new URL('https://graph.microsoft.com/v1.0/users'))).toBe(proxy.url);
		const before = { proxied: proxiedRequests(), served };
		await send({ method: 'GET', url: `http://127.0.0.1:${targetPort}/direct` });
		expect(served - before.served).toBe(1);
		expect(proxiedRequests() - before.proxied).toBe(0);
	});

	it('reads lower-case variables too, as n8n does', () => {
		delete process.env.HTTPS_PROXY;
		process.env.https_proxy = proxy.url;
		expect(proxyFor(new URL('https://login.microsoftonline.com/x/oauth2/v2.0/token'))).toBe(proxy.url);
	});

	it('names the proxy, not its password, when it cannot be reached', async () => {
		process.env.HTTP_PROXY = 'http://proxyuser:FAKE-proxy-password@127.0.0.1:9';
		delete process.env.NO_PROXY;
		const error = await send({ method: 'GET', url: `http://127.0.0.1:${targetPort}/unreachable` }, { policy: { ...DEFAULT_RETRY_POLICY, maxAttempts: 1 } }).catch((caught: Error) => caught);
		expect(error).toBeInstanceOf(Error);
		expect((error as Error).message).toContain('through the proxy http://127.0.0.1:9');
		expect(JSON.stringify(error) + (error as Error).message).not.toContain('FAKE-proxy-password');
	});
});
