/** A revisioned store kept under one key of this workflow's global static data (revisionedStore.ts). */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import type { RevisionedStore, StoreSlot } from '../revisionedStore';

export type WorkflowContext = Pick<IExecuteFunctions, 'getWorkflowStaticData' | 'getWorkflow'>;

/** `open` builds the store from its scope (the workflow id) and its slot (the static-data key). */
export function workflowStore<T>(context: WorkflowContext, key: string, open: (scope: string, slot: StoreSlot<T>) => RevisionedStore<T>): RevisionedStore<T> {
	const data = context.getWorkflowStaticData('global');
	return open(context.getWorkflow().id ?? 'workflow', {
		load: () => data[key],
		// A new top-level value, so n8n notices the change and saves it.
		save: (value) => {
			data[key] = value as unknown as IDataObject;
		},
	});
}
