/**
 * The OAuth `state` of a login, sealed (JWE, dir + A256GCM) with a key derived from the Azure AD
 * credential. It carries the PKCE verifier, the nonce and the redirect URI, encrypted and
 * tamper-proof, with a short expiry. Sealing it (instead of keeping it only in static data) lets
 * the callback run in another workflow than the login, and keeps concurrent logins from
 * overwriting each other's static data; the callback workflow then remembers each state it
 * consumed until it expires, so a state works once.
 */
import { EncryptJWT, jwtDecrypt } from '../vendor';
import { SsoFailure } from './failures';

export interface LoginState {
	/** One-time id of this login attempt (the JWE `jti`). */
	id: string;
	nonce: string;
	codeVerifier: string;
	redirectUri: string;
	/** Milliseconds since the epoch. */
	expiresAt: number;
}

const PROTECTED_HEADER = { alg: 'dir', enc: 'A256GCM' } as const;

export async function sealLoginState(state: LoginState, key: Uint8Array, audience: string, now: number): Promise<string> {
	return await new EncryptJWT({ n: state.nonce, cv: state.codeVerifier, ru: state.redirectUri })
		.setProtectedHeader(PROTECTED_HEADER)
		.setJti(state.id)
		.setAudience(audience)
		.setIssuedAt(Math.floor(now / 1000))
		.setExpirationTime(Math.floor(state.expiresAt / 1000))
		.encrypt(key);
}

/** Opens a sealed state; refuses one that is malformed, not ours, or expired. */
export async function openLoginState(sealed: string, key: Uint8Array, audience: string, now: number): Promise<LoginState> {
	let payload: Record<string, unknown>;
	try {
		({ payload } = await jwtDecrypt(sealed, key, {
			audience,
			currentDate: new Date(now),
			keyManagementAlgorithms: [PROTECTED_HEADER.alg],
			contentEncryptionAlgorithms: [PROTECTED_HEADER.enc],
		}));
	} catch (error) {
		const code = (error as { code?: string }).code;
		if (code === 'ERR_JWT_EXPIRED') throw new SsoFailure('stateExpired', 'The login state has expired: the user took longer than the state lifetime between starting the login and coming back');
		throw new SsoFailure(
			'stateInvalid',
			'The state parameter was not issued by this SSO node with this Azure AD credential (tampered with, truncated, or sealed with another client secret)',
		);
	}
	const { jti, exp, n, cv, ru } = payload;
	if (typeof jti !== 'string' || typeof exp !== 'number' || typeof n !== 'string' || typeof cv !== 'string' || typeof ru !== 'string') {
		throw new SsoFailure('stateInvalid', 'The state parameter opened but lacks its fields');
	}
	return { id: jti, nonce: n, codeVerifier: cv, redirectUri: ru, expiresAt: exp * 1000 };
}
