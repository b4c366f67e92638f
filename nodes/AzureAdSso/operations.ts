/**
 * The n8n side of each SSO operation: reads parameters and credentials, builds the environment
 * (keys, store in workflow static data, clock), calls the core and shapes the item. Refusals come
 * back as items ({ ok: false, userMessage, adminReason, code }); the item never carries an
 * authorization code, an ID token or an access token, and neither do the log lines.
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import type { RequesterDestination } from '../shared/destinations/types';
import { buildConnection, type AzureAdCredentialFields } from '../shared/graph/connection';
import { AZURE_AD_CREDENTIAL, getGraphClient } from '../shared/n8n/azureAd';
import { buildDestination } from '../shared/n8n/destinations';
import { storeOf } from '../shared/n8n/ssoStore';
import { loadSyncRecords } from '../shared/n8n/syncRecords';
import { syncIdFrom } from '../shared/n8n/syncState';
import type { SsoKey, SsoKeyKind } from '../shared/requester/model';
import { checkRetention } from '../shared/audit/retention';
import { DEFAULT_SSO_AUDIT_RETENTION } from '../shared/sso/audit';
import { checkRedirectUri, type Prompt } from '../shared/sso/authorize';
import { toSsoFailure, type CallerContext, type SsoEnvironment } from '../shared/sso/environment';
import { failureOutcome } from '../shared/sso/failures';
import { deriveSsoKeys } from '../shared/sso/keys';
import { DEFAULT_LOCKOUT, type LockoutSettings } from '../shared/sso/lockout';
import { beginLogin, completeLogin, type CompleteLoginSettings, type LoginSuccess, type RequesterDirectory } from '../shared/sso/login';
import { employeeIdFromGraph, type AllowedRequesters, type LoginCandidate } from '../shared/sso/requesterAccess';
import { listSessions, revokeSession, signOutEverywhere, validateSession, type RequesterRef, type TokenInput } from '../shared/sso/sessionOperations';
import { clearedCookie, DEFAULT_SESSIONS, sessionCookie, type CookieSettings, type SessionSettings } from '../shared/sso/sessions';
import type { Operation } from './description';

type ItemOperation = Exclude<Operation, 'exportAuditLog'>;

const MINUTE = 60_000;
const DEFAULT_COOKIE_NAME = 'portal_session';
const COOKIE_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const COOKIE_DOMAIN = /^\.?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/;

/** Runs one item's operation; every refusal or set-up problem comes back as an `ok: false` item. */
export async function runItemOperation(context: IExecuteFunctions, operation: ItemOperation, itemIndex: number): Promise<IDataObject> {
	let result: { ok: boolean; audit?: unknown };
	try {
		const env = await environmentFor(context, itemIndex);
		result = await OPERATIONS[operation](context, env, itemIndex);
	} catch (error) {
		result = { ...failureOutcome(toSsoFailure(error)), audit: [] };
	}
	logOutcome(context, operation, result as IDataObject);
	return result as unknown as IDataObject;
}

const OPERATIONS: Record<ItemOperation, (context: IExecuteFunctions, env: SsoEnvironment, itemIndex: number) => Promise<{ ok: boolean }>> = {
	startLogin: async (context, env, itemIndex) => {
		const options = context.getNodeParameter('loginOptions', itemIndex, {}) as { prompt?: Prompt | ''; loginHint?: string; domainHint?: string; stateLifetime?: number };
		return await beginLogin(
			env,
			{
				redirectUri: context.getNodeParameter('redirectUri', itemIndex) as string,
				stateLifetimeMs: (options.stateLifetime ?? 10) * MINUTE,
				prompt: options.prompt || undefined,
				loginHint: options.loginHint,
				domainHint: options.domainHint,
			},
			callerOf(context, itemIndex),
		);
	},

	completeLogin: async (context, env, itemIndex) => {
		const afterLogin = checkRedirectUri(context.getNodeParameter('afterLoginRedirectUrl', itemIndex) as string, 'After Login Redirect URL');
		const session = context.getNodeParameter('sessionSettings', itemIndex, {}) as SessionParameters;
		const cookie = cookieOf(context, itemIndex, session.cookieDomain);
		const settings = completeLoginSettings(context, itemIndex, session);
		const result = await completeLogin(
			env,
			{
				code: stringParameter(context, 'code', itemIndex),
				state: stringParameter(context, 'state', itemIndex),
				error: stringParameter(context, 'error', itemIndex),
				errorDescription: stringParameter(context, 'errorDescription', itemIndex),
			},
			callerOf(context, itemIndex),
			settings,
			new NodeRequesterDirectory(context, itemIndex, settings.keyKind),
		);
		return result.ok ? withDelivery(result, afterLogin, session.tokenDelivery ?? 'cookie', cookie) : result;
	},

	validateSession: async (context, env, itemIndex) => await validateSession(env, tokenOf(context, itemIndex)),

	listSessions: async (context, env, itemIndex) => await listSessions(env, requesterRefOf(context, itemIndex)),

	revokeSession: async (context, env, itemIndex) => {
		const result = await revokeSession(
			env,
			{ token: tokenOf(context, itemIndex), sessionId: stringParameter(context, 'sessionId', itemIndex) },
			callerOf(context, itemIndex),
		);
		return result.ok && result.ownSession ? { ...result, clearCookie: clearedCookie(cookieOf(context, itemIndex)) } : result;
	},

	signOutEverywhere: async (context, env, itemIndex) => {
		const result = await signOutEverywhere(env, requesterRefOf(context, itemIndex), callerOf(context, itemIndex));
		return result.ok ? { ...result, clearCookie: clearedCookie(cookieOf(context, itemIndex)) } : result;
	},
};

async function environmentFor(context: IExecuteFunctions, itemIndex: number): Promise<SsoEnvironment> {
	const connection = buildConnection((await context.getCredentials(AZURE_AD_CREDENTIAL, itemIndex)) as AzureAdCredentialFields);
	return {
		connection,
		keys: deriveSsoKeys(connection),
		store: storeOf(context),
		now: () => Date.now(),
		auditRetention: checkRetention(
			{
				maxCount: (context.getNodeParameter('options.auditLogSize', itemIndex, DEFAULT_SSO_AUDIT_RETENTION.maxCount) as number) || DEFAULT_SSO_AUDIT_RETENTION.maxCount,
				maxAgeDays: context.getNodeParameter('options.auditLogDays', itemIndex, DEFAULT_SSO_AUDIT_RETENTION.maxAgeDays) as number,
			},
			{ maxCount: 'Audit Log Size', maxAgeDays: 'Audit Log Days' },
		),
	};
}

interface SessionParameters {
	sessionLifetime?: number;
	maxSessionsPerRequester?: number;
	maxSessions?: number;
	tokenDelivery?: 'cookie' | 'fragment';
	cookieDomain?: string;
}

function completeLoginSettings(context: IExecuteFunctions, itemIndex: number, session: SessionParameters): CompleteLoginSettings {
	const lockout = context.getNodeParameter('lockout', itemIndex, {}) as { maxFailuresPerRequester?: number; maxFailuresPerAddress?: number; windowMinutes?: number; coolDownMinutes?: number };
	const sessions: SessionSettings = {
		lifetimeMs: session.sessionLifetime !== undefined ? session.sessionLifetime * MINUTE : DEFAULT_SESSIONS.lifetimeMs,
		maxPerRequester: session.maxSessionsPerRequester ?? DEFAULT_SESSIONS.maxPerRequester,
		maxTotal: session.maxSessions ?? DEFAULT_SESSIONS.maxTotal,
	};
	const lockoutSettings: LockoutSettings = {
		maxFailuresPerRequester: lockout.maxFailuresPerRequester ?? DEFAULT_LOCKOUT.maxFailuresPerRequester,
		maxFailuresPerAddress: lockout.maxFailuresPerAddress ?? DEFAULT_LOCKOUT.maxFailuresPerAddress,
		windowMs: lockout.windowMinutes !== undefined ? lockout.windowMinutes * MINUTE : DEFAULT_LOCKOUT.windowMs,
		coolDownMs: lockout.coolDownMinutes !== undefined ? lockout.coolDownMinutes * MINUTE : DEFAULT_LOCKOUT.coolDownMs,
	};
	return {
		keyKind: context.getNodeParameter('ssoKey', itemIndex, 'email') as SsoKeyKind,
		allowed: context.getNodeParameter('allowedRequesters', itemIndex, 'syncedActive') as AllowedRequesters,
		lockout: lockoutSettings,
		sessions,
	};
}

/** Requesters of the node's destination, built on first use so a failed build is a refused login, not a crash. */
class NodeRequesterDirectory implements RequesterDirectory {
	label = 'the requester destination';
	readonly links: Readonly<Record<string, string>>;
	private destination: RequesterDestination | undefined;

	constructor(
		private readonly context: IExecuteFunctions,
		private readonly itemIndex: number,
		private readonly keyKind: SsoKeyKind,
	) {
		this.links = loadSyncRecords(context, syncIdFrom(context.getNodeParameter('syncId', itemIndex))).links;
	}

	async find(key: SsoKey): Promise<LoginCandidate | null> {
		this.destination ??= await buildDestination(this.context, this.itemIndex, { keyKind: this.keyKind });
		this.label = this.destination.label;
		return await this.destination.findByKey(key);
	}

	async employeeIdOf(objectId: string): Promise<string | null> {
		return await employeeIdFromGraph(await getGraphClient(this.context, { interactive: true }), objectId);
	}
}

/** Where the browser goes next, carrying the session token as a cookie or in the URL fragment. */
function withDelivery(result: LoginSuccess, afterLogin: string, delivery: 'cookie' | 'fragment', cookie: CookieSettings): IDataObject & { ok: true } {
	const redirectUrl = delivery === 'fragment' ? `${afterLogin}#session_token=${encodeURIComponent(result.sessionToken)}` : afterLogin;
	return {
		...(result as unknown as IDataObject),
		ok: true,
		redirectUrl,
		...(delivery === 'cookie' ? { setCookie: sessionCookie(result.sessionToken, result.expiresInSeconds, cookie) } : {}),
	};
}

function cookieOf(context: IExecuteFunctions, itemIndex: number, domain?: string): CookieSettings {
	const name = ((context.getNodeParameter('options.cookieName', itemIndex, DEFAULT_COOKIE_NAME) as string) || DEFAULT_COOKIE_NAME).trim();
	if (!COOKIE_NAME.test(name)) throw new Error(`Cookie Name "${name}" may only contain letters, digits, - and _`);
	const cookieDomain = domain?.trim();
	if (cookieDomain && !COOKIE_DOMAIN.test(cookieDomain)) throw new Error(`Cookie Domain "${cookieDomain}" is not a domain name`);
	return { name, domain: cookieDomain || undefined };
}

function tokenOf(context: IExecuteFunctions, itemIndex: number): TokenInput {
	return { raw: stringParameter(context, 'sessionToken', itemIndex), cookieName: cookieOf(context, itemIndex).name };
}

function requesterRefOf(context: IExecuteFunctions, itemIndex: number): RequesterRef {
	const from = context.getNodeParameter('requesterFrom', itemIndex, 'sessionToken') as 'sessionToken' | 'requesterKey';
	return from === 'requesterKey' ? { requesterKey: stringParameter(context, 'requesterKey', itemIndex) } : { token: tokenOf(context, itemIndex) };
}

function callerOf(context: IExecuteFunctions, itemIndex: number): CallerContext {
	const address = stringParameter(context, 'clientAddress', itemIndex).split(',')[0].trim().slice(0, 100);
	const agent = stringParameter(context, 'userAgent', itemIndex).trim().slice(0, 512);
	return { clientAddress: address || null, userAgent: agent || null };
}

/** A string parameter; expressions that resolve to nothing give ''. */
function stringParameter(context: IExecuteFunctions, name: string, itemIndex: number): string {
	const value = context.getNodeParameter(name, itemIndex, '') as unknown;
	return typeof value === 'string' ? value : value === null || value === undefined ? '' : String(value);
}

function logOutcome(context: IExecuteFunctions, operation: ItemOperation, result: IDataObject): void {
	if (result.ok === false) {
		context.logger.warn(`Azure AD SSO ${operation} refused (${String(result.code)}): ${String(result.adminReason)}`);
		return;
	}
	const requester = (result.requester as IDataObject | string | undefined) ?? null;
	const who = typeof requester === 'string' ? requester : ((requester?.key as string | undefined) ?? null);
	context.logger.info(`Azure AD SSO ${operation} done${who ? ` for ${who}` : ''}${result.sessionId ? ` (session ${String(result.sessionId)})` : ''}`);
}
