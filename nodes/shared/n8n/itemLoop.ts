/**
 * The one per-item loop every node uses: pairedItem on every item, continueOnFail honoured, a
 * uniform error item, and core errors mapped to NodeApiError / NodeOperationError. A node's own
 * file then says what one item does, not how n8n wants failures handled.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData, IPairedItemData, NodeApiError, NodeOperationError } from 'n8n-workflow';
import { toNodeError } from './errors';

export type NodeError = NodeApiError | NodeOperationError;

export interface ItemLoopOptions {
	/** Maps a thrown error to the n8n error for this item (default: toNodeError). */
	errorFor?: (error: unknown, itemIndex: number) => NodeError;
	/** Extra JSON for the error item, e.g. the input user the failure belongs to. */
	errorJson?: (error: NodeError, itemIndex: number, cause: unknown) => IDataObject;
}

/** What one item's work returns: one item, several, or nothing. pairedItem is filled in when missing. */
export type ItemResult = INodeExecutionData | INodeExecutionData[] | undefined | void;

/** The item n8n users expect under Continue On Fail: the message, what to do, and the item it belongs to. */
export function errorItem(error: NodeError, pairedItem: IPairedItemData | IPairedItemData[], extra: IDataObject = {}): INodeExecutionData {
	return { json: { error: error.message, description: error.description ?? null, ...extra }, pairedItem };
}

/** Every input item, for a result that stands for the whole input (a summary, a file). */
export function pairAll(itemCount: number, input?: number): IPairedItemData[] {
	return Array.from({ length: Math.max(itemCount, 1) }, (_, item) => (input === undefined ? { item } : { item, input }));
}

function mapError(context: IExecuteFunctions, error: unknown, itemIndex: number | undefined, options: ItemLoopOptions): NodeError {
	return options.errorFor ? options.errorFor(error, itemIndex ?? 0) : toNodeError(context.getNode(), error, itemIndex);
}

/** One item's result on a node with several outputs: the output it goes to, and what. */
export interface RoutedResult {
	output: number;
	result: ItemResult;
}

/**
 * Runs `work` for each input item in order. A failing item throws the mapped node error, or
 * with Continue On Fail becomes an error item paired with it and the loop goes on.
 */
export async function forEachItem(
	context: IExecuteFunctions,
	work: (itemIndex: number) => Promise<ItemResult> | ItemResult,
	options: ItemLoopOptions = {},
	itemCount: number = context.getInputData().length,
): Promise<INodeExecutionData[]> {
	const [output] = await forEachItemRouted(context, 1, async (itemIndex) => ({ output: 0, result: await work(itemIndex) }), options, itemCount);
	return output;
}

/**
 * forEachItem for a node with `outputCount` outputs: each item's work says which output its
 * result goes to; error items go to `errorOutput` (default 0). Order within each output is input order.
 */
export async function forEachItemRouted(
	context: IExecuteFunctions,
	outputCount: number,
	work: (itemIndex: number) => Promise<RoutedResult> | RoutedResult,
	options: ItemLoopOptions & { errorOutput?: number } = {},
	itemCount: number = context.getInputData().length,
): Promise<INodeExecutionData[][]> {
	const outputs: INodeExecutionData[][] = Array.from({ length: outputCount }, () => []);
	for (let itemIndex = 0; itemIndex < itemCount; itemIndex++) {
		try {
			const { output, result } = await work(itemIndex);
			const items = result === undefined ? [] : Array.isArray(result) ? result : [result];
			for (const item of items) outputs[output].push(item.pairedItem === undefined ? { ...item, pairedItem: { item: itemIndex } } : item);
		} catch (caught) {
			const error = mapError(context, caught, itemIndex, options);
			if (!context.continueOnFail()) throw error;
			outputs[options.errorOutput ?? 0].push(errorItem(error, { item: itemIndex }, options.errorJson?.(error, itemIndex, caught)));
		}
	}
	return outputs;
}

/**
 * Runs `work` once for the whole input (a read, a sync, an export). On failure it throws the mapped
 * node error, or with Continue On Fail returns one error item paired with every input item (or
 * `pairedItem`), on output `errorOutput` of `outputCount` outputs.
 */
export async function runOnce(
	context: IExecuteFunctions,
	work: () => Promise<INodeExecutionData[][]>,
	options: ItemLoopOptions & { outputCount?: number; errorOutput?: number; pairedItem?: IPairedItemData | IPairedItemData[] } = {},
): Promise<INodeExecutionData[][]> {
	try {
		return await work();
	} catch (caught) {
		const error = mapError(context, caught, undefined, options);
		if (!context.continueOnFail()) throw error;
		const outputs: INodeExecutionData[][] = Array.from({ length: options.outputCount ?? 1 }, () => []);
		const pairedItem = options.pairedItem ?? pairAll(context.getInputData().length);
		outputs[options.errorOutput ?? 0].push(errorItem(error, pairedItem, options.errorJson?.(error, 0, caught)));
		return outputs;
	}
}
