/**
 * Runs `work` over `items` with at most `limit` in flight; results keep the input order. After a
 * failure no new item starts, and the ones in flight finish before it is rethrown, so what they
 * wrote is known to the caller (the audit records of a failed run).
 */
export async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
	const results = new Array<R>(items.length);
	let next = 0;
	let failed = false;
	const worker = async () => {
		while (!failed && next < items.length) {
			const index = next++;
			try {
				results[index] = await work(items[index], index);
			} catch (error) {
				failed = true;
				throw error;
			}
		}
	};
	const settled = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
	const rejected = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
	if (rejected) throw rejected.reason;
	return results;
}
