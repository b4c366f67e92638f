/**
 * The Azure AD app connection as the core sees it, built and checked from the credential's fields.
 * Everything here is plain data; secrets stay inside and are never put in messages.
 */
import { X509Certificate, createHash, createPrivateKey } from 'node:crypto';
import { resolveCloud, ConnectionSettingsError, type CloudEndpoints, type CloudName } from './clouds';
import { isGuid } from './odata';

export type AppAuth =
	| { kind: 'clientSecret'; clientSecret: string }
	| {
			kind: 'certificate';
			privateKeyPem: string;
			/** Hex thumbprint: 40 characters is SHA-1 (as the Azure portal shows), 64 is SHA-256. */
			thumbprint: string;
			/** The certificate itself, when given; lets sign-in send x5c and lets Verify show expiry. */
			certificatePem?: string;
	  };

export interface AzureAdConnection extends CloudEndpoints {
	tenantId: string;
	clientId: string;
	auth: AppAuth;
	cloud: CloudName;
}

export interface AzureAdCredentialFields {
	tenantId?: string;
	clientId?: string;
	authentication?: 'clientSecret' | 'certificate';
	clientSecret?: string;
	privateKey?: string;
	certificate?: string;
	thumbprint?: string;
	cloud?: CloudName;
	authorityHost?: string;
	graphEndpoint?: string;
}

/** A verified domain: labels of letters, digits and hyphens, at least one dot. */
const DOMAIN = /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/i;

export function buildConnection(fields: AzureAdCredentialFields): AzureAdConnection {
	const tenantId = (fields.tenantId ?? '').trim();
	if (!isGuid(tenantId) && !DOMAIN.test(tenantId)) {
		throw new ConnectionSettingsError(
			'Tenant ID',
			`Tenant ID must be the directory (tenant) ID, a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47, or a verified domain like contoso.onmicrosoft.com (got "${tenantId}"). Copy it from the app registration's Overview page.`,
		);
	}
	const clientId = (fields.clientId ?? '').trim();
	if (!isGuid(clientId)) {
		throw new ConnectionSettingsError(
			'Client ID',
			`Client ID must be the application (client) ID, a GUID from the app registration's Overview page (got "${clientId}")`,
		);
	}
	const cloud = fields.cloud ?? 'global';
	const endpoints = resolveCloud(cloud, { authorityHost: fields.authorityHost, graphEndpoint: fields.graphEndpoint });
	return { tenantId, clientId, cloud, ...endpoints, auth: buildAuth(fields) };
}

function buildAuth(fields: AzureAdCredentialFields): AppAuth {
	if ((fields.authentication ?? 'clientSecret') === 'clientSecret') {
		const clientSecret = (fields.clientSecret ?? '').trim();
		if (clientSecret === '') {
			throw new ConnectionSettingsError('Client Secret', 'Client Secret is empty: paste the secret Value (not its ID) from Certificates & secrets');
		}
		return { kind: 'clientSecret', clientSecret };
	}

	const privateKeyPem = normalisePem(fields.privateKey);
	try {
		createPrivateKey(privateKeyPem);
	} catch {
		throw new ConnectionSettingsError(
			'Private Key',
			'Private Key is not a readable PEM private key: paste the unencrypted key including its -----BEGIN PRIVATE KEY----- line',
		);
	}
	const certificatePem = fields.certificate?.trim() ? normalisePem(fields.certificate) : undefined;
	const given = (fields.thumbprint ?? '').replace(/[\s:]/g, '').toLowerCase();
	if (given !== '') {
		if (!/^([0-9a-f]{40}|[0-9a-f]{64})$/.test(given)) {
			throw new ConnectionSettingsError(
				'Certificate Thumbprint',
				'Certificate Thumbprint must be 40 (SHA-1, as the Azure portal shows it) or 64 (SHA-256) hexadecimal characters',
			);
		}
		return { kind: 'certificate', privateKeyPem, thumbprint: given, certificatePem };
	}
	if (!certificatePem) {
		throw new ConnectionSettingsError('Certificate', 'Give either the Certificate (PEM) or its Certificate Thumbprint');
	}
	return { kind: 'certificate', privateKeyPem, thumbprint: certificateThumbprint(certificatePem), certificatePem };
}

/** SHA-256 thumbprint (hex, lower-case) of a PEM certificate. */
export function certificateThumbprint(certificatePem: string): string {
	let certificate: X509Certificate;
	try {
		certificate = new X509Certificate(certificatePem);
	} catch {
		throw new ConnectionSettingsError('Certificate', 'Certificate is not a readable PEM certificate: paste it including its -----BEGIN CERTIFICATE----- line');
	}
	return createHash('sha256').update(certificate.raw).digest('hex');
}

/** n8n text fields sometimes turn newlines into literal "\n" or spaces; PEM needs real lines. */
function normalisePem(value: string | undefined): string {
	const text = (value ?? '').trim().replace(/\\n/g, '\n');
	const match = /^(-----BEGIN [^-]+-----)([\s\S]*?)(-----END [^-]+-----)$/.exec(text);
	if (!match) return text;
	const body = match[2].replace(/\s+/g, '');
	const lines = body.match(/.{1,64}/g) ?? [];
	return `${match[1]}\n${lines.join('\n')}\n${match[3]}\n`;
}

/** A stable cache key for a connection; hashes secrets so the key itself reveals nothing. */
export function connectionKey(connection: AzureAdConnection): string {
	return createHash('sha256').update(JSON.stringify(connection)).digest('hex');
}
