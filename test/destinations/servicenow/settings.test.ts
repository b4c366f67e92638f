/** ServiceNow settings, query building and error reading: pure functions, no network. */
import { DestinationConfigError } from '../../../nodes/shared/destinations/common';
import { escapeQueryValue, exactSearch, readServiceNowError, ServiceNowDestination, serviceNowRoot, type ServiceNowOptions } from '../../../nodes/shared/destinations/servicenow';
import { nextPage, queryString, sysIdIn } from '../../../nodes/shared/destinations/servicenow/query';
import { columnLayout } from '../../../nodes/shared/destinations/servicenow/settings';
import { parseEncodedQuery, runQuery, splitTerms } from './standInQuery';

const BASIC = { kind: 'basic', username: 'svc.sync', password: 'FAKE-password' } as const;

function destination(options: Partial<ServiceNowOptions> = {}) {
	return new ServiceNowDestination({ instance: 'acme', auth: BASIC, ...options });
}

describe('ServiceNow settings', () => {
	it('builds the instance root from what users type, or takes an https / loopback override', () => {
		expect(serviceNowRoot({ instance: 'acme' })).toBe('https://acme.service-now.com');
		expect(serviceNowRoot({ instance: ' ACME.service-now.com ' })).toBe('https://acme.service-now.com');
		expect(serviceNowRoot({ instance: 'https://acme.service-now.com/now/nav/ui/classic/params/target/sys_user_list.do' })).toBe('https://acme.service-now.com');
		expect(serviceNowRoot({ instance: 'itsm.contoso.com' })).toBe('https://itsm.contoso.com');
		expect(serviceNowRoot({ baseUrl: 'https://proxy.example.com/sn/' })).toBe('https://proxy.example.com/sn');
		expect(serviceNowRoot({ baseUrl: 'http://127.0.0.1:8443' })).toBe('http://127.0.0.1:8443');
		expect(() => serviceNowRoot({ instance: 'http://acme.service-now.com' })).toThrow(/https/);
		expect(() => serviceNowRoot({ instance: 'https://u:p@acme.service-now.com' })).toThrow(/credential/);
		expect(() => serviceNowRoot({ instance: '' })).toThrow(DestinationConfigError);
		expect(() => serviceNowRoot({ baseUrl: 'http://proxy.example.com' })).toThrow(/https/);
	});

	it('checks the credential settings and names the one that is wrong', () => {
		expect(() => destination({ auth: { kind: 'basic', username: ' ', password: 'x' } })).toThrow(/User Name/);
		expect(() => destination({ auth: { kind: 'basic', username: 'svc', password: '' } })).toThrow(/Password/);
		expect(() => destination({ auth: { kind: 'oauth', grant: 'clientCredentials', clientId: '', clientSecret: 's' } })).toThrow(/Client ID/);
		expect(() => destination({ auth: { kind: 'oauth', grant: 'clientCredentials', clientId: 'c', clientSecret: '' } })).toThrow(/Client Secret/);
		expect(() => destination({ auth: { kind: 'oauth', grant: 'password', clientId: 'c', clientSecret: 's' } })).toThrow(/password grant/);
		expect(() => destination({ pageSize: 0 })).toThrow(/Page Size/);
	});

	it('matches on email by default, on user_name for the UPN, and on the object id column for objectId', () => {
		expect(columnLayout({})).toMatchObject({ keyKind: 'email', keyField: 'email', keyFrom: 'email', azureObjectIdField: undefined });
		const upn = columnLayout({ keyKind: 'upn' });
		expect(upn).toMatchObject({ keyField: 'user_name', keyFrom: 'ssoKey' });
		// user_name now holds the key as matched, so the Username mapping is not written there too.
		expect(upn.supportedFields).not.toContain('username');
		expect(columnLayout({ keyKind: 'employeeId' })).toMatchObject({ keyField: 'employee_number', keyFrom: 'employeeId' });
		expect(columnLayout({ keyKind: 'objectId', azureObjectIdField: 'u_azure_object_id' })).toMatchObject({ keyField: 'u_azure_object_id', keyFrom: 'azureObjectId' });
		expect(columnLayout({ keyKind: 'email', keyField: 'u_email_key' })).toMatchObject({ keyField: 'u_email_key', keyFrom: 'ssoKey' });
		expect(() => columnLayout({ keyKind: 'objectId' })).toThrow(/Azure Object ID Field/);
	});

	it('keeps the object id in the chosen column, which then no longer holds its mapped field', () => {
		const layout = columnLayout({ azureObjectIdField: 'employee_number' });
		expect(layout.supportedFields).not.toContain('employeeId');
		expect(destination({ azureObjectIdField: 'source' }).capabilities).toEqual({ storesAzureObjectId: true, reportingManager: true });
		expect(destination().capabilities.storesAzureObjectId).toBe(false);
		expect(() => columnLayout({ azureObjectIdField: 'email' })).toThrow(/only be the key when matching on objectId/);
		expect(() => columnLayout({ azureObjectIdField: 'Azure ID' })).toThrow(/not a sys_user column/);
		for (const reserved of ['active', 'locked_out', 'manager', 'department', 'sys_id', 'sys_created_by']) expect(() => columnLayout({ azureObjectIdField: reserved })).toThrow(/system, state or reference/);
	});

	it('supports the fields with a sys_user column, limited to the chosen ones', () => {
		expect(destination().supportedFields).toEqual(
			expect.arrayContaining(['username', 'firstName', 'lastName', 'email', 'phone', 'landline', 'jobTitle', 'employeeId', 'street', 'city', 'state', 'postalCode', 'country', 'department', 'officeLocation', 'company', 'costCenter']),
		);
		for (const absent of ['fullName', 'tags', 'manager', 'division', 'hireDate']) expect(destination().supportedFields).not.toContain(absent);
		expect(destination({ fields: ['jobTitle', 'tags', 'department'] }).supportedFields).toEqual(['jobTitle', 'department']);
		expect(destination().label).toBe('ServiceNow (acme.service-now.com)');
	});
});

describe('encoded queries', () => {
	it('escapes a caret as ^^ and never sends a javascript: value', () => {
		expect(escapeQueryValue("O'Brien^ORactive=false")).toBe("O'Brien^^ORactive=false");
		expect(exactSearch('email', 'jane@contoso.com')).toEqual({ equals: 'email=jane@contoso.com' });
		expect(exactSearch('employee_number', "O'Brien^ORactive=false")).toEqual({ equals: "employee_number=O'Brien^^ORactive=false", contains: 'employee_numberLIKEORactive=false' });
		expect(exactSearch('user_name', 'javascript:gs.getUserID()')).toEqual({ contains: 'user_nameLIKEavascript:gs.getUserID()' });
		expect(exactSearch('user_name', '^^')).toEqual({ equals: 'user_name=^^^^' });
	});

	it('an escaped value is one condition to the stand-in, an unescaped one two', () => {
		const value = "O'Brien^ORactive=false";
		expect(splitTerms(`employee_number=${escapeQueryValue(value)}`)).toEqual([`employee_number=${value}`]);
		expect(splitTerms(`employee_number=${value}`)).toEqual(["employee_number=O'Brien", 'ORactive=false']);
		const columns = new Set(['employee_number', 'active']);
		const rows = [
			{ employee_number: value, active: 'true' },
			{ employee_number: "O'Brien", active: 'true' },
			{ employee_number: 'E-1', active: 'false' },
			{ employee_number: 'E-2', active: 'false' },
		];
		expect(runQuery(rows, `employee_number=${escapeQueryValue(value)}`, columns)).toEqual([rows[0]]);
		expect(runQuery(rows, `employee_number=${value}`, columns)).toEqual([rows[1], rows[2], rows[3]]);
	});

	it('reads AND, OR, NQ and ORDERBY as ServiceNow does, ignoring conditions on unknown columns', () => {
		expect(parseEncodedQuery('active=true^titleLIKEeng^ORtitleLIKEarch^NQcity=Oslo^ORDERBYDESCtitle').groups).toEqual([
			[[{ column: 'active', operator: '=', value: 'true' }], [{ column: 'title', operator: 'LIKE', value: 'eng' }, { column: 'title', operator: 'LIKE', value: 'arch' }]],
			[[{ column: 'city', operator: '=', value: 'Oslo' }]],
		]);
		const rows = [{ x: 'a' }, { x: 'b' }];
		expect(runQuery(rows, 'nosuchcolumn=1', new Set(['x']))).toEqual(rows);
		expect(runQuery(rows, 'ORDERBYDESCx', new Set(['x']))).toEqual([rows[1], rows[0]]);
		expect(() => runQuery(rows, 'x=javascript:gs.getUserID()', new Set(['x']))).toThrow(/script/);
	});

	it('takes the next offset from a Link header, and builds %20-encoded query strings', () => {
		const link = '<https://acme.service-now.com/api/now/table/sys_user?sysparm_limit=2&sysparm_offset=0>;rel="first",<https://acme.service-now.com/api/now/table/sys_user?sysparm_limit=2&sysparm_offset=-1>;rel="prev",<https://acme.service-now.com/api/now/table/sys_user?sysparm_limit=2&sysparm_offset=2>;rel="next",<https://acme.service-now.com/api/now/table/sys_user?sysparm_limit=2&sysparm_offset=548>;rel="last"';
		expect(nextPage(link)).toEqual({ offset: 2 });
		expect(nextPage(link.replace(';rel="next"', ';rel="other"'))).toBeUndefined();
		expect(nextPage(undefined)).toBeUndefined();
		expect(queryString({ sysparm_query: "name=Zoë O'Brien^^x", sysparm_limit: 1, skipped: undefined })).toBe("?sysparm_query=name%3DZo%C3%AB%20O'Brien%5E%5Ex&sysparm_limit=1");
		expect(sysIdIn(['0123456789abcdef0123456789abcdef', 'x^ORactive=false'])).toBe('sys_idIN0123456789abcdef0123456789abcdef');
	});
});

describe('ServiceNow answers', () => {
	it("reads ServiceNow's error shape into the message", () => {
		expect(readServiceNowError({ error: { message: 'Invalid value', detail: 'title is too long' }, status: 'failure' }, { 'x-transaction-id': 'tx1' })).toEqual({ message: 'Invalid value: title is too long', requestId: 'tx1' });
		expect(readServiceNowError({ error: { message: 'No Record found', detail: null }, status: 'failure' }, {})).toEqual({ message: 'No Record found', requestId: undefined });
		// A hibernating instance answers a page, not JSON: the reader leaves it to send, which describes it
		// (test/http/errorBodies.test.ts shows the ServiceNow answer described, never quoted).
		expect(readServiceNowError('<html>Hibernating</html>', { 'content-type': 'text/html', 'x-transaction-id': 'tx2' })).toEqual({ message: undefined, requestId: 'tx2' });
	});
});
