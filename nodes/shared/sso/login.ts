/**
 * The two halves of a requester's login. Start Login hands out the Microsoft URL; Complete Login
 * checks the callback (state, lockout, code, ID token, requester) and opens a session. Every
 * outcome is a value with its audit records: failures carry a message for the user and a reason
 * for the admin, and count towards lockout when they are invalid attempts.
 */
import type { SsoKey, SsoKeyKind } from '../requester/model';
import { appendAudit, auditRecord, type AuditRecord } from './audit';
import { startLogin, type StartLoginOptions } from './authorize';
import { deviceLabel } from './device';
import { toSsoFailure, type CallerContext, type SsoEnvironment } from './environment';
import { failureOutcome, oneLine, SsoFailure, type FailureOutcome } from './failures';
import { explainAadsts, findAadstsCode } from '../graph/aadsts';
import { validateIdToken } from './idToken';
import { activeLockout, clearFailures, minutesUntil, recordFailure, subjectsFor, type LockoutSettings, type Subject } from './lockout';
import { openLoginState, type LoginState } from './loginState';
import { redeemAuthorizationCode } from './redeem';
import { checkRequester, ssoKeyOf, type AllowedRequesters, type LoginCandidate } from './requesterAccess';
import { addSession, newSessionSecret, sessionIdOf, signSessionToken, type SessionSettings } from './sessions';
import { consumeState, type SsoStoreData } from './store';

export interface StartLoginSuccess {
	ok: true;
	redirectUrl: string;
	state: string;
	expiresAt: string;
	audit: AuditRecord[];
}

export async function beginLogin(env: SsoEnvironment, options: StartLoginOptions, caller: CallerContext): Promise<StartLoginSuccess> {
	const now = env.now();
	const started = await startLogin(env.connection, env.keys, options, now);
	// Nothing of the login is stored here: the sealed state carries it to the callback.
	const record = auditRecord('loginStarted', now, caller, { reason: `state ${started.stateId}` });
	env.store.update((data) => appendAudit(data, [record], env.auditRetention, now));
	return { ok: true, redirectUrl: started.redirectUrl, state: started.state, expiresAt: new Date(started.expiresAt).toISOString(), audit: [record] };
}

/** The callback's query parameters, as Microsoft sent them. */
export interface CallbackInput {
	code?: string;
	state?: string;
	error?: string;
	errorDescription?: string;
}

/** Where requesters are looked up; built by the caller (the n8n node) from its destination. */
export interface RequesterDirectory {
	label: string;
	find(key: SsoKey): Promise<LoginCandidate | null>;
	/** The sync's links (Azure object id → destination id) visible to this workflow. */
	links: Readonly<Record<string, string>>;
	employeeIdOf(objectId: string): Promise<string | null>;
}

export interface CompleteLoginSettings {
	keyKind: SsoKeyKind;
	allowed: AllowedRequesters;
	lockout: LockoutSettings;
	sessions: SessionSettings;
}

export interface LoggedInRequester {
	id: string;
	key: string;
	keyKind: SsoKeyKind;
	azureObjectId: string;
	displayName: string | null;
	email: string | null;
}

export interface LoginSuccess {
	ok: true;
	sessionId: string;
	sessionToken: string;
	expiresAt: string;
	expiresInSeconds: number;
	requester: LoggedInRequester;
	device: string;
	audit: AuditRecord[];
}

export type LoginFailed = FailureOutcome & { audit: AuditRecord[] };

export async function completeLogin(
	env: SsoEnvironment,
	input: CallbackInput,
	caller: CallerContext,
	settings: CompleteLoginSettings,
	directory: RequesterDirectory,
): Promise<LoginSuccess | LoginFailed> {
	const now = env.now();
	const attempt: { requesterKey: string | null } = { requesterKey: null };
	try {
		return await runLogin(env, input, caller, settings, directory, now, attempt);
	} catch (error) {
		return recordLoginFailure(env, toSsoFailure(error), caller, settings.lockout, now, attempt.requesterKey);
	}
}

async function runLogin(
	env: SsoEnvironment,
	input: CallbackInput,
	caller: CallerContext,
	settings: CompleteLoginSettings,
	directory: RequesterDirectory,
	now: number,
	attempt: { requesterKey: string | null },
): Promise<LoginSuccess> {
	refuseWhileLocked(env.store.read(), subjectsFor({ clientAddress: caller.clientAddress }), now);
	const state = await readState(env, input.state, now);
	if (input.error?.trim()) {
		if (!(state instanceof SsoFailure)) consumeOnce(env, state, now, { ignoreReuse: true });
		throw providerFailure(input.error, input.errorDescription);
	}
	if (state instanceof SsoFailure) throw state;
	consumeOnce(env, state, now);
	if (!input.code?.trim()) throw new SsoFailure('codeMissing', 'The callback has a valid state but no code parameter');

	const idToken = await redeemAuthorizationCode(env.connection, {
		code: input.code.trim(),
		codeVerifier: state.codeVerifier,
		redirectUri: state.redirectUri,
		nonce: state.nonce,
	});
	const identity = await validateIdToken(idToken, { connection: env.connection, nonce: state.nonce, now });
	const key = await ssoKeyOf(identity, settings.keyKind, directory.employeeIdOf);
	attempt.requesterKey = key.value;
	refuseWhileLocked(env.store.read(), subjectsFor({ requesterKey: key.value }), now);
	const record = checkRequester(await directory.find(key), { key, objectId: identity.objectId, links: directory.links, allowed: settings.allowed, destinationLabel: directory.label });

	const sessionSecret = newSessionSecret();
	const sessionId = sessionIdOf(sessionSecret);
	const expiresAt = now + settings.sessions.lifetimeMs;
	const sessionToken = await signSessionToken(sessionSecret, expiresAt, env.keys.session, env.connection.clientId, now);
	const device = deviceLabel(caller.userAgent);
	const requester: LoggedInRequester = {
		id: record.id,
		key: key.value,
		keyKind: key.kind,
		azureObjectId: identity.objectId,
		displayName: record.fields.fullName ?? identity.name,
		email: record.fields.email ?? identity.email,
	};
	const audit = env.store.update((data) => {
		clearFailures(data, `requester:${key.value}`);
		const evicted = addSession(
			data,
			sessionId,
			{
				requesterKey: key.value,
				keyKind: key.kind,
				requesterId: record.id,
				azureObjectId: identity.objectId,
				displayName: requester.displayName,
				email: requester.email,
				createdAt: new Date(now).toISOString(),
				expiresAt: new Date(expiresAt).toISOString(),
				lastSeenAt: new Date(now).toISOString(),
				device,
				clientAddress: caller.clientAddress,
				userAgent: caller.userAgent,
			},
			now,
			settings.sessions,
		);
		const records = [
			auditRecord('loginSucceeded', now, caller, { requester: key.value, requesterId: record.id, sessionId, reason: device }),
			...evicted.map((id) =>
				auditRecord('sessionRevoked', now, caller, { requester: key.value, sessionId: id, code: 'sessionLimit', reason: 'Oldest session ended to stay within the session limit' }),
			),
		];
		appendAudit(data, records, env.auditRetention, now);
		return records;
	});
	return {
		ok: true,
		sessionId,
		sessionToken,
		expiresAt: new Date(expiresAt).toISOString(),
		expiresInSeconds: Math.floor(settings.sessions.lifetimeMs / 1000),
		requester,
		device,
		audit,
	};
}

/** The opened state, or the failure to report (after a provider error, if there is one). */
async function readState(env: SsoEnvironment, sealed: string | undefined, now: number): Promise<LoginState | SsoFailure> {
	if (!sealed?.trim()) return new SsoFailure('stateMissing', 'The callback has no state parameter (not started by Start Login, or the URL was cut)');
	try {
		return await openLoginState(sealed.trim(), env.keys.state, env.connection.clientId, now);
	} catch (error) {
		return toSsoFailure(error);
	}
}

function consumeOnce(env: SsoEnvironment, state: LoginState, now: number, options: { ignoreReuse?: boolean } = {}): void {
	const fresh = env.store.update((data) => consumeState(data, state.id, state.expiresAt, now));
	if (!fresh && !options.ignoreReuse) {
		throw new SsoFailure('stateReused', `Login state ${state.id} was already used: the callback URL was opened twice (browser back button, or a replay)`);
	}
}

function refuseWhileLocked(data: SsoStoreData, subjects: Subject[], now: number): void {
	const lockout = activeLockout(data, subjects, now);
	if (!lockout) return;
	const minutes = minutesUntil(lockout.until, now);
	throw new SsoFailure(
		'lockedOut',
		`${describeSubject(lockout.subject)} is locked out until ${new Date(lockout.until).toISOString()} after too many failed sign-ins`,
		`Too many failed sign-in attempts. Please try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
	);
}

/** An error Microsoft sent to the callback instead of a code. */
function providerFailure(error: string, description: string | undefined): SsoFailure {
	const said = oneLine(`${error.trim()}${description?.trim() ? `: ${description}` : ''}`);
	const aadsts = findAadstsCode(description);
	const problem = explainAadsts(aadsts);
	const reason = `Microsoft answered the login with ${said}${problem ? ` (${problem.advice})` : ''}`;
	if (problem?.reason === 'consentDeclined') return new SsoFailure('consentDeclined', reason);
	if (problem?.reason === 'consentMissing' || error.trim() === 'consent_required') return new SsoFailure('consentMissing', reason);
	if (error.trim() === 'access_denied' && !aadsts) return new SsoFailure('cancelled', reason);
	if (error.trim() === 'temporarily_unavailable' || error.trim() === 'server_error') return new SsoFailure('serviceUnavailable', reason);
	return new SsoFailure('signInRefused', reason);
}

function recordLoginFailure(env: SsoEnvironment, failure: SsoFailure, caller: CallerContext, lockout: LockoutSettings, now: number, requesterKey: string | null): LoginFailed {
	const audit = env.store.update((data) => {
		const records = [auditRecord('loginFailed', now, caller, { requester: requesterKey, code: failure.code, reason: failure.adminReason })];
		if (failure.countsAsAttempt) {
			for (const locked of recordFailure(data, subjectsFor({ requesterKey, clientAddress: caller.clientAddress }), now, lockout)) {
				records.push(
					auditRecord('lockedOut', now, caller, {
						requester: requesterKey,
						code: 'lockedOut',
						reason: `${describeSubject(locked.subject)} locked out until ${new Date(locked.until).toISOString()} after too many failed sign-ins`,
					}),
				);
			}
		}
		appendAudit(data, records, env.auditRetention, now);
		return records;
	});
	return { ...failureOutcome(failure), audit };
}

function describeSubject(subject: Subject): string {
	return subject.startsWith('requester:') ? `Requester "${subject.slice('requester:'.length)}"` : `Client address ${subject.slice('address:'.length)}`;
}
