/**
 * The n8n side of requester destinations, assembled from the registry
 * (nodes/shared/destinations/registry.ts): the Destination selector, each destination's parameters
 * shown only for its kind, the shared Destination Options, the credentials, the credential tests
 * and dropdowns of every destination, and building the chosen destination. Nothing here names a
 * destination; each one's n8n part is its folder's n8n.ts.
 *
 * In the node:
 *   credentials: [...destinationCredentials],
 *   properties: [...destinationProperties, …],
 *   methods = { credentialTest: { ...destinationMethods.credentialTest }, loadOptions: { ...destinationMethods.loadOptions } };
 *   const destination = await buildDestination(this, 0, { keyKind });
 */
import {
	NodeOperationError,
	type ICredentialTestFunction,
	type IDataObject,
	type IExecuteFunctions,
	type ILoadOptionsFunctions,
	type INodeCredentialDescription,
	type INodeProperties,
	type INodePropertyOptions,
} from 'n8n-workflow';
import { DestinationConfigError, WRITABLE_FIELDS } from '../destinations/common';
import { RateBudgetOptionError, resolveRateBudgetOptions, type RateBudgetOptions } from '../http/rateBudget';
import { DEFAULT_DESTINATION, DESTINATIONS, type DestinationKind } from '../destinations/registry';
import type { RequesterDestination } from '../destinations/types';
import type { RequesterFieldId, SsoKeyKind } from '../requester/model';
import { sourceOptions, type DestinationDescriptor, type SharedDestinationOptions } from './destinationDescriptor';
import { describeError, toNodeError } from './errors';
import { maxTriesProperty } from './options';

export type { DestinationKind } from '../destinations/registry';

const entries = Object.entries(DESTINATIONS) as Array<[DestinationKind, DestinationDescriptor]>;

const showFor = (kind: DestinationKind) => ({ show: { destination: [kind] } });

/** A destination's own parameter, shown only while that destination is selected (on top of its own conditions). */
function onlyFor(kind: DestinationKind, property: INodeProperties): INodeProperties {
	return { ...property, displayOptions: { ...property.displayOptions, show: { ...property.displayOptions?.show, ...showFor(kind).show } } };
}

export const destinationCredentials: INodeCredentialDescription[] = entries.map(([kind, destination]) => ({
	name: destination.credential,
	required: true,
	testedBy: destination.testedBy,
	displayOptions: showFor(kind),
}));

const selector: INodeProperties = {
	displayName: 'Destination',
	name: 'destination',
	type: 'options',
	noDataExpression: true,
	options: entries
		.map(([kind, destination]) => ({ name: destination.label, value: kind, description: destination.description }))
		.sort((a, b) => a.name.localeCompare(b.name)),
	default: DEFAULT_DESTINATION,
	description: 'Where requesters are created, updated and deactivated',
};

const destinationOptions: INodeProperties = {
	displayName: 'Destination Options',
	name: 'destinationOptions',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: ([
		{
			displayName: 'Fields to Write',
			name: 'fieldsToWrite',
			type: 'multiOptions',
			options: sourceOptions(WRITABLE_FIELDS),
			default: [],
			description: 'Only compare and write these fields; leave empty for every field the destination stores',
		},
		maxTriesProperty(
			'How many times one destination request is tried when it is throttled (429, honouring Retry-After), fails with a server error or the connection drops, before the requester fails',
		),
		...entries.flatMap(([kind, destination]) => (destination.options ?? []).map((option) => ({ ...option, displayOptions: { show: { '/destination': [kind] } } }))),
	] as INodeProperties[]).sort((a, b) => a.displayName.localeCompare(b.displayName)),
};

export const destinationProperties: INodeProperties[] = [
	selector,
	...entries.flatMap(([kind, destination]) => destination.properties.map((property) => onlyFor(kind, property))),
	destinationOptions,
];

type LoadOptions = (this: ILoadOptionsFunctions) => Promise<INodePropertyOptions[]>;

/** The destination's credential test, except that a throw still answers the Test button, in plain words. */
function answering(tests: Record<string, ICredentialTestFunction>, name: string): ICredentialTestFunction {
	return async function (this, credential) {
		try {
			return await tests[name].call(this, credential);
		} catch (error) {
			return { status: 'Error', message: describeError(error).message };
		}
	};
}

/** The destination's dropdown loader, except that a throw shows as an n8n error in the editor. */
function withNodeErrors(loaders: Record<string, LoadOptions>, name: string): LoadOptions {
	return async function (this: ILoadOptionsFunctions) {
		try {
			return await loaders[name].call(this);
		} catch (error) {
			throw toNodeError(this.getNode(), error);
		}
	};
}

function merged<F, W>(pick: (destination: DestinationDescriptor) => Record<string, F> | undefined, wrap: (functions: Record<string, F>, name: string) => W): Record<string, W> {
	return Object.fromEntries(
		entries.flatMap(([, destination]) => {
			const functions = pick(destination) ?? {};
			return Object.keys(functions).map((name) => [name, wrap(functions, name)]);
		}),
	);
}

/** Every destination's credential tests and dropdown loaders, under their own names. */
export const destinationMethods: { credentialTest: Record<string, ICredentialTestFunction>; loadOptions: Record<string, LoadOptions> } = {
	credentialTest: merged((destination) => destination.methods.credentialTest, answering),
	loadOptions: merged((destination) => destination.methods.loadOptions, withNodeErrors),
};

export interface DestinationSettings {
	/** What requesters are matched on: the Map To Requester login setting. */
	keyKind?: SsoKeyKind;
}

/** The destination the node's parameters describe, with credentials resolved. */
export async function buildDestination(context: IExecuteFunctions, itemIndex: number, settings: DestinationSettings = {}): Promise<RequesterDestination> {
	const kind = context.getNodeParameter('destination', itemIndex) as string;
	const destination = Object.hasOwn(DESTINATIONS, kind) ? DESTINATIONS[kind as DestinationKind] : undefined;
	if (destination === undefined) {
		throw new NodeOperationError(context.getNode(), `Unknown destination "${kind}"`, { description: `Choose one of: ${entries.map(([, known]) => known.label).join(', ')}.`, itemIndex });
	}
	const options = context.getNodeParameter('destinationOptions', itemIndex, {}) as IDataObject;
	const shared: SharedDestinationOptions = {
		keyKind: settings.keyKind,
		rateBudget: destination.options?.some((option) => option.name === 'rateBudgetShare') ? rateBudgetSettings(context, itemIndex, options) : undefined,
		fields: (options.fieldsToWrite as RequesterFieldId[] | undefined) ?? [],
		retry: typeof options.maxTries === 'number' ? { maxAttempts: options.maxTries } : undefined,
		onRetry: (info) => context.logger.warn(`Requester destination: ${info.reason}, retry ${info.attempt} in ${info.delayMs} ms`),
	};
	try {
		const credential = await context.getCredentials(destination.credential, itemIndex);
		return await destination.build({ credential, parameter: (name, fallback) => context.getNodeParameter(name, itemIndex, fallback), shared });
	} catch (error) {
		if (!(error instanceof DestinationConfigError)) throw toNodeError(context.getNode(), error, itemIndex);
		throw new NodeOperationError(context.getNode(), error.message, {
			description: `Fix "${error.field}" in the ${destination.settingsPlace ?? 'node'} settings.`,
			itemIndex,
		});
	}
}

/** What the user may type in each rate budget option, for an error in the UI's units. */
const RATE_BUDGET_RANGES: Record<string, string> = {
	'Rate Budget Share': 'a percentage above 0 and at most 100',
	'Max Requests per Minute': '0 (no ceiling) or a positive number',
};

/** Rate Budget Share (%) and Max Requests per Minute (0 = none) as limiter options, checked here so a bad value names its field. */
function rateBudgetSettings(context: IExecuteFunctions, itemIndex: number, options: IDataObject): RateBudgetOptions {
	const percent = options.rateBudgetShare ?? 80;
	const perMinute = options.maxRequestsPerMinute ?? 0;
	const budget: RateBudgetOptions = { share: Number(percent) / 100, ceilingPerMinute: Number(perMinute) === 0 ? undefined : Number(perMinute) };
	try {
		resolveRateBudgetOptions(budget);
		return budget;
	} catch (error) {
		if (!(error instanceof RateBudgetOptionError)) throw toNodeError(context.getNode(), error, itemIndex);
		const value = error.option === 'Rate Budget Share' ? percent : perMinute;
		throw new NodeOperationError(context.getNode(), `${error.option} must be ${RATE_BUDGET_RANGES[error.option] ?? 'in range'}, got ${String(value)}`, {
			description: `Fix "${error.option}" in the Destination Options.`,
			itemIndex,
		});
	}
}
