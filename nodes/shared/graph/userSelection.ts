/**
 * Which user attributes a read asks Graph for: `$select` and the manager `$expand`, from names
 * typed or picked in the node. Only the attributes asked for are read.
 */
import { GRAPH_USER_ATTRIBUTES, MANAGER_ATTRIBUTE, MANAGER_SELECT, describeAttribute, type AttributeInfo } from '../requester/attributes';
import type { DirectoryUser } from '../sync/types';

/** A Graph user as listed: whatever was selected, and always the object ID. */
export type GraphUserRecord = DirectoryUser;

export const MANAGER_EXPAND = `manager($select=${MANAGER_SELECT.join(',')})`;

/** A setting Graph cannot run as given; `field` names the parameter to fix. */
export class UserQueryError extends Error {
	constructor(
		readonly field: string,
		message: string,
		readonly hint?: string,
	) {
		super(message);
		this.name = 'UserQueryError';
	}
}

export interface UserSelection {
	/** Top-level properties for `$select`; always includes `id`. */
	select: string[];
	/** Whether to add `$expand=manager($select=id,displayName,mail,userPrincipalName)`. */
	expandManager: boolean;
}

const CATALOGUE_BY_LOWER_PATH = new Map(GRAPH_USER_ATTRIBUTES.map((info) => [info.path.toLowerCase(), info]));
const SHORT_EXTENSION_ATTRIBUTE = /^extensionAttribute(\d{1,2})$/i;

/** Splits a typed attribute list on commas, semicolons and line breaks. */
export function parseAttributeList(text: string): string[] {
	return text
		.split(/[,;\n\r]+/)
		.map((item) => item.trim())
		.filter((item) => item !== '');
}

/**
 * `$select`/`$expand` for attributes named by catalogue path (`department`,
 * `employeeOrgData.division`, `onPremisesExtensionAttributes.extensionAttribute3`, `manager`,
 * `extension_<appId>_<name>`). Unknown names fail with an error naming `field`.
 */
export function selectionFromAttributes(paths: readonly string[], field: string): UserSelection {
	const select = new Set(['id']);
	let expandManager = false;
	const unknown: string[] = [];
	for (const path of paths.map((item) => item.trim()).filter(Boolean)) {
		if (path.toLowerCase() === MANAGER_ATTRIBUTE) {
			expandManager = true;
			continue;
		}
		const info = lookupAttribute(path);
		if (info) select.add(info.select);
		else unknown.push(path);
	}
	if (unknown.length > 0) {
		throw new UserQueryError(
			field,
			`${field}: ${unknown.map((name) => `"${name}"`).join(', ')} ${unknown.length === 1 ? 'is not a user attribute' : 'are not user attributes'} Microsoft Graph can list`,
			'Use names from the attribute list (e.g. department, employeeOrgData.division), onPremisesExtensionAttributes.extensionAttribute1 to 15, manager, or a directory extension named extension_<app ID without dashes>_<name>.',
		);
	}
	return { select: [...select], expandManager };
}

/** Catalogue entry for a path, forgiving case and the short `extensionAttributeN` form. */
export function lookupAttribute(path: string): AttributeInfo | undefined {
	const short = SHORT_EXTENSION_ATTRIBUTE.exec(path);
	const canonical = short ? `onPremisesExtensionAttributes.extensionAttribute${Number(short[1])}` : path;
	return describeAttribute(canonical) ?? CATALOGUE_BY_LOWER_PATH.get(canonical.toLowerCase());
}

/** `select` with `id` first and no duplicates. */
export function withId(select: readonly string[]): string[] {
	return [...new Set(['id', ...select])];
}
