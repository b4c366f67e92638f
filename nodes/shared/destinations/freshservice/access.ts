/** The Freshservice connection check behind the credential's Test button. */
import { HttpError } from '../../http/errors';
import { FreshserviceDestination, type FreshserviceOptions } from './client';

/** Proves a Freshservice connection with one small read; the message says what to fix. */
export async function testFreshserviceAccess(options: FreshserviceOptions): Promise<{ ok: boolean; message: string }> {
	let destination: FreshserviceDestination;
	try {
		// A Test button should answer within seconds, not wait out a long throttle.
		destination = new FreshserviceDestination({ ...options, retry: { maxAttempts: 2, maxRetryAfterMs: 10_000, ...options.retry } });
		await destination.checkAccess();
	} catch (error) {
		return { ok: false, message: accessFailure(error) };
	}
	return { ok: true, message: `Connected to ${destination.label}` };
}

function accessFailure(error: unknown): string {
	if (error instanceof HttpError && error.status === 401) return 'Freshservice rejected the API key (HTTP 401). Copy it again from Profile Settings > API Key.';
	if (error instanceof HttpError && error.status === 403) return "The API key's agent may not view requesters (HTTP 403). Use the key of an agent with the Manage Requesters permission.";
	if (error instanceof HttpError && error.status === 404) return 'No Freshservice API at this address (HTTP 404). Check the domain or Base URL.';
	return error instanceof Error ? error.message : String(error);
}
