/**
 * An obviously fake Microsoft identity platform for SSO tests: a throwaway RSA key made at test
 * time, its JWKS and OpenID configuration served by nock, ID tokens signed with it (or with an
 * impostor key), and a token endpoint that redeems authorization codes after checking PKCE.
 */
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import nock from 'nock';
import { SignJWT } from '../../../nodes/shared/vendor';
import { FAKE_CLIENT_ID, FAKE_TENANT_ID, LOGIN } from '../../support/fakeTenant';

export const ISSUER = `${LOGIN}/${FAKE_TENANT_ID}/v2.0`;
export const JWKS_PATH = `/${FAKE_TENANT_ID}/discovery/v2.0/keys`;
export const OTHER_TENANT_ID = '22222222-2222-4222-8222-222222222222';
export const USER_OID = '33333333-3333-4333-8333-333333333333';
export const USER_EMAIL = 'jane.doe@contoso.test';
export const CALLBACK_URL = 'https://n8n.example.test/webhook/sso/callback';

interface TestKey {
	kid: string;
	privateKey: KeyObject;
	publicJwk: Record<string, unknown>;
}

function makeKey(kid: string): TestKey {
	const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
	return { kid, privateKey, publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' } };
}

/** The tenant's real (fake) signing key, and an impostor's key that claims the same key id. */
export const tenantKey = makeKey('fake-tenant-key-1');
export const impostorKey = { ...makeKey('fake-tenant-key-1') };

export function nockOpenIdConfiguration(options: { issuer?: string } = {}) {
	return nock(LOGIN)
		.get(`/${FAKE_TENANT_ID}/v2.0/.well-known/openid-configuration`)
		.reply(200, {
			issuer: options.issuer ?? ISSUER,
			jwks_uri: `${LOGIN}${JWKS_PATH}`,
			authorization_endpoint: `${LOGIN}/${FAKE_TENANT_ID}/oauth2/v2.0/authorize`,
			token_endpoint: `${LOGIN}/${FAKE_TENANT_ID}/oauth2/v2.0/token`,
			id_token_signing_alg_values_supported: ['RS256'],
		});
}

export function nockSigningKeys(keys: TestKey[] = [tenantKey]) {
	return nock(LOGIN).get(JWKS_PATH).reply(200, { keys: keys.map((key) => key.publicJwk) });
}

export interface IdTokenOptions {
	nonce: string;
	now?: number;
	claims?: Record<string, unknown>;
	key?: TestKey;
}

export async function signIdToken(options: IdTokenOptions): Promise<string> {
	const seconds = Math.floor((options.now ?? Date.now()) / 1000);
	const key = options.key ?? tenantKey;
	const claims = {
		iss: ISSUER,
		aud: FAKE_CLIENT_ID,
		tid: FAKE_TENANT_ID,
		oid: USER_OID,
		sub: 'fake-subject-of-jane',
		email: USER_EMAIL,
		preferred_username: USER_EMAIL,
		name: 'Jane Doe',
		nonce: options.nonce,
		iat: seconds,
		nbf: seconds,
		exp: seconds + 3600,
		ver: '2.0',
		...options.claims,
	};
	return await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid }).sign(key.privateKey);
}

/** What the token endpoint received, for assertions (PKCE verifier, redirect URI, code). */
export interface Redemption {
	body: Record<string, string>;
}

/**
 * Answers one authorization-code redemption with `idToken`, after checking the PKCE verifier
 * against the challenge of the authorization URL. Returns what was sent.
 */
export function nockCodeRedemption(idToken: string | (() => Promise<string> | string), options: { challenge?: string } = {}): Redemption {
	const seen: Redemption = { body: {} };
	nock(LOGIN)
		.post(`/${FAKE_TENANT_ID}/oauth2/v2.0/token`, (body: Record<string, string>) => {
			seen.body = body;
			if (body.grant_type !== 'authorization_code') return false;
			return options.challenge === undefined || createHash('sha256').update(body.code_verifier ?? '').digest('base64url') === options.challenge;
		})
		.query(true)
		.reply(200, async () => ({
			token_type: 'Bearer',
			scope: 'openid profile email',
			expires_in: 3599,
			ext_expires_in: 3599,
			access_token: 'fake-access-token-for-jane',
			refresh_token: 'fake-refresh-token-for-jane',
			id_token: typeof idToken === 'string' ? idToken : await idToken(),
			client_info: Buffer.from(JSON.stringify({ uid: USER_OID, utid: FAKE_TENANT_ID })).toString('base64url'),
		}));
	return seen;
}

/** The redemption failing with an AADSTS error, as the token endpoint sends it. */
export function nockCodeRedemptionError(aadsts: string, description: string, error = 'invalid_grant') {
	return nock(LOGIN)
		.post(`/${FAKE_TENANT_ID}/oauth2/v2.0/token`)
		.query(true)
		.reply(400, {
			error,
			error_description: `AADSTS${aadsts}: ${description}\r\nTrace ID: 0000 Correlation ID: 0000 Timestamp: 2026-11-26 12:00:00Z`,
			error_codes: [Number(aadsts)],
		});
}

/** The query parameters of a Start Login redirect URL. */
export function authorizationParameters(redirectUrl: string): Record<string, string> {
	return Object.fromEntries(new URL(redirectUrl).searchParams.entries());
}
