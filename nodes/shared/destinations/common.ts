/**
 * What every requester destination needs besides its own API: endpoint checks, where the SSO key
 * and the Azure object id live, validation errors in canonical field names, and the create that
 * never duplicates a requester after a dropped connection.
 */
import { HttpError, NetworkError, type ServiceFieldError } from '../http/errors';
import { backoffDelay, decideRetry, type RetryPolicy } from '../http/retry';
import { headerValue, sleep as realSleep, type ErrorBodyReader } from '../http/request';
import {
	normaliseKey,
	REQUESTER_FIELDS,
	type Requester,
	type RequesterFieldId,
	type SsoKeyKind,
} from '../requester/model';
import { DestinationValidationError } from './types';

/** A destination setting that cannot work; `field` names the setting as the user sees it. */
export class DestinationConfigError extends Error {
	constructor(
		readonly field: string,
		message: string,
	) {
		super(`${field}: ${message}`);
		this.name = 'DestinationConfigError';
	}
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * An API root the user typed: https anywhere, plain http only on this machine (local stand-ins,
 * sidecar proxies), so an API key never crosses a network in clear text. No trailing slash.
 */
export function checkApiBaseUrl(value: string, field: string): string {
	const trimmed = value.trim();
	let url: URL;
	try {
		url = new URL(trimmed);
	} catch {
		throw new DestinationConfigError(field, `"${trimmed}" is not a URL (expected e.g. https://api.example.com/v1)`);
	}
	if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
		throw new DestinationConfigError(field, 'must start with https:// (plain http is only allowed for 127.0.0.1 or localhost)');
	}
	if (url.username || url.password) throw new DestinationConfigError(field, 'must not contain a user name or password; use the credential');
	if (url.search || url.hash) throw new DestinationConfigError(field, 'must not contain a query (?…) or fragment (#…)');
	return url.toString().replace(/\/+$/, '');
}

/**
 * What a destination can store besides the mapped fields: the Azure object id, and the SSO key
 * itself (as matched, normalised) for keys that are not a mapped field, such as the raw UPN.
 */
export type StoredSource = Exclude<RequesterFieldId, 'manager'> | 'azureObjectId' | 'ssoKey';

/** Where the SSO key is read from when no dedicated `ssoKey` slot is configured. */
const KEY_SOURCE: Record<SsoKeyKind, StoredSource | undefined> = {
	email: 'email',
	employeeId: 'employeeId',
	objectId: 'azureObjectId',
	// The UPN is not a mapped field (guests keep #EXT#), so it needs its own slot.
	upn: undefined,
};

export function keySource(kind: SsoKeyKind, hasSsoKeySlot: boolean): StoredSource | undefined {
	return hasSsoKeySlot ? 'ssoKey' : KEY_SOURCE[kind];
}

/** Canonical fields a destination may write: every mapped field except the manager link. */
export const WRITABLE_FIELDS: readonly Exclude<RequesterFieldId, 'manager'>[] = REQUESTER_FIELDS.map((spec) => spec.id).filter(
	(id): id is Exclude<RequesterFieldId, 'manager'> => id !== 'manager',
);

export function sourceValue(requester: Requester, source: StoredSource): string | string[] | null {
	if (source === 'azureObjectId') return requester.azureObjectId;
	if (source === 'ssoKey') return requester.ssoKey.value;
	return requester[source];
}

/** The one way a stored key value becomes comparable. */
export function keyOf(value: unknown): string | null {
	return typeof value === 'string' && value.trim() !== '' ? normaliseKey(value) : null;
}

/** Text out of a JSON value: numbers and booleans become text, empty and objects become null. */
export function asText(value: unknown): string | null {
	if (typeof value === 'string') return value === '' ? null : value;
	if (typeof value === 'number' || typeof value === 'boolean') return String(value);
	return null;
}

/** Limits `supportedFields` to the fields the user chose to write (all when none chosen). */
export function chooseFields<F extends RequesterFieldId>(supported: readonly F[], chosen: readonly RequesterFieldId[] | undefined): F[] {
	if (!chosen || chosen.length === 0) return [...supported];
	return supported.filter((field) => chosen.includes(field));
}

/** `{ description|message, errors: [{ field, message, code }] }`, the shape Freshservice and the generic contract share. */
function readFieldErrors(body: unknown): { summary?: string; errors: ServiceFieldError[] } {
	if (!body || typeof body !== 'object') return { errors: [] };
	const record = body as Record<string, unknown>;
	const summary = [record.description, record.message].find((value): value is string => typeof value === 'string');
	const errors = Array.isArray(record.errors)
		? record.errors.flatMap((entry): ServiceFieldError[] => {
				if (!entry || typeof entry !== 'object') return [];
				const item = entry as Record<string, unknown>;
				return [
					{
						field: typeof item.field === 'string' ? item.field : '',
						message: typeof item.message === 'string' ? item.message : 'invalid',
						code: typeof item.code === 'string' ? item.code : undefined,
					},
				];
			})
		: [];
	return { summary, errors };
}

/** Error answers in that shape: the summary and every field reason make the error message. */
export const readFieldErrorBody: ErrorBodyReader = (body, headers) => {
	const requestId = headerValue(headers, 'x-request-id') ?? headerValue(headers, 'request-id');
	const { summary, errors } = readFieldErrors(body);
	const details = errors.map((item) => (item.field ? `${item.field}: ${item.message}` : item.message)).join('; ');
	const bodyCode = body && typeof body === 'object' ? (body as Record<string, unknown>).code : undefined;
	const message = [summary, details].filter(Boolean).join(': ');
	return {
		code: typeof bodyCode === 'string' ? bodyCode : errors[0]?.code,
		message: message || undefined,
		requestId,
		fieldErrors: errors,
		summary,
	};
};

const VALIDATION_STATUSES = new Set([400, 409, 422]);

/**
 * A refused write as field-level reasons in canonical names (`toCanonical` maps the service's
 * field names back; unknown names are kept as the service sent them). Anything else is returned
 * unchanged.
 */
export function asValidationError(error: unknown, toCanonical: (serviceField: string) => string, destination: string): unknown {
	if (!(error instanceof HttpError) || !VALIDATION_STATUSES.has(error.status)) return error;
	const { summary, fieldErrors: errors } = error;
	const reasons = errors.map((item) => ({
		field: item.field ? toCanonical(item.field) : 'requester',
		message: item.field && toCanonical(item.field) !== item.field ? `${item.message} (${destination} field ${item.field})` : item.message,
		code: item.code,
	}));
	if (reasons.length === 0) reasons.push({ field: 'requester', message: summary ?? error.message, code: error.code });
	const said = reasons.map((reason) => `${reason.field}: ${reason.message}`).join('; ');
	return new DestinationValidationError(`${destination} refused the requester (HTTP ${error.status}): ${said}`, error.status, reasons);
}

/**
 * The key and Azure object id last read per requester id, so an update rewrites those identity
 * slots only when they differ (and always for a requester it has not read).
 */
export class IdentityMemory {
	private readonly seen = new Map<string, { key: string | null; azureObjectId: string | null }>();

	remember(id: string, key: string | null, azureObjectId: string | null): void {
		this.seen.set(id, { key, azureObjectId });
	}

	/** Which of the configured identity slots `update` must write for this requester. */
	toWrite(id: string, requester: Requester, slots: ReadonlyArray<'azureObjectId' | 'ssoKey'>): Array<'azureObjectId' | 'ssoKey'> {
		const seen = this.seen.get(id);
		if (!seen) return [...slots];
		return slots.filter((slot) =>
			slot === 'azureObjectId' ? keyOf(seen.azureObjectId) !== keyOf(requester.azureObjectId) : seen.key !== keyOf(requester.ssoKey.value),
		);
	}
}

const CREATE_ATTEMPTS = 3;

export interface CreateOnceOptions<T> {
	/** Sends the create once (the HTTP layer may still repeat it when it was surely not processed). */
	post: () => Promise<T>;
	/** Finds the requester the create was for; null when it does not exist. */
	lookup: () => Promise<T | null>;
	/** Whether an error means "it already exists", which after a lost answer means our own create landed. */
	isDuplicate: (error: unknown) => boolean;
	policy: RetryPolicy;
	sleep?: (ms: number) => Promise<void>;
	random?: () => number;
	onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

/**
 * A create whose answer was lost (connection dropped after sending, or a gateway error) may have
 * landed. Look the requester up before sending again: found means done, so a retry never creates
 * a duplicate. Bounded to CREATE_ATTEMPTS posts.
 */
export async function createOnce<T>(options: CreateOnceOptions<T>): Promise<T> {
	let outcomeUnknown = false;
	for (let attempt = 1; ; attempt++) {
		try {
			return await options.post();
		} catch (error) {
			if (outcomeUnknown && options.isDuplicate(error)) {
				const found = await options.lookup();
				if (found) return found;
			}
			if (!isOutcomeUnknown(error, options.policy)) throw error;
			outcomeUnknown = true;
			const found = await options.lookup();
			if (found) return found;
			if (attempt >= CREATE_ATTEMPTS) throw error;
			const delayMs = backoffDelay(options.policy, attempt, undefined, options.random);
			options.onRetry?.({ attempt, delayMs, reason: `create outcome unknown (${describeFailure(error)}), not found on lookup` });
			await (options.sleep ?? realSleep)(delayMs);
		}
	}
}

/**
 * Asks the shared retry policy instead of keeping a second list: a failure the policy would retry
 * for a repeatable request but not for a create is one where the create may have been processed.
 */
function isOutcomeUnknown(error: unknown, policy: RetryPolicy): boolean {
	if (!(error instanceof HttpError) && !(error instanceof NetworkError)) return false;
	const probe = { ...policy, maxAttempts: 2 };
	return decideRetry(probe, error, { attempt: 1, idempotent: true }).retry && !decideRetry(probe, error, { attempt: 1, idempotent: false }).retry;
}

function describeFailure(error: unknown): string {
	if (error instanceof HttpError) return `HTTP ${error.status}`;
	if (error instanceof NetworkError) return error.code;
	return 'error';
}
