/**
 * Checks the ID token ourselves. MSAL's acquireTokenByCode only decodes it (and compares the
 * nonce): it checks no signature, issuer, audience or lifetime, relying on TLS to the token
 * endpoint. The session we issue rests on this token, so it is verified in full: RS256 signature
 * against the tenant's published keys, issuer and `tid` = the configured tenant, audience = the
 * app's client ID, nonce = the one sealed in this login's state, exp / nbf / iat with 5 minutes'
 * clock tolerance (what Microsoft's own libraries allow).
 */
import type { AzureAdConnection } from '../graph/connection';
import { isGuid } from '../graph/odata';
import { createLocalJWKSet, jwtVerify, type JWTPayload } from '../vendor';
import { SsoFailure } from './failures';
import { openIdMetadata, signingKeys } from './openIdMetadata';

export interface IdTokenIdentity {
	objectId: string;
	tenantId: string;
	email: string | null;
	preferredUsername: string | null;
	upn: string | null;
	name: string | null;
}

export const CLOCK_TOLERANCE_SECONDS = 300;

export async function validateIdToken(idToken: string, context: { connection: AzureAdConnection; nonce: string; now: number }): Promise<IdTokenIdentity> {
	const { connection, nonce, now } = context;
	const metadata = await openIdMetadata(connection, now);
	const tenantId = expectedTenant(connection, metadata.issuer);
	const payload = await verifySignedToken(idToken, metadata, connection.clientId, now);

	if (payload.nonce !== nonce) {
		throw new SsoFailure('idTokenInvalid', 'The ID token nonce does not match the one sent for this login (a replayed or swapped token)');
	}
	const tid = text(payload.tid);
	if (tid?.toLowerCase() !== tenantId.toLowerCase()) {
		throw new SsoFailure('wrongTenant', `The ID token is for tenant ${tid ?? '(none)'}, not the configured tenant ${tenantId}`);
	}
	const objectId = text(payload.oid);
	if (!objectId) throw new SsoFailure('idTokenInvalid', 'The ID token has no oid (object ID) claim');
	return {
		objectId,
		tenantId,
		email: text(payload.email),
		preferredUsername: text(payload.preferred_username),
		upn: text(payload.upn),
		name: text(payload.name),
	};
}

/** The tenant GUID tokens must carry: the configured one, or the one in the issuer for a domain. */
function expectedTenant(connection: AzureAdConnection, issuer: string): string {
	const fromIssuer = /\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\//i.exec(`${issuer}/`)?.[1];
	if (isGuid(connection.tenantId)) {
		if (fromIssuer?.toLowerCase() !== connection.tenantId.toLowerCase()) {
			throw new SsoFailure('configurationError', `The authority's OpenID configuration names issuer ${issuer}, which is not tenant ${connection.tenantId}. Check the Tenant ID and Cloud in the Azure AD credential.`);
		}
		return connection.tenantId;
	}
	if (!fromIssuer) throw new SsoFailure('configurationError', `The issuer ${issuer} names no tenant ID; use the tenant's GUID as Tenant ID in the Azure AD credential`);
	return fromIssuer;
}

async function verifySignedToken(idToken: string, metadata: { issuer: string; jwksUri: string }, clientId: string, now: number): Promise<JWTPayload> {
	const options = {
		issuer: metadata.issuer,
		audience: clientId,
		algorithms: ['RS256'],
		currentDate: new Date(now),
		clockTolerance: CLOCK_TOLERANCE_SECONDS,
		requiredClaims: ['exp', 'iat', 'nonce', 'tid'],
	};
	let keys = await signingKeys(metadata.jwksUri, now);
	for (let refreshed = false; ; refreshed = true) {
		try {
			return (await jwtVerify(idToken, createLocalJWKSet(keys.keys), options)).payload;
		} catch (error) {
			// Microsoft rolls keys: a key id we do not know yet is worth one fresh read.
			if ((error as { code?: string }).code === 'ERR_JWKS_NO_MATCHING_KEY' && !refreshed) {
				const fresh = await signingKeys(metadata.jwksUri, now, { refresh: true });
				if (fresh !== keys) {
					keys = fresh;
					continue;
				}
			}
			throw explainJoseError(error, metadata.issuer, clientId);
		}
	}
}

function explainJoseError(error: unknown, issuer: string, clientId: string): SsoFailure {
	const { code, claim, reason } = error as { code?: string; claim?: string; reason?: string };
	switch (code) {
		case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
			return new SsoFailure('idTokenInvalid', "The ID token's signature does not verify against the tenant's signing keys (forged or altered token)");
		case 'ERR_JWKS_NO_MATCHING_KEY':
			return new SsoFailure('idTokenInvalid', 'The ID token is signed with a key the tenant does not publish (forged token, or a key from another tenant)');
		case 'ERR_JOSE_ALG_NOT_ALLOWED':
			return new SsoFailure('idTokenInvalid', 'The ID token is not signed with RS256 (an unsigned or HMAC-signed token is never accepted)');
		case 'ERR_JWT_EXPIRED':
			return new SsoFailure('idTokenInvalid', `The ID token has expired (beyond ${CLOCK_TOLERANCE_SECONDS / 60} minutes' clock tolerance); check the n8n host's clock if this repeats`);
		case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
			return claimFailure(claim, reason, issuer, clientId);
		default:
			return new SsoFailure('idTokenInvalid', 'The ID token is not a well-formed signed JWT');
	}
}

function claimFailure(claim: string | undefined, reason: string | undefined, issuer: string, clientId: string): SsoFailure {
	if (reason === 'missing') return new SsoFailure('idTokenInvalid', `The ID token has no ${claim} claim`);
	switch (claim) {
		case 'iss':
			return new SsoFailure('wrongTenant', `The ID token was not issued by this tenant (expected issuer ${issuer})`);
		case 'aud':
			return new SsoFailure('idTokenInvalid', `The ID token is meant for another application (its audience is not this app's client ID ${clientId})`);
		case 'nbf':
			return new SsoFailure('idTokenInvalid', "The ID token is not valid yet; check the n8n host's clock");
		default:
			return new SsoFailure('idTokenInvalid', `The ID token's ${claim ?? 'claims'} failed validation`);
	}
}

function text(value: unknown): string | null {
	return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}
