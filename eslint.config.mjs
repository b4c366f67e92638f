// The pack bundles @azure/msal-node, luxon and csv-stringify into dist (see gulpfile.js), so it
// cannot meet n8n Cloud's "no imports" rule; every other community-node rule applies.
import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

export default configWithoutCloudSupport;
