/**
 * What the sync reads from the directory, in terms of its own: users, their changes, and how a
 * read went. The Graph reads produce these; the cursor and the sync run consume them without
 * knowing where they came from.
 */

/** A directory user as read: whatever attributes were selected, and always the object ID. */
export type DirectoryUser = Record<string, unknown> & { id: string };

/** `changed`/`deleted` come from the directory (soft/hard delete); `outOfScope` from our scope checks. */
export type RemovedReason = 'changed' | 'deleted' | 'outOfScope';

export interface UserChange {
	/** The user as read; for users the directory reports removed, only `{ id }`. */
	user: DirectoryUser;
	removed?: RemovedReason;
}

export interface SyncReadInfo {
	mode: 'full' | 'incremental';
	/** The cursor given was refused as expired, so this is a full read. */
	cursorExpired: boolean;
}

export interface SyncReadResult extends SyncReadInfo {
	/** Where the next incremental read starts. */
	deltaLink: string;
}
