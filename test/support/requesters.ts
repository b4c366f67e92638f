/**
 * Requester builders for tests: state the fields a test is about, the rest are empty (the core's
 * emptyRequester, so a new field in the model needs no edit here).
 */
import { emptyRequester, normaliseKey, type Requester, type RequesterDraft } from '../../nodes/shared/requester/model';

/** A draft (no SSO key unless given) with `fields` set and every other field empty. */
export function requesterDraft(fields: Partial<RequesterDraft> = {}): RequesterDraft {
	return { ...emptyRequester(), ...fields };
}

/** A requester with `fields` set and every other field empty; the SSO key is the email's unless given. */
export function requester(fields: Partial<Requester> = {}): Requester {
	const draft = requesterDraft(fields);
	return { ...draft, ssoKey: fields.ssoKey ?? { kind: 'email', value: normaliseKey(draft.email ?? '') } };
}
