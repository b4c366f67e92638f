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

/** "Rate Budget Share" (%) under Destination Options; `description` says whose budget and where it is learned from. */
export function rateBudgetShareProperty(description: string): INodeProperties {
	return {
		displayName: 'Rate Budget Share',
		name: 'rateBudgetShare',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 100 },
		default: 80,
		description,
	};
}

/** "Max Requests per Minute" under Destination Options: a fixed ceiling, 0 for none. */
export function maxRequestsPerMinuteProperty(description: string): INodeProperties {
	return {
		displayName: 'Max Requests per Minute',
		name: 'maxRequestsPerMinute',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		description,
	};
}
