/** Requesters as Map To Requester produces them, for destination tests. */
import { normaliseKey, type Requester } from '../../../nodes/shared/requester/model';

export const JANE_OBJECT_ID = '6f1c2a9e-0d4b-4c1e-9a51-2b7d7c1e8f10';

export function makeRequester(overrides: Partial<Requester> = {}): Requester {
	const base: Requester = {
		username: 'jane.doe@contoso.com',
		fullName: 'Jane Doe',
		firstName: 'Jane',
		lastName: 'Doe',
		email: 'Jane.Doe@contoso.com',
		phone: null,
		landline: null,
		tags: [],
		manager: null,
		department: null,
		jobTitle: null,
		company: null,
		employeeId: null,
		employeeType: null,
		officeLocation: null,
		division: null,
		costCenter: null,
		hireDate: null,
		street: null,
		city: null,
		state: null,
		postalCode: null,
		country: null,
		azureObjectId: JANE_OBJECT_ID,
		accountEnabled: true,
		ssoKey: { kind: 'email', value: 'jane.doe@contoso.com' },
		allowLogin: true,
	};
	const merged = { ...base, ...overrides };
	return { ...merged, ssoKey: overrides.ssoKey ?? { kind: 'email', value: normaliseKey(merged.email ?? '') } };
}
