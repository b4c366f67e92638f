/**
 * The order of a run's writes for reporting managers: a requester created in the same run as its
 * manager is created after the manager, so the manager goes into the create itself instead of a
 * second write.
 */
import type { Requester } from '../requester/model';
import type { PlannedAction } from './plan';

/**
 * Creates whose manager is created in the same run wait for it, so the manager goes into the
 * create itself: at most this many rounds; deeper chains (or a loop of managers) get their
 * manager in the second pass instead.
 */
export const MANAGER_ROUNDS = 12;

/** What the ordering reads of a planned write. */
export interface OrderedWrite {
	azureObjectId: string;
	requester: Requester | null;
	outcome: { action: PlannedAction };
}

/**
 * The non-deactivating writes in rounds: a create whose manager is also created in this run comes
 * one round after its manager (at most MANAGER_ROUNDS rounds); everything else is in the first.
 * The order within a round is kept.
 */
export function managersFirst<T extends OrderedWrite>(tasks: T[]): T[][] {
	const creates = new Map<string, T>();
	for (const task of tasks) if (task.outcome.action === 'create') creates.set(task.azureObjectId, task);
	const depth = new Map<string, number>();
	const depthOf = (task: T): number => {
		const chain: T[] = [];
		const onChain = new Set<string>();
		let top = 0;
		for (let current: T | undefined = task; current; ) {
			const known = depth.get(current.azureObjectId);
			if (known !== undefined) {
				top = known + 1;
				break;
			}
			if (onChain.has(current.azureObjectId)) break;
			onChain.add(current.azureObjectId);
			chain.push(current);
			const managerObjectId: string | undefined = current.requester?.manager?.azureObjectId;
			current = managerObjectId === undefined ? undefined : creates.get(managerObjectId);
		}
		for (let index = chain.length - 1; index >= 0; index -= 1) depth.set(chain[index].azureObjectId, top + (chain.length - 1 - index));
		return depth.get(task.azureObjectId)!;
	};
	const rounds: T[][] = [];
	for (const task of tasks) {
		const round = task.outcome.action === 'create' ? Math.min(depthOf(task), MANAGER_ROUNDS - 1) : 0;
		(rounds[round] ??= []).push(task);
	}
	return rounds.filter((round) => round !== undefined);
}
