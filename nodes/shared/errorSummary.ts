/**
 * Plain-words summary of any error the core throws: what went wrong, what to do, and a code.
 * Used by the n8n adapter for node errors and by the sync for the unsynced registry.
 */
import { DestinationValidationError } from './destinations/types';
import { ConnectionSettingsError } from './graph/clouds';
import { AzureSignInError, GraphError } from './graph/errors';
import { HttpError, NetworkError } from './http/errors';

export interface ErrorSummary {
	message: string;
	description?: string;
	httpCode?: string;
	/** Machine-readable code: Graph's error code, an AADSTS reason, an HTTP status, a network code. */
	code: string;
	requestId?: string;
}

export function describeError(error: unknown): ErrorSummary {
	if (error instanceof ConnectionSettingsError) {
		return { message: `Azure AD credential: ${error.message}`, description: `Open the credential and fix "${error.field}".`, code: 'invalidSetting' };
	}
	if (error instanceof AzureSignInError) {
		return { message: error.message, description: error.detail, code: error.reason };
	}
	if (error instanceof GraphError) {
		return { message: error.message, description: graphHint(error), httpCode: String(error.status), code: error.code, requestId: error.requestId };
	}
	if (error instanceof DestinationValidationError) {
		const fields = error.reasons.map((reason) => `${reason.field}: ${reason.message}`).join('; ');
		return { message: fields ? `${error.message} (${fields})` : error.message, code: error.reasons[0]?.code ?? (error.status ? `HTTP${error.status}` : 'invalid') };
	}
	if (error instanceof HttpError) {
		return { message: error.message, httpCode: String(error.status), code: error.code ?? `HTTP${error.status}`, requestId: error.requestId };
	}
	if (error instanceof NetworkError) {
		return {
			message: error.message,
			description: `No answer after ${error.attempts} tr${error.attempts === 1 ? 'y' : 'ies'}. Check the endpoint setting and the n8n host's network; raise Max Tries for flaky links.`,
			code: error.code,
		};
	}
	const code = (error as { code?: unknown })?.code;
	return { message: error instanceof Error ? error.message : String(error), code: typeof code === 'string' ? code : 'error' };
}

function graphHint(error: GraphError): string | undefined {
	if (error.code === 'Authorization_RequestDenied' || error.status === 403) {
		return 'The app lacks a Microsoft Graph permission for this request. Run the Azure AD Verify node to see which permission each feature needs, add it under API permissions and grant admin consent.';
	}
	if (error.status === 429) return 'Microsoft Graph kept throttling this app. Raise Max Tries or run the workflow less often.';
	if (error.code === 'Request_UnsupportedQuery' || error.code === 'BadRequest') {
		return "Graph rejected the query. Check the filter syntax (strings in single quotes, e.g. department eq 'Sales').";
	}
	return undefined;
}
