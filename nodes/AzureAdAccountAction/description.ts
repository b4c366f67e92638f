/** Parameters of the Azure AD Account Action node. */
import type { INodeCredentialDescription, INodeProperties } from 'n8n-workflow';
import type { RecipientFallback } from '../shared/graph/accountActions';
import { MAX_TEMPORARY_PASSWORD_LENGTH, MIN_TEMPORARY_PASSWORD_LENGTH } from '../shared/graph/password';
import { auditLogProperty } from '../shared/n8n/auditLog';
import { maxTriesOption } from '../shared/n8n/azureAd';

const DEFAULT_EMAIL_BODY = [
	'<p>Hello {displayName},</p>',
	'<p>The password of your account {userPrincipalName} has been reset.</p>',
	'<p>Temporary password: <strong>{temporaryPassword}</strong></p>',
	'<p>Sign in with it; you will be asked to choose a new password straight away.</p>',
	'<p>If you did not ask for this, contact the service desk.</p>',
].join('\n');

const resetOnly = { show: { operation: ['forcePasswordReset'] } };
const resetEmail = { show: { operation: ['forcePasswordReset'], sendEmail: [true] } };

/** The Options collection, as the node reads it. */
export interface NodeOptions {
	additionalProtectedRoleIds?: string;
	emailBodyFormat?: 'html' | 'text';
	failOnRefusal?: boolean;
	maxTries?: number;
	passwordLength?: number;
	recipientFallback?: RecipientFallback;
	saveToSentItems?: boolean;
}

export const credentials: INodeCredentialDescription[] = [{ name: 'azureAdSyncApi', required: true, testedBy: 'azureAdConnectionTest' }];

export const properties: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Disable (Lock) User Account',
				value: 'disable',
				action: 'Disable a user account',
				description: 'Block sign-in and revoke sign-in sessions. No email is sent.',
			},
			{
				name: 'Force Password Reset on Next Login',
				value: 'forcePasswordReset',
				action: 'Force a password reset on next login',
				description: 'Set a temporary password, email it, and make the user choose a new one at the next sign-in',
			},
			{
				name: 'Revoke Sessions',
				value: 'revokeSessions',
				action: 'Revoke sign in sessions',
				description: 'Sign the user out of every app without disabling the account',
			},
			{
				name: 'Unlock User Account',
				value: 'unlock',
				action: 'Unlock a user account',
				description: 'Re-enable a disabled account. No email is sent.',
			},
		],
		default: 'forcePasswordReset',
	},
	{
		displayName:
			'Unlock re-enables a disabled account. Azure AD has no API to clear a smart lockout (too many wrong passwords): that ends by itself after the lockout duration set in the tenant\'s smart lockout settings.',
		name: 'unlockNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { operation: ['unlock'] } },
	},
	{
		displayName: 'User',
		name: 'user',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. {{ $json.requester_email }}',
		description:
			'The Azure AD user to act on, as the ticket names them: object ID, user principal name (UPN), email address or an alternate address. "Name &lt;address&gt;" is accepted.',
	},
	{
		displayName: 'Match By',
		name: 'matchBy',
		type: 'options',
		options: [
			{
				name: 'Alternate Address',
				value: 'alternateAddress',
				description: "The user's alternate email (otherMails) or a secondary SMTP proxy address",
			},
			{
				name: 'Auto',
				value: 'auto',
				description: 'A GUID is an object ID; an address is tried as UPN, then mail, then alternate addresses',
			},
			{ name: 'Mail', value: 'mail', description: "The user's primary email address (mail)" },
			{ name: 'Object ID', value: 'id' },
			{ name: 'User Principal Name', value: 'userPrincipalName' },
		],
		default: 'auto',
		description: 'How to find the user. No match and several matches are errors, never a guess.',
	},
	{
		displayName: 'Ticket ID',
		name: 'ticketId',
		type: 'string',
		default: '',
		placeholder: 'e.g. {{ $json.ticket_id }}',
		description: 'The ticket this action is for. Recorded in the audit record, and {ticketId} in the email.',
	},
	{
		displayName: 'Requested By',
		name: 'caller',
		type: 'string',
		default: '',
		placeholder: 'e.g. {{ $json.body.agent }}',
		description: "Who asked for the action (the ticket's agent or system), recorded as the caller in the audit log",
	},
	{
		displayName: 'Send Email',
		name: 'sendEmail',
		type: 'boolean',
		default: true,
		displayOptions: resetOnly,
		description: 'Whether to email the temporary password. Turn off only when "Return Temporary Password" hands it to the next node.',
	},
	{
		displayName: 'Sender Mailbox',
		name: 'senderMailbox',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. servicedesk@contoso.com',
		displayOptions: resetEmail,
		description:
			'UPN of the mailbox the email is sent from (needs the Mail.Send application permission; limit it to this mailbox with an Exchange application access policy)',
	},
	{
		displayName: 'Email Recipient',
		name: 'emailRecipient',
		type: 'string',
		default: '',
		placeholder: 'e.g. {{ $json.requester_contact_email }}',
		displayOptions: resetEmail,
		description:
			"Who receives the temporary password: usually the ticket requester's contact address. Not the account's own mailbox, which the user cannot open before signing in. When empty, see Options → Recipient Fallback.",
	},
	{
		displayName: 'Email Subject',
		name: 'emailSubject',
		type: 'string',
		default: 'Your temporary password',
		displayOptions: resetEmail,
		description: 'Placeholders: {displayName}, {userPrincipalName}, {mail}, {ticketId}. The password is not allowed in the subject.',
	},
	{
		displayName: 'Email Body',
		name: 'emailBody',
		type: 'string',
		typeOptions: { rows: 8 },
		default: DEFAULT_EMAIL_BODY,
		displayOptions: resetEmail,
		description:
			'HTML (or text, see Options). Must contain {temporaryPassword}. Also: {displayName}, {userPrincipalName}, {mail}, {ticketId}; values are HTML-escaped. Single braces, so n8n does not read them as expressions.',
	},
	{
		displayName: 'Return Temporary Password',
		name: 'returnTemporaryPassword',
		type: 'boolean',
		default: false,
		displayOptions: resetOnly,
		description:
			'Whether to put the temporary password in the output (temporaryPassword). Off by default: anything in the output is stored in the execution log.',
	},
	{
		displayName: 'Protected Group IDs',
		name: 'protectedGroupIds',
		type: 'string',
		default: '',
		placeholder: 'e.g. 3f1c5a8e-0000-4000-8000-000000000000, …',
		description:
			'Object IDs of groups whose members (direct or nested) are never acted on, separated by commas or new lines. Needs GroupMember.Read.All (or Group.Read.All, or Directory.Read.All).',
	},
	{
		displayName: 'Protected Users',
		name: 'protectedUsers',
		type: 'string',
		typeOptions: { rows: 2 },
		default: '',
		placeholder: 'e.g. ceo@contoso.com, breakglass@contoso.onmicrosoft.com',
		description: 'UPNs, object IDs or email addresses never acted on, separated by commas or new lines (case-insensitive)',
	},
	{
		displayName: 'Protect Privileged Role Holders',
		name: 'protectPrivilegedRoles',
		type: 'boolean',
		default: true,
		description:
			'Whether to refuse users holding a privileged directory role (Global Administrator, User Administrator, Security Administrator, …). Needs RoleManagement.Read.Directory (or Directory.Read.All); without it every action is refused.',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Additional Protected Role IDs',
				name: 'additionalProtectedRoleIds',
				type: 'string',
				default: '',
				description: 'Role template IDs to treat as privileged too, separated by commas',
			},
			{
				displayName: 'Email Body Format',
				name: 'emailBodyFormat',
				type: 'options',
				options: [
					{ name: 'HTML', value: 'html' },
					{ name: 'Text', value: 'text' },
				],
				default: 'html',
				description: 'Force Password Reset only: whether the Email Body is HTML or plain text',
			},
			{
				displayName: 'Fail on Refusal',
				name: 'failOnRefusal',
				type: 'boolean',
				default: false,
				description:
					'Whether a refused action (protected account) stops the workflow with an error. Off: it is an item with outcome "refused", so the ticket can be answered.',
			},
			maxTriesOption,
			{
				displayName: 'Password Length',
				name: 'passwordLength',
				type: 'number',
				typeOptions: { minValue: MIN_TEMPORARY_PASSWORD_LENGTH, maxValue: MAX_TEMPORARY_PASSWORD_LENGTH },
				default: MIN_TEMPORARY_PASSWORD_LENGTH,
				description: 'Force Password Reset only: length of the temporary password',
			},
			{
				displayName: 'Recipient Fallback',
				name: 'recipientFallback',
				type: 'options',
				options: [
					{ name: 'None', value: 'none', description: 'Fail (writing nothing) when Email Recipient is empty' },
					{ name: "User's Alternate Email", value: 'otherMails', description: 'The first of the user\'s otherMails' },
					{
						name: "User's Alternate Email, Then Mailbox",
						value: 'otherMailsThenMail',
						description: "The first of the user's otherMails, else their own mailbox (mail)",
					},
				],
				default: 'none',
				description: 'Force Password Reset only: where to send the password when Email Recipient is empty',
			},
			{
				displayName: 'Save to Sent Items',
				name: 'saveToSentItems',
				type: 'boolean',
				default: false,
				description: "Whether to keep the email, and so the password, in the sender's Sent Items (Force Password Reset only)",
			},
		],
	},
	auditLogProperty({ retention: true }),
];
