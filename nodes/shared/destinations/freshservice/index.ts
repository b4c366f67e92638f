/**
 * Freshservice (API v2) as a requester destination: the client's public surface. The n8n part
 * (parameters, credential, build, Test button, dropdown) is in ./n8n.ts.
 */
export { testFreshserviceAccess } from './access';
export { FreshserviceDestination, type FreshserviceOptions } from './client';
export { FRESHSERVICE_CUSTOM_SOURCES, FRESHSERVICE_EXTERNAL_ID, type FreshserviceCustomSource } from './fields';
export { escapeQueryValue } from './query';
export { FRESHSERVICE_RETRY_STATUSES, freshserviceApiRoot } from './requests';
