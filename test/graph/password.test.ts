import {
	generateTemporaryPassword,
	MAX_TEMPORARY_PASSWORD_LENGTH,
	MIN_TEMPORARY_PASSWORD_LENGTH,
	PASSWORD_CHARACTER_SETS,
} from '../../nodes/shared/graph/password';

/** Entra's allowed symbols (password policy reference), besides A-Z, a-z and 0-9. */
const ENTRA_SYMBOLS = "@#$%^&*-_!+=[]{}|\\:',.?/`~\"();<> ";
const AMBIGUOUS = /[0Oo1lI]/;

describe('generateTemporaryPassword', () => {
	it('is 16 characters by default and has all four character classes', () => {
		for (let i = 0; i < 500; i++) {
			const password = generateTemporaryPassword();
			expect(password).toHaveLength(MIN_TEMPORARY_PASSWORD_LENGTH);
			expect(password).toMatch(/[A-Z]/);
			expect(password).toMatch(/[a-z]/);
			expect(password).toMatch(/[0-9]/);
			expect([...password].some((c) => PASSWORD_CHARACTER_SETS.symbols.includes(c))).toBe(true);
		}
	});

	it('uses only characters Entra accepts, and none that look alike', () => {
		const allowed = new Set([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', ...ENTRA_SYMBOLS]);
		for (const symbol of PASSWORD_CHARACTER_SETS.symbols) expect(allowed.has(symbol)).toBe(true);
		for (let i = 0; i < 500; i++) {
			const password = generateTemporaryPassword(32);
			expect([...password].every((c) => allowed.has(c))).toBe(true);
			expect(password).not.toMatch(AMBIGUOUS);
			expect(password).not.toMatch(/[\s"'<>&`\\]/);
		}
	});

	it('honours the requested length within Entra limits and rejects the rest', () => {
		expect(generateTemporaryPassword(24)).toHaveLength(24);
		expect(generateTemporaryPassword(MAX_TEMPORARY_PASSWORD_LENGTH)).toHaveLength(256);
		for (const bad of [15, 8, 257, 16.5, Number.NaN]) {
			expect(() => generateTemporaryPassword(bad)).toThrow(RangeError);
		}
	});

	it('never repeats across calls and spreads characters evenly', () => {
		const passwords = Array.from({ length: 2000 }, () => generateTemporaryPassword());
		expect(new Set(passwords).size).toBe(passwords.length);

		// Every position sees many different characters: no fixed slots for the guaranteed classes.
		for (let position = 0; position < MIN_TEMPORARY_PASSWORD_LENGTH; position++) {
			const seen = new Set(passwords.map((password) => password[position]));
			expect(seen.size).toBeGreaterThan(40);
		}
		// Every character of the alphabet turns up, and none dominates.
		const counts = new Map<string, number>();
		for (const password of passwords) for (const c of password) counts.set(c, (counts.get(c) ?? 0) + 1);
		const alphabet = Object.values(PASSWORD_CHARACTER_SETS).join('');
		expect(counts.size).toBe(alphabet.length);
		const expected = (passwords.length * MIN_TEMPORARY_PASSWORD_LENGTH) / alphabet.length;
		for (const count of counts.values()) {
			expect(count).toBeGreaterThan(expected * 0.5);
			expect(count).toBeLessThan(expected * 2);
		}
	});
});
