import { NodeConnectionTypes, NodeOperationError, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription } from 'n8n-workflow';
import { errorItem, forEachItem, forEachItemRouted, pairAll, runOnce } from '../../nodes/shared/n8n/itemLoop';
import { HttpError } from '../../nodes/shared/http/errors';
import { runNode } from '../harness/n8n';

const description: INodeTypeDescription = {
	displayName: 'Loop Probe',
	name: 'loopProbe',
	group: ['transform'],
	version: 1,
	description: 'Test node for the item loop',
	defaults: { name: 'Loop Probe' },
	inputs: [NodeConnectionTypes.Main],
	outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
	properties: [
		{ displayName: 'Whole', name: 'whole', type: 'boolean', default: false },
		{ displayName: 'Routed', name: 'routed', type: 'boolean', default: false },
		{ displayName: 'Single Pair', name: 'singlePair', type: 'boolean', default: false },
	],
};

/** Fails items whose json.fail is set (with an HttpError when it is "http"); doubles item 2. */
class LoopProbe implements INodeType {
	description = description;
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		if (this.getNodeParameter('whole', 0) as boolean) {
			const pairedItem = this.getNodeParameter('singlePair', 0) ? { item: 0 } : undefined;
			return runOnce(this, async () => {
				throw new Error('whole run failed');
			}, { outputCount: 2, errorOutput: 1, pairedItem });
		}
		const items = this.getInputData();
		if (this.getNodeParameter('routed', 0) as boolean) {
			// Even items to output 0, odd ones to output 1, failures to output 1.
			return forEachItemRouted(
				this,
				2,
				(index) => {
					if (items[index].json.fail) throw new NodeOperationError(this.getNode(), `item ${index} failed`, { itemIndex: index });
					return { output: index % 2, result: { json: { n: index } } };
				},
				{ errorOutput: 1, errorJson: (_error, index) => ({ input: index }) },
			);
		}
		const out = await forEachItem(
			this,
			(index) => {
				const json = items[index].json;
				if (json.fail === 'http') throw new HttpError({ status: 503, serviceMessage: 'Destination said no', method: 'GET', url: 'https://x.test/' });
				if (json.fail) throw new NodeOperationError(this.getNode(), `item ${index} failed`, { itemIndex: index, description: 'fix it' });
				return index === 2 ? [{ json: { n: index } }, { json: { n: index, copy: true } }] : { json: { n: index } };
			},
			{ errorJson: (_error, index) => ({ input: index }) },
		);
		return [out, []];
	}
}

const input = (flags: Array<string | boolean>): INodeExecutionData[] => flags.map((fail) => ({ json: { fail } }));

describe('forEachItem', () => {
	it('pairs every output item with its input, including several items from one input', async () => {
		const result = await runNode({ node: new LoopProbe(), parameters: {}, inputItems: input([false, false, false]) });
		expect(result.outputs[0].map((item) => [item.json.n, item.pairedItem])).toEqual([
			[0, { item: 0 }],
			[1, { item: 1 }],
			[2, { item: 2 }],
			[2, { item: 2 }],
		]);
	});

	it('without Continue On Fail, the first failing item stops the node with its item index', async () => {
		const result = await runNode({ node: new LoopProbe(), parameters: {}, inputItems: input([false, true, false]) });
		expect(result.error?.name).toBe('NodeOperationError');
		expect(result.error?.message).toBe('item 1 failed');
	});

	it('with Continue On Fail, a failing item becomes an error item paired with it and the rest still run', async () => {
		const result = await runNode({ node: new LoopProbe(), parameters: {}, inputItems: input([true, false, 'http']), continueOnFail: true });
		expect(result.error).toBeUndefined();
		const [first, second, third] = result.outputs[0];
		expect(first).toEqual({ json: { error: 'item 0 failed', description: 'fix it', input: 0 }, pairedItem: { item: 0 } });
		expect(second.json).toEqual({ n: 1 });
		// A core HTTP error is mapped to NodeApiError's plain message.
		expect(third.pairedItem).toEqual({ item: 2 });
		expect(third.json.error).toContain('Destination said no');
	});
});

describe('forEachItemRouted', () => {
	it('sends each item to the output its work names, and error items to the error output, in input order', async () => {
		const result = await runNode({ node: new LoopProbe(), parameters: { routed: true }, inputItems: input([false, false, true, false, false]), continueOnFail: true });
		expect(result.outputs[0]).toEqual([
			{ json: { n: 0 }, pairedItem: { item: 0 } },
			{ json: { n: 4 }, pairedItem: { item: 4 } },
		]);
		expect(result.outputs[1]).toEqual([
			{ json: { n: 1 }, pairedItem: { item: 1 } },
			{ json: { error: 'item 2 failed', description: null, input: 2 }, pairedItem: { item: 2 } },
			{ json: { n: 3 }, pairedItem: { item: 3 } },
		]);
	});

	it('without Continue On Fail stops at the first failing item', async () => {
		const result = await runNode({ node: new LoopProbe(), parameters: { routed: true }, inputItems: input([false, true]) });
		expect(result.error?.message).toBe('item 1 failed');
	});
});

describe('runOnce', () => {
	it('with Continue On Fail puts one error item, paired with every input, on the chosen output', async () => {
		const result = await runNode({ node: new LoopProbe(), parameters: { whole: true }, inputItems: input([false, false]), continueOnFail: true });
		expect(result.outputs[0]).toEqual([]);
		expect(result.outputs[1]).toEqual([{ json: { error: 'whole run failed', description: null }, pairedItem: [{ item: 0 }, { item: 1 }] }]);
	});

	it('pairs the error item with the pairedItem it is given, as given', async () => {
		const result = await runNode({ node: new LoopProbe(), parameters: { whole: true, singlePair: true }, inputItems: input([false, false]), continueOnFail: true });
		expect(result.outputs[1]).toEqual([{ json: { error: 'whole run failed', description: null }, pairedItem: { item: 0 } }]);
	});

	it('without Continue On Fail throws a node error', async () => {
		const result = await runNode({ node: new LoopProbe(), parameters: { whole: true }, inputItems: input([false]) });
		expect(result.error?.name).toBe('NodeOperationError');
		expect(result.error?.message).toBe('whole run failed');
	});
});

describe('errorItem and pairAll', () => {
	it('build the uniform error item', () => {
		expect(pairAll(0)).toEqual([{ item: 0 }]);
		expect(pairAll(2, 1)).toEqual([{ item: 0, input: 1 }, { item: 1, input: 1 }]);
		const error = new NodeOperationError({ name: 'n', type: 't', typeVersion: 1, position: [0, 0], parameters: {}, id: 'i' }, 'bad', { description: 'do x' });
		expect(errorItem(error, { item: 3 }, { code: 'E' })).toEqual({ json: { error: 'bad', description: 'do x', code: 'E' }, pairedItem: { item: 3 } });
	});
});
