/**
 * A plain-http front on 127.0.0.1 for an HTTPS stand-in. The pack's HTTP layer trusts only the
 * system CAs (Node 20 cannot add one in-process; n8n runs get NODE_EXTRA_CA_CERTS instead), so
 * in-process tests reach the stand-in through this front, which trusts the test CA. It passes
 * requests and answers through unchanged and drops the client's connection when the stand-in
 * drops its own, so injected connection resets still reach the client.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

export interface LoopbackFront {
	/** http://127.0.0.1:PORT */
	url: string;
	close(): Promise<void>;
}

export function startLoopbackFront(target: string, caPem: string): Promise<LoopbackFront> {
	const upstream = new URL(target);
	const sockets = new Set<Socket>();
	const forward = (req: IncomingMessage, res: ServerResponse) => {
		const outgoing = httpsRequest(
			{ hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, host: upstream.host }, ca: caPem, agent: false },
			(answer) => {
				res.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(res);
			},
		);
		outgoing.on('error', () => req.socket.destroy());
		req.pipe(outgoing);
	};
	const server = createServer(forward);
	server.on('connection', (socket: Socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	return new Promise((resolve) => {
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as AddressInfo;
			resolve({
				url: `http://127.0.0.1:${port}`,
				close: () =>
					new Promise<void>((done) => {
						for (const socket of sockets) socket.destroy();
						server.close(() => done());
					}),
			});
		});
	});
}
