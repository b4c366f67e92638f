/**
 * What a requester destination hands the n8n adapter (nodes/shared/n8n/destinations.ts), and the
 * small helpers its n8n.ts uses to describe its parameters. Type-only imports from n8n-workflow:
 * a destination's n8n.ts never needs n8n at run time.
 */
import type {
	ICredentialDataDecryptedObject,
	ICredentialTestFunction,
	ILoadOptionsFunctions,
	INodeProperties,
	INodePropertyOptions,
} from 'n8n-workflow';
import type { RateBudgetOptions } from '../http/rateBudget';
import type { RetryPolicy } from '../http/retry';
import type { StoredSource } from '../destinations/common';
import type { RequesterDestination } from '../destinations/types';
import { getRequesterField, type RequesterFieldId, type SsoKeyKind } from '../requester/model';

/** Settings every destination gets from the node: the shared Destination Options and the sync's key. */
export interface SharedDestinationOptions {
	/** What requesters are matched on: the Map To Requester login setting. */
	keyKind?: SsoKeyKind;
	/** Fields to Write; empty means every field the destination stores. */
	fields: RequesterFieldId[];
	/** From Max Tries. */
	retry?: Partial<RetryPolicy>;
	/** From Rate Budget Share and Max Requests per Minute, for destinations that list them in `options`. */
	rateBudget?: RateBudgetOptions;
	/** Logs each retry as a warning on the node. */
	onRetry: (info: { attempt: number; delayMs: number; reason: string }) => void;
}

export interface DestinationBuildInput {
	/** The destination's credential (`DestinationDescriptor.credential`), decrypted. */
	credential: ICredentialDataDecryptedObject;
	/** One of the destination's own parameters for the current item, or `fallback` when unset. */
	parameter: (name: string, fallback: unknown) => unknown;
	shared: SharedDestinationOptions;
}

export interface DestinationDescriptor {
	/** The Destination selector's option name and description. */
	label: string;
	description: string;
	/** The n8n credential type (credentials/*.credentials.ts `name`); shown only for this destination. */
	credential: string;
	/** The `methods.credentialTest` entry behind the credential's Test button. */
	testedBy: string;
	/** This destination's parameters; the adapter shows them only when it is selected. Names must be unique across destinations. */
	properties: INodeProperties[];
	/** This destination's entries in the shared Destination Options, shown only while it is selected. */
	options?: INodeProperties[];
	/** Where a DestinationConfigError's setting lives, for "Fix … in the <settingsPlace> settings." (default: node). */
	settingsPlace?: string;
	/** The destination the parameters describe. Throw DestinationConfigError for a setting that cannot work. */
	build: (input: DestinationBuildInput) => RequesterDestination | Promise<RequesterDestination>;
	methods: {
		/** Return `{ status, message }`; a throw is reported as an Error status by the adapter. */
		credentialTest: Record<string, ICredentialTestFunction>;
		/** Throw a plain or core error; the adapter turns it into a NodeOperationError. */
		loadOptions?: Record<string, (this: ILoadOptionsFunctions) => Promise<INodePropertyOptions[]>>;
	};
}

const SOURCE_LABELS: Record<'azureObjectId' | 'ssoKey', string> = {
	azureObjectId: 'Azure Object ID',
	ssoKey: 'SSO Key (as Matched)',
};

function sourceLabel(source: StoredSource): string {
	return source === 'azureObjectId' || source === 'ssoKey' ? SOURCE_LABELS[source] : getRequesterField(source).label;
}

/** Dropdown options for stored values, by label. */
export function sourceOptions(sources: readonly StoredSource[]): INodePropertyOptions[] {
	return sources.map((source) => ({ name: sourceLabel(source), value: source })).sort((a, b) => a.name.localeCompare(b.name));
}

/** `{ fields: [{ value, name }] }` from a fixedCollection into `{ [value]: name }`. */
export function fixedCollectionPairs(parameter: unknown): Record<string, string> {
	const entries = (parameter as { fields?: Array<{ value?: string; name?: string }> } | undefined)?.fields ?? [];
	return Object.fromEntries(entries.filter((entry) => entry.value).map((entry) => [entry.value as string, entry.name ?? '']));
}
