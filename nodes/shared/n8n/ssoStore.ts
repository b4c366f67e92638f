/** The SSO store of this workflow (global static data), shared by every execution in this process. */
import { SSO_STORE_KEY } from '../sso/store';
import { ssoStoreAccess, type SsoStoreAccess } from '../sso/storeAccess';
import { workflowStore, type WorkflowContext } from './workflowStore';

export function storeOf(context: WorkflowContext): SsoStoreAccess {
	return workflowStore(context, SSO_STORE_KEY, ssoStoreAccess);
}
