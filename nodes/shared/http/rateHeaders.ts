/**
 * Reads what a server says about its rate budget, from either family of headers:
 *  - `X-RateLimit-Total` (Freshservice) or `X-RateLimit-Limit`, `X-RateLimit-Remaining`,
 *    `X-RateLimit-Reset` (delta or epoch seconds) and `X-RateLimit-Used-CurrentRequest`;
 *  - draft-ietf-httpapi-ratelimit-headers in its three shapes: the older `RateLimit-Limit`,
 *    `-Remaining`, `-Reset` triple (with `RateLimit-Policy: 100;w=60`), draft 7's
 *    `RateLimit: limit=100, remaining=50, reset=30`, and draft 8+'s named policies
 *    `RateLimit-Policy: "default";q=100;w=60` with `RateLimit: "default";r=50;t=30`.
 * Pure functions: no clock of their own, no I/O.
 */

/** Response headers as Node gives them (lower-case names) or as a plain record. */
export type HeaderBag = Record<string, string | string[] | number | undefined>;

export interface RateLimitInfo {
	/** Requests the window allows. */
	limit?: number;
	/** The window's length, when the server states it (`w=`). */
	windowMs?: number;
	/** Requests left in the current window. */
	remaining?: number;
	/** Milliseconds until the window resets, when the server states it. */
	resetMs?: number;
	/** What this request cost (`X-RateLimit-Used-CurrentRequest`), default 1. */
	cost?: number;
	source: 'x-ratelimit' | 'ratelimit';
}

/** Epoch seconds rather than a delta: no window lasts 30 years. */
const EPOCH_THRESHOLD_SECONDS = 1e9;

export function readRateLimitHeaders(headers: HeaderBag, now = Date.now()): RateLimitInfo | undefined {
	const get = headerReader(headers);
	return readIetf(get, now) ?? readXRateLimit(get, now);
}

type Getter = (name: string) => string | undefined;

function headerReader(headers: HeaderBag): Getter {
	const lower = new Map<string, string>();
	for (const [name, value] of Object.entries(headers)) {
		if (value === undefined) continue;
		lower.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : String(value));
	}
	return (name) => lower.get(name);
}

function readXRateLimit(get: Getter, now: number): RateLimitInfo | undefined {
	const limit = count(get('x-ratelimit-total') ?? get('x-ratelimit-limit'));
	const remaining = count(get('x-ratelimit-remaining'));
	if (limit === undefined && remaining === undefined) return undefined;
	const cost = count(get('x-ratelimit-used-currentrequest'));
	return { source: 'x-ratelimit', limit, remaining, resetMs: resetToMs(get('x-ratelimit-reset'), now), cost: cost && cost > 0 ? cost : undefined };
}

interface Policy {
	id?: string;
	quota: number;
	windowSeconds?: number;
}

function readIetf(get: Getter, now: number): RateLimitInfo | undefined {
	const policies = parsePolicies(get('ratelimit-policy'));
	const policy = mostRestrictive(policies);
	let limit = policy?.quota;
	let windowSeconds = policy?.windowSeconds;
	let remaining: number | undefined;
	let reset: string | undefined;

	const combined = get('ratelimit');
	if (combined !== undefined) {
		const members = parseList(combined);
		const dictionary = new Map(members.filter((m) => m.key !== undefined).map((m) => [m.key as string, m.value]));
		if (dictionary.has('remaining') || dictionary.has('limit')) {
			// Draft 7: one dictionary for the current window.
			limit ??= count(dictionary.get('limit'));
			remaining = count(dictionary.get('remaining'));
			reset = dictionary.get('reset');
		} else {
			// Draft 8+: one item per policy, named like the policy.
			const item = members.find((m) => policy?.id !== undefined && unquote(m.value) === policy.id) ?? members[0];
			remaining = count(item?.params.r);
			reset = item?.params.t;
		}
	}

	const oldLimit = get('ratelimit-limit');
	if (oldLimit !== undefined) {
		// Older drafts: `RateLimit-Limit: 100` or, with the policy inline, `100, 100;w=60`.
		const [first, ...inline] = parseList(oldLimit);
		limit ??= count(first?.value);
		if (windowSeconds === undefined) {
			// The first value is the limit in force; the inline policy with that quota gives its window.
			windowSeconds = inline.map(toPolicy).find((p) => p !== undefined && p.quota === limit)?.windowSeconds;
		}
		remaining ??= count(get('ratelimit-remaining'));
		reset ??= get('ratelimit-reset');
	} else if (remaining === undefined) {
		remaining = count(get('ratelimit-remaining'));
		reset ??= get('ratelimit-reset');
	}

	if (limit === undefined && remaining === undefined) return undefined;
	return {
		source: 'ratelimit',
		limit,
		windowMs: windowSeconds !== undefined && windowSeconds > 0 ? windowSeconds * 1000 : undefined,
		remaining,
		resetMs: resetToMs(reset, now),
	};
}

function parsePolicies(text: string | undefined): Policy[] {
	if (text === undefined) return [];
	return parseList(text)
		.map(toPolicy)
		.filter((p): p is Policy => p !== undefined);
}

/** `"name";q=100;w=60` (draft 8+) or `100;w=60` (drafts up to 7). */
function toPolicy(member: Member): Policy | undefined {
	const quoted = member.value.startsWith('"');
	const quota = quoted ? count(member.params.q) : (count(member.value) ?? count(member.params.q));
	if (quota === undefined) return undefined;
	return { id: quoted ? unquote(member.value) : undefined, quota, windowSeconds: count(member.params.w) };
}

/** The policy allowing the fewest requests per second (a missing window counts as a minute). */
function mostRestrictive(policies: Policy[]): Policy | undefined {
	let best: Policy | undefined;
	for (const policy of policies) {
		const rate = policy.quota / (policy.windowSeconds ?? 60);
		if (!best || rate < best.quota / (best.windowSeconds ?? 60)) best = policy;
	}
	return best;
}

interface Member {
	/** Set for dictionary members (`limit=100`). */
	key?: string;
	value: string;
	params: Record<string, string>;
}

/** A lenient reader for the structured-field lists and dictionaries these headers use. */
function parseList(text: string): Member[] {
	return splitOutside(text, ',')
		.map((part) => part.trim())
		.filter((part) => part.length > 0)
		.map((part) => {
			const [head, ...rest] = splitOutside(part, ';').map((piece) => piece.trim());
			const params: Record<string, string> = {};
			for (const piece of rest) {
				const eq = piece.indexOf('=');
				if (eq > 0) params[piece.slice(0, eq).trim().toLowerCase()] = piece.slice(eq + 1).trim();
				else if (piece) params[piece.toLowerCase()] = '?1';
			}
			const eq = head.startsWith('"') ? -1 : head.indexOf('=');
			return eq > 0 ? { key: head.slice(0, eq).trim().toLowerCase(), value: head.slice(eq + 1).trim(), params } : { value: head, params };
		});
}

function splitOutside(text: string, separator: string): string[] {
	const parts: string[] = [];
	let current = '';
	let quoted = false;
	for (let i = 0; i < text.length; i++) {
		const char = text[i];
		if (char === '\\' && quoted && i + 1 < text.length) {
			current += char + text[++i];
			continue;
		}
		if (char === '"') quoted = !quoted;
		if (char === separator && !quoted) {
			parts.push(current);
			current = '';
		} else {
			current += char;
		}
	}
	parts.push(current);
	return parts;
}

function unquote(value: string): string {
	return value.startsWith('"') && value.endsWith('"') && value.length >= 2 ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value;
}

/** A non-negative number, or undefined for anything else. */
function count(value: string | undefined): number | undefined {
	if (value === undefined) return undefined;
	const trimmed = unquote(value.trim());
	if (!/^\d+(\.\d+)?$/.test(trimmed)) return undefined;
	return Number(trimmed);
}

function resetToMs(value: string | undefined, now: number): number | undefined {
	const seconds = count(value);
	if (seconds === undefined) return undefined;
	return seconds > EPOCH_THRESHOLD_SECONDS ? Math.max(0, seconds * 1000 - now) : Math.round(seconds * 1000);
}
