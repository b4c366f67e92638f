/** Requesters as Map To Requester produces them, for destination tests. */
import type { Requester } from '../../../nodes/shared/requester/model';
import { requester } from '../../support/requesters';

export const JANE_OBJECT_ID = '6f1c2a9e-0d4b-4c1e-9a51-2b7d7c1e8f10';

/** Jane Doe, every other field empty; the SSO key follows the email unless given. */
export function makeRequester(overrides: Partial<Requester> = {}): Requester {
	return requester({
		username: 'jane.doe@contoso.com',
		fullName: 'Jane Doe',
		firstName: 'Jane',
		lastName: 'Doe',
		email: 'Jane.Doe@contoso.com',
		azureObjectId: JANE_OBJECT_ID,
		accountEnabled: true,
		allowLogin: true,
		...overrides,
	});
}
