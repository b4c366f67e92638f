/**
 * Who may sign in: the requester found by the SSO unique key taken from the verified ID token,
 * and only if the sync manages it (the requester carries this user's Azure object id, or the
 * sync's links point at it), it is active, and (when asked) its login flag is on.
 */
import type { DestinationRecord } from '../destinations/types';
import type { GraphClient } from '../graph/client';
import { userPathSegment } from '../graph/odata';
import { normaliseKey, type SsoKey, type SsoKeyKind } from '../requester/model';
import { SsoFailure } from './failures';
import type { IdTokenIdentity } from './idToken';

/**
 * `syncedActive`: every synced, active requester may sign in (what Map To Requester's "Allow
 * Requester Login" means when it is on for the sync). `loginAllowed`: only requesters whose record
 * carries `allowLogin: true`; for a destination that does not store the flag, nobody.
 */
export type AllowedRequesters = 'syncedActive' | 'loginAllowed';

/** A destination record; a destination that stores the "Allow Requester Login" flag returns it here. */
export type LoginCandidate = DestinationRecord & { allowLogin?: boolean };

const CLAIM_HINT: Record<SsoKeyKind, string> = {
	email: "the ID token has no email claim (nor an email-shaped preferred_username); add the optional claim 'email' under Token configuration in the app registration, or choose another SSO Unique Key",
	upn: "the ID token has neither upn nor preferred_username; add the optional claim 'upn' under Token configuration in the app registration",
	objectId: 'the ID token has no oid claim',
	employeeId: 'the user has no Employee ID in Azure AD',
};

/**
 * The SSO key of the signed-in user. Email falls back to preferred_username when it looks like
 * an address (it is the UPN, which usually is); the employee ID is not a token claim, so it is
 * read from Microsoft Graph by object id.
 */
export async function ssoKeyOf(identity: IdTokenIdentity, kind: SsoKeyKind, employeeIdOf: (objectId: string) => Promise<string | null>): Promise<SsoKey> {
	const username = identity.preferredUsername;
	const values: Record<SsoKeyKind, () => Promise<string | null> | string | null> = {
		email: () => identity.email ?? (username?.includes('@') ? username : null),
		upn: () => identity.upn ?? username,
		objectId: () => identity.objectId,
		employeeId: () => employeeIdOf(identity.objectId),
	};
	const value = await values[kind]();
	if (!value?.trim()) throw new SsoFailure('claimMissing', `Cannot match Azure user ${identity.objectId} to a requester: ${CLAIM_HINT[kind]}`);
	return { kind, value: normaliseKey(value) };
}

/** The user's employee ID from Microsoft Graph (needs User.Read.All, which the sync has anyway). */
export async function employeeIdFromGraph(client: GraphClient, objectId: string): Promise<string | null> {
	const { data } = await client.request<{ employeeId?: unknown } | undefined>({ path: `/users/${userPathSegment(objectId)}`, query: { $select: 'employeeId' } });
	return typeof data?.employeeId === 'string' ? data.employeeId : null;
}

export interface RequesterCheck {
	key: SsoKey;
	objectId: string;
	/** The sync's links (Azure object id → destination id) visible to this workflow. */
	links: Readonly<Record<string, string>>;
	allowed: AllowedRequesters;
	destinationLabel: string;
}

/** Refuses the login unless the record is this user's synced, active, allowed requester. */
export function checkRequester(record: LoginCandidate | null, check: RequesterCheck): LoginCandidate {
	const { key, objectId, destinationLabel } = check;
	if (!record) throw new SsoFailure('requesterUnknown', `No requester with ${key.kind} "${key.value}" in ${destinationLabel}`);
	const stored = record.azureObjectId ? normaliseKey(record.azureObjectId) : null;
	const oid = normaliseKey(objectId);
	if (stored !== null && stored !== oid) {
		// Same key, another person (a reused email address): never let one sign in as the other.
		throw new SsoFailure('requesterNotSynced', `Requester ${record.id} (${key.kind} "${key.value}") belongs to Azure user ${stored}, not to the signed-in user ${oid}`);
	}
	const linked = stored === oid || (key.kind === 'objectId' && record.key === oid) || check.links[oid] === record.id || check.links[objectId] === record.id;
	if (!linked) {
		throw new SsoFailure(
			'requesterNotSynced',
			`Requester ${record.id} (${key.kind} "${key.value}") is not synced from Azure AD: it stores no Azure object ID and the sync's links in this workflow do not name it. Store the Azure Object ID on requesters (destination settings of the sync) so SSO can prove the link.`,
		);
	}
	if (!record.active) throw new SsoFailure('requesterInactive', `Requester ${record.id} (${key.kind} "${key.value}") is deactivated in ${destinationLabel}`);
	if (check.allowed === 'loginAllowed' && record.allowLogin !== true) {
		throw new SsoFailure(
			'loginNotAllowed',
			record.allowLogin === false
				? `Requester ${record.id} (${key.kind} "${key.value}") has login turned off`
				: `Allowed Requesters is "Only Those With Login Allowed", but ${destinationLabel} does not store the login flag; choose "All Synced Active Requesters" or store the flag`,
		);
	}
	return record;
}
