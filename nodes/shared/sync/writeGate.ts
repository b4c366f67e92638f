/**
 * The bounds of one run (Max Writes Per Run, Max Run Time): every destination write asks first.
 * Once a bound is reached no new write starts (those in flight finish), and the gate says why.
 * A destination that asks to wait longer than requests wait (an hour-long Retry-After from a
 * ServiceNow rate limit rule) closes the gate the same way: every later write would be refused too.
 */
import { RetryAfterTooLongError } from '../http/errors';

export interface RunBounds {
	maxWrites?: number;
	deadline?: Date;
}

export class WriteGate {
	/** Writes started so far. */
	writes = 0;
	/** Why writes stopped, once a bound was reached. */
	stoppedBy: string | undefined;

	constructor(
		private readonly bounds: RunBounds = {},
		private readonly now: () => Date,
		private readonly onProgress?: (writes: number) => void,
		private readonly progressEvery = 500,
	) {}

	/** Whether one more write may start; once one is refused, none is. */
	mayWrite(): boolean {
		if (this.stoppedBy) return false;
		const { maxWrites, deadline } = this.bounds;
		if (maxWrites !== undefined && maxWrites > 0 && this.writes >= maxWrites) this.stoppedBy = `Max Writes Per Run (${maxWrites}) reached`;
		else if (deadline && this.now().getTime() >= deadline.getTime()) this.stoppedBy = `Max Run Time reached at ${deadline.toISOString()}`;
		if (this.stoppedBy) return false;
		this.writes++;
		if (this.onProgress && this.writes % this.progressEvery === 0) this.onProgress(this.writes);
		return true;
	}

	/** Closes the gate when a write failed because the destination asks for that long wait; says whether it did. */
	holdOff(error: unknown): boolean {
		if (!(error instanceof RetryAfterTooLongError)) return false;
		const until = new Date(this.now().getTime() + error.retryAfterMs).toISOString();
		this.stoppedBy ??= `The destination asks to wait until ${until} (HTTP ${error.status}, Retry-After ${Math.round(error.retryAfterMs / 1000)} s), longer than requests wait (${Math.round(error.maxRetryAfterMs / 1000)} s)`;
		return true;
	}
}
