/** What every SSO operation works with, and how foreign errors become SSO failures. */
import type { AzureAdConnection } from '../graph/connection';
import { AzureSignInError, GraphError } from '../graph/errors';
import { describeError } from '../errorSummary';
import { HttpError, NetworkError } from '../http/errors';
import type { AuditRetention } from '../audit/retention';
import type { AuditContext } from './audit';
import { SsoFailure } from './failures';
import type { SsoKeys } from './keys';
import type { SsoStoreAccess } from './storeAccess';

export interface SsoEnvironment {
	connection: AzureAdConnection;
	keys: SsoKeys;
	store: SsoStoreAccess;
	/** Milliseconds since the epoch; injected so lockouts and expiry can be tested. */
	now: () => number;
	/** How many audit records the store keeps, and for how long. */
	auditRetention: AuditRetention;
}

/** Who is calling, for the audit log and per-address lockout. */
export type CallerContext = AuditContext;

/**
 * Outages (network, 5xx, throttling) ask the user to retry; everything else the destination or
 * Graph refuses is a set-up problem for the admin. Either way the admin gets the precise words.
 */
export function toSsoFailure(error: unknown): SsoFailure {
	if (error instanceof SsoFailure) return error;
	const { message } = describeError(error);
	if (error instanceof NetworkError) return new SsoFailure('serviceUnavailable', message);
	if (error instanceof HttpError || error instanceof GraphError) {
		return new SsoFailure(error.status >= 500 || error.status === 429 ? 'serviceUnavailable' : 'configurationError', message);
	}
	if (error instanceof AzureSignInError) return new SsoFailure(error.reason === 'signInUnreachable' ? 'serviceUnavailable' : 'configurationError', message);
	return new SsoFailure('configurationError', message);
}
