/**
 * "Verify": prove the tenant, app and secret work, and say which features of the pack are ready
 * with the permissions granted. Also the check behind the credential's Test button.
 */
import type { GraphClient } from './client';
import { GraphError } from './errors';
import { odataString } from './odata';
import { assessFeatures, type FeatureId, type FeatureReadiness } from './permissions';

export interface VerifiedDomain {
	name: string;
	isDefault: boolean;
	isInitial: boolean;
}

export interface AppCredentialExpiry {
	kind: 'clientSecret' | 'certificate';
	displayName: string | null;
	endDateTime: string;
	daysLeft: number;
	/** This is the secret or certificate the credential uses (matched by hint or thumbprint). */
	inUse: boolean | null;
	status: 'ok' | 'expiringSoon' | 'expired';
}

export interface TenantReport {
	tenantId: string;
	tenantDisplayName: string | null;
	verifiedDomains: VerifiedDomain[];
	cloud: string;
	graphEndpoint: string;
	appId: string;
	appDisplayName: string | null;
	grantedPermissions: string[];
	features: FeatureReadiness[];
	readyFeatures: FeatureId[];
	notReadyFeatures: FeatureId[];
	credentialExpiry: { checked: boolean; reason?: string; credentials: AppCredentialExpiry[] };
	warnings: string[];
	checkedAt: string;
}

export interface VerifyOptions {
	checkCredentialExpiry?: boolean;
	expiryWarningDays?: number;
	now?: Date;
}

interface Organization {
	id: string;
	displayName?: string | null;
	verifiedDomains?: Array<{ name: string; isDefault?: boolean; isInitial?: boolean }>;
}

interface ApplicationRegistration {
	displayName?: string | null;
	passwordCredentials?: Array<{ displayName?: string | null; endDateTime: string; hint?: string | null }>;
	keyCredentials?: Array<{ displayName?: string | null; endDateTime: string; customKeyIdentifier?: string | null }>;
}

const DAY_MS = 86_400_000;

export async function verifyTenant(client: GraphClient, options: VerifyOptions = {}): Promise<TenantReport> {
	const now = options.now ?? new Date();
	const { connection } = client;
	const token = await client.token();
	const granted = [...(token.claims.roles ?? [])].sort();
	const features = assessFeatures(granted);
	const isReady = (id: FeatureId) => features.some((f) => f.feature === id && f.ready);
	const warnings: string[] = [];
	if (granted.length === 0) {
		warnings.push('The app has no Microsoft Graph application permissions: add them under API permissions and press "Grant admin consent".');
	}

	let organization: Organization | undefined;
	if (isReady('tenantDetails')) {
		const response = await client.request<{ value: Organization[] }>({ path: '/organization', query: { $select: 'id,displayName,verifiedDomains' } });
		organization = response.data.value?.[0];
	}

	const credentialExpiry = await readCredentialExpiry(client, isReady('credentialExpiry'), options, now);
	for (const credential of credentialExpiry.credentials) {
		if (credential.inUse === false || credential.status === 'ok') continue;
		const which = `${credential.kind === 'clientSecret' ? 'Client secret' : 'Certificate'} "${credential.displayName ?? 'unnamed'}"`;
		warnings.push(
			credential.status === 'expired'
				? `${which} expired on ${credential.endDateTime.slice(0, 10)}.`
				: `${which} expires in ${credential.daysLeft} day(s), on ${credential.endDateTime.slice(0, 10)}: create a new one and update the credential.`,
		);
	}

	return {
		tenantId: organization?.id ?? token.claims.tid ?? connection.tenantId,
		tenantDisplayName: organization?.displayName ?? null,
		verifiedDomains: (organization?.verifiedDomains ?? []).map((d) => ({ name: d.name, isDefault: d.isDefault === true, isInitial: d.isInitial === true })),
		cloud: connection.cloud,
		graphEndpoint: connection.graphEndpoint,
		appId: token.claims.appid ?? connection.clientId,
		appDisplayName: token.claims.app_displayname ?? credentialExpiry.appDisplayName ?? null,
		grantedPermissions: granted,
		features,
		readyFeatures: features.filter((f) => f.ready).map((f) => f.feature),
		notReadyFeatures: features.filter((f) => !f.ready).map((f) => f.feature),
		credentialExpiry: { checked: credentialExpiry.checked, ...(credentialExpiry.reason ? { reason: credentialExpiry.reason } : {}), credentials: credentialExpiry.credentials },
		warnings,
		checkedAt: now.toISOString(),
	};
}

async function readCredentialExpiry(client: GraphClient, permitted: boolean, options: VerifyOptions, now: Date) {
	if (options.checkCredentialExpiry === false) {
		return { checked: false, reason: 'Turned off', credentials: [] as AppCredentialExpiry[] };
	}
	if (!permitted) {
		return { checked: false, reason: 'Reading the app registration needs Application.Read.All', credentials: [] as AppCredentialExpiry[] };
	}
	const { connection } = client;
	let app: ApplicationRegistration;
	try {
		const response = await client.request<ApplicationRegistration>({
			path: `/applications(appId=${odataString(connection.clientId)})`,
			query: { $select: 'displayName,passwordCredentials,keyCredentials' },
		});
		app = response.data;
	} catch (error) {
		if (error instanceof GraphError && (error.status === 403 || error.status === 404)) {
			return { checked: false, reason: `The app registration could not be read (${error.code})`, credentials: [] as AppCredentialExpiry[] };
		}
		throw error;
	}
	const warnDays = options.expiryWarningDays ?? 30;
	const expiry = (kind: AppCredentialExpiry['kind'], displayName: string | null | undefined, endDateTime: string, inUse: boolean | null) => {
		const daysLeft = Math.floor((Date.parse(endDateTime) - now.getTime()) / DAY_MS);
		const status: AppCredentialExpiry['status'] = daysLeft < 0 ? 'expired' : daysLeft <= warnDays ? 'expiringSoon' : 'ok';
		return { kind, displayName: displayName ?? null, endDateTime, daysLeft, inUse, status };
	};
	const auth = connection.auth;
	const credentials: AppCredentialExpiry[] = [
		...(app.passwordCredentials ?? []).map((secret) =>
			expiry('clientSecret', secret.displayName, secret.endDateTime, auth.kind === 'clientSecret' && secret.hint ? auth.clientSecret.startsWith(secret.hint) : null),
		),
		...(app.keyCredentials ?? []).map((key) => expiry('certificate', key.displayName, key.endDateTime, matchesThumbprint(key.customKeyIdentifier, auth))),
	];
	return { checked: true, credentials, appDisplayName: app.displayName ?? null };
}

/** keyCredentials carry the SHA-1 thumbprint as customKeyIdentifier (hex in v1.0). */
function matchesThumbprint(identifier: string | null | undefined, auth: GraphClient['connection']['auth']): boolean | null {
	if (auth.kind !== 'certificate' || !identifier) return auth.kind === 'certificate' ? null : false;
	if (auth.thumbprint.length !== 40) return null;
	return identifier.toLowerCase() === auth.thumbprint;
}

export interface ConnectionTestResult {
	ok: boolean;
	message: string;
}

/** The credential's Test button: sign in, check consent, and make one Graph read. */
export async function testConnection(client: GraphClient): Promise<ConnectionTestResult> {
	const token = await client.token();
	const roles = token.claims.roles ?? [];
	if (roles.length === 0) {
		return {
			ok: false,
			message: 'Signed in, but the app has no Microsoft Graph application permissions: add User.Read.All under API permissions and press "Grant admin consent".',
		};
	}
	const features = assessFeatures(roles);
	const ready = (id: FeatureId) => features.some((f) => f.feature === id && f.ready);
	if (ready('tenantDetails')) {
		const response = await client.request<{ value: Organization[] }>({ path: '/organization', query: { $select: 'id,displayName' } });
		const org = response.data.value?.[0];
		return { ok: true, message: `Connected to ${org?.displayName ?? 'tenant'} (${org?.id ?? token.claims.tid}) with ${roles.length} permission(s)` };
	}
	if (ready('listUsers')) {
		await client.request({ path: '/users', query: { $top: 1, $select: 'id' } });
		return { ok: true, message: `Connected to tenant ${token.claims.tid ?? client.connection.tenantId}; users can be read` };
	}
	return { ok: false, message: `Signed in, but reading users needs User.Read.All (granted: ${roles.join(', ')})` };
}
