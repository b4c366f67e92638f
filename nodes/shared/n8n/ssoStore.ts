/** The SSO store of this workflow (global static data), shared by every execution in this process. */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { SSO_STORE_KEY } from '../sso/store';
import { ssoStoreAccess, type SsoStoreAccess } from '../sso/storeAccess';

export function storeOf(context: Pick<IExecuteFunctions, 'getWorkflowStaticData' | 'getWorkflow'>): SsoStoreAccess {
	const data = context.getWorkflowStaticData('global');
	return ssoStoreAccess(context.getWorkflow().id ?? 'workflow', {
		load: () => data[SSO_STORE_KEY],
		// A new top-level value, so n8n notices the change and saves it.
		save: (value) => {
			data[SSO_STORE_KEY] = value as unknown as IDataObject;
		},
	});
}
