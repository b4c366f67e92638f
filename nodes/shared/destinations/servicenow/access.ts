/**
 * The credential test: one sys_user row with `sysparm_limit=1`, and a message that says what to
 * fix (instance, credential, roles, a configured column sys_user does not have).
 */
import { HttpError, NetworkError } from '../../http/errors';
import { DestinationConfigError } from '../common';
import { ServiceNowDestination } from './client';
import { ServiceNowTokenError } from './oauth';
import type { ServiceNowOptions } from './settings';

export async function testServiceNowAccess(options: ServiceNowOptions): Promise<{ ok: boolean; message: string }> {
	let destination: ServiceNowDestination;
	let missingColumns: string[];
	try {
		// A Test button should answer within seconds, not wait out a long throttle.
		destination = new ServiceNowDestination({ ...options, retry: { maxAttempts: 2, maxRetryAfterMs: 10_000, ...options.retry } });
		({ missingColumns } = await destination.checkAccess());
	} catch (error) {
		return { ok: false, message: accessFailure(error, options) };
	}
	if (missingColumns.length > 0) {
		return { ok: false, message: `Connected to ${destination.label}, but sys_user has no column ${missingColumns.map((column) => `"${column}"`).join(' or ')} (or the account may not read it). Check the column names under System Definition > Tables > sys_user.` };
	}
	return { ok: true, message: `Connected to ${destination.label}` };
}

function accessFailure(error: unknown, options: ServiceNowOptions): string {
	if (error instanceof DestinationConfigError || error instanceof ServiceNowTokenError) return error.message;
	if (error instanceof HttpError && error.status === 401) {
		return options.auth?.kind === 'oauth'
			? 'ServiceNow refused the OAuth access token (HTTP 401). Check that the registry entry\'s OAuth Application User (or the password grant\'s account) is active.'
			: "ServiceNow rejected the user name or password (HTTP 401). Check the service account's credentials, and that the account is active and not locked out.";
	}
	if (error instanceof HttpError && error.status === 403) {
		return `The account may not read sys_user (HTTP 403${error.serviceMessage ? `: ${error.serviceMessage}` : ''}). Give the service account the user_admin role, or a role with read and write ACLs on sys_user.`;
	}
	if (error instanceof HttpError && error.status === 404) return 'No ServiceNow Table API at this address (HTTP 404). Check the instance URL or Base URL.';
	if (error instanceof NetworkError) return `${error.message}. Check the instance URL and the n8n host's network.`;
	return error instanceof Error ? error.message : String(error);
}
