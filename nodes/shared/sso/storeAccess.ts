/**
 * Reading and changing the SSO store: the freshest copy (this process's memory or the static data
 * the execution loaded, by revision), changed synchronously and written straight back to both, so
 * concurrent executions in one process never work on stale copies (see store.ts).
 */
import { revisionedStore, type RevisionedStore, type StoreMemory, type StoreSlot as Slot } from '../revisionedStore';
import { emptyStore, parseStore, type SsoStoreData } from './store';

/** Where an execution keeps the store: its workflow's static data. */
export type StoreSlot = Slot<SsoStoreData>;

export type SsoStoreAccess = RevisionedStore<SsoStoreData>;

const latest: StoreMemory<SsoStoreData> = new Map();

/** `scope` names the store across executions: the workflow id. */
export function ssoStoreAccess(scope: string, slot: StoreSlot): SsoStoreAccess {
	return revisionedStore(latest, scope, slot, { empty: emptyStore, parse: parseStore });
}

/** Forgets the in-memory copies (tests; static data stays the source after a restart). */
export function forgetSsoStores(): void {
	latest.clear();
}
