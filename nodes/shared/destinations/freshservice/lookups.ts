/**
 * Departments and locations by name: Freshservice stores their ids on a requester, the directory
 * has their names. Each list is read once per destination (all pages) and kept.
 */
import type { HttpResponse } from '../../http/request';
import { normaliseKey } from '../../requester/model';
import { asText } from '../common';
import { hasNextPage, listOf, PAGE_SIZE } from './requests';

export interface NameIndex {
	idByName: Map<string, number>;
	nameById: Map<number, string>;
}

export type NameKind = 'departments' | 'locations';

/** Why a name cannot be written, as a validation reason. */
export interface UnknownName {
	field: string;
	message: string;
	code: string;
}

export class NameLookups {
	private readonly indexes: { departments?: Promise<NameIndex>; locations?: Promise<NameIndex> } = {};
	/** The same indexes once loaded, for the synchronous `expectedFields`. */
	private readonly loaded: { departments?: NameIndex; locations?: NameIndex } = {};

	constructor(private readonly get: (path: string) => Promise<HttpResponse<unknown>>) {}

	/** Departments or locations by name, read once (a failed read is tried again next time). */
	async index(kind: NameKind): Promise<NameIndex> {
		this.indexes[kind] ??= this.load(kind).catch((error: unknown) => {
			delete this.indexes[kind];
			throw error;
		});
		return await this.indexes[kind];
	}

	/** The id to write for a department or office location name; null clears it. */
	async resolve(field: 'department' | 'officeLocation', name: string | null): Promise<{ id: number | null } | { reason: UnknownName }> {
		if (name === null) return { id: null };
		const kind = field === 'department' ? 'departments' : 'locations';
		const id = (await this.index(kind)).idByName.get(normaliseKey(name));
		if (id !== undefined) return { id };
		const where = field === 'department' ? 'Admin > Departments' : 'Admin > Locations';
		return {
			reason: {
				field,
				message: `Freshservice has no ${field === 'department' ? 'department' : 'location'} named "${name}": add it under ${where}, or change the ${field === 'department' ? 'Department' : 'Office Location'} mapping`,
				code: field === 'department' ? 'unknown_department' : 'unknown_location',
			},
		};
	}

	/** The name as Freshservice spells it (a read-back shows that), when the list is loaded. */
	canonicalName(kind: NameKind, name: string | null): string | null {
		const index = this.loaded[kind];
		if (name === null || index === undefined) return name;
		const id = index.idByName.get(normaliseKey(name));
		return id === undefined ? name : (index.nameById.get(id) ?? name);
	}

	private async load(kind: NameKind): Promise<NameIndex> {
		const index: NameIndex = { idByName: new Map(), nameById: new Map() };
		for (let page = 1; ; page++) {
			const response = await this.get(`/${kind}?per_page=${PAGE_SIZE}&page=${page}`);
			for (const item of listOf(response.body, kind)) {
				const name = asText(item.name);
				if (typeof item.id !== 'number' || name === null) continue;
				index.nameById.set(item.id, name);
				if (!index.idByName.has(normaliseKey(name))) index.idByName.set(normaliseKey(name), item.id);
			}
			if (!hasNextPage(response)) break;
		}
		this.loaded[kind] = index;
		return index;
	}
}
