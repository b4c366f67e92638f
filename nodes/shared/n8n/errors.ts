/**
 * Turns core errors into n8n errors with a message that says what went wrong and a description
 * that says what to do. Core errors never carry secrets; these add none.
 */
import { NodeApiError, NodeOperationError, type INode, type JsonObject } from 'n8n-workflow';
import { ConnectionSettingsError } from '../graph/clouds';
import { AzureSignInError, GraphError } from '../graph/errors';
import { HttpError, NetworkError } from '../http/errors';

export interface ErrorSummary {
	message: string;
	description?: string;
	httpCode?: string;
	/** Machine-readable code: Graph's error code, an AADSTS reason, a network code. */
	code?: string;
	requestId?: string;
}

/** Plain-words summary of any error the core throws. */
export function describeError(error: unknown): ErrorSummary {
	if (error instanceof ConnectionSettingsError) {
		return { message: `Azure AD credential: ${error.message}`, description: `Open the credential and fix "${error.field}".`, code: 'invalidSetting' };
	}
	if (error instanceof AzureSignInError) {
		return { message: error.message, description: error.detail, code: error.reason };
	}
	if (error instanceof GraphError) {
		return {
			message: error.message,
			description: graphHint(error),
			httpCode: String(error.status),
			code: error.code,
			requestId: error.requestId,
		};
	}
	if (error instanceof HttpError) {
		return { message: error.message, httpCode: String(error.status), code: error.code, requestId: error.requestId };
	}
	if (error instanceof NetworkError) {
		return {
			message: error.message,
			description: `No answer after ${error.attempts} tr${error.attempts === 1 ? 'y' : 'ies'}. Check the endpoint setting and the n8n host's network; raise Max Tries for flaky links.`,
			code: error.code,
		};
	}
	return { message: error instanceof Error ? error.message : String(error) };
}

function graphHint(error: GraphError): string | undefined {
	if (error.code === 'Authorization_RequestDenied' || error.status === 403) {
		return 'The app lacks a Microsoft Graph permission for this request. Run the Azure AD Verify node to see which permission each feature needs, add it under API permissions and grant admin consent.';
	}
	if (error.status === 429) return 'Microsoft Graph kept throttling this app. Raise Max Tries or run the workflow less often.';
	if (error.code === 'Request_UnsupportedQuery' || error.code === 'BadRequest') {
		return 'Graph rejected the query. Check the filter syntax (strings in single quotes, e.g. department eq \'Sales\').';
	}
	return undefined;
}

/** The n8n error to throw for a core error. */
export function toNodeError(node: INode, error: unknown, itemIndex?: number): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	const summary = describeError(error);
	if (error instanceof GraphError || error instanceof HttpError || error instanceof AzureSignInError || error instanceof NetworkError) {
		const response: JsonObject = { message: summary.message, code: summary.code ?? null, requestId: summary.requestId ?? null };
		return new NodeApiError(node, response, {
			message: summary.message,
			description: summary.description,
			httpCode: summary.httpCode,
			itemIndex,
		});
	}
	return new NodeOperationError(node, summary.message, { description: summary.description, itemIndex });
}
