/**
 * The generic requester REST contract (GENERIC_REST.md) as a destination: the client's public
 * surface. The n8n part (parameters, credential, build, Test button) is in ./n8n.ts.
 */
export { GenericRestDestination } from './client';
export { getPath, setPath } from './json';
export {
	GENERIC_REST_DEFAULTS,
	GENERIC_REST_RETRY_STATUSES,
	type GenericDeactivation,
	type GenericPaging,
	type GenericRestOptions,
	type GenericRestPaths,
} from './settings';
