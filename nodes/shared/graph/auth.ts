/**
 * App-only sign-in with MSAL (client secret or certificate). One ConfidentialClientApplication per
 * connection, kept for the life of the process, so MSAL's token cache serves every node and run;
 * the cache is only a cache: nothing else depends on it living in this process.
 */
import { msalNetworkClient } from '../http/msalNetwork';
import { ConfidentialClientApplication, LogLevel, type MsalConfiguration } from '../vendor';
import { connectionKey, type AzureAdConnection } from './connection';
import { toSignInError } from './errors';

export interface AccessToken {
	token: string;
	expiresOn: Date | null;
	/** The token's payload (tid, appid, roles, ...), read for reporting, not trusted for security. */
	claims: TokenClaims;
}

export interface TokenClaims {
	tid?: string;
	appid?: string;
	app_displayname?: string;
	roles?: string[];
	[claim: string]: unknown;
}

const applications = new Map<string, ConfidentialClientApplication>();

export function graphScope(connection: AzureAdConnection): string {
	return `${connection.graphEndpoint}/.default`;
}

export async function acquireGraphToken(connection: AzureAdConnection, options: { forceRefresh?: boolean } = {}): Promise<AccessToken> {
	const application = getApplication(connection);
	let result;
	try {
		result = await application.acquireTokenByClientCredential({
			scopes: [graphScope(connection)],
			skipCache: options.forceRefresh === true,
		});
	} catch (error) {
		throw toSignInError(error);
	}
	if (!result?.accessToken) {
		throw toSignInError({ errorCode: 'no_token', errorMessage: 'Microsoft sign-in returned no access token' });
	}
	return { token: result.accessToken, expiresOn: result.expiresOn, claims: decodeJwtPayload(result.accessToken) };
}

/** Forgets cached applications and tokens (credential rotated, tests). */
export function clearTokenCache(): void {
	applications.clear();
}

function getApplication(connection: AzureAdConnection): ConfidentialClientApplication {
	const key = connectionKey(connection);
	let application = applications.get(key);
	if (!application) {
		application = new ConfidentialClientApplication(msalConfiguration(connection));
		applications.set(key, application);
	}
	return application;
}

export function authorityUrl(connection: AzureAdConnection): string {
	return `${connection.authorityHost}/${encodeURIComponent(connection.tenantId)}`;
}

export function msalConfiguration(connection: AzureAdConnection): MsalConfiguration {
	const authority = authorityUrl(connection);
	const { host } = new URL(connection.authorityHost);
	const auth: MsalConfiguration['auth'] = {
		clientId: connection.clientId,
		authority,
		// Trusting the configured host skips instance discovery; the metadata below spares the
		// OpenID configuration round trip, so sign-in errors come straight from the token endpoint.
		knownAuthorities: [host],
		authorityMetadata: JSON.stringify(authorityMetadata(authority)),
	};
	if (connection.auth.kind === 'clientSecret') {
		auth.clientSecret = connection.auth.clientSecret;
	} else {
		const { thumbprint, privateKeyPem, certificatePem } = connection.auth;
		auth.clientCertificate = {
			privateKey: privateKeyPem,
			...(thumbprint.length === 64 ? { thumbprintSha256: thumbprint } : { thumbprint }),
			...(certificatePem ? { x5c: certificatePem } : {}),
		};
	}
	return {
		auth,
		system: {
			// Sign-in requests go through the pack's HTTP layer, so they honour HTTPS_PROXY / NO_PROXY too.
			networkClient: msalNetworkClient,
			loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => undefined },
		},
	};
}

export function authorityMetadata(authority: string) {
	return {
		token_endpoint: `${authority}/oauth2/v2.0/token`,
		authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
		end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
		jwks_uri: `${authority}/discovery/v2.0/keys`,
		issuer: `${authority}/v2.0`,
	};
}

export function decodeJwtPayload(token: string): TokenClaims {
	const payload = token.split('.')[1];
	if (!payload) return {};
	try {
		return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
	} catch {
		return {};
	}
}
