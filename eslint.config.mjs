// The pack bundles @azure/msal-node, luxon and csv-stringify into dist (see gulpfile.js), so it
// cannot meet n8n Cloud's "no imports" rule; every other community-node rule applies to what ships.
import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

export default [
	...configWithoutCloudSupport,
	{
		// The n8n-free core throws its own typed errors; the adapter in nodes/shared/n8n turns them
		// into NodeApiError / NodeOperationError, and that rule stays on there and in the nodes.
		files: ['nodes/shared/**/*.ts'],
		ignores: ['nodes/shared/n8n/**'],
		rules: { '@n8n/community-nodes/require-node-api-error': 'off' },
	},
	{
		// Tests, benchmarks and scripts never ship: they start stand-in servers and child processes.
		files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
		rules: {
			'@n8n/community-nodes/no-dangerous-functions': 'off',
			'@n8n/community-nodes/require-node-api-error': 'off',
			'@n8n/community-nodes/no-hardcoded-secrets': 'off',
			'@n8n/community-nodes/missing-paired-item': 'off',
		},
	},
];
