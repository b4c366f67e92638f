/** Parameters several nodes share, written once. */
import type { INodeProperties } from 'n8n-workflow';

/** "Max Tries" under a node's options; `description` says which requests it bounds. */
export function maxTriesProperty(description: string): INodeProperties {
	return {
		displayName: 'Max Tries',
		name: 'maxTries',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 20 },
		default: 6,
		description,
	};
}
