/**
 * Accounts a ticket must never touch: members of protected groups, users on a protected list, and
 * holders of privileged directory roles. Every check fails closed: when Graph will not say whether
 * a user is protected, the answer is "refuse", with the permission that would let us find out.
 */
import type { GraphClient } from './client';
import { GraphError } from './errors';
import { isGuid, userPathSegment } from './odata';
import { describeRequirement, featureById, type FeatureId } from './permissions';
import { pushId, type DirectoryUser } from './userResolution';

export interface PrivilegedRole {
	templateId: string;
	name: string;
}

/**
 * Built-in roles Microsoft marks as privileged (Entra "built-in roles" reference), plus Exchange
 * and SharePoint Administrator and the Entra Connect sync account, which a helpdesk ticket should
 * not lock or reset either. Template IDs are the same in every tenant.
 */
export const PRIVILEGED_ROLES: readonly PrivilegedRole[] = [
	{ templateId: '62e90394-69f5-4237-9190-012177145e10', name: 'Global Administrator' },
	{ templateId: 'e8611ab8-c189-46e8-94e1-60213ab1f814', name: 'Privileged Role Administrator' },
	{ templateId: '7be44c8a-adaf-4e2a-84d6-ab2649e08a13', name: 'Privileged Authentication Administrator' },
	{ templateId: 'fe930be7-5e62-47db-91af-98c3a49a38b1', name: 'User Administrator' },
	{ templateId: '194ae4cb-b126-40b2-bd5b-6091b380977d', name: 'Security Administrator' },
	{ templateId: '5f2222b1-57c3-48ba-8ad5-d4759f1fde6f', name: 'Security Operator' },
	{ templateId: '5d6b6bb7-de71-4623-b4af-96380a352509', name: 'Security Reader' },
	{ templateId: '29232cdf-9323-42fd-ade2-1d097af3e4de', name: 'Exchange Administrator' },
	{ templateId: 'f28a1f50-f6e7-4571-818b-6a12f2af6b6c', name: 'SharePoint Administrator' },
	{ templateId: '729827e3-9c14-49f7-bb1b-9608f156bbb8', name: 'Helpdesk Administrator' },
	{ templateId: '966707d0-3269-4727-9be2-8c3a10f19b9d', name: 'Password Administrator' },
	{ templateId: 'c4e39bd9-1100-46d3-8c65-fb160da0071f', name: 'Authentication Administrator' },
	{ templateId: '25a516ed-2fa0-40ea-a2d0-12923a21473a', name: 'Authentication Extensibility Administrator' },
	{ templateId: 'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9', name: 'Conditional Access Administrator' },
	{ templateId: '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3', name: 'Application Administrator' },
	{ templateId: 'cf1c38e5-3621-4004-a7cb-879624dced7c', name: 'Application Developer' },
	{ templateId: '158c047a-c907-4556-b7ef-446551a6b5f7', name: 'Cloud Application Administrator' },
	{ templateId: '7698a772-787b-4ac8-901f-60d6b08affd2', name: 'Cloud Device Administrator' },
	{ templateId: '3a2c62db-5318-420d-8d74-23affee5d9d5', name: 'Intune Administrator' },
	{ templateId: '8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2', name: 'Hybrid Identity Administrator' },
	{ templateId: '8329153b-31d0-4727-b945-745eb3bc5f31', name: 'Domain Name Administrator' },
	{ templateId: 'be2f45a1-457d-42af-a067-6ec1fa63bc45', name: 'External Identity Provider Administrator' },
	{ templateId: '9360feb5-f418-4baa-8175-e2a00bac4301', name: 'Directory Writers' },
	{ templateId: 'd29b2b05-8046-44ba-8758-1e26182fcf32', name: 'Directory Synchronization Accounts' },
	{ templateId: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451', name: 'Global Reader' },
	{ templateId: '59d46f88-662b-457b-bceb-5c3809e5908f', name: 'Lifecycle Workflows Administrator' },
	{ templateId: 'aaf43236-0c0d-4d5f-883a-6955382ac081', name: 'B2C IEF Keyset Administrator' },
	{ templateId: 'ecb2c6bf-0ab6-418e-bd87-7986f8d63bbe', name: 'Attribute Provisioning Administrator' },
	{ templateId: 'db506228-d27e-4b7d-95e5-295956d6615f', name: 'Agent ID Administrator' },
	{ templateId: '4ba39ca4-527c-499a-b93d-d9b492c50246', name: 'Partner Tier1 Support' },
	{ templateId: 'e00e864a-17c5-4a4b-9c06-f5b95a8d5bd8', name: 'Partner Tier2 Support' },
];

export interface ProtectionPolicy {
	/** Object IDs of groups whose (transitive) members are never acted on. */
	protectedGroupIds: string[];
	/** UPNs, object IDs or addresses, compared case-insensitively. */
	protectedUsers: string[];
	/** Refuse holders of the roles above (and `extraRoleTemplateIds`). */
	protectPrivilegedRoles: boolean;
	extraRoleTemplateIds?: string[];
}

export type ProtectionVerdict =
	| { protected: false; requestIds: string[] }
	| { protected: true; reason: string; requestIds: string[] };

/** A setting of the policy that cannot be right (not a GUID); named so the user can fix it. */
export class ProtectionSettingError extends Error {
	readonly field: string;

	constructor(field: string, message: string) {
		super(message);
		this.name = 'ProtectionSettingError';
		this.field = field;
	}
}

/** checkMemberGroups takes at most 20 group IDs per call. */
const GROUPS_PER_CHECK = 20;

const ROLE_REMEDY = 'grant one of them, or turn off "Protect Privileged Role Holders"';
const GROUP_REMEDY = 'grant one of them, or clear "Protected Group IDs"';

/** Splits a list typed by a person: commas, semicolons, new lines; blanks dropped. */
export function parseList(value: string | string[] | undefined | null): string[] {
	const parts = Array.isArray(value) ? value : String(value ?? '').split(/[,;\r\n]+/);
	return parts.map((part) => String(part).trim()).filter((part) => part !== '');
}

/** Throws a ProtectionSettingError for IDs that are not GUIDs, before anything is asked of Graph. */
export function validateProtectionPolicy(policy: ProtectionPolicy): void {
	const badGroup = policy.protectedGroupIds.find((id) => !isGuid(id));
	if (badGroup !== undefined) {
		throw new ProtectionSettingError('Protected Group IDs', `Protected Group IDs: "${badGroup}" is not a group object ID (a GUID)`);
	}
	const badRole = (policy.extraRoleTemplateIds ?? []).find((id) => !isGuid(id));
	if (badRole !== undefined) {
		throw new ProtectionSettingError('Additional Protected Role IDs', `Additional Protected Role IDs: "${badRole}" is not a role template ID (a GUID)`);
	}
}

export async function checkProtection(client: GraphClient, user: DirectoryUser, policy: ProtectionPolicy): Promise<ProtectionVerdict> {
	const requestIds: string[] = [];
	const listed = findOnProtectedList(user, policy.protectedUsers);
	if (listed) return { protected: true, reason: `${label(user)} is on the Protected Users list (as "${listed}")`, requestIds };

	const group = await findProtectedGroup(client, user, policy.protectedGroupIds, requestIds);
	if (group) return { protected: true, ...group, requestIds };

	if (policy.protectPrivilegedRoles) {
		const role = await findPrivilegedRole(client, user, policy.extraRoleTemplateIds ?? [], requestIds);
		if (role) return { protected: true, ...role, requestIds };
	}
	return { protected: false, requestIds };
}

function findOnProtectedList(user: DirectoryUser, entries: string[]): string | undefined {
	const identities = new Set(
		[
			user.id,
			user.userPrincipalName,
			user.mail,
			...user.otherMails,
			...user.proxyAddresses.filter((address) => /^smtp:/i.test(address)).map((address) => address.slice(5)),
		]
			.filter((value): value is string => typeof value === 'string' && value !== '')
			.map((value) => value.toLowerCase()),
	);
	return entries.find((entry) => identities.has(entry.trim().toLowerCase()));
}

async function findProtectedGroup(
	client: GraphClient,
	user: DirectoryUser,
	groupIds: string[],
	requestIds: string[],
): Promise<{ reason: string } | undefined> {
	for (let start = 0; start < groupIds.length; start += GROUPS_PER_CHECK) {
		const chunk = groupIds.slice(start, start + GROUPS_PER_CHECK);
		try {
			// A read despite the POST: safe to repeat after a dropped connection.
			const response = await client.request<{ value?: string[] }>({
				method: 'POST',
				path: `/users/${userPathSegment(user.id)}/checkMemberGroups`,
				body: { groupIds: chunk },
				idempotent: true,
			});
			pushId(requestIds, response.requestId);
			const member = response.data?.value ?? [];
			if (member.length > 0) return { reason: `${label(user)} is a member of protected group ${member[0]}` };
		} catch (error) {
			const cannot = cannotCheck(error, 'groupScoping', `the group memberships of ${label(user)}`, GROUP_REMEDY, requestIds);
			if (cannot) return cannot;
			throw error;
		}
	}
	return undefined;
}

interface DirectoryRole {
	id: string;
	displayName?: string | null;
	roleTemplateId?: string | null;
}

/**
 * Active, tenant-wide directory roles, including those held through role-assignable groups. Without
 * a role-reading permission Graph still lists the roles but hides their template IDs, which we
 * treat as "cannot tell", hence refuse.
 */
async function findPrivilegedRole(
	client: GraphClient,
	user: DirectoryUser,
	extraTemplateIds: string[],
	requestIds: string[],
): Promise<{ reason: string } | undefined> {
	const privileged = new Map(PRIVILEGED_ROLES.map((role) => [role.templateId, role.name]));
	for (const id of extraTemplateIds) privileged.set(id.toLowerCase(), privileged.get(id.toLowerCase()) ?? `role ${id}`);
	try {
		for await (const page of client.paginate<DirectoryRole>(
			`/users/${userPathSegment(user.id)}/transitiveMemberOf/microsoft.graph.directoryRole`,
			{ $select: 'id,displayName,roleTemplateId', $count: 'true' },
			{ ConsistencyLevel: 'eventual' },
		)) {
			pushId(requestIds, page.requestId);
			for (const role of page.value) {
				if (!role.roleTemplateId) return { reason: permissionReason('protectedRoles', `the directory roles of ${label(user)}`, ROLE_REMEDY) };
				const name = privileged.get(role.roleTemplateId.toLowerCase());
				if (name) return { reason: `${label(user)} holds the privileged directory role ${name}` };
			}
		}
	} catch (error) {
		const cannot = cannotCheck(error, 'protectedRoles', `the directory roles of ${label(user)}`, ROLE_REMEDY, requestIds);
		if (cannot) return cannot;
		throw error;
	}
	return undefined;
}

function cannotCheck(error: unknown, feature: FeatureId, what: string, remedy: string, requestIds: string[]): { reason: string } | undefined {
	if (!(error instanceof GraphError) || error.status !== 403) return undefined;
	pushId(requestIds, error.requestId);
	return { reason: permissionReason(feature, what, remedy) };
}

/** Fail closed: not knowing whether an account is protected is treated as protected. */
function permissionReason(feature: FeatureId, what: string, remedy: string): string {
	return `Could not read ${what} to rule out a protected account; that needs ${describeRequirement(featureById(feature))}: ${remedy}`;
}

function label(user: DirectoryUser): string {
	return user.userPrincipalName ?? user.id;
}
