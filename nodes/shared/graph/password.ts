/**
 * Temporary passwords for "force password reset on next sign-in". Entra accepts 8 to 256
 * characters with three of four classes; we always use all four, at least 16 characters, drawn
 * with `crypto.randomInt` (uniform, no modulo bias) from sets without look-alikes (0/O/o, 1/l/I),
 * and only symbols Entra allows that survive copying from an email (no quotes, spaces, brackets).
 */
import { randomInt } from 'node:crypto';

export const PASSWORD_CHARACTER_SETS = {
	upper: 'ABCDEFGHJKLMNPQRSTUVWXYZ',
	lower: 'abcdefghijkmnpqrstuvwxyz',
	digits: '23456789',
	symbols: '!#$%*+-=?@^_',
} as const;

export const MIN_TEMPORARY_PASSWORD_LENGTH = 16;
/** Entra's own limit. */
export const MAX_TEMPORARY_PASSWORD_LENGTH = 256;

const ALL_CHARACTERS = Object.values(PASSWORD_CHARACTER_SETS).join('');

export function generateTemporaryPassword(length = MIN_TEMPORARY_PASSWORD_LENGTH): string {
	if (!Number.isInteger(length) || length < MIN_TEMPORARY_PASSWORD_LENGTH || length > MAX_TEMPORARY_PASSWORD_LENGTH) {
		throw new RangeError(
			`Temporary password length must be a whole number from ${MIN_TEMPORARY_PASSWORD_LENGTH} to ${MAX_TEMPORARY_PASSWORD_LENGTH}`,
		);
	}
	// One character of each class guarantees complexity; the rest come from the whole alphabet,
	// and a shuffle hides where the guaranteed ones sit.
	const characters = Object.values(PASSWORD_CHARACTER_SETS).map(pick);
	while (characters.length < length) characters.push(pick(ALL_CHARACTERS));
	return shuffle(characters).join('');
}

function pick(set: string): string {
	return set[randomInt(set.length)];
}

/** Fisher–Yates with a cryptographic source. */
function shuffle<T>(values: T[]): T[] {
	for (let i = values.length - 1; i > 0; i--) {
		const j = randomInt(i + 1);
		[values[i], values[j]] = [values[j], values[i]];
	}
	return values;
}
