/**
 * ServiceNow (sys_user over the Table API) as a requester destination: the client's public
 * surface. Set-up in ServiceNow and the field table: SERVICENOW.md.
 */
export { testServiceNowAccess } from './access';
export { ServiceNowDestination } from './client';
export { ServiceNowTokenError } from './oauth';
export { escapeQueryValue, exactSearch } from './query';
export { readServiceNowError } from './requests';
export {
	MANAGER_COLUMN,
	REFERENCE_COLUMNS,
	SERVICENOW_RETRY_STATUSES,
	serviceNowRoot,
	TEXT_COLUMNS,
	type ServiceNowAuth,
	type ServiceNowGrant,
	type ServiceNowOptions,
} from './settings';
