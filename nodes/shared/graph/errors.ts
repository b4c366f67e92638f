/** Errors of the Graph layer, carrying Graph's code, message and request id (never a token). */
import { HttpError, NetworkError } from '../http/errors';
import type { ErrorBodyReader } from '../http/request';
import { headerValue } from '../http/request';
import { explainAadsts, findAadstsCode } from './aadsts';

export class GraphError extends Error {
	readonly status: number;
	readonly code: string;
	readonly graphMessage: string;
	readonly requestId: string | undefined;
	readonly method: string;
	readonly url: string;
	readonly attempts: number;

	constructor(cause: HttpError) {
		const code = cause.code ?? `HTTP${cause.status}`;
		const graphMessage = cause.serviceMessage ?? `HTTP ${cause.status}`;
		super(`Microsoft Graph answered ${cause.status} ${code}: ${graphMessage}${cause.requestId ? ` (request-id ${cause.requestId})` : ''}`);
		this.name = 'GraphError';
		this.status = cause.status;
		this.code = code;
		this.graphMessage = graphMessage;
		this.requestId = cause.requestId;
		this.method = cause.method;
		this.url = cause.url;
		this.attempts = cause.attempts;
	}
}

/** Sign-in to Microsoft failed; `reason`/`advice` say why in plain words. */
export class AzureSignInError extends Error {
	readonly reason: string;
	readonly advice: string;
	readonly aadsts: string | undefined;
	readonly detail: string;

	constructor(init: { reason: string; advice: string; aadsts?: string; detail: string }) {
		super(`Azure AD sign-in failed: ${init.advice}${init.aadsts ? ` (AADSTS${init.aadsts})` : ''}`);
		this.name = 'AzureSignInError';
		this.reason = init.reason;
		this.advice = init.advice;
		this.aadsts = init.aadsts;
		this.detail = init.detail;
	}
}

/** Graph error bodies: `{ error: { code, message, innerError: { 'request-id' } } }`. */
export const readGraphError: ErrorBodyReader = (body, headers) => {
	const error = (body as { error?: { code?: unknown; message?: unknown; innerError?: Record<string, unknown> } } | undefined)?.error;
	const inner = error?.innerError;
	const requestId =
		headerValue(headers, 'request-id') ??
		(typeof inner?.['request-id'] === 'string' ? (inner['request-id'] as string) : undefined) ??
		headerValue(headers, 'client-request-id');
	return {
		code: typeof error?.code === 'string' ? error.code : undefined,
		message: typeof error?.message === 'string' ? error.message : undefined,
		requestId,
	};
};

/** Turns whatever MSAL threw into an AzureSignInError with the AADSTS code explained. */
export function toSignInError(error: unknown): AzureSignInError {
	const record = (error ?? {}) as { errorCode?: string; errorMessage?: string; errorNo?: string; message?: string; code?: string };
	const text = `${record.errorMessage ?? ''} ${record.message ?? ''}`;
	const aadsts = record.errorNo !== undefined && record.errorNo !== null && String(record.errorNo) !== "" ? String(record.errorNo) : findAadstsCode(text);
	const known = explainAadsts(aadsts);
	const detail = firstLine(record.errorMessage ?? record.message ?? String(error));
	if (known) return new AzureSignInError({ ...known, aadsts, detail });
	if (isNetworkProblem(record)) {
		return new AzureSignInError({
			reason: 'signInUnreachable',
			advice: 'The Microsoft sign-in endpoint could not be reached. Check the Cloud / Authority Host setting and the n8n host\'s network access.',
			detail,
		});
	}
	return new AzureSignInError({
		reason: record.errorCode || 'signInFailed',
		advice: detail || 'Microsoft sign-in failed for an unknown reason.',
		aadsts,
		detail,
	});
}

function isNetworkProblem(record: { errorCode?: string; code?: string }): boolean {
	return ['network_error', 'endpoints_resolution_error', 'openid_config_error', 'untrusted_authority'].includes(record.errorCode ?? '')
		|| ['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'ETIMEDOUT'].includes(record.code ?? '');
}

/** MSAL messages append trace and correlation ids on new lines: keep the human part. */
function firstLine(text: string): string {
	return text.split(/\r?\n/)[0].replace(/Trace ID:.*$/i, '').trim();
}

export function isGraphOrNetworkError(error: unknown): error is GraphError | NetworkError | AzureSignInError {
	return error instanceof GraphError || error instanceof NetworkError || error instanceof AzureSignInError;
}
