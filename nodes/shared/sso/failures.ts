/**
 * Every way a login or a session check can fail: a short message for the person signing in, a
 * precise reason for the admin, and whether it counts as an invalid attempt towards lockout.
 * User messages are fixed sentences (they never echo request input, so they are safe in an HTML
 * page); neither message ever carries a token or an authorization code.
 */
export type FailureCode =
	| 'cancelled'
	| 'consentDeclined'
	| 'consentMissing'
	| 'signInRefused'
	| 'stateMissing'
	| 'stateInvalid'
	| 'stateExpired'
	| 'stateReused'
	| 'codeMissing'
	| 'codeRedemptionFailed'
	| 'idTokenInvalid'
	| 'wrongTenant'
	| 'claimMissing'
	| 'requesterUnknown'
	| 'requesterNotSynced'
	| 'requesterInactive'
	| 'loginNotAllowed'
	| 'lockedOut'
	| 'sessionMissing'
	| 'sessionInvalid'
	| 'sessionExpired'
	| 'sessionNotFound'
	| 'notSessionOwner'
	| 'serviceUnavailable'
	| 'configurationError';

interface FailureSpec {
	userMessage: string;
	/** Whether the failure counts towards lockout; cancelling or our own set-up problems never do. */
	countsAsAttempt: boolean;
}

const START_AGAIN = 'Please start again from the portal.';
const CONTACT_IT = 'Please contact your IT support.';
const SESSION_ENDED = 'Your session has ended. Please sign in again.';

export const FAILURES: Record<FailureCode, FailureSpec> = {
	cancelled: { userMessage: 'Sign-in was cancelled. You can close this page or start again from the portal.', countsAsAttempt: false },
	consentDeclined: { userMessage: 'You declined the permissions the portal asks for, so sign-in cannot continue.', countsAsAttempt: false },
	consentMissing: { userMessage: `Sign-in to the portal is not fully set up yet. ${CONTACT_IT}`, countsAsAttempt: false },
	signInRefused: { userMessage: `Microsoft refused the sign-in for your account. ${CONTACT_IT}`, countsAsAttempt: false },
	stateMissing: { userMessage: `This sign-in link is not valid. ${START_AGAIN}`, countsAsAttempt: true },
	stateInvalid: { userMessage: `This sign-in link is not valid. ${START_AGAIN}`, countsAsAttempt: true },
	stateExpired: { userMessage: `The sign-in took too long and has expired. ${START_AGAIN}`, countsAsAttempt: true },
	stateReused: { userMessage: `This sign-in link was already used. ${START_AGAIN}`, countsAsAttempt: true },
	codeMissing: { userMessage: `This sign-in link is not valid. ${START_AGAIN}`, countsAsAttempt: true },
	codeRedemptionFailed: { userMessage: `Sign-in could not be completed. ${START_AGAIN}`, countsAsAttempt: true },
	idTokenInvalid: { userMessage: `Sign-in could not be verified. ${START_AGAIN}`, countsAsAttempt: true },
	wrongTenant: { userMessage: 'This account belongs to another organisation. Sign in with your work account.', countsAsAttempt: true },
	claimMissing: { userMessage: `Your account cannot be matched to a portal account. ${CONTACT_IT}`, countsAsAttempt: false },
	requesterUnknown: { userMessage: `Your account is not set up for the portal. ${CONTACT_IT}`, countsAsAttempt: true },
	requesterNotSynced: { userMessage: `Your account is not set up for the portal. ${CONTACT_IT}`, countsAsAttempt: true },
	requesterInactive: { userMessage: `Your portal account is deactivated. ${CONTACT_IT}`, countsAsAttempt: true },
	loginNotAllowed: { userMessage: `Your account is not allowed to sign in to the portal. ${CONTACT_IT}`, countsAsAttempt: true },
	lockedOut: { userMessage: 'Too many failed sign-in attempts. Please wait a few minutes and try again.', countsAsAttempt: false },
	sessionMissing: { userMessage: 'Please sign in.', countsAsAttempt: false },
	sessionInvalid: { userMessage: SESSION_ENDED, countsAsAttempt: false },
	sessionExpired: { userMessage: SESSION_ENDED, countsAsAttempt: false },
	sessionNotFound: { userMessage: SESSION_ENDED, countsAsAttempt: false },
	notSessionOwner: { userMessage: 'That session does not belong to you.', countsAsAttempt: false },
	serviceUnavailable: { userMessage: 'Sign-in is temporarily unavailable. Please try again in a few minutes.', countsAsAttempt: false },
	configurationError: { userMessage: `Sign-in is temporarily unavailable. ${CONTACT_IT}`, countsAsAttempt: false },
};

/** A refused login or session check; `message` is the admin's reason. */
export class SsoFailure extends Error {
	readonly code: FailureCode;
	readonly adminReason: string;
	readonly userMessage: string;

	constructor(code: FailureCode, adminReason: string, userMessage?: string) {
		super(adminReason);
		this.name = 'SsoFailure';
		this.code = code;
		this.adminReason = adminReason;
		this.userMessage = userMessage ?? FAILURES[code].userMessage;
	}

	get countsAsAttempt(): boolean {
		return FAILURES[this.code].countsAsAttempt;
	}
}

export interface FailureOutcome {
	ok: false;
	code: FailureCode;
	userMessage: string;
	adminReason: string;
}

export function failureOutcome(failure: SsoFailure): FailureOutcome {
	return { ok: false, code: failure.code, userMessage: failure.userMessage, adminReason: failure.adminReason };
}

/** Text from outside (a query parameter) made fit for a one-line admin reason. */
export function oneLine(text: string, maxLength = 200): string {
	const line = text.replace(/[\r\n\t]+/g, ' ').replace(/Trace ID:.*$/i, '').trim();
	return line.length > maxLength ? `${line.slice(0, maxLength - 1)}…` : line;
}
