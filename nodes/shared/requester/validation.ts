import {
	REQUESTER_FIELDS,
	getRequesterField,
	type LoginSettings,
	type RequesterDraft,
	type RequesterFieldId,
	type RequesterFieldSpec,
} from './model';

export type ReasonCode =
	| 'required'
	| 'invalid_email'
	| 'too_long'
	| 'control_character'
	| 'invalid_date'
	| 'unsupported_value'
	| 'mixed_script';

/** A requester field, or one of the identity values that are not mapped fields. */
export type ReasonField = RequesterFieldId | 'azureObjectId' | 'ssoKey';

export interface FieldReason {
	field: ReasonField;
	code: ReasonCode;
	message: string;
}

const MAX_EMAIL_LENGTH = 254;
const MAX_EMAIL_LOCAL_LENGTH = 64;
// Dot-atom local part (RFC 5322) plus any non-ASCII character (RFC 6531 internationalised mail);
// quoted local parts are legal but no directory issues them, so they are treated as typos.
const EMAIL_LOCAL =
	/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uFFFF-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uFFFF-]+)*$/;
const DOMAIN_LABEL =
	/^[A-Za-z0-9\u0080-\uFFFF](?:[A-Za-z0-9\u0080-\uFFFF-]{0,61}[A-Za-z0-9\u0080-\uFFFF])?$/;
const ALL_DIGITS = /^\d+$/;

/** Pragmatic address check: one "@", RFC 5321 lengths, dot-atom local part, DNS host name. */
export function isValidEmail(value: string): boolean {
	if (value.length > MAX_EMAIL_LENGTH) return false;
	const at = value.lastIndexOf('@');
	if (at <= 0 || at > MAX_EMAIL_LOCAL_LENGTH) return false;
	if (!EMAIL_LOCAL.test(value.slice(0, at))) return false;
	const labels = value.slice(at + 1).split('.');
	if (labels.length < 2 || ALL_DIGITS.test(labels[labels.length - 1])) return false;
	return labels.every((label) => DOMAIN_LABEL.test(label));
}

/** Scripts whose letters look like Latin ones (а/a, е/e, о/o, ρ/p): mixing them is how lookalike addresses are made. */
const LOOKALIKE_SCRIPTS: ReadonlyArray<[string, RegExp]> = [
	['Latin', /\p{Script=Latin}/u],
	['Cyrillic', /\p{Script=Cyrillic}/u],
	['Greek', /\p{Script=Greek}/u],
];

/**
 * The first part (local part or a domain label) of an address that mixes Latin, Cyrillic and
 * Greek letters, with the scripts found; undefined when every part keeps to one script.
 * Internationalised addresses in one script (иван@пример.рф) pass.
 */
export function findMixedScript(value: string): { part: string; scripts: string[] } | undefined {
	for (const part of value.split(/[@.]/)) {
		const scripts = LOOKALIKE_SCRIPTS.filter(([, pattern]) => pattern.test(part)).map(([name]) => name);
		if (scripts.length > 1) return { part, scripts };
	}
	return undefined;
}

const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** C0 controls, DEL and C1 controls (Unicode category Cc). */
function isControlCode(code: number, allowLineBreaks: boolean): boolean {
	if (allowLineBreaks && (code === LINE_FEED || code === CARRIAGE_RETURN)) return false;
	return code <= 0x1f || (code >= 0x7f && code <= 0x9f);
}

/** Index of the first control character, or -1. */
export function findControlCharacter(value: string, allowLineBreaks = false): number {
	for (let index = 0; index < value.length; index++) {
		if (isControlCode(value.charCodeAt(index), allowLineBreaks)) return index;
	}
	return -1;
}

/** Counts characters as people do (code points), not UTF-16 units, so emoji and CJK count once. */
export function characterLength(value: string): number {
	return [...value].length;
}

const ISO_DATE =
	/^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?$/;

/** ISO 8601 date or date-time with a real calendar date (Date.parse accepts 30 February). */
export function isIsoDate(value: string): boolean {
	const match = ISO_DATE.exec(value);
	if (!match) return false;
	const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
	if (month < 1 || month > 12 || day < 1) return false;
	return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function describeCharacter(value: string, index: number): string {
	const code = value.charCodeAt(index).toString(16).toUpperCase().padStart(4, '0');
	return `U+${code}`;
}

function checkText(
	spec: RequesterFieldSpec,
	value: string,
	label: string,
	reasons: FieldReason[],
): void {
	const found = reasons.length;
	const control = findControlCharacter(value, spec.allowLineBreaks);
	if (control >= 0) {
		reasons.push({
			field: spec.id,
			code: 'control_character',
			message: `${label} contains a control character (${describeCharacter(value, control)}) at position ${control + 1}.`,
		});
	}
	// UTF-16 length is an upper bound on characters, so only long values pay for counting.
	if (spec.maxLength !== undefined && value.length > spec.maxLength) {
		const length = characterLength(value);
		if (length > spec.maxLength) {
			reasons.push({
				field: spec.id,
				code: 'too_long',
				message: `${label} is ${length} characters long; the limit is ${spec.maxLength}.`,
			});
		}
	}
	// Syntax is only worth reporting for a value that is otherwise acceptable.
	if (reasons.length > found) return;
	if (spec.kind === 'email' && !isValidEmail(value)) {
		reasons.push({
			field: spec.id,
			code: 'invalid_email',
			message: `${label} "${value}" is not a valid email address.`,
		});
	} else if (spec.kind === 'email') {
		const mixed = findMixedScript(value);
		if (mixed) {
			reasons.push({
				field: spec.id,
				code: 'mixed_script',
				message: `${label} "${value}" mixes ${mixed.scripts.join(' and ')} letters in "${mixed.part}", which look alike; correct the address in Azure AD.`,
			});
		}
	}
	if (spec.kind === 'date' && !isIsoDate(value)) {
		reasons.push({
			field: spec.id,
			code: 'invalid_date',
			message: `${label} "${value}" is not an ISO 8601 date (YYYY-MM-DD).`,
		});
	}
}

function checkField(spec: RequesterFieldSpec, draft: RequesterDraft, reasons: FieldReason[]): void {
	const value = draft[spec.id];
	if (typeof value === 'string') {
		checkText(spec, value, spec.label, reasons);
	} else if (Array.isArray(value)) {
		value.forEach((entry, index) =>
			checkText(spec, entry, `${spec.label} entry ${index + 1}`, reasons),
		);
	}
}

function requiredReason(field: RequesterFieldId, why: string): FieldReason {
	return {
		field,
		code: 'required',
		message: `${getRequesterField(field).label} is required ${why}.`,
	};
}

function missingSsoKey(draft: RequesterDraft, login: LoginSettings): FieldReason | undefined {
	if (draft.ssoKey) return undefined;
	const why = 'because it is the SSO unique key';
	switch (login.ssoKey) {
		case 'email':
			return requiredReason('email', why);
		case 'employeeId':
			return requiredReason('employeeId', why);
		case 'upn':
			return {
				field: 'ssoKey',
				code: 'required',
				message: 'The SSO unique key is the user principal name, and the user has none.',
			};
		case 'objectId':
			// Reported once, as the missing object ID below.
			return undefined;
	}
}

/**
 * Every reason the draft cannot become a requester. `fieldReasons` carries problems found while
 * reading values (e.g. an object where text was expected), so the caller gets one complete list.
 */
export function validateRequester(
	draft: RequesterDraft,
	login: LoginSettings,
	fieldReasons: readonly FieldReason[] = [],
): FieldReason[] {
	const reasons: FieldReason[] = [];
	if (draft.azureObjectId === '') {
		reasons.push({
			field: 'azureObjectId',
			code: 'required',
			message: 'The Azure AD object ID (id) is missing; add "id" to the selected attributes.',
		});
	}
	const ssoReason = missingSsoKey(draft, login);
	if (ssoReason) reasons.push(ssoReason);
	if (login.allowLogin && draft.username === null) {
		reasons.push(requiredReason('username', 'because requester login is allowed'));
	}
	reasons.push(...fieldReasons);
	for (const spec of REQUESTER_FIELDS) checkField(spec, draft, reasons);
	return reasons;
}
