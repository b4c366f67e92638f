/**
 * Reading and changing the SSO store: the freshest copy (this process's memory or the static data
 * the execution loaded, by revision), changed synchronously and written straight back to both, so
 * concurrent executions in one process never work on stale copies (see store.ts).
 */
import { emptyStore, parseStore, revisionOf, type SsoStoreData } from './store';

/** Where an execution keeps the store: its workflow's static data. */
export interface StoreSlot {
	load(): unknown;
	save(data: SsoStoreData): void;
}

export interface SsoStoreAccess {
	/** The current store; treat it as read-only. */
	read(): SsoStoreData;
	/** Applies a synchronous change and saves it; the change must not await. */
	update<T>(change: (data: SsoStoreData) => T): T;
}

const latest = new Map<string, SsoStoreData>();

/** `scope` names the store across executions: the workflow id. */
export function ssoStoreAccess(scope: string, slot: StoreSlot): SsoStoreAccess {
	const current = (): SsoStoreData => {
		const loaded = slot.load();
		const remembered = latest.get(scope);
		if (remembered && revisionOf(loaded) <= remembered.revision) return remembered;
		// A plain copy: the loaded one is n8n's change-tracking proxy of this execution only.
		const fresh = revisionOf(loaded) < 0 ? emptyStore() : parseStore(JSON.parse(JSON.stringify(loaded)));
		latest.set(scope, fresh);
		return fresh;
	};
	return {
		read: current,
		update<T>(change: (data: SsoStoreData) => T): T {
			const data = current();
			const result = change(data);
			data.revision += 1;
			slot.save(data);
			return result;
		},
	};
}

/** Forgets the in-memory copies (tests; static data stays the source after a restart). */
export function forgetSsoStores(): void {
	latest.clear();
}
