/** Throwaway self-signed certificates made at test time (never committed), via the openssl CLI. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificate {
	privateKeyPem: string;
	certificatePem: string;
}

export function makeSelfSignedCertificate(commonName = 'fake-test-app.invalid'): TestCertificate {
	const dir = mkdtempSync(join(tmpdir(), 'aad-sync-cert-'));
	try {
		execFileSync('openssl', [
			'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
			'-subj', `/CN=${commonName}`,
			'-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
		], { stdio: 'pipe' });
		return {
			privateKeyPem: readFileSync(join(dir, 'key.pem'), 'utf8'),
			certificatePem: readFileSync(join(dir, 'cert.pem'), 'utf8'),
		};
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}
