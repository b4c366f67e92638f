/**
 * Ticket-driven account actions on an Azure AD user: force a password reset (temporary password by
 * email), unlock (re-enable), disable (lock) and revoke sessions. Each run finds the one user the
 * ticket means, refuses protected accounts, writes only what is not already in effect, and returns
 * an audit record of what it did, whatever the outcome. The temporary password never enters the
 * record; it is handed back separately, and only when the caller asked for it.
 */
import type { AuditChange } from '../audit/record';
import type { GraphClient } from './client';
import { GraphError } from './errors';
import { userPathSegment } from './odata';
import { generateTemporaryPassword, MIN_TEMPORARY_PASSWORD_LENGTH } from './password';
import { describeRequirement, featureById, type FeatureId } from './permissions';
import { checkProtection, ProtectionSettingError, validateProtectionPolicy, type ProtectionPolicy } from './protection';
import { pushId, resolveUser, UserResolutionError, type DirectoryUser, type MatchBy, type MatchedBy } from './userResolution';

export type AccountAction = 'forcePasswordReset' | 'unlock' | 'disable' | 'revokeSessions';
export type ActionOutcome = 'done' | 'noChange' | 'refused' | 'failed';
export type RecipientFallback = 'none' | 'otherMails' | 'otherMailsThenMail';

export interface PasswordEmailSettings {
	/** UPN or object ID of the mailbox the email is sent from (Graph `POST /users/{sender}/sendMail`). */
	senderMailbox: string;
	/** Usually the ticket requester's contact address; may be empty when a fallback is configured. */
	recipient: string;
	/** Where to send when `recipient` is empty: the user's alternate email, then their mailbox. */
	recipientFallback: RecipientFallback;
	subject: string;
	body: string;
	bodyFormat: 'html' | 'text';
	/** Off by default, so the temporary password does not sit in the sender's Sent Items. */
	saveToSentItems: boolean;
}

export interface PasswordResetSettings {
	length?: number;
	/** Omitted: no email is sent (then `returnTemporaryPassword` must be on). */
	email?: PasswordEmailSettings;
	returnTemporaryPassword: boolean;
}

export interface AccountActionRequest {
	action: AccountAction;
	/** Object ID, UPN, mail or alternate address, as the ticket carries it. */
	user: string;
	matchBy?: MatchBy;
	ticketId?: string;
	protection: ProtectionPolicy;
	passwordReset?: PasswordResetSettings;
}

export interface AuditRecord {
	ticketId: string | null;
	action: AccountAction;
	outcome: ActionOutcome;
	reason: string;
	/** The user value as the ticket gave it. */
	requestedUser: string;
	user: { id: string; userPrincipalName: string | null; displayName: string | null } | null;
	matchedBy: MatchedBy | null;
	/** What was written to Azure AD, in order, as text (`written` of the result); empty when nothing was. */
	changes: string[];
	/** Graph `request-id`s of every call, for Microsoft support and the Entra audit log. */
	requestIds: string[];
	timestamp: string;
	actingApp: { appId: string; displayName: string | null };
	/** Password reset only. */
	emailSent?: boolean;
	emailRecipient?: string | null;
	emailError?: string | null;
	/** Failed only: Graph's error code or our own (notFound, ambiguous, invalidSetting, ...). */
	errorCode?: string | null;
}

export interface AccountActionResult {
	audit: AuditRecord;
	/** What was written to Azure AD, in order: the audit log's changes (`audit.changes` is their text). */
	written: AuditChange[];
	/** Present only for a completed reset with `returnTemporaryPassword` on. */
	temporaryPassword?: string;
	/** The cause of a `failed` outcome, for callers that map it to their own error type. */
	error?: unknown;
}

/** A setting or input that cannot work; nothing was written. `field` names what to fix. */
export class AccountActionSettingError extends Error {
	readonly field: string;

	constructor(field: string, message: string) {
		super(message);
		this.name = 'AccountActionSettingError';
		this.field = field;
	}
}

const PLACEHOLDER_NAMES = ['displayName', 'userPrincipalName', 'mail', 'ticketId', 'temporaryPassword'] as const;
type PlaceholderName = (typeof PLACEHOLDER_NAMES)[number];
/** `{name}`, and `{{name}}` for people used to n8n expressions (fixed text is not evaluated). */
const PLACEHOLDER = new RegExp(`\\{\\{\\s*(${PLACEHOLDER_NAMES.join('|')})\\s*\\}\\}|\\{(${PLACEHOLDER_NAMES.join('|')})\\}`, 'g');
const PASSWORD_PLACEHOLDER = /\{\{\s*temporaryPassword\s*\}\}|\{temporaryPassword\}/;
const EMAIL_ADDRESS = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

/** Mutable state of one run: what we learnt and wrote so far, for the audit record. */
interface Run {
	client: GraphClient;
	request: AccountActionRequest;
	/** What we were doing, for failure messages ("disable the account"). */
	step: string;
	feature: FeatureId;
	user?: DirectoryUser;
	matchedBy?: MatchedBy;
	changes: AuditChange[];
	requestIds: string[];
	actingApp: AuditRecord['actingApp'];
	email?: Pick<AuditRecord, 'emailSent' | 'emailRecipient' | 'emailError'>;
}

interface ActionResult {
	outcome: 'done' | 'noChange';
	reason: string;
	temporaryPassword?: string;
}

export async function runAccountAction(
	client: GraphClient,
	request: AccountActionRequest,
	options: { now?: () => Date } = {},
): Promise<AccountActionResult> {
	const now = options.now ?? (() => new Date());
	const run: Run = {
		client,
		request,
		step: 'check the settings',
		feature: 'listUsers',
		changes: [],
		requestIds: [],
		actingApp: { appId: client.connection.clientId, displayName: null },
	};
	try {
		validateRequest(request);
		run.step = 'sign in to Microsoft';
		const token = await client.token();
		run.actingApp = { appId: token.claims.appid ?? client.connection.clientId, displayName: token.claims.app_displayname ?? null };

		run.step = 'find the user';
		const resolved = await resolveUser(client, request.user, request.matchBy);
		run.user = resolved.user;
		run.matchedBy = resolved.matchedBy;
		run.requestIds.push(...resolved.requestIds);

		run.step = 'check whether the account is protected';
		const verdict = await checkProtection(client, resolved.user, request.protection);
		run.requestIds.push(...verdict.requestIds);
		if (verdict.protected) return { audit: audit(run, 'refused', verdict.reason, now), written: [...run.changes] };

		const result = await perform(run, resolved.user);
		return {
			audit: audit(run, result.outcome, result.reason, now),
			written: [...run.changes],
			...(result.temporaryPassword !== undefined ? { temporaryPassword: result.temporaryPassword } : {}),
		};
	} catch (error) {
		if (error instanceof UserResolutionError) run.requestIds.push(...error.requestIds);
		if (error instanceof GraphError) pushId(run.requestIds, error.requestId);
		return { audit: { ...audit(run, 'failed', explainFailure(run, error), now), errorCode: errorCode(error) }, written: [...run.changes], error };
	}
}

function perform(run: Run, user: DirectoryUser): Promise<ActionResult> {
	switch (run.request.action) {
		case 'disable':
			return disableAccount(run, user);
		case 'unlock':
			return unlockAccount(run, user);
		case 'revokeSessions':
			return revokeSessionsOnly(run, user);
		case 'forcePasswordReset':
			return forcePasswordReset(run, user);
		default:
			throw new AccountActionSettingError('Operation', `Unknown account action "${String(run.request.action)}"`);
	}
}

async function disableAccount(run: Run, user: DirectoryUser): Promise<ActionResult> {
	if (user.accountEnabled === false) {
		return { outcome: 'noChange', reason: 'The account is already disabled; nothing was written (use Revoke Sessions to also end open sessions)' };
	}
	await setAccountEnabled(run, user, false);
	await revokeSessions(run, user);
	return { outcome: 'done', reason: 'Account disabled and sign-in sessions revoked: the user cannot sign in until the account is re-enabled' };
}

const SMART_LOCKOUT_NOTE =
	'Azure AD has no API to clear a smart lockout (too many wrong passwords); it ends by itself after the lockout duration set in the tenant\'s smart lockout settings';

async function unlockAccount(run: Run, user: DirectoryUser): Promise<ActionResult> {
	if (user.accountEnabled === true) {
		return { outcome: 'noChange', reason: `The account is already enabled; nothing was written. ${SMART_LOCKOUT_NOTE}.` };
	}
	await setAccountEnabled(run, user, true);
	return { outcome: 'done', reason: `Account re-enabled. ${SMART_LOCKOUT_NOTE}.` };
}

async function revokeSessionsOnly(run: Run, user: DirectoryUser): Promise<ActionResult> {
	await revokeSessions(run, user);
	return { outcome: 'done', reason: 'Sign-in sessions revoked: the user must sign in again in every app (this can take a few minutes to apply)' };
}

async function forcePasswordReset(run: Run, user: DirectoryUser): Promise<ActionResult> {
	const settings = run.request.passwordReset as PasswordResetSettings;
	// Decide where the password goes before setting it, so it cannot end up known to nobody.
	const delivery = settings.email ? { email: settings.email, recipient: emailRecipient(settings.email, user) } : undefined;
	const temporaryPassword = generateTemporaryPassword(settings.length ?? MIN_TEMPORARY_PASSWORD_LENGTH);

	run.step = 'set the temporary password';
	run.feature = 'passwordReset';
	const response = await run.client.request({
		method: 'PATCH',
		path: `/users/${userPathSegment(user.id)}`,
		body: { passwordProfile: { password: temporaryPassword, forceChangePasswordNextSignIn: true } },
	});
	pushId(run.requestIds, response.requestId);
	run.changes.push({ field: 'passwordProfile', to: 'temporary password set, forceChangePasswordNextSignIn = true' });

	const returned = settings.returnTemporaryPassword ? { temporaryPassword } : {};
	const base = 'Temporary password set; the user must choose a new one at the next sign-in';
	if (!delivery) {
		return { outcome: 'done', reason: `${base}. No email sent: the password is in temporaryPassword`, ...returned };
	}
	const { recipient } = delivery;
	const emailError = await sendPasswordEmail(run, delivery.email, recipient, user, temporaryPassword);
	run.email = { emailSent: emailError === null, emailRecipient: recipient, emailError };
	if (emailError === null) return { outcome: 'done', reason: `${base}. Emailed to ${recipient}`, ...returned };
	const lost = settings.returnTemporaryPassword
		? 'The password is in temporaryPassword'
		: 'Nobody has the temporary password: run the action again, or turn on "Return Temporary Password"';
	return { outcome: 'done', reason: `${base}. The email to ${recipient} could not be sent (${emailError}). ${lost}`, ...returned };
}

async function setAccountEnabled(run: Run, user: DirectoryUser, enabled: boolean): Promise<void> {
	run.step = enabled ? 'enable the account' : 'disable the account';
	run.feature = 'disableEnable';
	const response = await run.client.request({ method: 'PATCH', path: `/users/${userPathSegment(user.id)}`, body: { accountEnabled: enabled } });
	pushId(run.requestIds, response.requestId);
	run.changes.push({ field: 'accountEnabled', from: user.accountEnabled ?? 'unknown', to: enabled });
}

async function revokeSessions(run: Run, user: DirectoryUser): Promise<void> {
	run.step = 'revoke the sign-in sessions';
	run.feature = 'revokeSessions';
	// Revoking twice has the same effect as once, so a dropped connection may be retried.
	const response = await run.client.request({
		method: 'POST',
		path: `/users/${userPathSegment(user.id)}/revokeSignInSessions`,
		idempotent: true,
	});
	pushId(run.requestIds, response.requestId);
	run.changes.push({ field: 'signInSessionsRevoked' });
}

/** Returns null when sent, else what went wrong (never the password). Not retried after an ambiguous failure: no duplicate emails. */
async function sendPasswordEmail(
	run: Run,
	email: PasswordEmailSettings,
	recipient: string,
	user: DirectoryUser,
	temporaryPassword: string,
): Promise<string | null> {
	const values: Record<PlaceholderName, string> = {
		displayName: user.displayName ?? user.userPrincipalName ?? '',
		userPrincipalName: user.userPrincipalName ?? '',
		mail: user.mail ?? '',
		ticketId: run.request.ticketId ?? '',
		temporaryPassword,
	};
	const html = email.bodyFormat === 'html';
	try {
		const response = await run.client.request({
			method: 'POST',
			path: `/users/${userPathSegment(email.senderMailbox)}/sendMail`,
			body: {
				message: {
					subject: renderTemplate(email.subject, values, singleLine),
					body: { contentType: html ? 'HTML' : 'Text', content: renderTemplate(email.body, values, html ? escapeHtml : (text) => text) },
					toRecipients: [{ emailAddress: { address: recipient } }],
				},
				saveToSentItems: email.saveToSentItems,
			},
		});
		pushId(run.requestIds, response.requestId);
		return null;
	} catch (error) {
		if (error instanceof GraphError) pushId(run.requestIds, error.requestId);
		return describeCause(error, 'sendEmail');
	}
}

export function renderTemplate(template: string, values: Record<PlaceholderName, string>, encode: (value: string) => string): string {
	return template.replace(PLACEHOLDER, (_match, double: string | undefined, single: string | undefined) =>
		encode(values[(double ?? single) as PlaceholderName]),
	);
}

export function escapeHtml(value: string): string {
	return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function singleLine(value: string): string {
	return value.replace(/[\r\n]+/g, ' ');
}

function emailRecipient(email: PasswordEmailSettings, user: DirectoryUser): string {
	const given = email.recipient.trim();
	const fallback =
		email.recipientFallback === 'none'
			? []
			: [user.otherMails[0], ...(email.recipientFallback === 'otherMailsThenMail' ? [user.mail] : [])];
	const recipient = [given, ...fallback].find((address): address is string => typeof address === 'string' && address.trim() !== '')?.trim();
	if (recipient === undefined) {
		throw new AccountActionSettingError(
			'Email Recipient',
			'No address to send the temporary password to: set "Email Recipient" (e.g. the ticket requester\'s contact address) or a recipient fallback; nothing was changed',
		);
	}
	if (!EMAIL_ADDRESS.test(recipient)) {
		throw new AccountActionSettingError('Email Recipient', `Email Recipient: "${recipient}" is not an email address; nothing was changed`);
	}
	return recipient;
}

function validateRequest(request: AccountActionRequest): void {
	validateProtectionPolicy(request.protection);
	if (request.action !== 'forcePasswordReset') return;
	const settings = request.passwordReset;
	if (!settings || (!settings.email && !settings.returnTemporaryPassword)) {
		throw new AccountActionSettingError(
			'Send Email',
			'Turn on "Send Email" or "Return Temporary Password": otherwise nobody learns the temporary password and the user is locked out',
		);
	}
	// Fails here, before any call, rather than after the password was set.
	generateTemporaryPassword(settings.length ?? MIN_TEMPORARY_PASSWORD_LENGTH);
	if (!settings.email) return;
	if (settings.email.senderMailbox.trim() === '') {
		throw new AccountActionSettingError('Sender Mailbox', 'Sender Mailbox is empty: give the UPN of the mailbox the email is sent from');
	}
	if (!PASSWORD_PLACEHOLDER.test(settings.email.body)) {
		throw new AccountActionSettingError('Email Body', 'Email Body must contain {temporaryPassword}, where the password goes');
	}
	if (PASSWORD_PLACEHOLDER.test(settings.email.subject)) {
		throw new AccountActionSettingError('Email Subject', 'Keep {temporaryPassword} out of the Email Subject: subjects show in notifications and message lists');
	}
}

function audit(run: Run, outcome: ActionOutcome, reason: string, now: () => Date): AuditRecord {
	const { user } = run;
	return {
		ticketId: run.request.ticketId?.trim() ? run.request.ticketId.trim() : null,
		action: run.request.action,
		outcome,
		reason,
		requestedUser: String(run.request.user ?? ''),
		user: user ? { id: user.id, userPrincipalName: user.userPrincipalName, displayName: user.displayName } : null,
		matchedBy: run.matchedBy ?? null,
		changes: run.changes.map(describeWritten),
		requestIds: [...run.requestIds],
		timestamp: now().toISOString(),
		actingApp: run.actingApp,
		...(run.request.action === 'forcePasswordReset' ? { emailSent: false, emailRecipient: null, emailError: null, ...run.email } : {}),
	};
}

/** `field: old → new`, `field: what`, or a bare fact such as `signInSessionsRevoked`. */
function describeWritten(change: AuditChange): string {
	if (change.to === undefined) return change.field;
	return change.from === undefined ? `${change.field}: ${String(change.to)}` : `${change.field}: ${String(change.from)} → ${String(change.to)}`;
}

function explainFailure(run: Run, error: unknown): string {
	if (error instanceof UserResolutionError || error instanceof AccountActionSettingError || error instanceof ProtectionSettingError) return error.message;
	const who = run.user ? ` of ${run.user.userPrincipalName ?? run.user.id}` : '';
	const written = run.changes.length > 0 ? ` Already written: ${run.changes.map(describeWritten).join('; ')}.` : '';
	return `Could not ${run.step}${who}: ${endSentence(describeCause(error, run.feature))}${written}`;
}

/** Graph's words plus, for a permission refusal, the permission that feature needs. */
function describeCause(error: unknown, feature: FeatureId): string {
	if (!(error instanceof GraphError)) return error instanceof Error ? error.message : String(error);
	const said = `Microsoft Graph answered ${error.status} ${error.code}: ${error.graphMessage}`;
	if (error.status !== 403) return said;
	const requirement = featureById(feature);
	const parts = [said, `The app needs ${describeRequirement(requirement)}`];
	if (requirement.note) parts.push(requirement.note);
	return parts.map(endSentence).join(' ');
}

function endSentence(text: string): string {
	return /[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`;
}

function errorCode(error: unknown): string | null {
	if (error instanceof UserResolutionError) return error.reason;
	if (error instanceof AccountActionSettingError || error instanceof ProtectionSettingError) return 'invalidSetting';
	if (error instanceof GraphError) return error.code;
	const code = (error as { code?: unknown; reason?: unknown } | null)?.code ?? (error as { reason?: unknown } | null)?.reason;
	return typeof code === 'string' ? code : null;
}
