/**
 * Step two of the login: the authorization code and the PKCE verifier are exchanged for the ID
 * token by MSAL, on a ConfidentialClientApplication built from the same configuration as the
 * app-only sign-in. A fresh application per login: MSAL caches what it redeems (ID, access and
 * refresh tokens of the user, since it always adds offline_access to the scopes), and those must
 * not pile up in the long-lived app-only cache; this one is dropped with everything in it.
 */
import { msalConfiguration } from '../graph/auth';
import type { AzureAdConnection } from '../graph/connection';
import { toSignInError } from '../graph/errors';
import { ConfidentialClientApplication } from '../vendor';
import { LOGIN_SCOPES } from './authorize';
import { SsoFailure, type FailureCode } from './failures';

export interface CodeRedemption {
	code: string;
	codeVerifier: string;
	redirectUri: string;
	nonce: string;
}

/** The ID token the code was redeemed for; never logged, never output. */
export async function redeemAuthorizationCode(connection: AzureAdConnection, redemption: CodeRedemption): Promise<string> {
	const application = new ConfidentialClientApplication(msalConfiguration(connection));
	let idToken: string | undefined;
	try {
		const result = await application.acquireTokenByCode({
			code: redemption.code,
			codeVerifier: redemption.codeVerifier,
			redirectUri: redemption.redirectUri,
			nonce: redemption.nonce,
			scopes: LOGIN_SCOPES,
		});
		idToken = result?.idToken;
	} catch (error) {
		throw redemptionFailure(error);
	}
	if (!idToken) throw new SsoFailure('codeRedemptionFailed', 'Microsoft redeemed the code but returned no ID token (was the openid scope removed?)');
	return idToken;
}

/** Sign-in reasons (graph/aadsts.ts) that are the admin's set-up, not the user's attempt. */
const CONFIGURATION_REASONS = new Set([
	'unknownTenant',
	'invalidTenant',
	'appNotInTenant',
	'invalidSecret',
	'expiredSecret',
	'certificateMismatch',
	'clockSkew',
	'appDisabled',
	'redirectUriMismatch',
	'resourceNotInTenant',
]);
const REFUSED_REASONS = new Set(['accountDisabled', 'accountLocked', 'conditionalAccess', 'unknownUser']);

function redemptionFailure(error: unknown): SsoFailure {
	if ((error as { errorCode?: string }).errorCode === 'nonce_mismatch') {
		return new SsoFailure('idTokenInvalid', 'The ID token nonce does not match the one sent for this login (a replayed or swapped token)');
	}
	const signIn = toSignInError(error);
	const code: FailureCode = CONFIGURATION_REASONS.has(signIn.reason)
		? 'configurationError'
		: signIn.reason === 'consentMissing'
			? 'consentMissing'
			: REFUSED_REASONS.has(signIn.reason)
				? 'signInRefused'
				: signIn.reason === 'signInUnreachable'
					? 'serviceUnavailable'
					: 'codeRedemptionFailed';
	return new SsoFailure(code, `Redeeming the authorization code failed: ${signIn.advice}${signIn.aadsts ? ` (AADSTS${signIn.aadsts})` : ''}`);
}
