import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ResponseTooLargeError } from '../../nodes/shared/http/errors';
import { maxResponseBytes, send, sendOnce } from '../../nodes/shared/http/request';

const MB = 1024 * 1024;
let server: Server;
let base: string;
let served = 0;

beforeAll(async () => {
	server = createServer((request, response) => {
		served++;
		const size = Number(new URL(request.url ?? '/', 'http://x').searchParams.get('mb')) * MB;
		const declare = request.url?.includes('declare=1');
		response.writeHead(200, { 'content-type': 'application/json', ...(declare ? { 'content-length': String(size + 2) } : {}) });
		if (declare) {
			response.end(`"${'a'.repeat(size)}"`);
			return;
		}
		// Chunked, without a length: the cap must count what arrives.
		response.write('"');
		let sent = 0;
		const pump = (): void => {
			while (sent < size) {
				const chunk = 'a'.repeat(Math.min(64 * 1024, size - sent));
				sent += chunk.length;
				if (!response.write(chunk)) {
					response.once('drain', pump);
					return;
				}
			}
			response.end('"');
		};
		pump();
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('response size cap', () => {
	it('defaults to 50 MB and reads AAD_SYNC_MAX_RESPONSE_MB', () => {
		expect(maxResponseBytes({})).toBe(50 * MB);
		expect(maxResponseBytes({ AAD_SYNC_MAX_RESPONSE_MB: '2' })).toBe(2 * MB);
		expect(maxResponseBytes({ AAD_SYNC_MAX_RESPONSE_MB: 'lots' })).toBe(50 * MB);
	});

	it('reads an answer under the cap', async () => {
		const response = await sendOnce({ method: 'GET', url: `${base}/?mb=1&token=FAKE`, maxResponseBytes: 2 * MB });
		expect((response.body as string).length).toBe(MB);
	});

	it('stops reading a chunked answer past the cap, with an error naming the limit, and does not retry', async () => {
		const before = served;
		const error = await send({ method: 'GET', url: `${base}/?mb=3&token=FAKE`, maxResponseBytes: MB }).catch((caught) => caught);
		expect(error).toBeInstanceOf(ResponseTooLargeError);
		expect(error.message).toContain('larger than 1 MB');
		expect(error.message).toContain('AAD_SYNC_MAX_RESPONSE_MB');
		expect(error.message).not.toContain('FAKE');
		expect(served - before).toBe(1);
	});

	it('refuses a declared Content-Length past the cap before reading it', async () => {
		const error = await sendOnce({ method: 'GET', url: `${base}/?mb=3&declare=1`, maxResponseBytes: 2 * MB }).catch((caught) => caught);
		expect(error).toBeInstanceOf(ResponseTooLargeError);
		expect((error as ResponseTooLargeError).limitBytes).toBe(2 * MB);
	});
});
