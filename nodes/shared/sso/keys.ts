/**
 * The SSO node's own secrets, derived (HKDF-SHA256) from the Azure AD credential's secret material:
 * the client secret, or the certificate's private key. Nothing new to store, nothing in a plain
 * node parameter, and every workflow using the same credential shares the keys, so the login and
 * callback workflows can open each other's state. Rotating the client secret or certificate
 * changes the keys: open sessions and logins in progress end (users simply sign in again).
 */
import { hkdfSync } from 'node:crypto';
import type { AzureAdConnection } from '../graph/connection';

export interface SsoKeys {
	/** AES-256-GCM key that seals the login state (PKCE verifier, nonce) handed to the browser. */
	state: Uint8Array;
	/** HMAC-SHA256 key that signs session tokens. */
	session: Uint8Array;
}

const SALT = 'n8n-nodes-azure-ad-sync/sso/v1';

export function deriveSsoKeys(connection: AzureAdConnection): SsoKeys {
	const material = connection.auth.kind === 'clientSecret' ? connection.auth.clientSecret : connection.auth.privateKeyPem;
	// Tenant and app in the info string: one secret used by two app registrations still yields distinct keys.
	const derive = (purpose: string) => new Uint8Array(hkdfSync('sha256', material, SALT, `${purpose}|${connection.tenantId}|${connection.clientId}`, 32));
	return { state: derive('login-state'), session: derive('session-token') };
}
