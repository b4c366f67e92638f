/**
 * The PUT fallback for services without PATCH: the client's own PATCH operations applied to the
 * user as read, so a PUT changes exactly what the PATCH would have (other entries and attributes kept).
 * Only the path forms patchOperations builds are handled.
 */
import type { PatchOperation, ScimResource } from './mapping';
import { ENTERPRISE_USER } from './settings';

type Entry = Record<string, unknown>;

/** Splits `urn…:User:manager`, `name.givenName`, `phoneNumbers[type eq "work"].value` into container, attribute, type filter, sub-attribute. */
function parse(path: string): { extension: boolean; attribute: string; type?: string; sub?: string } {
	const extension = path.startsWith(`${ENTERPRISE_USER}:`);
	const rest = extension ? path.slice(ENTERPRISE_USER.length + 1) : path;
	const match = /^([A-Za-z$][\w$-]*)(?:\[type eq "([^"]*)"\])?(?:\.([A-Za-z$][\w$-]*))?$/.exec(rest);
	if (!match) throw new Error(`Unsupported PATCH path ${path}`);
	return { extension, attribute: match[1], type: match[2], sub: match[3] };
}

export function applyOperations(resource: ScimResource, operations: readonly PatchOperation[]): ScimResource {
	const next = structuredClone(resource);
	for (const operation of operations) {
		const { extension, attribute, type, sub } = parse(operation.path);
		const container = extension ? ((next[ENTERPRISE_USER] ??= {}) as Entry) : next;
		if (type !== undefined) {
			const list = Array.isArray(container[attribute]) ? (container[attribute] as Entry[]) : [];
			const index = list.findIndex((entry) => String(entry?.type).toLowerCase() === type);
			if (operation.op === 'remove' && sub === undefined) list.splice(index >= 0 ? index : list.length, index >= 0 ? 1 : 0);
			else if (index >= 0 && sub !== undefined) {
				if (operation.op === 'remove') delete list[index][sub];
				else list[index][sub] = operation.value;
			}
			container[attribute] = list;
			if (list.length === 0) delete container[attribute];
		} else if (operation.op === 'add' && Array.isArray(operation.value)) {
			container[attribute] = [...(Array.isArray(container[attribute]) ? (container[attribute] as Entry[]) : []), ...(operation.value as Entry[])];
		} else if (sub !== undefined) {
			const complex = (container[attribute] ??= {}) as Entry;
			if (operation.op === 'remove') delete complex[sub];
			else complex[sub] = operation.value;
		} else if (operation.op === 'remove') delete container[attribute];
		else container[attribute] = operation.value;
	}
	return next;
}
