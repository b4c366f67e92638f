/** A SCIM 2.0 service as a requester destination: the client's public surface. Mapping and behaviour: SCIM.md. */
export { splitBulk } from './bulk';
export { readSupport, type ScimSupport } from './capabilities';
export { ScimDestination } from './client';
export { eqFilter, escapeFilterValue } from './filter';
export { fromScimUser, patchOperations, toScimUser, userNameOf, type PatchOperation, type ScimResource } from './mapping';
export { probeScimServer, type ScimProbe } from './probe';
export { readScimError, refusal } from './requests';
export { CORE_USER, ENTERPRISE_USER, type ScimOptions } from './settings';
