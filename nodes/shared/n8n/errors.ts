/**
 * Turns core errors into n8n errors: the message says what went wrong, the description what to
 * do. Core errors never carry secrets; these add none.
 */
import { NodeApiError, NodeOperationError, type INode, type JsonObject } from 'n8n-workflow';
import { describeError } from '../errorSummary';
import { AzureSignInError, GraphError } from '../graph/errors';
import { HttpError, NetworkError } from '../http/errors';
import { SyncStateError } from '../sync/cursor';

export { describeError, type ErrorSummary } from '../errorSummary';

/** The n8n error to throw for a core error. */
export function toNodeError(node: INode, error: unknown, itemIndex?: number): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	if (error instanceof SyncStateError) return new NodeOperationError(node, error.message, { description: error.hint, itemIndex });
	const summary = describeError(error);
	if (error instanceof GraphError || error instanceof HttpError || error instanceof AzureSignInError || error instanceof NetworkError) {
		const response: JsonObject = { message: summary.message, code: summary.code, requestId: summary.requestId ?? null };
		return new NodeApiError(node, response, {
			message: summary.message,
			description: summary.description,
			httpCode: summary.httpCode,
			itemIndex,
		});
	}
	return new NodeOperationError(node, summary.message, { description: summary.description, itemIndex });
}
