/**
 * Microsoft sign-in errors carry AADSTS codes. Admins should not have to look them up: the common
 * ones are translated into what went wrong and what to do.
 */
export interface SignInProblem {
	/** Short machine-readable reason. */
	reason: string;
	/** What went wrong and the fix, in plain words. */
	advice: string;
}

const PROBLEMS: Record<string, SignInProblem> = {
	'90002': { reason: 'unknownTenant', advice: 'The tenant was not found. Check Tenant ID (the Directory (tenant) ID on the app registration\'s Overview page) and the Cloud setting.' },
	'900023': { reason: 'invalidTenant', advice: 'The Tenant ID is neither a valid GUID nor a verified domain of a tenant.' },
	'90023': { reason: 'invalidTenant', advice: 'The sign-in request was rejected for this tenant; check Tenant ID and the Cloud setting.' },
	'700016': { reason: 'appNotInTenant', advice: 'No application with this Client ID exists in the tenant. Check Client ID, and that the app is registered in (or consented to by) this tenant.' },
	'7000215': { reason: 'invalidSecret', advice: 'The client secret is wrong. Paste the secret\'s Value (shown once when it was created), not its Secret ID.' },
	'7000222': { reason: 'expiredSecret', advice: 'The client secret has expired. Create a new one under Certificates & secrets and update the credential.' },
	'700027': { reason: 'certificateMismatch', advice: 'The certificate does not match the app registration. Upload this certificate\'s public part under Certificates & secrets, and check the thumbprint and private key belong to it.' },
	'700024': { reason: 'clockSkew', advice: 'The signed sign-in assertion is outside its valid time range. Check the n8n host\'s clock.' },
	'7000112': { reason: 'appDisabled', advice: 'The application is disabled in the tenant. Enable its enterprise application (service principal).' },
	'65001': { reason: 'consentMissing', advice: 'Admin consent is missing. In API permissions, press "Grant admin consent" for the tenant.' },
	'500011': { reason: 'resourceNotInTenant', advice: 'Microsoft Graph is not available for this tenant in the chosen cloud. Check the Cloud setting.' },
	'53003': { reason: 'conditionalAccess', advice: 'A Conditional Access policy blocked the sign-in. Exclude this workload identity from the policy or meet its conditions.' },
	'50034': { reason: 'unknownUser', advice: 'The user account does not exist in this tenant.' },
	'50053': { reason: 'accountLocked', advice: 'The account is locked after too many failed sign-ins, or sign-in was blocked for a risky IP.' },
	'50057': { reason: 'accountDisabled', advice: 'The user account is disabled.' },
	'65004': { reason: 'consentDeclined', advice: 'The user declined to consent to the app.' },
	'50011': { reason: 'redirectUriMismatch', advice: 'The redirect URI is not registered on the app. Add the callback URL under Authentication > Redirect URIs.' },
	'50148': { reason: 'pkceMismatch', advice: 'The PKCE code verifier does not match the code challenge.' },
	'54005': { reason: 'codeAlreadyRedeemed', advice: 'The authorization code was already redeemed.' },
	'70008': { reason: 'codeExpired', advice: 'The authorization code has expired or was revoked.' },
};

/** The AADSTS number in a message such as "AADSTS7000215: Invalid client secret provided." */
export function findAadstsCode(text: string | undefined): string | undefined {
	return /AADSTS(\d+)/.exec(text ?? '')?.[1];
}

export function explainAadsts(code: string | undefined): SignInProblem | undefined {
	return code === undefined ? undefined : PROBLEMS[code];
}
