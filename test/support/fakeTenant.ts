/**
 * Obviously fake tenant, app and secrets for tests, and nock helpers that stand in for the
 * Microsoft sign-in endpoint. Tokens are unsigned JWT-shaped strings carrying the claims we read.
 */
import nock from 'nock';
import type { AzureAdCredentialFields } from '../../nodes/shared/graph/connection';

export const FAKE_TENANT_ID = '00000000-0000-4000-8000-00000000fa4e';
export const FAKE_CLIENT_ID = '11111111-1111-4111-8111-111111111111';
export const FAKE_SECRET = 'FAKE-test-secret-value~not-real';
export const LOGIN = 'https://login.microsoftonline.com';
export const GRAPH = 'https://graph.microsoft.com';

export function fakeCredentialFields(overrides: Record<string, unknown> = {}): AzureAdCredentialFields {
	return {
		tenantId: FAKE_TENANT_ID,
		clientId: FAKE_CLIENT_ID,
		authentication: 'clientSecret',
		clientSecret: FAKE_SECRET,
		cloud: 'global',
		...overrides,
	} as AzureAdCredentialFields;
}

let tokenSerial = 0;

export function fakeAccessToken(claims: Record<string, unknown> = {}): string {
	tokenSerial += 1;
	const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
	const payload = {
		aud: GRAPH,
		tid: FAKE_TENANT_ID,
		appid: FAKE_CLIENT_ID,
		app_displayname: 'Requester Sync (test)',
		roles: ['User.Read.All'],
		exp: Math.floor(Date.now() / 1000) + 3600,
		serial: tokenSerial,
		...claims,
	};
	return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(payload)}.fake-signature`;
}

/** Answers client-credential token requests; returns the scope so tests can count calls. */
export function nockTokenEndpoint(options: {
	login?: string;
	tenant?: string;
	roles?: string[];
	times?: number;
	expiresIn?: number;
	claims?: Record<string, unknown>;
} = {}) {
	const login = options.login ?? LOGIN;
	const tenant = options.tenant ?? FAKE_TENANT_ID;
	return nock(login)
		.post(`/${tenant}/oauth2/v2.0/token`)
		.query(true)
		.times(options.times ?? 1)
		.reply(200, () => ({
			token_type: 'Bearer',
			expires_in: options.expiresIn ?? 3599,
			ext_expires_in: options.expiresIn ?? 3599,
			access_token: fakeAccessToken({ roles: options.roles ?? ['User.Read.All'], ...options.claims }),
		}));
}

/** A sign-in failure as the identity platform sends it. */
export function nockTokenError(aadsts: string, description: string, options: { error?: string; status?: number; tenant?: string } = {}) {
	return nock(LOGIN)
		.post(`/${options.tenant ?? FAKE_TENANT_ID}/oauth2/v2.0/token`)
		.query(true)
		.reply(options.status ?? 401, {
			error: options.error ?? 'invalid_client',
			error_description: `AADSTS${aadsts}: ${description}\r\nTrace ID: 0000 Correlation ID: 0000 Timestamp: 2026-11-26 12:00:00Z`,
			error_codes: [Number(aadsts)],
			timestamp: '2026-11-26 12:00:00Z',
			trace_id: '00000000-0000-0000-0000-000000000000',
			correlation_id: '00000000-0000-0000-0000-000000000000',
		});
}

/** A dropped keep-alive connection as Node reports it (nock needs an Error instance). */
export function connectionReset(): Error {
	return Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
}
