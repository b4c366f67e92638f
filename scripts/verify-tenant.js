#!/usr/bin/env node
/*
 * Runs the Azure AD Verify check against a real tenant from environment variables, using the
 * built pack (dist/). Prints the report as JSON; exits 1 when sign-in fails, 2 when not configured.
 *   AZURE_TENANT_ID, AZURE_CLIENT_ID, and AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH +
 *   AZURE_CLIENT_PRIVATE_KEY_PATH); optional AZURE_CLOUD (global|usGov|usGovDod|china).
 */
const fs = require('node:fs');
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist', 'nodes', 'shared');
const { buildConnection } = require(path.join(dist, 'graph', 'connection.js'));
const { GraphClient } = require(path.join(dist, 'graph', 'client.js'));
const { verifyTenant } = require(path.join(dist, 'graph', 'verify.js'));

function fieldsFromEnvironment(env) {
	if (!env.AZURE_TENANT_ID || !env.AZURE_CLIENT_ID) return undefined;
	const certificate = env.AZURE_CLIENT_CERTIFICATE_PATH;
	return {
		tenantId: env.AZURE_TENANT_ID,
		clientId: env.AZURE_CLIENT_ID,
		cloud: env.AZURE_CLOUD || 'global',
		...(certificate
			? {
					authentication: 'certificate',
					certificate: fs.readFileSync(certificate, 'utf8'),
					privateKey: fs.readFileSync(env.AZURE_CLIENT_PRIVATE_KEY_PATH || certificate, 'utf8'),
				}
			: { authentication: 'clientSecret', clientSecret: env.AZURE_CLIENT_SECRET || '' }),
	};
}

async function main() {
	const fields = fieldsFromEnvironment(process.env);
	if (!fields) {
		process.stderr.write(
			'No Azure tenant configured. Set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET ' +
				'(see README, "Register the app in Azure AD") and run again.\n',
		);
		return 2;
	}
	try {
		const report = await verifyTenant(new GraphClient(buildConnection(fields)));
		process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
		return 0;
	} catch (error) {
		process.stderr.write(`${error.message}\n`);
		return 1;
	}
}

main().then((code) => process.exit(code));
