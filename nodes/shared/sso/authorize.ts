/**
 * Step one of the login: the Microsoft authorization URL (authorization code flow with PKCE S256,
 * state and nonce, response_mode=query) for the tenant of the Azure AD credential.
 */
import { randomBytes } from 'node:crypto';
import { authorityUrl } from '../graph/auth';
import type { AzureAdConnection } from '../graph/connection';
import { CryptoProvider } from '../vendor';
import type { SsoKeys } from './keys';
import { sealLoginState } from './loginState';

/** What the portal needs to know about the person: who they are and how to reach them. */
export const LOGIN_SCOPES = ['openid', 'profile', 'email'];

export type Prompt = 'select_account' | 'login';

export interface StartLoginOptions {
	redirectUri: string;
	/** How long the user has to come back, in milliseconds. */
	stateLifetimeMs: number;
	prompt?: Prompt;
	loginHint?: string;
	domainHint?: string;
}

export interface StartedLogin {
	redirectUrl: string;
	state: string;
	stateId: string;
	expiresAt: number;
}

export async function startLogin(connection: AzureAdConnection, keys: SsoKeys, options: StartLoginOptions, now: number): Promise<StartedLogin> {
	const redirectUri = checkRedirectUri(options.redirectUri, 'Redirect URI');
	const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
	const stateId = randomToken();
	const nonce = randomToken();
	const expiresAt = now + options.stateLifetimeMs;
	const state = await sealLoginState({ id: stateId, nonce, codeVerifier: verifier, redirectUri, expiresAt }, keys.state, connection.clientId, now);

	const url = new URL(`${authorityUrl(connection)}/oauth2/v2.0/authorize`);
	const query: Record<string, string | undefined> = {
		client_id: connection.clientId,
		response_type: 'code',
		redirect_uri: redirectUri,
		response_mode: 'query',
		scope: LOGIN_SCOPES.join(' '),
		state,
		nonce,
		code_challenge: challenge,
		code_challenge_method: 'S256',
		prompt: options.prompt,
		login_hint: options.loginHint?.trim() || undefined,
		domain_hint: options.domainHint?.trim() || undefined,
	};
	for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, value);
	return { redirectUrl: url.toString(), state, stateId, expiresAt };
}

/** A URL setting is wrong; `field` names the node parameter. */
export class SsoSettingError extends Error {
	readonly field: string;
	constructor(field: string, message: string) {
		super(message);
		this.name = 'SsoSettingError';
		this.field = field;
	}
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** https, or http on loopback (which the identity platform also accepts, for local testing). */
export function checkRedirectUri(value: string, field: string): string {
	const text = (value ?? '').trim();
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		throw new SsoSettingError(field, `${field} must be an absolute URL such as https://n8n.example.com/webhook/sso/callback (got "${text}")`);
	}
	if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
		throw new SsoSettingError(field, `${field} must use https:// (http:// only for localhost), got "${url.protocol}"`);
	}
	if (url.hash !== '') throw new SsoSettingError(field, `${field} must not contain a #fragment`);
	return url.toString();
}

function randomToken(): string {
	return randomBytes(16).toString('base64url');
}
