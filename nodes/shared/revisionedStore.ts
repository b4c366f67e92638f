/**
 * A store kept in n8n workflow static data that concurrent executions in one process share.
 * n8n loads static data when an execution starts and saves the whole object when it ends, so two
 * executions at once would each save their own copy and the last to finish would drop the other's
 * changes. The store is therefore also kept in this process's memory, every change is made on the
 * freshest copy (memory or static data, by revision) and written straight back to both. Used by the
 * SSO store and the audit log; n8n-free (the adapter gives the slot).
 */

/** Where an execution keeps the store: a key of its workflow's static data. */
export interface StoreSlot<T> {
	load(): unknown;
	save(data: T): void;
}

export interface RevisionedStore<T> {
	/** The current store; treat it as read-only. */
	read(): T;
	/** Applies a synchronous change and saves it; the change must not await. */
	update<R>(change: (data: T) => R): R;
}

interface StoreShape<T> {
	empty(): T;
	/** Malformed data (edited by hand, left by another version) is read as empty parts. */
	parse(raw: unknown): T;
}

/** The in-memory copies of one kind of store, by scope (the workflow id). */
export type StoreMemory<T> = Map<string, T>;

export function revisionOf(raw: unknown): number {
	if (typeof raw !== 'object' || raw === null) return -1;
	const revision = (raw as { revision?: unknown }).revision;
	return typeof revision === 'number' && Number.isFinite(revision) ? revision : -1;
}

export function revisionedStore<T extends { revision: number }>(memory: StoreMemory<T>, scope: string, slot: StoreSlot<T>, shape: StoreShape<T>): RevisionedStore<T> {
	const current = (): T => {
		const loaded = slot.load();
		const remembered = memory.get(scope);
		if (remembered && revisionOf(loaded) <= remembered.revision) return remembered;
		// A plain copy: the loaded one is n8n's change-tracking proxy of this execution only.
		const fresh = revisionOf(loaded) < 0 ? shape.empty() : shape.parse(JSON.parse(JSON.stringify(loaded)));
		memory.set(scope, fresh);
		return fresh;
	};
	return {
		read: current,
		update<R>(change: (data: T) => R): R {
			const data = current();
			const result = change(data);
			data.revision += 1;
			slot.save(data);
			return result;
		},
	};
}
