/**
 * What each feature of the pack needs from Microsoft Graph, as application permissions (the
 * token's `roles` claim). Each feature lists alternatives, least privileged first; an alternative
 * is a set of permissions that must all be granted.
 */
export type FeatureId =
	| 'listUsers'
	| 'managerLookup'
	| 'groupScoping'
	| 'directoryExtensions'
	| 'disableEnable'
	| 'passwordReset'
	| 'revokeSessions'
	| 'sendEmail'
	| 'protectedRoles'
	| 'tenantDetails'
	| 'credentialExpiry';

export interface FeatureRequirement {
	id: FeatureId;
	label: string;
	/** Alternatives: the feature is ready when every permission of one alternative is granted. */
	anyOf: string[][];
	/** What the token cannot show (for example a directory role the app also needs). */
	note?: string;
}

export const FEATURES: readonly FeatureRequirement[] = [
	{ id: 'listUsers', label: 'List users (sync)', anyOf: [['User.Read.All'], ['User.ReadWrite.All'], ['Directory.Read.All'], ['Directory.ReadWrite.All']] },
	{ id: 'managerLookup', label: 'Reporting manager lookup', anyOf: [['User.Read.All'], ['User.ReadWrite.All'], ['Directory.Read.All'], ['Directory.ReadWrite.All']] },
	{
		id: 'groupScoping',
		label: 'Scope the sync to group members',
		anyOf: [['GroupMember.Read.All', 'User.Read.All'], ['Group.Read.All', 'User.Read.All'], ['Directory.Read.All']],
	},
	{ id: 'directoryExtensions', label: 'Directory (schema) extension attributes', anyOf: [['Directory.Read.All'], ['Directory.ReadWrite.All']] },
	{
		id: 'disableEnable',
		label: 'Disable (lock) and unlock accounts',
		anyOf: [['User.EnableDisableAccount.All', 'User.Read.All'], ['User.ReadWrite.All'], ['Directory.ReadWrite.All']],
		note: 'Disabling an administrator also needs the app to hold a directory role such as Privileged Authentication Administrator.',
	},
	{
		id: 'passwordReset',
		label: 'Force password reset',
		anyOf: [['User-PasswordProfile.ReadWrite.All'], ['User.ReadWrite.All'], ['Directory.ReadWrite.All']],
		note: 'The app also needs a Microsoft Entra role such as User Administrator (or Privileged Authentication Administrator for admins); roles do not show in the token.',
	},
	{ id: 'revokeSessions', label: 'Revoke sign-in sessions', anyOf: [['User.RevokeSessions.All'], ['User.ReadWrite.All'], ['Directory.ReadWrite.All']] },
	{ id: 'sendEmail', label: 'Send the temporary-password email', anyOf: [['Mail.Send']], note: 'Limit the mailboxes the app may send as with an Exchange application access policy.' },
	{
		id: 'protectedRoles',
		label: 'Protect holders of privileged directory roles',
		anyOf: [['RoleManagement.Read.Directory'], ['Directory.Read.All'], ['RoleManagement.ReadWrite.Directory']],
	},
	{ id: 'tenantDetails', label: 'Tenant name and verified domains', anyOf: [['Organization.Read.All'], ['Directory.Read.All'], ['Organization.ReadWrite.All']] },
	{
		id: 'credentialExpiry',
		label: 'Client secret and certificate expiry',
		anyOf: [['Application.Read.All'], ['Application.ReadWrite.OwnedBy'], ['Application.ReadWrite.All'], ['Directory.Read.All']],
	},
];

export interface FeatureReadiness {
	feature: FeatureId;
	label: string;
	ready: boolean;
	/** The granted alternative, when ready. */
	grantedBy?: string[];
	/** The least-privileged alternative's permissions not yet granted, when not ready. */
	missing?: string[];
	/** Every way to make it ready, in words. */
	requires: string;
	note?: string;
}

export function assessFeatures(granted: readonly string[]): FeatureReadiness[] {
	const have = new Set(granted.map((role) => role.toLowerCase()));
	return FEATURES.map((feature) => {
		const grantedBy = feature.anyOf.find((set) => set.every((permission) => have.has(permission.toLowerCase())));
		const requires = describeRequirement(feature);
		const base = { feature: feature.id, label: feature.label, requires, ...(feature.note ? { note: feature.note } : {}) };
		if (grantedBy) return { ...base, ready: true, grantedBy };
		return { ...base, ready: false, missing: feature.anyOf[0].filter((permission) => !have.has(permission.toLowerCase())) };
	});
}

export function describeRequirement(feature: FeatureRequirement): string {
	return feature.anyOf.map((set) => set.join(' + ')).join(', or ');
}

export function featureById(id: FeatureId): FeatureRequirement {
	const feature = FEATURES.find((candidate) => candidate.id === id);
	if (!feature) throw new Error(`Unknown feature "${id}"`);
	return feature;
}
