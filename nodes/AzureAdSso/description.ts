/** Parameters of the Azure AD SSO node, by operation. */
import type { INodeCredentialDescription, INodeProperties } from 'n8n-workflow';
import { auditLogProperty } from '../shared/n8n/auditLog';
import { destinationCredentials, destinationProperties } from '../shared/n8n/destinations';
import { syncIdProperty } from '../shared/n8n/syncState';

export type Operation = 'startLogin' | 'completeLogin' | 'validateSession' | 'listSessions' | 'revokeSession' | 'signOutEverywhere' | 'exportAuditLog';

const SESSION_OPERATIONS: Operation[] = ['validateSession', 'listSessions', 'revokeSession', 'signOutEverywhere'];
const AUDITED_OPERATIONS: Operation[] = ['startLogin', 'completeLogin', 'revokeSession', 'signOutEverywhere'];
const ITEM_OPERATIONS: Operation[] = ['startLogin', 'completeLogin', ...SESSION_OPERATIONS];

const showFor = (...operations: Operation[]) => ({ show: { operation: operations } });

/** Adds "only for these operations" to parameters or credentials that have their own conditions. */
function onlyFor<T extends { displayOptions?: INodeProperties['displayOptions'] }>(operations: Operation[], entries: readonly T[]): T[] {
	return entries.map((entry) => ({
		...entry,
		displayOptions: { ...entry.displayOptions, show: { ...entry.displayOptions?.show, operation: operations } },
	}));
}

export const credentials: INodeCredentialDescription[] = [
	{ name: 'azureAdSyncApi', required: true, testedBy: 'azureAdConnectionTest' },
	...onlyFor(['completeLogin'], destinationCredentials),
];

const operation: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	options: [
		{ name: 'Complete Login', value: 'completeLogin', action: 'Complete a requester login', description: "Check Microsoft's answer on the callback webhook and open a portal session" },
		{ name: 'Export Audit Log', value: 'exportAuditLog', action: 'Export the SSO audit log', description: 'CSV file of the login and session events kept in this workflow' },
		{ name: 'List Sessions', value: 'listSessions', action: 'List a requester s sessions', description: "A requester's open sessions, one per device" },
		{ name: 'Revoke Session', value: 'revokeSession', action: 'Revoke a session', description: 'Sign out one device' },
		{ name: 'Sign Out Everywhere', value: 'signOutEverywhere', action: 'Sign a requester out everywhere', description: "End all of a requester's sessions" },
		{ name: 'Start Login', value: 'startLogin', action: 'Start a requester login', description: 'The Microsoft sign-in URL to redirect the requester to' },
		{ name: 'Validate Session', value: 'validateSession', action: 'Validate a session', description: 'Check a session token and say whose session it is' },
	],
	default: 'startLogin',
};

const notices: INodeProperties[] = [
	{
		displayName:
			'Register the callback URL as a <b>Web</b> redirect URI in the app registration (Authentication). Start Login and Complete Login must use the same Azure AD credential: it also keys the login state and session tokens.',
		name: 'startNotice',
		type: 'notice',
		default: '',
		displayOptions: showFor('startLogin'),
	},
	{
		displayName:
			'Sessions live in this workflow: run Validate Session, List Sessions, Revoke Session and Sign Out Everywhere in the workflow that runs Complete Login',
		name: 'sessionNotice',
		type: 'notice',
		default: '',
		displayOptions: showFor('completeLogin', ...SESSION_OPERATIONS),
	},
];

const startLogin: INodeProperties[] = [
	{
		displayName: 'Redirect URI',
		name: 'redirectUri',
		type: 'string',
		required: true,
		default: "={{ $json.webhookUrl ? $json.webhookUrl.replace(/\\/sso\\/login$/, '/sso/callback') : '' }}",
		placeholder: 'https://n8n.example.com/webhook/sso/callback',
		description:
			"Production URL of the callback webhook (the one running Complete Login), exactly as registered in the app registration. The default takes this login webhook's URL and replaces /sso/login with /sso/callback.",
		displayOptions: showFor('startLogin'),
	},
	{
		displayName: 'Login Options',
		name: 'loginOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: showFor('startLogin'),
		options: [
			{
				displayName: 'Domain Hint',
				name: 'domainHint',
				type: 'string',
				default: '',
				placeholder: 'e.g. contoso.com',
				description: 'Skips the account-type choice for users of a federated domain',
			},
			{
				displayName: 'Login Hint',
				name: 'loginHint',
				type: 'string',
				default: '',
				placeholder: 'e.g. {{ $json.query.email }}',
				description: "Pre-fills the user's sign-in name",
			},
			{
				displayName: 'Prompt',
				name: 'prompt',
				type: 'options',
				options: [
					{ name: 'Default', value: '', description: 'Single sign-on when the user is already signed in to Microsoft' },
					{ name: 'Login', value: 'login', description: 'Always ask for credentials' },
					{ name: 'Select Account', value: 'select_account', description: 'Let the user pick an account' },
				],
				default: '',
			},
			{
				displayName: 'State Lifetime (Minutes)',
				name: 'stateLifetime',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 60 },
				default: 10,
				description: 'How long the user has to finish signing in at Microsoft; the state is accepted once within it',
			},
		],
	},
];

const callbackInputs: INodeProperties[] = [
	{
		displayName: 'Code',
		name: 'code',
		type: 'string',
		default: '={{ $json.query?.code ?? "" }}',
		description: "The callback's code query parameter. Never output or logged.",
		displayOptions: showFor('completeLogin'),
	},
	{
		displayName: 'State',
		name: 'state',
		type: 'string',
		default: '={{ $json.query?.state ?? "" }}',
		description: "The callback's state query parameter",
		displayOptions: showFor('completeLogin'),
	},
	{
		displayName: 'Error',
		name: 'error',
		type: 'string',
		default: '={{ $json.query?.error ?? "" }}',
		description: "The callback's error query parameter, set when the user cancelled or Microsoft refused",
		displayOptions: showFor('completeLogin'),
	},
	{
		displayName: 'Error Description',
		name: 'errorDescription',
		type: 'string',
		default: '={{ $json.query?.error_description ?? "" }}',
		displayOptions: showFor('completeLogin'),
	},
	{
		displayName: 'After Login Redirect URL',
		name: 'afterLoginRedirectUrl',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'https://portal.example.com/',
		description: 'Where the requester goes once signed in (the Respond to Webhook node redirects there)',
		displayOptions: showFor('completeLogin'),
	},
	{
		displayName: 'SSO Unique Key',
		name: 'ssoKey',
		type: 'options',
		options: [
			{ name: 'Email', value: 'email', description: 'The email claim (or preferred_username when it is an address)' },
			{ name: 'Employee ID', value: 'employeeId', description: 'Read from Microsoft Graph by object ID (needs User.Read.All)' },
			{ name: 'Object ID', value: 'objectId', description: 'The oid claim' },
			{ name: 'User Principal Name', value: 'upn', description: 'The upn claim, or preferred_username' },
		],
		default: 'email',
		description: 'What requesters are matched on: the same as the Login Settings of the sync (Map To Requester)',
		displayOptions: showFor('completeLogin'),
	},
	{
		displayName: 'Allowed Requesters',
		name: 'allowedRequesters',
		type: 'options',
		options: [
			{
				name: 'All Synced Active Requesters',
				value: 'syncedActive',
				description: "Requesters synced from this user (the requester stores the user's Azure object ID, or the sync's links name it) and active",
			},
			{
				name: 'Only Those With Login Allowed',
				value: 'loginAllowed',
				description: 'Synced active requesters whose record also says login is allowed; needs a destination that stores the flag',
			},
		],
		default: 'syncedActive',
		displayOptions: showFor('completeLogin'),
	},
	{
		...syncIdProperty,
		description:
			"The sync whose links prove a requester is synced, when this node runs in the sync's workflow. Elsewhere the requester must store the Azure Object ID (destination settings of the sync).",
		displayOptions: showFor('completeLogin'),
	},
	...onlyFor(['completeLogin'], destinationProperties),
	{
		displayName: 'Session Settings',
		name: 'sessionSettings',
		type: 'collection',
		placeholder: 'Add Setting',
		default: {},
		displayOptions: showFor('completeLogin'),
		options: [
			{
				displayName: 'Cookie Domain',
				name: 'cookieDomain',
				type: 'string',
				default: '',
				placeholder: 'e.g. .example.com',
				description: 'Domain of the session cookie, so the portal on a sibling host receives it; empty for this host only',
			},
			{
				displayName: 'Max Sessions in Total',
				name: 'maxSessions',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 20000 },
				default: 5000,
				description: 'Sessions kept in workflow static data; the oldest end first when a new one would exceed it',
			},
			{
				displayName: 'Max Sessions per Requester',
				name: 'maxSessionsPerRequester',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 100 },
				default: 10,
				description: "Devices one requester may be signed in on; a new login ends that requester's oldest session beyond it",
			},
			{
				displayName: 'Session Lifetime (Minutes)',
				name: 'sessionLifetime',
				type: 'number',
				typeOptions: { minValue: 5, maxValue: 43200 },
				default: 480,
			},
			{
				displayName: 'Token Delivery',
				name: 'tokenDelivery',
				type: 'options',
				options: [
					{ name: 'Cookie', value: 'cookie', description: 'Output a Set-Cookie value for the Respond to Webhook node' },
					{
						name: 'Redirect URL Fragment',
						value: 'fragment',
						description: 'Append #session_token=… to the redirect, for a portal on another domain. Fragments never reach servers or logs, but the token stays in the address bar and browser history until the portal removes it: read it at once and replace the URL (history.replaceState).',
					},
				],
				default: 'cookie',
			},
		],
	},
	{
		displayName: 'Lockout',
		name: 'lockout',
		type: 'collection',
		placeholder: 'Change Limit',
		default: {},
		description:
			'Failed logins are counted per requester and per client address; reaching a limit refuses that requester or address for the cool-down. Offices behind one NAT address may need a higher address limit.',
		displayOptions: showFor('completeLogin'),
		options: [
			{
				displayName: 'Cool-Down (Minutes)',
				name: 'coolDownMinutes',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 1440 },
				default: 15,
			},
			{
				displayName: 'Max Failures per Client Address',
				name: 'maxFailuresPerAddress',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 1000 },
				default: 5,
			},
			{
				displayName: 'Max Failures per Requester',
				name: 'maxFailuresPerRequester',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 100 },
				default: 5,
			},
			{
				displayName: 'Window (Minutes)',
				name: 'windowMinutes',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 1440 },
				default: 15,
				description: 'Failures older than this are forgotten',
			},
		],
	},
];

const sessionTokenDescription = 'The session token, an Authorization: Bearer value, or a Cookie header holding it. The default reads the request headers of a Webhook node.';
const sessionTokenDefault = '={{ $json.headers?.authorization || $json.headers?.cookie || "" }}';

const sessionInputs: INodeProperties[] = [
	{
		displayName: 'Requester From',
		name: 'requesterFrom',
		type: 'options',
		options: [
			{ name: 'Session Token', value: 'sessionToken', description: 'The portal acting for its signed-in user' },
			{ name: 'Requester Key', value: 'requesterKey', description: 'An admin workflow naming the requester by SSO key (protect that webhook)' },
		],
		default: 'sessionToken',
		displayOptions: showFor('listSessions', 'signOutEverywhere'),
	},
	{
		displayName: 'Session Token',
		name: 'sessionToken',
		type: 'string',
		typeOptions: { password: true },
		default: sessionTokenDefault,
		description: sessionTokenDescription,
		displayOptions: showFor('validateSession', 'revokeSession'),
	},
	{
		displayName: 'Session Token',
		name: 'sessionToken',
		type: 'string',
		typeOptions: { password: true },
		default: sessionTokenDefault,
		description: sessionTokenDescription,
		displayOptions: { show: { operation: ['listSessions', 'signOutEverywhere'], requesterFrom: ['sessionToken'] } },
	},
	{
		displayName: 'Requester Key',
		name: 'requesterKey',
		type: 'string',
		default: '',
		placeholder: 'e.g. jane.doe@example.com',
		description: "The requester's SSO unique key value (email, UPN, object ID or employee ID, as Complete Login matched it)",
		displayOptions: { show: { operation: ['listSessions', 'signOutEverywhere'], requesterFrom: ['requesterKey'] } },
	},
	{
		displayName: 'Session ID',
		name: 'sessionId',
		type: 'string',
		default: '',
		description:
			'The session to revoke (from List Sessions). Empty: the session of the token. With both, the session must belong to the token\'s requester; with only an ID it is an admin action.',
		displayOptions: showFor('revokeSession'),
	},
];

const callerInputs: INodeProperties[] = [
	{
		displayName: 'Client Address',
		name: 'clientAddress',
		type: 'string',
		default: "={{ ($json.headers?.['x-forwarded-for'] ?? '').split(',')[0].trim() }}",
		description:
			"The requester's IP address, for the audit log and per-address lockout. The default reads X-Forwarded-For, which the reverse proxy in front of n8n must set (and overwrite, not append to, what the client sent).",
		displayOptions: showFor(...AUDITED_OPERATIONS),
	},
	{
		displayName: 'User Agent',
		name: 'userAgent',
		type: 'string',
		default: "={{ $json.headers?.['user-agent'] ?? '' }}",
		description: 'For the audit log and the device label of the session',
		displayOptions: showFor(...AUDITED_OPERATIONS),
	},
];

const exportInputs: INodeProperties[] = [
	{
		displayName: 'Put Output File in Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		description: 'The name of the binary field the CSV file is written to',
		displayOptions: showFor('exportAuditLog'),
	},
];

const options: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [
		{
			displayName: 'Add BOM for Excel',
			name: 'bom',
			type: 'boolean',
			default: false,
			description: 'Whether to start the file with a UTF-8 byte order mark, so Excel shows accented and non-Latin names correctly',
			displayOptions: { show: { '/operation': ['exportAuditLog'] } },
		},
		{
			displayName: 'Audit Log Days',
			name: 'auditLogDays',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 90,
			description: 'Audit records older than this many days are dropped, oldest first (0: no age limit)',
			displayOptions: { show: { '/operation': AUDITED_OPERATIONS } },
		},
		{
			displayName: 'Audit Log Size',
			name: 'auditLogSize',
			type: 'number',
			typeOptions: { minValue: 10, maxValue: 10000 },
			default: 1000,
			description: 'How many of the newest audit records this workflow keeps',
			displayOptions: { show: { '/operation': AUDITED_OPERATIONS } },
		},
		{
			displayName: 'Cookie Name',
			name: 'cookieName',
			type: 'string',
			default: 'portal_session',
			description: 'Name of the session cookie Complete Login sets and the session operations read',
			displayOptions: { show: { '/operation': ['completeLogin', ...SESSION_OPERATIONS] } },
		},
		{
			displayName: 'File Name',
			name: 'fileName',
			type: 'string',
			default: '',
			placeholder: 'e.g. sso-audit.csv',
			description: 'Defaults to sso-audit-[date].csv',
			displayOptions: { show: { '/operation': ['exportAuditLog'] } },
		},
		{
			displayName: 'Throw on Failure',
			name: 'throwOnFailure',
			type: 'boolean',
			default: false,
			description:
				'Whether a refused login or session check stops the workflow with an error, instead of an item with ok: false, userMessage, adminReason and code for the workflow to answer with a page',
			displayOptions: { show: { '/operation': ITEM_OPERATIONS } },
		},
	],
};

export const properties: INodeProperties[] = [
	operation,
	...notices,
	...startLogin,
	...callbackInputs,
	...sessionInputs,
	...callerInputs,
	...exportInputs,
	options,
	auditLogProperty({
		retention: false,
		notes: {
			staticData: "Kept in this workflow's SSO store (the newest Audit Log Size events of the last Audit Log Days); read by Export Audit Log and Export Unsynced → Export Audit",
			items: 'One item per event on the Audit output, for a Data Table, database or SIEM node; the SSO store keeps its events too (Audit Log Size, Audit Log Days)',
			both: "Kept in this workflow's SSO store and output as items",
		},
		displayOptions: { show: { operation: AUDITED_OPERATIONS } },
	}),
];
