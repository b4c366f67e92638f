/**
 * SCIM 2.0's piece of the n8n adapter: its parameters, its credential (turned into request
 * headers), building the client from them and the credential's Test button (probeScimServer).
 * Type-only n8n imports; the generic adapter (nodes/shared/n8n/destinations.ts) turns thrown
 * errors into n8n errors.
 */
import type { ICredentialDataDecryptedObject, ICredentialsDecrypted, ICredentialTestFunctions, INodeCredentialTestResult } from 'n8n-workflow';
import type { DestinationDescriptor } from '../../n8n/destinationDescriptor';
import { maxRequestsPerMinuteProperty, rateBudgetShareProperty } from '../../n8n/options';
import type { SsoKeyKind } from '../../requester/model';
import { DestinationConfigError } from '../common';
import { ScimDestination } from './client';
import { probeScimServer } from './probe';
import type { ScimOptions } from './settings';

export const SCIM_CREDENTIAL = 'scimApi';

/** The request headers a SCIM API credential stands for: Authorization and the optional extra header. */
export function scimAuthHeaders(data: ICredentialDataDecryptedObject): Record<string, string> {
	const headers: Record<string, string> = {};
	const type = String(data.authentication ?? 'bearer');
	if (type === 'basic') {
		const user = String(data.user ?? '');
		if (user !== '') headers.authorization = `Basic ${Buffer.from(`${user}:${String(data.password ?? '')}`).toString('base64')}`;
	} else {
		const token = String(data.token ?? '').trim();
		if (token !== '') headers.authorization = `Bearer ${token}`;
	}
	const name = String(data.headerName ?? '').trim();
	if (name !== '') {
		if (name.toLowerCase() === 'authorization') throw new DestinationConfigError('Extra Header Name', 'cannot be Authorization (set it through Authentication)');
		headers[name.toLowerCase()] = String(data.headerSecret ?? '');
	}
	return headers;
}

function scimConnection(data: ICredentialDataDecryptedObject): Pick<ScimOptions, 'baseUrl' | 'headers'> {
	return { baseUrl: String(data.baseUrl ?? ''), headers: scimAuthHeaders(data) };
}

/** Backs the SCIM API credential's Test button: what the service supports (PATCH, filter, Bulk, ETag, max results) or what to fix. */
export async function scimConnectionTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
	try {
		const probe = await probeScimServer(scimConnection(credential.data ?? {}));
		return { status: probe.ok ? 'OK' : 'Error', message: probe.message };
	} catch (error) {
		return { status: 'Error', message: error instanceof Error ? error.message : String(error) };
	}
}

/** Match On: userName holds the sync's key (email, UPN or employee ID); externalId holds the Azure object ID. */
function scimKeyKind(matchOn: unknown, keyKind: SsoKeyKind | undefined): SsoKeyKind {
	const kind = keyKind ?? 'email';
	if (matchOn === 'externalId') {
		if (kind !== 'objectId') throw new DestinationConfigError('Match On', `externalId holds the Azure object ID: set Map To Requester's login to Object ID, or match on userName (the sync's key is ${kind})`);
		return kind;
	}
	if (matchOn !== undefined && matchOn !== 'userName') throw new DestinationConfigError('Match On', `must be userName or externalId, not ${String(matchOn)}`);
	if (kind === 'objectId') throw new DestinationConfigError('Match On', 'the sync matches on the Azure object ID, which SCIM keeps in externalId: choose externalId');
	return kind;
}

export const scimDestination: DestinationDescriptor = {
	label: 'SCIM 2.0',
	description: 'Users in any SCIM 2.0 service (RFC 7643/7644), e.g. an IdP or ITSM with a SCIM endpoint',
	credential: SCIM_CREDENTIAL,
	testedBy: 'scimConnectionTest',
	settingsPlace: 'node or the SCIM API credential',
	properties: [
		{
			displayName: 'Match On',
			name: 'scimMatchOn',
			type: 'options',
			options: [
				{ name: 'userName', value: 'userName', description: "The sync's key (email, UPN or employee ID, per Map To Requester's login) in userName" },
				{ name: 'externalId', value: 'externalId', description: "The Azure object ID in externalId (needs Map To Requester's login set to Object ID)" },
			],
			default: 'userName',
			description: 'The SCIM attribute that identifies a user. Users are looked up by a filter on it (or from the full list when the service cannot filter).',
		},
		{
			displayName: 'Deactivate By',
			name: 'scimDeactivateBy',
			type: 'options',
			options: [
				{ name: 'Set Active: False', value: 'active', description: 'Keep the user and write active: false (reactivation sets it back to true)' },
				{ name: 'Delete', value: 'delete', description: 'DELETE the user from the SCIM service: its data and history there are lost and cannot be restored' },
			],
			default: 'active',
			description:
				'How a disabled or removed Azure AD user is deactivated. Warning: Delete removes the user and everything the SCIM service keeps about them, and a user enabled again later is created anew; prefer Set Active: False.',
		},
		{
			displayName: 'Use Bulk for Creates',
			name: 'scimUseBulk',
			type: 'boolean',
			default: false,
			description: "Whether to send new users through /Bulk when the service's ServiceProviderConfig says it supports Bulk (split to its maxOperations and maxPayloadSize)",
		},
	],
	options: [
		rateBudgetShareProperty(
			"Share of the SCIM service's request budget this sync may use, in %; the rest stays for other clients. The budget is learned from the RateLimit or X-RateLimit headers the service sends; without them only Max Requests per Minute and 429 answers slow the sync down.",
		),
		maxRequestsPerMinuteProperty('At most this many requests per minute to the SCIM service, whatever its headers say; 0 for no ceiling of your own'),
	],
	build: ({ credential, parameter, shared }) => {
		const deactivateBy = parameter('scimDeactivateBy', 'active');
		if (deactivateBy !== 'active' && deactivateBy !== 'delete') throw new DestinationConfigError('Deactivate By', `must be active or delete, not ${String(deactivateBy)}`);
		return new ScimDestination({
			...scimConnection(credential),
			...shared,
			keyKind: scimKeyKind(parameter('scimMatchOn', 'userName'), shared.keyKind),
			deleteOnDeactivate: deactivateBy === 'delete',
			useBulk: parameter('scimUseBulk', false) === true,
		});
	},
	methods: {
		credentialTest: { scimConnectionTest },
	},
};
