/**
 * sys_user's reference columns (department, location, company, cost center) hold a sys_id; the
 * requester model holds a name. Names are resolved to sys_ids when writing and sys_ids back to
 * names when reading, each looked up once per destination and kept (a missing name too, so a
 * hundred users of one unknown department cost one lookup).
 */
import { normaliseKey } from '../../requester/model';
import { asText } from '../common';
import { exactSearch, sysIdIn } from './query';
import { ServiceNowApi, type Row } from './requests';
import type { ReferenceSpec } from './settings';

/** Rows per id lookup: 100 sys_ids keep the URL well under common limits (32 characters each). */
const IDS_PER_LOOKUP = 100;
/** Rows read per name search; a name shared by more records than this is ambiguous anyway. */
const ROWS_PER_NAME = 50;

/** Rows of `table` whose `column` equals `value` exactly (case-insensitively), see query.ts. */
export async function findExact(api: ServiceNowApi, table: string, column: string, value: string, fields: string[], limit: number): Promise<Row[]> {
	const wanted = normaliseKey(value);
	const matches = (row: Row) => {
		const text = asText(refValue(row[column]));
		return text !== null && normaliseKey(text) === wanted;
	};
	const search = exactSearch(column, value);
	for (const query of [search.equals, search.contains]) {
		if (query === undefined) continue;
		const rows = await readAll(api, table, query, fields, limit);
		const found = rows.filter(matches);
		if (found.length > 0) return found;
	}
	return [];
}

/** Every row of a query, page by page (lookups are small; this only guards against a broad LIKE). */
async function readAll(api: ServiceNowApi, table: string, query: string, fields: string[], limit: number): Promise<Row[]> {
	const rows: Row[] = [];
	for (let offset = 0; ; offset += limit) {
		const response = await api.table({ method: 'GET', path: table, query: { sysparm_query: query, sysparm_fields: fields.join(','), sysparm_limit: limit, sysparm_offset: offset || undefined, sysparm_exclude_reference_link: 'true' } });
		const page = ServiceNowApi.rows(response.body);
		rows.push(...page);
		if (page.length < limit) return rows;
	}
}

/** A reference value as the Table API sends it: a sys_id string, or `{ link, value }` without sysparm_exclude_reference_link. */
export function refValue(value: unknown): unknown {
	return value && typeof value === 'object' && 'value' in value ? (value as { value: unknown }).value : value;
}

export class ReferenceNames {
	private readonly nameById = new Map<string, string>();
	private readonly idByName = new Map<string, Promise<string | null>>();
	/** Names already resolved, for the synchronous expectedFields. */
	private readonly resolved = new Map<string, string | null>();
	private readonly loading = new Map<string, Promise<void>>();
	/** sys_ids that point at no record (deleted, or not readable). */
	private readonly missing = new Set<string>();

	constructor(
		private readonly api: ServiceNowApi,
		readonly spec: ReferenceSpec,
	) {}

	/** The sys_id of the record named `name` (the oldest when several share it), or null when there is none. */
	async idFor(name: string): Promise<string | null> {
		const key = normaliseKey(name);
		let pending = this.idByName.get(key);
		if (!pending) {
			pending = this.search(name).catch((error: unknown) => {
				this.idByName.delete(key);
				throw error;
			});
			this.idByName.set(key, pending);
		}
		return await pending;
	}

	/** Loads the names of these sys_ids (those not known yet), in batches. */
	async load(ids: Iterable<string>): Promise<void> {
		const wanted = [...new Set(ids)].filter((id) => id !== '' && !this.nameById.has(id) && !this.missing.has(id));
		const fresh = wanted.filter((id) => !this.loading.has(id));
		for (let start = 0; start < fresh.length; start += IDS_PER_LOOKUP) {
			const batch = fresh.slice(start, start + IDS_PER_LOOKUP);
			const pending = this.fetchNames(batch).finally(() => batch.forEach((id) => this.loading.delete(id)));
			batch.forEach((id) => this.loading.set(id, pending));
		}
		await Promise.all(new Set(wanted.map((id) => this.loading.get(id))));
	}

	/** The name of a loaded sys_id; null for an empty reference or one that points at nothing. */
	nameOf(id: string | null): string | null {
		return id === null ? null : (this.nameById.get(id) ?? null);
	}

	/** The name as ServiceNow spells it, once resolved or read; otherwise the name as given. */
	canonical(name: string | null): string | null {
		if (name === null) return null;
		const id = this.resolved.get(normaliseKey(name));
		return id ? (this.nameById.get(id) ?? name) : name;
	}

	private async search(name: string): Promise<string | null> {
		const rows = await findExact(this.api, this.spec.table, 'name', name, ['sys_id', 'name', 'sys_created_on'], ROWS_PER_NAME);
		rows.sort((a, b) => String(a.sys_created_on ?? '').localeCompare(String(b.sys_created_on ?? '')) || String(a.sys_id).localeCompare(String(b.sys_id)));
		const first = rows[0];
		const id = first ? asText(first.sys_id) : null;
		if (first && id) this.nameById.set(id, asText(first.name) ?? name);
		this.resolved.set(normaliseKey(name), id);
		return id;
	}

	private async fetchNames(ids: string[]): Promise<void> {
		const response = await this.api.table({ method: 'GET', path: this.spec.table, query: { sysparm_query: sysIdIn(ids), sysparm_fields: 'sys_id,name', sysparm_limit: ids.length, sysparm_exclude_reference_link: 'true' } });
		for (const row of ServiceNowApi.rows(response.body)) {
			const id = asText(row.sys_id);
			const name = asText(row.name);
			if (id === null || name === null) continue;
			this.nameById.set(id, name);
			if (!this.resolved.has(normaliseKey(name))) this.resolved.set(normaliseKey(name), id);
		}
		for (const id of ids) if (!this.nameById.has(id)) this.missing.add(id);
	}
}
