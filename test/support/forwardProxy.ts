/**
 * A real forward proxy on 127.0.0.1 for proxy tests: Debian's tinyproxy, started in the foreground
 * with its own config and log, installed with apt-get when missing (as the queue-mode services are).
 * `tunnels(port)` counts the CONNECT tunnels it opened to a port, read from its log.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type AddressInfo } from 'node:net';

const TINYPROXY = '/usr/bin/tinyproxy';

export interface ForwardProxy {
	url: string;
	port: number;
	/** CONNECT tunnels the proxy opened to 127.0.0.1:<port>. */
	tunnels(port: number): number;
	log(): string;
	close(): Promise<void>;
}

export function ensureTinyproxy(): string {
	if (!existsSync(TINYPROXY)) {
		execFileSync('apt-get', ['install', '-y', '-qq', 'tinyproxy'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
	}
	return TINYPROXY;
}

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

function waitForPort(port: number, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	return new Promise((resolve, reject) => {
		const attempt = () => {
			const socket = connect(port, '127.0.0.1');
			socket.once('connect', () => {
				socket.destroy();
				resolve();
			});
			socket.once('error', () => {
				socket.destroy();
				if (Date.now() > deadline) reject(new Error(`tinyproxy did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`));
				else setTimeout(attempt, 100);
			});
		};
		attempt();
	});
}

export async function startForwardProxy(): Promise<ForwardProxy> {
	const binary = ensureTinyproxy();
	const dir = mkdtempSync(join(tmpdir(), 'aad-sync-proxy-'));
	// tinyproxy drops root privileges to nobody; its log must be writable then.
	chmodSync(dir, 0o777);
	const port = await freePort();
	const logFile = join(dir, 'tinyproxy.log');
	writeFileSync(
		join(dir, 'tinyproxy.conf'),
		[
			'User nobody',
			'Group nogroup',
			`Port ${port}`,
			'Listen 127.0.0.1',
			'Timeout 120',
			`LogFile "${logFile}"`,
			'LogLevel Info',
			'MaxClients 50',
			'Allow 127.0.0.1',
			// No ConnectPort line: CONNECT is allowed to any port (the stand-ins use random ones).
			'',
		].join('\n'),
	);
	const child: ChildProcess = spawn(binary, ['-d', '-c', join(dir, 'tinyproxy.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
	let output = '';
	child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	try {
		await waitForPort(port, 10_000);
	} catch (error) {
		child.kill('SIGKILL');
		throw new Error(`${(error as Error).message}\n${output}`);
	}
	const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
	return {
		url: `http://127.0.0.1:${port}`,
		port,
		log,
		tunnels: (target) => log().split('\n').filter((line) => line.includes(`CONNECT 127.0.0.1:${target} `)).length,
		close: () =>
			new Promise<void>((resolve) => {
				if (child.exitCode !== null) return resolve();
				child.once('exit', () => {
					rmSync(dir, { recursive: true, force: true });
					resolve();
				});
				child.kill('SIGTERM');
			}),
	};
}
