import { createHash, X509Certificate } from 'node:crypto';
import { buildConnection, certificateThumbprint } from '../../nodes/shared/graph/connection';
import { ConnectionSettingsError, resolveCloud } from '../../nodes/shared/graph/clouds';
import { makeSelfSignedCertificate } from '../support/certificates';
import { fakeCredentialFields, FAKE_SECRET, FAKE_TENANT_ID } from '../support/fakeTenant';

function settingsError(fn: () => unknown): ConnectionSettingsError {
	try {
		fn();
	} catch (error) {
		expect(error).toBeInstanceOf(ConnectionSettingsError);
		return error as ConnectionSettingsError;
	}
	throw new Error('expected a ConnectionSettingsError');
}

describe('buildConnection', () => {
	it('accepts a GUID tenant and a verified-domain tenant', () => {
		expect(buildConnection(fakeCredentialFields()).tenantId).toBe(FAKE_TENANT_ID);
		expect(buildConnection(fakeCredentialFields({ tenantId: ' contoso.onmicrosoft.com ' })).tenantId).toBe('contoso.onmicrosoft.com');
	});

	it.each([['not a tenant'], ['contoso'], ["contoso.com' or 1"], ['']])('rejects the malformed tenant %p naming the field', (tenantId) => {
		const error = settingsError(() => buildConnection(fakeCredentialFields({ tenantId })));
		expect(error.field).toBe('Tenant ID');
		expect(error.message).toMatch(/Tenant ID must be/);
	});

	it('rejects a client ID that is not a GUID', () => {
		const error = settingsError(() => buildConnection(fakeCredentialFields({ clientId: 'my-app' })));
		expect(error.field).toBe('Client ID');
	});

	it('rejects an empty secret without echoing anything secret', () => {
		const error = settingsError(() => buildConnection(fakeCredentialFields({ clientSecret: '  ' })));
		expect(error.field).toBe('Client Secret');
	});

	it('resolves national clouds and custom endpoints', () => {
		expect(buildConnection(fakeCredentialFields({ cloud: 'usGov' }))).toMatchObject({
			authorityHost: 'https://login.microsoftonline.us',
			graphEndpoint: 'https://graph.microsoft.us',
		});
		expect(resolveCloud('usGovDod')).toEqual({ authorityHost: 'https://login.microsoftonline.us', graphEndpoint: 'https://dod-graph.microsoft.us' });
		expect(resolveCloud('china')).toEqual({ authorityHost: 'https://login.chinacloudapi.cn', graphEndpoint: 'https://microsoftgraph.chinacloudapi.cn' });
		expect(
			buildConnection(fakeCredentialFields({ cloud: 'custom', authorityHost: 'https://127.0.0.1:8443/', graphEndpoint: 'https://127.0.0.1:8444' })),
		).toMatchObject({ authorityHost: 'https://127.0.0.1:8443', graphEndpoint: 'https://127.0.0.1:8444' });
		expect(settingsError(() => resolveCloud('custom', { authorityHost: 'http://login.example.com', graphEndpoint: 'https://g' })).field).toBe(
			'Authority Host',
		);
	});

	it('never puts the secret in an error message', () => {
		const error = settingsError(() => buildConnection(fakeCredentialFields({ clientId: 'bad', clientSecret: FAKE_SECRET })));
		expect(error.message).not.toContain(FAKE_SECRET);
	});
});

describe('certificate authentication', () => {
	const certificate = makeSelfSignedCertificate();

	it('derives the SHA-256 thumbprint from the PEM certificate', () => {
		const expected = createHash('sha256').update(new X509Certificate(certificate.certificatePem).raw).digest('hex');
		expect(certificateThumbprint(certificate.certificatePem)).toBe(expected);
		const connection = buildConnection(
			fakeCredentialFields({ authentication: 'certificate', privateKey: certificate.privateKeyPem, certificate: certificate.certificatePem }),
		);
		expect(connection.auth).toMatchObject({ kind: 'certificate', thumbprint: expected });
	});

	it('accepts the SHA-1 thumbprint the Azure portal shows, with colons or spaces', () => {
		const sha1 = new X509Certificate(certificate.certificatePem).fingerprint;
		const connection = buildConnection(
			fakeCredentialFields({ authentication: 'certificate', privateKey: certificate.privateKeyPem, thumbprint: sha1 }),
		);
		expect(connection.auth).toMatchObject({ thumbprint: sha1.replace(/:/g, '').toLowerCase() });
	});

	it('repairs a key pasted with literal \\n sequences', () => {
		const flattened = certificate.privateKeyPem.trim().replace(/\n/g, '\\n');
		const connection = buildConnection(
			fakeCredentialFields({ authentication: 'certificate', privateKey: flattened, certificate: certificate.certificatePem }),
		);
		expect(connection.auth.kind).toBe('certificate');
	});

	it('names the field for an unreadable key, a bad thumbprint and a missing certificate', () => {
		const base = { authentication: 'certificate', privateKey: certificate.privateKeyPem };
		expect(settingsError(() => buildConnection(fakeCredentialFields({ ...base, privateKey: 'nope' }))).field).toBe('Private Key');
		expect(settingsError(() => buildConnection(fakeCredentialFields({ ...base, thumbprint: 'xyz' }))).field).toBe('Certificate Thumbprint');
		expect(settingsError(() => buildConnection(fakeCredentialFields(base))).field).toBe('Certificate');
		const error = settingsError(() => buildConnection(fakeCredentialFields({ ...base, thumbprint: 'xyz' })));
		expect(error.message).not.toContain('PRIVATE KEY');
	});
});
