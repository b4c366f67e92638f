/**
 * The bounds of one run (Max Writes Per Run, Max Run Time): every destination write asks first.
 * Once a bound is reached no new write starts (those in flight finish), and the gate says why.
 */
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
}
