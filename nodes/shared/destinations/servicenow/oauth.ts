/**
 * OAuth 2.0 tokens from ServiceNow's `/oauth_token.do` (an Application Registry entry's client id
 * and secret; client credentials or the password grant of a service account). One token is shared
 * by every request and renewed shortly before it expires, or at once when the API refuses it.
 * Errors say what to fix and never carry the client secret or the password.
 */
import { HttpError } from '../../http/errors';
import { send, type ErrorBodyReader } from '../../http/request';
import type { RetryPolicy } from '../../http/retry';
import type { ServiceNowAuth } from './settings';

type OAuthSettings = Extract<ServiceNowAuth, { kind: 'oauth' }>;

export interface TokenHooks {
	policy: RetryPolicy;
	onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
	sleep?: (ms: number) => Promise<void>;
	random?: () => number;
	now?: () => number;
}

/** ServiceNow's default access token lifetime (30 minutes), when an answer does not say. */
const DEFAULT_LIFETIME_S = 1800;
/** Renew this long before expiry (or at 90 % of a short lifetime), so no request carries a token about to lapse. */
const RENEW_BEFORE_MS = 60_000;

/** The token endpoint refused the credential or the grant; `status` is ServiceNow's. */
export class ServiceNowTokenError extends HttpError {
	constructor(cause: HttpError, message: string) {
		super({ status: cause.status, code: cause.code, serviceMessage: cause.serviceMessage, requestId: cause.requestId, method: cause.method, url: cause.url, attempts: cause.attempts });
		this.name = 'ServiceNowTokenError';
		this.message = message;
	}
}

/** RFC 6749 error answers: `{ error, error_description }`. */
const readTokenError: ErrorBodyReader = (body) => {
	const record = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
	return {
		code: typeof record.error === 'string' ? record.error : undefined,
		message: typeof record.error_description === 'string' ? record.error_description : undefined,
	};
};

export class ServiceNowTokenClient {
	private current: { token: string; renewAt: number } | undefined;
	private pending: Promise<string> | undefined;
	private readonly now: () => number;

	constructor(
		private readonly tokenUrl: string,
		private readonly settings: OAuthSettings,
		private readonly hooks: TokenHooks,
	) {
		this.now = hooks.now ?? Date.now;
	}

	/** A valid access token: the cached one, or a new one (one request however many callers wait). */
	async token(): Promise<string> {
		if (this.current && this.now() < this.current.renewAt) return this.current.token;
		this.pending ??= this.request().finally(() => {
			this.pending = undefined;
		});
		return await this.pending;
	}

	/** Forgets `token` after the API refused it (revoked, or the lifetime was shortened), so the next call gets a new one. */
	invalidate(token: string): void {
		if (this.current?.token === token) this.current = undefined;
	}

	private async request(): Promise<string> {
		const form = new URLSearchParams({ grant_type: this.settings.grant === 'password' ? 'password' : 'client_credentials', client_id: this.settings.clientId.trim(), client_secret: this.settings.clientSecret });
		if (this.settings.grant === 'password') {
			form.set('username', this.settings.username?.trim() ?? '');
			form.set('password', this.settings.password ?? '');
		}
		const startedAt = this.now();
		let body: unknown;
		try {
			const response = await send(
				{ method: 'POST', url: this.tokenUrl, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() },
				// A refused token request was not processed, so repeating it (after a 429 or a refused connection) is safe.
				{ policy: this.hooks.policy, readError: readTokenError, onRetry: this.hooks.onRetry, sleep: this.hooks.sleep, random: this.hooks.random },
			);
			body = response.body;
		} catch (error) {
			if (error instanceof HttpError) throw new ServiceNowTokenError(error, this.redact(tokenFailure(error, this.settings.grant)));
			throw error;
		}
		const record = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
		if (typeof record.access_token !== 'string' || record.access_token === '') throw new Error('ServiceNow answered the token request without an access_token');
		const lifetimeMs = (typeof record.expires_in === 'number' && record.expires_in > 0 ? record.expires_in : Number(record.expires_in) || DEFAULT_LIFETIME_S) * 1000;
		this.current = { token: record.access_token, renewAt: startedAt + Math.max(lifetimeMs - RENEW_BEFORE_MS, lifetimeMs * 0.9) };
		return record.access_token;
	}

	/** ServiceNow's own words never echo a secret, but a proxy in between might. */
	private redact(message: string): string {
		let text = message;
		for (const secret of [this.settings.clientSecret, this.settings.password]) if (secret && secret.length >= 4) text = text.split(secret).join('[secret]');
		return text;
	}
}

function tokenFailure(error: HttpError, grant: OAuthSettings['grant']): string {
	const said = `${error.code ?? `HTTP ${error.status}`}${error.serviceMessage && error.serviceMessage !== error.code ? `: ${error.serviceMessage}` : ''}`;
	const prefix = `ServiceNow refused the OAuth token request (HTTP ${error.status}, ${said}).`;
	switch (error.code) {
		case 'invalid_client':
			return `${prefix} Check the Client ID and Client Secret of the Application Registry entry (System OAuth > Application Registry) and that the entry is active.`;
		case 'invalid_grant':
			return `${prefix} ${grant === 'password' ? "Check the service account's user name and password, and that the account is active and not locked out." : 'Check the OAuth Application User of the registry entry.'}`;
		case 'unsupported_grant_type':
		case 'unauthorized_client':
			return `${prefix} ${grantHint(grant)}`;
		case 'access_denied':
		case 'server_error':
			// ServiceNow's usual answer to any wrong client id, secret, user name or password.
			return `${prefix} Check the Client ID and Client Secret${grant === 'password' ? ", and the service account's user name and password" : ''}. ${grant === 'clientCredentials' ? grantHint(grant) : ''}`.trim();
		default:
			return error.status === 404 ? `No ServiceNow token endpoint at ${error.url} (HTTP 404). Check the instance URL or Base URL.` : error.message;
	}
}

function grantHint(grant: OAuthSettings['grant']): string {
	return grant === 'clientCredentials'
		? 'The client credentials grant needs ServiceNow Washington DC or later, the system property glide.oauth.inbound.client.credential.grant_type.enabled set to true, and an OAuth Application User on the registry entry.'
		: 'The registry entry must allow the password grant.';
}
