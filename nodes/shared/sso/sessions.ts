/**
 * Portal sessions: a signed token (JWT, HS256 with a key derived from the Azure AD credential)
 * that names a session kept in the store. The signature proves we issued it; the store says it
 * is still open, so revoking works. One requester may have several sessions (one per device),
 * capped per requester and in total; expired ones are pruned whenever a session is created.
 */
import { createHash, randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from '../vendor';
import { SsoFailure } from './failures';
import type { SessionRecord, SsoStoreData } from './store';

export interface SessionSettings {
	lifetimeMs: number;
	maxPerRequester: number;
	maxTotal: number;
}

export const DEFAULT_SESSIONS: SessionSettings = { lifetimeMs: 8 * 3_600_000, maxPerRequester: 10, maxTotal: 5000 };

const ISSUER = 'n8n-nodes-azure-ad-sync/sso';
/** lastSeenAt is refreshed at most this often, so validating a session rarely writes static data. */
const LAST_SEEN_RESOLUTION_MS = 5 * 60_000;

/** A session as shown to its owner or an admin: no token, nothing secret. */
export interface SessionView {
	sessionId: string;
	device: string;
	createdAt: string;
	lastSeenAt: string;
	expiresAt: string;
	clientAddress: string | null;
}

export function sessionView(sessionId: string, session: SessionRecord): SessionView {
	const { device, createdAt, lastSeenAt, expiresAt, clientAddress } = session;
	return { sessionId, device, createdAt, lastSeenAt, expiresAt, clientAddress };
}

/** The secret a session token carries (its `sid`); it is never stored. */
export function newSessionSecret(): string {
	return randomBytes(16).toString('base64url');
}

/**
 * The session's ID: SHA-256 of the token's secret. Sessions are stored, listed, audited and
 * revoked by this ID, so a copy of n8n's database (workflow static data) holds nothing a token can
 * be made from or matched against; only the token's holder can present the secret behind it.
 */
export function sessionIdOf(secret: string): string {
	return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

const SESSION_ID_LENGTH = 43;

/**
 * Adds a session; returns the ids of sessions pushed out to respect the caps (the requester's
 * oldest first, then the oldest overall), so they can be audited as ended.
 */
export function addSession(data: SsoStoreData, sessionId: string, session: SessionRecord, now: number, settings: SessionSettings): string[] {
	pruneSessions(data, now);
	const evicted: string[] = [];
	const evict = (ids: string[], keep: number) => {
		const oldest = ids.sort((a, b) => data.sessions[a].createdAt.localeCompare(data.sessions[b].createdAt)).slice(0, Math.max(0, ids.length - keep));
		for (const id of oldest) {
			delete data.sessions[id];
			evicted.push(id);
		}
	};
	evict(sessionIdsOf(data, session.requesterKey), settings.maxPerRequester - 1);
	evict(Object.keys(data.sessions), settings.maxTotal - 1);
	data.sessions[sessionId] = session;
	return evicted;
}

/**
 * Drops expired sessions, and sessions a version before hashed IDs stored under their clear secret
 * (22 characters, not a 43-character hash): those are ended at upgrade, so their holders sign in
 * again, rather than keeping usable secrets in the database until they expire.
 */
export function pruneSessions(data: SsoStoreData, now: number): void {
	for (const [id, session] of Object.entries(data.sessions)) {
		if (Date.parse(session.expiresAt) <= now || id.length !== SESSION_ID_LENGTH) delete data.sessions[id];
	}
}

export function sessionIdsOf(data: SsoStoreData, requesterKey: string): string[] {
	return Object.keys(data.sessions).filter((id) => data.sessions[id].requesterKey === requesterKey);
}

/** The open session, or the reason there is none. */
export function openSession(data: SsoStoreData, sessionId: string, now: number): SessionRecord {
	const session = Object.prototype.hasOwnProperty.call(data.sessions, sessionId) ? data.sessions[sessionId] : undefined;
	if (!session) throw new SsoFailure('sessionNotFound', `Session ${sessionId} is not open: it was revoked, signed out everywhere, pushed out by the session limit, or issued by another workflow`);
	if (Date.parse(session.expiresAt) <= now) throw new SsoFailure('sessionExpired', `Session ${sessionId} expired at ${session.expiresAt}`);
	return session;
}

/** Whether lastSeenAt is stale enough to be worth a static-data write. */
export function needsTouch(session: SessionRecord, now: number): boolean {
	return now - Date.parse(session.lastSeenAt) >= LAST_SEEN_RESOLUTION_MS;
}

export async function signSessionToken(sessionId: string, expiresAt: number, key: Uint8Array, audience: string, now: number): Promise<string> {
	return await new SignJWT({ sid: sessionId })
		.setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
		.setIssuer(ISSUER)
		.setAudience(audience)
		.setIssuedAt(Math.floor(now / 1000))
		.setExpirationTime(Math.floor(expiresAt / 1000))
		.sign(key);
}

/** The session id a token names, once its signature and expiry check out. */
export async function verifySessionToken(token: string, key: Uint8Array, audience: string, now: number): Promise<string> {
	try {
		const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], issuer: ISSUER, audience, currentDate: new Date(now) });
		if (typeof payload.sid === 'string' && payload.sid !== '') return payload.sid;
	} catch (error) {
		if ((error as { code?: string }).code === 'ERR_JWT_EXPIRED') throw new SsoFailure('sessionExpired', 'The session token has expired');
	}
	throw new SsoFailure('sessionInvalid', 'The session token was not issued by this SSO node with this Azure AD credential (malformed, altered, or signed with a rotated client secret)');
}

/**
 * The token out of what a portal passes on: the token itself, an `Authorization: Bearer` value,
 * or a Cookie header holding it under `cookieName`.
 */
export function extractSessionToken(raw: string | null | undefined, cookieName: string): string | null {
	const text = (raw ?? '').trim();
	if (text === '') return null;
	const bearer = /^Bearer\s+(\S+)$/i.exec(text);
	if (bearer) return bearer[1];
	// JWTs are base64url and dots: an "=" means a Cookie header.
	if (!text.includes('=')) return text;
	for (const part of text.split(';')) {
		const [name, ...value] = part.trim().split('=');
		if (name === cookieName) return value.join('=').trim() || null;
	}
	return null;
}

export interface CookieSettings {
	name: string;
	domain?: string;
}

/** A Set-Cookie value carrying the session token (HttpOnly, Secure, SameSite=Lax). */
export function sessionCookie(token: string, maxAgeSeconds: number, cookie: CookieSettings): string {
	return [`${cookie.name}=${token}`, 'Path=/', `Max-Age=${maxAgeSeconds}`, ...(cookie.domain ? [`Domain=${cookie.domain}`] : []), 'HttpOnly', 'Secure', 'SameSite=Lax'].join('; ');
}

/** A Set-Cookie value that removes the session cookie. */
export function clearedCookie(cookie: CookieSettings): string {
	return [`${cookie.name}=`, 'Path=/', 'Max-Age=0', ...(cookie.domain ? [`Domain=${cookie.domain}`] : []), 'HttpOnly', 'Secure', 'SameSite=Lax'].join('; ');
}
