/**
 * A small plain-HTTP server on 127.0.0.1 for pacing tests: answers every request with `{ ok: true }`
 * under an optional AccountBudget (its headers, its 429s), logs when each request arrived and how it
 * was answered, and can override single answers (a 429 with Retry-After, say).
 */
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { AccountBudget } from '../fixtures/standins/rateBudget';

export interface Arrival {
	/** Date.now() when the request arrived. */
	at: number;
	status: number;
}

export interface Override {
	status: number;
	headers?: Record<string, string>;
}

export interface BudgetServerOptions {
	budget?: AccountBudget;
	/** Called with the 1-based request number; an answer returned here replaces the normal one. */
	override?: (index: number) => Override | undefined;
}

export interface BudgetServer {
	url: string;
	arrivals: Arrival[];
	close(): Promise<void>;
}

export function startBudgetServer(options: BudgetServerOptions = {}): Promise<BudgetServer> {
	const arrivals: Arrival[] = [];
	const sockets = new Set<Socket>();
	const server = createServer((request, response) => {
		const at = Date.now();
		request.resume();
		request.on('end', () => {
			const forced = options.override?.(arrivals.length + 1);
			let status = 200;
			let headers: Record<string, string> = {};
			if (forced) {
				status = forced.status;
				headers = forced.headers ?? {};
			} else if (options.budget) {
				const decision = options.budget.take();
				status = decision.allowed ? 200 : 429;
				headers = decision.headers;
			}
			arrivals.push({ at, status });
			const body = JSON.stringify(status === 200 ? { ok: true } : { message: 'throttled' });
			response.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
			response.end(body);
		});
	});
	server.on('connection', (socket: Socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as AddressInfo;
			resolve({
				url: `http://127.0.0.1:${port}`,
				arrivals,
				close: () =>
					new Promise<void>((done) => {
						for (const socket of sockets) socket.destroy();
						server.close(() => done());
					}),
			});
		});
	});
}
