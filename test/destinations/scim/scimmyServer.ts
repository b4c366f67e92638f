/**
 * An independent SCIM 2.0 service for tests: SCIMMY's User resource with the EnterpriseUser
 * extension behind SCIMMY Routers (express), over an in-memory store, on 127.0.0.1 (random port).
 * SCIMMY parses the filters, applies PATCH operations and Bulk requests and writes the
 * ServiceProviderConfig; this file only keeps the users, checks the bearer token, enforces
 * userName uniqueness (409 uniqueness), and records every request so tests can count writes.
 * Options turn PATCH, filtering and Bulk off, as services without them answer, and can put the
 * service under a rate budget (every request counted, its headers on every answer, 429 past it).
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import SCIMMY from 'scimmy';
import SCIMMYRouters from 'scimmy-routers';
import type { AccountBudget } from '../../fixtures/standins/rateBudget';

export interface ScimmyServerOptions {
	token: string;
	patch?: boolean;
	filter?: boolean;
	bulk?: { maxOperations: number; maxPayloadSize: number } | false;
	maxResults?: number;
	/** Answer this many requests to /Users with 429 and Retry-After: 0 first. */
	throttle?: number;
	/** A server-side rule: the detail of a 400 invalidValue for a user it refuses, else undefined. */
	validate?: (user: StoredUser) => string | undefined;
	/** A rate budget over every request (e.g. IETF RateLimit headers, N per scaled window). */
	budget?: AccountBudget;
}

export type StoredUser = Record<string, unknown> & { id: string; userName: string };

export interface RecordedScimRequest {
	method: string;
	/** Path and query as sent, relative to the SCIM root (e.g. /Users?filter=…). */
	path: string;
	body: unknown;
	status?: number;
}

export interface ScimmyServer {
	/** The SCIM root: http://127.0.0.1:PORT/scim/v2 */
	url: string;
	requests: RecordedScimRequest[];
	users(): StoredUser[];
	/** Stores a user as another provisioning client would have (no request recorded). */
	seed(user: Omit<StoredUser, 'id'>): StoredUser;
	close(): Promise<void>;
}

interface Store {
	users: Map<string, StoredUser>;
	options: ScimmyServerOptions;
}

const User = SCIMMY.Resources.User;

/** SCIM compares userName without regard to case (RFC 7643 §4.1.1); SCIMMY's Filter.match is exact, so both sides are lowered. */
function lowerUserName(expression: Record<string, unknown>): Record<string, unknown> {
	return Object.fromEntries(
		Object.entries(expression).map(([attribute, test]) => [
			attribute,
			attribute.toLowerCase() === 'username' && Array.isArray(test) ? test.map((part, index) => (index > 0 && typeof part === 'string' ? part.toLowerCase() : part)) : test,
		]),
	);
}

function matching(filter: SCIMMY.Types.Filter | undefined, users: StoredUser[]): StoredUser[] {
	if (!filter) return users;
	const lowered = new SCIMMY.Types.Filter([...filter].map((expression) => lowerUserName(expression as Record<string, unknown>)) as never);
	const byView = new Map(users.map((user) => [{ ...user, userName: user.userName.toLowerCase() }, user]));
	return lowered.match([...byView.keys()]).map((view) => byView.get(view as never)!);
}

let declared = false;

/** SCIMMY's resources are process-wide: declared once, each handler finds its server's store in the request context. */
function declareUsers(): void {
	if (declared) return;
	declared = true;
	SCIMMY.Resources.declare(User.extend(SCIMMY.Schemas.EnterpriseUser as never, false) as typeof User)
		.ingress((resource, instance, ctx: Store) => {
			const data = JSON.parse(JSON.stringify(instance)) as StoredUser;
			const existing = resource.id ? ctx.users.get(resource.id) : undefined;
			if (resource.id && !existing) throw new SCIMMY.Types.Error(404, null!, `Resource ${resource.id} not found`);
			const taken = [...ctx.users.values()].find((user) => user.id !== resource.id && user.userName.toLowerCase() === String(data.userName).toLowerCase());
			if (taken) throw new SCIMMY.Types.Error(409, 'uniqueness', `userName "${data.userName}" is already in use`);
			const now = new Date().toISOString();
			const stored: StoredUser = { ...data, id: existing?.id ?? randomUUID(), meta: { resourceType: 'User', created: (existing?.meta as { created?: string })?.created ?? now, lastModified: now } };
			const refused = ctx.options.validate?.(stored);
			if (refused) throw new SCIMMY.Types.Error(400, 'invalidValue', refused);
			ctx.users.set(stored.id, stored);
			return stored as never;
		})
		.egress((resource, ctx: Store) => {
			if (resource.id) {
				const user = ctx.users.get(resource.id);
				if (!user) throw new SCIMMY.Types.Error(404, null!, `Resource ${resource.id} not found`);
				return user as never;
			}
			return matching(resource.filter, [...ctx.users.values()]) as never;
		})
		.degress((resource, ctx: Store) => {
			if (!ctx.users.delete(resource.id!)) throw new SCIMMY.Types.Error(404, null!, `Resource ${resource.id} not found`);
		});
}

function scimError(res: express.Response, status: number, scimType: string | undefined, detail: string): void {
	res.status(status).type('application/scim+json').send({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(status), ...(scimType ? { scimType } : {}), detail });
}

export async function startScimmyServer(options: ScimmyServerOptions): Promise<ScimmyServer> {
	declareUsers();
	const store: Store = { users: new Map(), options };
	const requests: RecordedScimRequest[] = [];
	let throttled = 0;
	const app = express();
	const root = '/scim/v2';
	const router = new SCIMMYRouters({
		type: 'bearer',
		handler: (req) => {
			if (req.header('authorization') !== `Bearer ${options.token}`) throw new Error('Bearer token missing or invalid');
			return 'sync-client';
		},
		context: () => store,
	});
	const settings = () => {
		SCIMMY.Config.set({
			patch: options.patch !== false,
			filter: options.filter === false ? false : (options.maxResults ?? 200),
			sort: false,
			etag: false,
			bulk: options.bulk ? { supported: true, maxOperations: options.bulk.maxOperations, maxPayloadSize: options.bulk.maxPayloadSize } : false,
		} as never);
	};
	app.use(root, express.json({ type: ['application/scim+json', 'application/json'], limit: '5mb' }), (req, res, next) => {
		// SCIMMY keeps one configuration per process; each request sees this server's.
		settings();
		const entry: RecordedScimRequest = { method: req.method, path: req.url, body: req.body && Object.keys(req.body).length ? structuredClone(req.body) : undefined };
		requests.push(entry);
		res.on('finish', () => (entry.status = res.statusCode));
		const decision = options.budget?.take();
		if (decision) {
			for (const [name, value] of Object.entries(decision.headers)) res.setHeader(name, value);
			if (!decision.allowed) return scimError(res, 429, undefined, 'Too many requests');
		}
		const target = req.path;
		if (target.startsWith('/Users') && (options.throttle ?? 0) > throttled) {
			throttled += 1;
			res.setHeader('retry-after', '0');
			return scimError(res, 429, undefined, 'Too many requests');
		}
		if (req.method === 'PATCH' && options.patch === false) return scimError(res, 501, undefined, 'PATCH is not supported by this service');
		if (req.method === 'GET' && target.startsWith('/Users') && 'filter' in req.query && options.filter === false) return scimError(res, 400, 'invalidFilter', 'Filtering is not supported by this service');
		next();
	}, router);
	const server: Server = await new Promise((resolve) => {
		const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
	});
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}${root}`,
		requests,
		users: () => [...store.users.values()],
		seed: (user) => {
			const stored = { ...user, id: randomUUID() } as StoredUser;
			store.users.set(stored.id, stored);
			return stored;
		},
		close: () => new Promise<void>((done) => {
			server.closeAllConnections();
			server.close(() => done());
		}),
	};
}
