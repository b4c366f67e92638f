/** JSON records of the generic contract: dotted field paths (`profile.department`) in and out. */
import { asText } from '../common';

export type Json = Record<string, unknown>;

export function isJson(value: unknown): value is Json {
	return !!value && typeof value === 'object' && !Array.isArray(value);
}

/** `a.b.c` into nested objects; '' is the value itself. */
export function getPath(value: unknown, path: string): unknown {
	if (path === '') return value;
	let current = value;
	for (const part of path.split('.')) {
		if (!isJson(current)) return undefined;
		current = current[part];
	}
	return current;
}

export function setPath(target: Json, path: string, value: unknown): Json {
	const parts = path.split('.');
	let current = target;
	for (const part of parts.slice(0, -1)) {
		if (!isJson(current[part])) current[part] = {};
		current = current[part] as Json;
	}
	current[parts[parts.length - 1]] = value;
	return target;
}

export function textList(value: unknown): string[] {
	return Array.isArray(value) ? value.map(asText).filter((item): item is string => item !== null) : [];
}
