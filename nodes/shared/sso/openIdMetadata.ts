/**
 * The tenant's OpenID configuration (issuer, signing-key URL) and signing keys, read with the
 * pack's one HTTP function and kept for a while: ID tokens are checked against them on every
 * login, and Microsoft rolls keys rarely. Reading the issuer from the configuration (instead of
 * building it) gets it right in every cloud and for tenants configured by domain name.
 */
import { authorityUrl } from '../graph/auth';
import type { AzureAdConnection } from '../graph/connection';
import { describeError } from '../errorSummary';
import { HttpError } from '../http/errors';
import { send } from '../http/request';
import type { JSONWebKeySet } from '../vendor';
import { SsoFailure } from './failures';

export interface OpenIdMetadata {
	issuer: string;
	jwksUri: string;
}

export interface SigningKeys {
	keys: JSONWebKeySet;
	fetchedAt: number;
}

/** Keys and configuration are re-read after this long. */
export const METADATA_TTL_MS = 12 * 3_600_000;
/** A token signed with an unknown key triggers a re-read, but not more often than this. */
export const KEY_REFRESH_COOLDOWN_MS = 5 * 60_000;

const metadataCache = new Map<string, { value: OpenIdMetadata; fetchedAt: number }>();
const keyCache = new Map<string, SigningKeys>();

export async function openIdMetadata(connection: AzureAdConnection, now: number): Promise<OpenIdMetadata> {
	const url = `${authorityUrl(connection)}/v2.0/.well-known/openid-configuration`;
	const cached = metadataCache.get(url);
	if (cached && now - cached.fetchedAt < METADATA_TTL_MS) return cached.value;
	const body = await fetchJson(url, 'OpenID configuration');
	const issuer = body.issuer;
	const jwksUri = body.jwks_uri;
	if (typeof issuer !== 'string' || typeof jwksUri !== 'string' || !jwksUri.startsWith('https://')) {
		throw new SsoFailure('serviceUnavailable', `The OpenID configuration at ${url} has no issuer or no https jwks_uri`);
	}
	const value = { issuer, jwksUri };
	metadataCache.set(url, { value, fetchedAt: now });
	return value;
}

/** The signing keys; `refresh` re-reads them unless they were read within the cool-down. */
export async function signingKeys(jwksUri: string, now: number, options: { refresh?: boolean } = {}): Promise<SigningKeys> {
	const cached = keyCache.get(jwksUri);
	const age = cached ? now - cached.fetchedAt : Infinity;
	if (cached && age < METADATA_TTL_MS && !(options.refresh && age >= KEY_REFRESH_COOLDOWN_MS)) return cached;
	const body = await fetchJson(jwksUri, 'signing keys');
	if (!Array.isArray(body.keys)) throw new SsoFailure('serviceUnavailable', `The signing keys at ${jwksUri} are not a JSON Web Key Set`);
	const fresh = { keys: body as unknown as JSONWebKeySet, fetchedAt: now };
	keyCache.set(jwksUri, fresh);
	return fresh;
}

/** Forgets configuration and keys (tests, or a tenant that moved clouds). */
export function clearOpenIdCache(): void {
	metadataCache.clear();
	keyCache.clear();
}

async function fetchJson(url: string, what: string): Promise<Record<string, unknown>> {
	let body: unknown;
	try {
		({ body } = await send({ method: 'GET', url, timeoutMs: 15_000 }, { policy: { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 2_000, maxRetryAfterMs: 5_000, retryStatuses: [429, 500, 502, 503, 504] } }));
	} catch (error) {
		// A 4xx means the authority or tenant is wrong (a setting); anything else is an outage.
		const code = error instanceof HttpError && error.status < 500 && error.status !== 429 ? 'configurationError' : 'serviceUnavailable';
		throw new SsoFailure(code, `Could not read the tenant's ${what}: ${describeError(error).message}`);
	}
	if (!body || typeof body !== 'object') throw new SsoFailure('serviceUnavailable', `The tenant's ${what} at ${url} is not JSON`);
	return body as Record<string, unknown>;
}
