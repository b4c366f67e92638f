/**
 * The bad-input sweep (#24): what users, directories, services and attackers send, at the core
 * level. Each row either fails with a clear error or reason that names the field (and so the fix),
 * or is a documented acceptance (`accepts: …`, with what happens instead). README, "Security".
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import { FreshserviceDestination } from '../../nodes/shared/destinations/freshservice';
import { buildConnection } from '../../nodes/shared/graph/connection';
import { GraphClient } from '../../nodes/shared/graph/client';
import { clearTokenCache } from '../../nodes/shared/graph/auth';
import { odataString, userPathSegment } from '../../nodes/shared/graph/odata';
import { selectionFromAttributes } from '../../nodes/shared/graph/userSelection';
import { mapUser } from '../../nodes/shared/requester/mapping';
import { FAKE_CLIENT_ID, FAKE_TENANT_ID, fakeCredentialFields, nockTokenEndpoint } from '../support/fakeTenant';

const TENANT = '00000000-0000-4000-8000-00000000b4d1';
const CLIENT = '11111111-0000-4000-8000-00000000b4d2';
const USER = { id: '00000000-0000-4000-8000-000000000001', displayName: 'Ada Lovelace', mail: 'ada@contoso.test', userPrincipalName: 'ada@contoso.test', accountEnabled: true };

function connectionError(fields: Record<string, string>): string {
	try {
		buildConnection({ tenantId: TENANT, clientId: CLIENT, clientSecret: 'FAKE-secret', ...fields });
	} catch (error) {
		return (error as Error).message;
	}
	return 'accepted';
}

// --- connection settings -------------------------------------------------------------------------
const CONNECTION: Array<[string, Record<string, string>, RegExp]> = [
	['empty tenant ID', { tenantId: '' }, /^Tenant ID must be/],
	['tenant ID that is neither GUID nor domain', { tenantId: 'not-a-tenant' }, /^Tenant ID .*got "not-a-tenant"/],
	['tenant ID with an OData quote', { tenantId: "contoso'.com" }, /^Tenant ID/],
	['tenant ID one hex digit short', { tenantId: '00000000-0000-4000-8000-00000000000' }, /^Tenant ID/],
	['tenant ID with a path', { tenantId: 'contoso.onmicrosoft.com/../common' }, /^Tenant ID/],
	['empty client ID', { clientId: '' }, /^Client ID must be/],
	['client ID that is not a GUID', { clientId: 'abc' }, /^Client ID .*got "abc"/],
	['client ID with a non-hex digit', { clientId: '11111111-0000-4000-8000-00000000000Z' }, /^Client ID/],
];

describe('connection settings', () => {
	it.each(CONNECTION)('%s: a clear error naming the field', (_name, fields, expected) => {
		expect(connectionError(fields)).toMatch(expected);
	});
});

// --- mapped fields: null, list or object where text is expected ----------------------------------
const TEXT_ATTRIBUTES: Array<[string, string]> = [
	['displayName', 'Full Name'],
	['givenName', 'First Name'],
	['surname', 'Last Name'],
	['jobTitle', 'Job Title'],
	['department', 'Department'],
	['companyName', 'Company'],
	['employeeId', 'Employee ID'],
	['officeLocation', 'Office'],
	['streetAddress', 'Street'],
	['city', 'City'],
	['postalCode', 'Postal Code'],
	['country', 'Country'],
];

function mapped(attribute: string, value: unknown) {
	return mapUser({ ...USER, [attribute]: value }, {});
}

describe('mapped fields', () => {
	it.each(TEXT_ATTRIBUTES)('an object in %s: a reason naming the %s field', (attribute, label) => {
		const result = mapped(attribute, { nested: 'x' });
		expect(result.ok).toBe(false);
		const reasons = result.ok ? [] : result.reasons;
		expect(reasons.map((reason) => reason.message)).toContainEqual(expect.stringMatching(new RegExp(`^${label}.*"${attribute}" holds an object, not text`)));
	});

	it.each(TEXT_ATTRIBUTES.slice(0, 4))('accepts: null in %s is an empty field, not an error', (attribute) => {
		const result = mapped(attribute, null);
		expect(result.ok).toBe(true);
	});

	it.each([['jobTitle'], ['city']])('accepts: a list in %s uses its first value (as Graph multi-values do)', (attribute) => {
		const result = mapped(attribute, ['First', 'Second']);
		expect(result.ok).toBe(true);
		expect(JSON.stringify(result.ok ? result.requester : null)).toContain('"First"');
		expect(JSON.stringify(result.ok ? result.requester : null)).not.toContain('"Second"');
	});
});

// --- emails ----------------------------------------------------------------------------------------
const EMAILS: Array<[string, string, RegExp]> = [
	['a control character', 'ada\u0007@contoso.test', /^Email contains a control character \(U\+0007\)/],
	['a line feed (header injection)', 'ada@contoso.test\nBcc: x@evil.test', /^Email contains a control character \(U\+000A\)/],
	['10 KB', `${'a'.repeat(10_000)}@contoso.test`, /^Email is 10013 characters long; the limit is 254/],
	['two @', 'ada@evil.test@contoso.test', /^Email ".*" is not a valid email address/],
	['Cyrillic а in a Latin name (confusable)', '\u0430da@contoso.test', /^Email ".*" mixes Latin and Cyrillic letters in "\u0430da"/],
	['Greek ο in a Latin domain (confusable)', 'ada@c\u03BFntoso.test', /^Email ".*" mixes Latin and Greek letters in "c\u03BFntoso"/],
];

describe('emails', () => {
	it.each(EMAILS)('%s: a reason naming Email', (_name, mail, expected) => {
		const result = mapUser({ ...USER, mail }, {});
		expect(result.ok).toBe(false);
		expect(result.ok ? [] : result.reasons.filter((reason) => reason.field === 'email').map((reason) => reason.message)).toContainEqual(expect.stringMatching(expected));
	});

	it('accepts: an internationalised address in one script', () => {
		expect(mapUser({ ...USER, mail: 'иван@пример.рф' }, {}).ok).toBe(true);
	});
});

// --- OData and user paths --------------------------------------------------------------------------
describe('OData quotes, #EXT# UPNs and attribute names', () => {
	it('a quote in a filter value cannot end the literal', () => {
		expect(odataString("O'Brien' or 1 eq 1 or x eq '")).toBe("'O''Brien'' or 1 eq 1 or x eq '''");
	});

	it('a guest UPN with #EXT# is percent-encoded in the path (# would end the URL)', () => {
		expect(userPathSegment('jane_fabrikam.com#EXT#@contoso.onmicrosoft.com')).toBe('jane_fabrikam.com%23EXT%23%40contoso.onmicrosoft.com');
	});

	it('a UPN with a slash cannot climb out of /users/', () => {
		expect(userPathSegment('../../groups')).toBe('..%2F..%2Fgroups');
	});

	it('an unknown attribute name: an error naming the field', () => {
		expect(() => selectionFromAttributes(['displayName', 'favouriteColour'], 'Attribute List')).toThrow(/Attribute List.*favouriteColour/);
	});

	it('an attribute name with OData syntax: an error naming the field', () => {
		expect(() => selectionFromAttributes(["mail,manager($select=id)"], 'Attribute List')).toThrow(/Attribute List/);
	});
});

// --- ticket webhook payloads (the shipped workflow's routing expression) -------------------------
const ticketWorkflow = JSON.parse(readFileSync(join(__dirname, '..', '..', 'workflows', 'ticket-account-action.json'), 'utf8')) as { nodes: Array<{ name: string; parameters: Record<string, unknown> }> };
const routeExpression = String(ticketWorkflow.nodes.find((node) => node.name === 'Route Action')!.parameters.output).replace(/^=\{\{/, '').replace(/\}\}$/, '');
// Output 0 is Bad Request; 1 to 4 the actions.
const route = (body: unknown): number => new Function('$json', `return (${routeExpression});`)({ body }) as number;

const PAYLOADS: Array<[string, unknown, number]> = [
	['action in another case ("Disable")', { ticketId: 'INC-1', user: 'ada@contoso.test', action: 'Disable' }, 0],
	['action in capitals', { ticketId: 'INC-1', user: 'ada@contoso.test', action: 'UNLOCK' }, 0],
	['unknown action', { ticketId: 'INC-1', user: 'ada@contoso.test', action: 'delete' }, 0],
	['user as an object', { ticketId: 'INC-1', user: { upn: 'ada@contoso.test' }, action: 'disable' }, 0],
	['blank ticket ID', { ticketId: '  ', user: 'ada@contoso.test', action: 'disable' }, 0],
	['a body that is not JSON (n8n passes it on as text)', 'ticketId=1&action=disable', 0],
	['accepts: extra fields are ignored', { ticketId: 'INC-1', user: 'ada@contoso.test', action: 'disable', isAdmin: true, protectedUsers: '' }, 1],
	// n8n refuses bodies past N8N_PAYLOAD_SIZE_MAX (16 MB by default) before the workflow runs; under it, only the three fields count.
	['accepts: a 1 MB body routes by its three fields only', { ticketId: 'INC-1', user: 'ada@contoso.test', action: 'unlock', padding: 'x'.repeat(1024 * 1024) }, 2],
];

describe('ticket payloads', () => {
	it.each(PAYLOADS)('%s → output %i', (_name, body, output) => {
		expect(route(body)).toBe(output);
	});
});

// --- what services answer -------------------------------------------------------------------------
describe('service answers', () => {
	beforeAll(() => nock.disableNetConnect());
	afterEach(() => {
		nock.cleanAll();
		clearTokenCache();
	});
	afterAll(() => nock.enableNetConnect());

	function graphClient(): GraphClient {
		nockTokenEndpoint();
		return new GraphClient(buildConnection(fakeCredentialFields({ tenantId: FAKE_TENANT_ID, clientId: FAKE_CLIENT_ID })), { retry: { maxAttempts: 1 } });
	}

	it('a Graph page without value: an error, not an empty tenant', async () => {
		const client = graphClient();
		nock('https://graph.microsoft.com').get('/v1.0/users').reply(200, { '@odata.context': 'x' });
		await expect(client.list('/users')).rejects.toThrow(/without a "value" list; nothing of this read was applied/);
	});

	it('a nextLink to another host: refused before our token is sent there', async () => {
		const client = graphClient();
		nock('https://graph.microsoft.com').get('/v1.0/users').reply(200, { value: [USER], '@odata.nextLink': 'https://evil.example.test/v1.0/users?$skiptoken=x' });
		await expect(client.list('/users')).rejects.toThrow(/Refusing to call https:\/\/evil\.example\.test/);
	});

	it('a Freshservice answer without a requester id: an error, nothing linked to "undefined"', async () => {
		nock('https://acme.freshservice.com').get('/api/v2/requesters/21').reply(200, { requester: { primary_email: 'ada@contoso.test', first_name: 'Ada', active: true } });
		const destination = new FreshserviceDestination({ domain: 'acme', apiKey: 'FAKE-fs-key', retry: { maxAttempts: 1 } });
		await expect(destination.findById('21')).rejects.toThrow(/requester without an "id" \(ada@contoso.test\)/);
	});

	it('a Freshservice credential with an empty API key: an error naming it', () => {
		expect(() => new FreshserviceDestination({ domain: 'acme', apiKey: ' ' })).toThrow(/API Key/);
	});
});
