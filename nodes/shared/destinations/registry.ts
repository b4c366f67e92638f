/**
 * Every requester destination, one line each: its kind (the Destination parameter's value, kept
 * in saved workflows) and its descriptor. The n8n adapter (nodes/shared/n8n/destinations.ts)
 * builds the selector, the parameters, the credentials, the methods and buildDestination from
 * this list alone, so a new destination is a new folder here plus one line below
 * (docs/architecture.md, "Adding a destination").
 *
 * Layering, per destination folder (e.g. ./freshservice/):
 *   - the client files never import n8n-workflow, nodes/shared/n8n or nodes/shared/graph;
 *   - n8n.ts is the destination's piece of the n8n adapter: it imports only types from
 *     n8n-workflow (`import type`), returns plain `{ status, message }` from credential tests and
 *     throws DestinationConfigError or core errors; the generic adapter maps them to n8n errors.
 * This file imports no n8n-workflow either.
 */
import type { DestinationDescriptor } from '../n8n/destinationDescriptor';
import { freshserviceDestination } from './freshservice/n8n';
import { genericRestDestination } from './genericRest/n8n';
import { scimDestination } from './scim/n8n';
import { servicenowDestination } from './servicenow/n8n';

export const DESTINATIONS = {
	freshservice: freshserviceDestination,
	genericRest: genericRestDestination,
	servicenow: servicenowDestination,
	scim: scimDestination,
} satisfies Record<string, DestinationDescriptor>;

export type DestinationKind = keyof typeof DESTINATIONS;

/** The Destination parameter's default. n8n leaves defaults out of saved workflows, so this never changes. */
export const DEFAULT_DESTINATION: DestinationKind = 'freshservice';
