/**
 * An HTTPS stand-in for ServiceNow's Table API and OAuth token endpoint, on 127.0.0.1 with a
 * random port (the shared server of test/fixtures/standins/server.ts: request log, fault
 * injection).
 *
 *   const sn = await startServiceNowStandIn({ tls, accounts: { 'svc.sync': 'FAKE-pw' }, departments: ['IT'] });
 *   // instance root: sn.url; Basic auth, or a bearer token from POST /oauth_token.do
 *   sn.state.addUser({ user_name: 'jane', email: 'jane@contoso.com' }); sn.faults.failNext(1, { status: 429, retryAfter: 1 });
 *
 * Endpoints: GET/POST /api/now/table/{table}, GET/PATCH/PUT/DELETE /api/now/table/{table}/{sys_id}
 * for sys_user, cmn_department, cmn_location, core_company and cmn_cost_center; POST /oauth_token.do.
 *
 * The public contract it follows: answers `{ "result": … }`, errors
 * `{ "error": { "message", "detail" }, "status": "failure" }`; every value a string (booleans as
 * "true"/"false", references as a sys_id, or `{ link, value }` without
 * sysparm_exclude_reference_link=true); sysparm_query (see standInQuery.ts), sysparm_fields (unknown
 * columns left out), sysparm_limit (default 10000) and sysparm_offset with X-Total-Count and a
 * `Link` header (first, prev, next, last); unknown columns in a write ignored; user_name unique
 * (403 "Operation Failed"); rate limit rules answered with X-RateLimit-Limit / -Reset / -Rule and,
 * past the limit, 429 with Retry-After.
 */
import { randomBytes } from 'node:crypto';
import { FaultPlan, isRecord, json, noContent, parseJson, startStandInServer, type RecordedRequest, type StandInRequest, type StandInResponse } from '../../fixtures/standins/server';
import type { TestTls } from '../../fixtures/standins/tls';
import { EncodedQueryError, runQuery, type Row } from './standInQuery';

const USER_COLUMNS = [
	'sys_id', 'user_name', 'first_name', 'last_name', 'name', 'email', 'phone', 'mobile_phone', 'title', 'department', 'location', 'company', 'cost_center',
	'manager', 'employee_number', 'source', 'street', 'city', 'state', 'zip', 'country', 'active', 'locked_out', 'sys_created_on', 'sys_updated_on', 'sys_class_name',
];
const NAMED_COLUMNS = ['sys_id', 'name', 'sys_created_on', 'sys_updated_on'];
/** sys_user reference columns and the tables they point at. */
const REFERENCES: Record<string, string> = { department: 'cmn_department', location: 'cmn_location', company: 'core_company', cost_center: 'cmn_cost_center', manager: 'sys_user' };
const READ_ONLY = new Set(['sys_id', 'name', 'sys_created_on', 'sys_updated_on', 'sys_class_name']);
const TABLES = ['sys_user', 'cmn_department', 'cmn_location', 'core_company', 'cmn_cost_center'];
const DEFAULT_LIMIT = 10_000;
const RATE_LIMIT_RULE = '9d0c3c4e1b2a4f00a1b2c3d4e5f60718';

export function failure(status: number, message: string, detail: string | null = null): StandInResponse {
	return json(status, { error: { message, detail }, status: 'failure' });
}

function newSysId(): string {
	return randomBytes(16).toString('hex');
}

function timestamp(): string {
	return new Date().toISOString().replace('T', ' ').slice(0, 19);
}

export class ServiceNowState {
	readonly tables = new Map<string, Map<string, Row>>(TABLES.map((table) => [table, new Map()]));
	readonly columns: Map<string, Set<string>>;

	constructor(customColumns: string[] = []) {
		this.columns = new Map(TABLES.map((table) => [table, new Set(table === 'sys_user' ? [...USER_COLUMNS, ...customColumns] : NAMED_COLUMNS)]));
	}

	/** Adds a row directly (test setup), bypassing the API's rules. */
	add(table: string, fields: Partial<Row>): Row {
		const now = timestamp();
		const blank = Object.fromEntries([...this.columns.get(table)!].map((column) => [column, '']));
		const row: Row = { ...blank, ...(table === 'sys_user' ? { active: 'true', locked_out: 'false', sys_class_name: 'sys_user' } : {}), sys_created_on: now, sys_updated_on: now, ...fields } as Row;
		row.sys_id ||= newSysId();
		if (table === 'sys_user') row.name = [row.first_name, row.last_name].filter(Boolean).join(' ');
		this.tables.get(table)!.set(row.sys_id, row);
		return row;
	}

	addUser(fields: Partial<Row>): Row {
		return this.add('sys_user', fields);
	}

	user(sysId: string): Row | undefined {
		return this.tables.get('sys_user')!.get(sysId);
	}

	users(): Row[] {
		return [...this.tables.get('sys_user')!.values()];
	}

	/** The rows an encoded query selects, as the API would list them. */
	query(table: string, encoded: string): Row[] {
		return runQuery([...this.tables.get(table)!.values()], encoded, this.columns.get(table)!);
	}

	byName(table: string, name: string): Row | undefined {
		return [...this.tables.get(table)!.values()].find((row) => row.name === name);
	}
}

export interface OAuthClient {
	clientId: string;
	clientSecret: string;
	grants: Array<'client_credentials' | 'password'>;
}

export interface ServiceNowStandInOptions {
	tls: TestTls;
	/** Accounts that may sign in (Basic, or the password grant): user name → password. */
	accounts?: Record<string, string>;
	oauthClients?: OAuthClient[];
	/** Access token lifetime (default 1800 s, ServiceNow's default). */
	tokenLifetimeSeconds?: number;
	departments?: string[];
	locations?: string[];
	companies?: string[];
	costCenters?: string[];
	/** Custom sys_user columns (`u_…`). */
	customColumns?: string[];
	/** sys_user columns a data policy makes mandatory on insert. */
	mandatory?: string[];
	/** A rate limit rule for every user: requests per hour. */
	rateLimitPerHour?: number;
	/** The rule's hour, scaled down for timing tests (default 3,600,000 ms); the headers still say "per hour". */
	rateLimitWindowMs?: number;
}

export interface ServiceNowStandIn {
	/** https://127.0.0.1:PORT, the instance root. */
	url: string;
	port: number;
	state: ServiceNowState;
	/** Faults hit `/api/now/` paths unless a `path` says otherwise. */
	faults: FaultPlan;
	requests: RecordedRequest[];
	/** Table API requests that changed data. */
	writes(): RecordedRequest[];
	/** Access tokens issued so far. */
	tokensIssued(): number;
	/** Every issued token stops working (as when an admin revokes them). */
	revokeTokens(): void;
	close(): Promise<void>;
}

function faultBody(status: number): unknown {
	if (status === 429) return { error: { message: 'Too Many Requests', detail: 'The rate limit for this user has been exceeded' }, status: 'failure' };
	return { error: { message: 'Service Unavailable', detail: null }, status: 'failure' };
}

interface Context {
	state: ServiceNowState;
	baseUrl: string;
	options: ServiceNowStandInOptions;
}

// ---- reading ---------------------------------------------------------------------------------

function present(context: Context, table: string, row: Row, request: StandInRequest): Record<string, unknown> {
	const fields = request.query.get('sysparm_fields');
	const columns = context.state.columns.get(table)!;
	const wanted = fields ? fields.split(',').map((field) => field.trim()).filter((field) => columns.has(field)) : [...columns];
	const links = request.query.get('sysparm_exclude_reference_link') !== 'true';
	return Object.fromEntries(
		wanted.map((column) => {
			const value = row[column] ?? '';
			const target = table === 'sys_user' ? REFERENCES[column] : undefined;
			return [column, target && links && value !== '' ? { link: `${context.baseUrl}/api/now/table/${target}/${value}`, value } : value];
		}),
	);
}

function list(context: Context, table: string, request: StandInRequest): StandInResponse {
	const limit = Number(request.query.get('sysparm_limit') ?? DEFAULT_LIMIT);
	const offset = Number(request.query.get('sysparm_offset') ?? 0);
	if (!Number.isInteger(limit) || limit < 1 || !Number.isInteger(offset) || offset < 0) return failure(400, 'Invalid paging', 'sysparm_limit and sysparm_offset must be non-negative integers');
	let rows: Row[];
	try {
		rows = context.state.query(table, request.query.get('sysparm_query') ?? '');
	} catch (error) {
		if (error instanceof EncodedQueryError) return failure(400, 'Invalid query', error.message);
		throw error;
	}
	const page = rows.slice(offset, offset + limit);
	const link = (at: number, rel: string) => {
		const params = new URLSearchParams(request.query);
		params.set('sysparm_limit', String(limit));
		params.set('sysparm_offset', String(at));
		return `<${context.baseUrl}${request.path}?${params.toString()}>;rel="${rel}"`;
	};
	const links = [link(0, 'first')];
	if (offset > 0) links.push(link(Math.max(0, offset - limit), 'prev'));
	if (offset + limit < rows.length) links.push(link(offset + limit, 'next'));
	links.push(link(Math.max(0, Math.floor((rows.length - 1) / limit) * limit), 'last'));
	return json(200, { result: page.map((row) => present(context, table, row, request)) }, { 'x-total-count': String(rows.length), link: links.join(',') });
}

// ---- writing ---------------------------------------------------------------------------------

function readBody(request: StandInRequest): { body: Record<string, unknown> } | { error: StandInResponse } {
	const body = parseJson(request.rawBody);
	request.record.body = body;
	return isRecord(body) ? { body } : { error: failure(400, 'Exception while reading request', 'The payload is not valid JSON.') };
}

/** Stores the writable columns of a body: strings as sent, booleans and numbers as text, null as empty; unknown columns ignored. */
function apply(context: Context, table: string, row: Row, body: Record<string, unknown>): StandInResponse | undefined {
	const columns = context.state.columns.get(table)!;
	for (const [column, raw] of Object.entries(body)) {
		if (!columns.has(column) || READ_ONLY.has(column)) continue;
		if (raw !== null && typeof raw === 'object') return failure(400, 'Invalid value', `${column} must be a string, number or boolean`);
		let value = raw === null || raw === undefined ? '' : String(raw);
		const target = table === 'sys_user' ? REFERENCES[column] : undefined;
		// A reference takes a sys_id; ServiceNow also accepts the display value (the name).
		if (target && value !== '' && !context.state.tables.get(target)!.has(value)) value = context.state.byName(target, value)?.sys_id ?? value;
		row[column] = value;
	}
	if (table === 'sys_user') row.name = [row.first_name, row.last_name].filter(Boolean).join(' ');
	row.sys_updated_on = timestamp();
	return undefined;
}

function duplicateUserName(context: Context, row: Row): boolean {
	const name = row.user_name.trim().toLowerCase();
	return name !== '' && context.state.users().some((other) => other.sys_id !== row.sys_id && other.user_name.trim().toLowerCase() === name);
}

function create(context: Context, table: string, request: StandInRequest): StandInResponse {
	const read = readBody(request);
	if ('error' in read) return read.error;
	const row = context.state.add(table, {});
	context.state.tables.get(table)!.delete(row.sys_id);
	const refused = apply(context, table, row, read.body);
	if (refused) return refused;
	if (table === 'sys_user') {
		const missing = (context.options.mandatory ?? []).filter((column) => (row[column] ?? '') === '');
		if (missing.length > 0) return failure(403, 'Operation Failed', `Data Policy Exception: \n${missing.map((column) => `\t${column} is mandatory`).join('\n')}\n`);
		if (duplicateUserName(context, row)) return failure(403, 'Operation Failed', `Error during insert of sys_user (${row.user_name})`);
	}
	context.state.tables.get(table)!.set(row.sys_id, row);
	return json(201, { result: present(context, table, row, request) });
}

function update(context: Context, table: string, request: StandInRequest, row: Row): StandInResponse {
	const read = readBody(request);
	if ('error' in read) return read.error;
	const changed = { ...row };
	const refused = apply(context, table, changed, read.body);
	if (refused) return refused;
	if (table === 'sys_user' && duplicateUserName(context, changed)) return failure(403, 'Operation Failed', `Error during update of sys_user (${changed.user_name})`);
	Object.assign(row, changed);
	return json(200, { result: present(context, table, row, request) });
}

function route(context: Context, request: StandInRequest): StandInResponse {
	const match = /^\/api\/now\/table\/([a-z_]+)(?:\/([^/]+))?$/.exec(request.path);
	const rows = match ? context.state.tables.get(match[1]) : undefined;
	if (!match || !rows) return failure(400, 'Invalid table', `Invalid table ${match?.[1] ?? request.path}`);
	const [, table, sysId] = match;
	if (sysId === undefined) {
		if (request.method === 'GET') return list(context, table, request);
		if (request.method === 'POST') return create(context, table, request);
		return failure(405, 'Method not Supported', `${request.method} is not supported on a table`);
	}
	const row = rows.get(sysId);
	if (!row) return failure(404, 'No Record found', "Record doesn't exist or ACL restricts the record retrieval");
	if (request.method === 'GET') return json(200, { result: present(context, table, row, request) });
	if (request.method === 'PATCH' || request.method === 'PUT') return update(context, table, request, row);
	if (request.method === 'DELETE') {
		rows.delete(sysId);
		return noContent();
	}
	return failure(405, 'Method not Supported', `${request.method} is not supported on a record`);
}

// ---- authentication --------------------------------------------------------------------------

class Tokens {
	private readonly live = new Map<string, number>();
	issued = 0;

	constructor(private readonly lifetimeSeconds: number) {}

	issue(): { access_token: string; expires_in: number } {
		const token = `FAKE-sn-token-${randomBytes(12).toString('hex')}`;
		this.live.set(token, Date.now() + this.lifetimeSeconds * 1000);
		this.issued += 1;
		return { access_token: token, expires_in: this.lifetimeSeconds };
	}

	valid(token: string): boolean {
		const expiresAt = this.live.get(token);
		return expiresAt !== undefined && Date.now() < expiresAt;
	}

	revoke(): void {
		this.live.clear();
	}
}

function tokenEndpoint(options: ServiceNowStandInOptions, tokens: Tokens, request: StandInRequest): StandInResponse {
	const form = new URLSearchParams(request.rawBody);
	const logged = Object.fromEntries(form);
	for (const secret of ['client_secret', 'password']) if (secret in logged) logged[secret] = '[redacted]';
	request.record.body = logged;
	const grant = form.get('grant_type');
	const client = (options.oauthClients ?? []).find((candidate) => candidate.clientId === form.get('client_id'));
	if (!client || client.clientSecret !== form.get('client_secret')) return json(401, { error: 'invalid_client', error_description: 'Client authentication failed' });
	if (grant !== 'client_credentials' && grant !== 'password') return json(400, { error: 'unsupported_grant_type', error_description: `Unsupported grant type ${grant ?? ''}` });
	if (!client.grants.includes(grant)) return json(400, { error: 'unauthorized_client', error_description: `The client may not use the ${grant} grant` });
	if (grant === 'password') {
		const username = form.get('username') ?? '';
		// ServiceNow's answer to a wrong user name or password.
		if (options.accounts?.[username] === undefined || options.accounts[username] !== form.get('password')) return json(401, { error: 'server_error', error_description: 'access_denied' });
	}
	const token = tokens.issue();
	return json(200, { ...token, scope: 'useraccount', token_type: 'Bearer', ...(grant === 'password' ? { refresh_token: `FAKE-sn-refresh-${randomBytes(8).toString('hex')}` } : {}) });
}

function authorised(options: ServiceNowStandInOptions, tokens: Tokens, request: StandInRequest): boolean {
	const header = request.headers.authorization ?? '';
	const bearer = /^Bearer\s+(\S+)$/i.exec(header);
	if (bearer) return tokens.valid(bearer[1]);
	const basic = /^Basic\s+(\S+)$/i.exec(header);
	if (!basic) return false;
	const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
	const separator = decoded.indexOf(':');
	return separator > 0 && options.accounts?.[decoded.slice(0, separator)] === decoded.slice(separator + 1);
}

/** One rule for all users: a fixed hour (or a scaled one) from the first request. */
class HourlyLimit {
	private windowStart = Date.now();
	private used = 0;

	constructor(
		private readonly perHour: number | undefined,
		private readonly hourMs = 3_600_000,
	) {}

	take(): { headers: Record<string, string>; retryAfter: number } {
		if (this.perHour === undefined) return { headers: {}, retryAfter: 0 };
		const now = Date.now();
		if (now - this.windowStart >= this.hourMs) {
			this.windowStart = now;
			this.used = 0;
		}
		const reset = Math.ceil((this.windowStart + this.hourMs) / 1000);
		const headers = { 'x-ratelimit-limit': String(this.perHour), 'x-ratelimit-reset': String(reset), 'x-ratelimit-rule': RATE_LIMIT_RULE };
		if (this.used >= this.perHour) return { headers, retryAfter: Math.max(1, reset - Math.floor(now / 1000)) };
		this.used += 1;
		return { headers, retryAfter: 0 };
	}
}

export async function startServiceNowStandIn(options: ServiceNowStandInOptions): Promise<ServiceNowStandIn> {
	const state = new ServiceNowState(options.customColumns);
	const seed = (table: string, names: string[] | undefined) => names?.forEach((name) => state.add(table, { name }));
	seed('cmn_department', options.departments);
	seed('cmn_location', options.locations);
	seed('core_company', options.companies);
	seed('cmn_cost_center', options.costCenters);
	const faults = new FaultPlan('/api/now/');
	const requests: RecordedRequest[] = [];
	const tokens = new Tokens(options.tokenLifetimeSeconds ?? 1800);
	const limit = new HourlyLimit(options.rateLimitPerHour, options.rateLimitWindowMs);
	const context: Context = { state, baseUrl: '', options };
	const server = await startStandInServer({
		tls: options.tls,
		faults,
		requests,
		faultBody,
		handler: (request) => {
			if (request.path === '/oauth_token.do' && request.method === 'POST') return tokenEndpoint(options, tokens, request);
			if (!authorised(options, tokens, request)) return failure(401, 'User Not Authenticated', 'Required to provide Auth information');
			const { headers, retryAfter } = limit.take();
			if (retryAfter > 0) return { ...failure(429, 'Too Many Requests', 'The rate limit for this user has been exceeded'), headers: { ...headers, 'retry-after': String(retryAfter) } };
			const answer = route(context, request);
			return { ...answer, headers: { ...headers, ...answer.headers } };
		},
	});
	context.baseUrl = server.url;
	return {
		url: server.url,
		port: server.port,
		state,
		faults,
		requests,
		writes: () => requests.filter((request) => request.path.startsWith('/api/now/') && request.method !== 'GET'),
		tokensIssued: () => tokens.issued,
		revokeTokens: () => tokens.revoke(),
		close: server.close,
	};
}
