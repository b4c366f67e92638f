/**
 * What portal back ends do with sessions: validate one, list a requester's devices, revoke one,
 * or sign a requester out everywhere. A requester is named by one of their session tokens (the
 * portal acting for its user) or by SSO key (an admin workflow, e.g. when a ticket disables a user).
 */
import { normaliseKey } from '../requester/model';
import { appendAudit, auditRecord, type AuditRecord } from './audit';
import type { CallerContext, SsoEnvironment } from './environment';
import { failureOutcome, SsoFailure, type FailureOutcome } from './failures';
import { extractSessionToken, needsTouch, openSession, sessionIdOf, sessionIdsOf, sessionView, verifySessionToken, type SessionView } from './sessions';
import type { SessionRecord } from './store';

export type SessionFailure = FailureOutcome & { audit: AuditRecord[] };

export interface SessionRequester {
	id: string;
	key: string;
	keyKind: string;
	azureObjectId: string;
	displayName: string | null;
	email: string | null;
}

export interface ValidSession {
	ok: true;
	valid: true;
	sessionId: string;
	requester: SessionRequester;
	device: string;
	createdAt: string;
	lastSeenAt: string;
	expiresAt: string;
}

/** A token as the portal passed it: the token, `Bearer <token>`, or a Cookie header. */
export interface TokenInput {
	raw: string | null | undefined;
	cookieName: string;
}

export type RequesterRef = { token: TokenInput } | { requesterKey: string };

export async function validateSession(env: SsoEnvironment, token: TokenInput): Promise<ValidSession | SessionFailure> {
	return await guarded(async () => {
		const now = env.now();
		const { sessionId, session } = await sessionOfToken(env, token, now);
		let lastSeenAt = session.lastSeenAt;
		if (needsTouch(session, now)) {
			lastSeenAt = new Date(now).toISOString();
			env.store.update((data) => {
				const current = data.sessions[sessionId];
				if (current) current.lastSeenAt = lastSeenAt;
			});
		}
		return {
			ok: true,
			valid: true,
			sessionId,
			requester: requesterOf(session),
			device: session.device,
			createdAt: session.createdAt,
			lastSeenAt,
			expiresAt: session.expiresAt,
		};
	});
}

export interface SessionList {
	ok: true;
	requester: string;
	sessions: Array<SessionView & { current: boolean }>;
}

export async function listSessions(env: SsoEnvironment, who: RequesterRef): Promise<SessionList | SessionFailure> {
	return await guarded(async () => {
		const now = env.now();
		const { requesterKey, currentSessionId } = await resolveRequester(env, who, now);
		const data = env.store.read();
		const sessions = sessionIdsOf(data, requesterKey)
			.filter((id) => Date.parse(data.sessions[id].expiresAt) > now)
			.map((id) => ({ ...sessionView(id, data.sessions[id]), current: id === currentSessionId }))
			.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
		return { ok: true, requester: requesterKey, sessions };
	});
}

export interface RevokedSession {
	ok: true;
	sessionId: string;
	requester: string;
	/** Whether the revoked session is the token's own (this device signed out: clear its cookie). */
	ownSession: boolean;
	audit: AuditRecord[];
}

/**
 * Revokes the session of `token` (signing out this device), or `sessionId`: when a token is given
 * too, the session must be its requester's (a user ending one of their other devices); without a
 * token it is an admin action, so protect that webhook.
 */
export async function revokeSession(env: SsoEnvironment, target: { token?: TokenInput; sessionId?: string }, caller: CallerContext): Promise<RevokedSession | SessionFailure> {
	return await guarded(async () => {
		const now = env.now();
		const own = target.token?.raw?.trim() ? await sessionOfToken(env, target.token, now) : undefined;
		const sessionId = target.sessionId?.trim() || own?.sessionId;
		if (!sessionId) throw new SsoFailure('sessionMissing', 'Give a session token or a session ID to revoke');
		const session = env.store.read().sessions[sessionId];
		if (!session) throw new SsoFailure('sessionNotFound', `Session ${sessionId} is not open (already revoked or expired)`);
		if (own && own.session.requesterKey !== session.requesterKey) {
			throw new SsoFailure('notSessionOwner', `Session ${sessionId} belongs to another requester than the session token's`);
		}
		const record = auditRecord('sessionRevoked', now, caller, { requester: session.requesterKey, requesterId: session.requesterId, sessionId, code: 'revoked' });
		env.store.update((data) => {
			delete data.sessions[sessionId];
			appendAudit(data, [record], env.auditRetention, now);
		});
		return { ok: true, sessionId, requester: session.requesterKey, ownSession: own?.sessionId === sessionId, audit: [record] };
	});
}

export interface SignedOutEverywhere {
	ok: true;
	requester: string;
	revokedSessions: number;
	audit: AuditRecord[];
}

export async function signOutEverywhere(env: SsoEnvironment, who: RequesterRef, caller: CallerContext): Promise<SignedOutEverywhere | SessionFailure> {
	return await guarded(async () => {
		const now = env.now();
		const { requesterKey, currentSessionId } = await resolveRequester(env, who, now);
		return env.store.update((data) => {
			const ids = sessionIdsOf(data, requesterKey);
			const requesterId = ids.length > 0 ? data.sessions[ids[0]].requesterId : null;
			for (const id of ids) delete data.sessions[id];
			const record = auditRecord('signedOutEverywhere', now, caller, {
				requester: requesterKey,
				requesterId,
				sessionId: currentSessionId,
				code: 'signedOutEverywhere',
				reason: `${ids.length} session${ids.length === 1 ? '' : 's'} ended`,
			});
			appendAudit(data, [record], env.auditRetention, now);
			return { ok: true as const, requester: requesterKey, revokedSessions: ids.length, audit: [record] };
		});
	});
}

async function sessionOfToken(env: SsoEnvironment, input: TokenInput, now: number): Promise<{ sessionId: string; session: SessionRecord }> {
	const token = extractSessionToken(input.raw, input.cookieName);
	if (!token) throw new SsoFailure('sessionMissing', `No session token was given (nor a "${input.cookieName}" cookie)`);
	const sessionId = sessionIdOf(await verifySessionToken(token, env.keys.session, env.connection.clientId, now));
	return { sessionId, session: openSession(env.store.read(), sessionId, now) };
}

async function resolveRequester(env: SsoEnvironment, who: RequesterRef, now: number): Promise<{ requesterKey: string; currentSessionId: string | null }> {
	if ('requesterKey' in who) {
		const requesterKey = normaliseKey(who.requesterKey ?? '');
		if (requesterKey === '') throw new SsoFailure('sessionMissing', 'Requester Key is empty');
		return { requesterKey, currentSessionId: null };
	}
	const { sessionId, session } = await sessionOfToken(env, who.token, now);
	return { requesterKey: session.requesterKey, currentSessionId: sessionId };
}

function requesterOf(session: SessionRecord): SessionRequester {
	return {
		id: session.requesterId,
		key: session.requesterKey,
		keyKind: session.keyKind,
		azureObjectId: session.azureObjectId,
		displayName: session.displayName,
		email: session.email,
	};
}

async function guarded<T>(work: () => Promise<T>): Promise<T | SessionFailure> {
	try {
		return await work();
	} catch (error) {
		if (error instanceof SsoFailure) return { ...failureOutcome(error), audit: [] };
		throw error;
	}
}
