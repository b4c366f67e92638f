/**
 * Drives the SSO core the way the node does, with an injected clock, an in-memory requester
 * destination and a plain object standing in for workflow static data.
 */
import { buildConnection } from '../../../nodes/shared/graph/connection';
import type { CallerContext, SsoEnvironment } from '../../../nodes/shared/sso/environment';
import { deriveSsoKeys } from '../../../nodes/shared/sso/keys';
import { DEFAULT_LOCKOUT } from '../../../nodes/shared/sso/lockout';
import { beginLogin, completeLogin, type CallbackInput, type CompleteLoginSettings, type LoginFailed, type LoginSuccess, type RequesterDirectory } from '../../../nodes/shared/sso/login';
import { DEFAULT_SESSIONS } from '../../../nodes/shared/sso/sessions';
import { SSO_STORE_KEY, type SsoStoreData } from '../../../nodes/shared/sso/store';
import { ssoStoreAccess } from '../../../nodes/shared/sso/storeAccess';
import type { DestinationRecord } from '../../../nodes/shared/destinations/types';
import { fakeCredentialFields } from '../../support/fakeTenant';
import { MemoryDestination } from '../../support/memoryDestination';
import { authorizationParameters, CALLBACK_URL, nockCodeRedemption, signIdToken, USER_EMAIL, USER_OID, type IdTokenOptions } from './identityPlatform';

export const MINUTE = 60_000;
export const START = Date.parse('2026-11-26T09:00:00Z');
export const BROWSER: CallerContext = {
	clientAddress: '198.51.100.7',
	userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
};
export const PHONE: CallerContext = {
	clientAddress: '203.0.113.50',
	userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
};

let scopeSerial = 0;

export class LoginHarness {
	clock = START;
	/** Stands in for the workflow's global static data. */
	readonly staticData: Record<string, unknown> = {};
	readonly destination = new MemoryDestination();
	links: Record<string, string> = {};
	settings: CompleteLoginSettings = { keyKind: 'email', allowed: 'syncedActive', lockout: { ...DEFAULT_LOCKOUT }, sessions: { ...DEFAULT_SESSIONS } };
	readonly connection = buildConnection(fakeCredentialFields());
	readonly env: SsoEnvironment;
	/** The synced requester: stores the user's Azure object id, active. */
	readonly jane: DestinationRecord;

	constructor() {
		const scope = `test-workflow-${++scopeSerial}`;
		this.env = {
			connection: this.connection,
			keys: deriveSsoKeys(this.connection),
			store: ssoStoreAccess(scope, {
				load: () => this.staticData[SSO_STORE_KEY],
				save: (data) => {
					this.staticData[SSO_STORE_KEY] = data;
				},
			}),
			now: () => this.clock,
			auditRetention: { maxCount: 1000, maxAgeDays: 90 },
		};
		this.jane = this.destination.seed({ fullName: 'Jane Doe', email: USER_EMAIL });
		this.jane.azureObjectId = USER_OID;
	}

	get store(): SsoStoreData {
		return this.env.store.read();
	}

	directory(): RequesterDirectory {
		return {
			label: 'Memory destination',
			find: async (key) => await this.destination.findByKey(key),
			links: this.links,
			employeeIdOf: async () => 'E-1001',
		};
	}

	async start(caller: CallerContext = BROWSER) {
		const started = await beginLogin(this.env, { redirectUri: CALLBACK_URL, stateLifetimeMs: 10 * MINUTE }, caller);
		return { started, params: authorizationParameters(started.redirectUrl) };
	}

	async callback(input: CallbackInput, caller: CallerContext = BROWSER): Promise<LoginSuccess | LoginFailed> {
		return await completeLogin(this.env, input, caller, this.settings, this.directory());
	}

	/** A whole login: start, Microsoft signs an ID token (options change it), callback. */
	async login(token: Partial<IdTokenOptions> = {}, caller: CallerContext = BROWSER) {
		const { params } = await this.start(caller);
		const idToken = await signIdToken({ nonce: params.nonce, now: this.clock, ...token });
		const redemption = nockCodeRedemption(idToken, { challenge: params.code_challenge });
		const code = `fake-auth-code-${params.nonce.slice(0, 6)}`;
		const result = await this.callback({ code, state: params.state }, caller);
		return { result, redemption, params, idToken, code };
	}
}

export function expectOk(result: LoginSuccess | LoginFailed): LoginSuccess {
	if (!result.ok) throw new Error(`expected a successful login, got ${result.code}: ${result.adminReason}`);
	return result;
}

export function expectFailed(result: LoginSuccess | LoginFailed): LoginFailed {
	if (result.ok) throw new Error('expected a refused login');
	return result;
}
