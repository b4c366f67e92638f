/**
 * A label people recognise for a session's device ("Edge on Windows"), read from the user agent.
 * Only for lists of one's own sessions: user agents are free text, so this is never used to decide.
 */
const BROWSERS: ReadonlyArray<[RegExp, string]> = [
	// Order matters: Edge and Opera also say Chrome, Chrome also says Safari.
	[/\bEdg(e|A|iOS)?\//, 'Edge'],
	[/\bOPR\/|\bOpera\b/, 'Opera'],
	[/\bSamsungBrowser\//, 'Samsung Internet'],
	[/\bFirefox\/|\bFxiOS\//, 'Firefox'],
	[/\bChrome\/|\bCriOS\//, 'Chrome'],
	[/\bSafari\//, 'Safari'],
];

const SYSTEMS: ReadonlyArray<[RegExp, string]> = [
	// iOS user agents say "like Mac OS X", Android ones say Linux: check them first.
	[/\biPhone\b/, 'iPhone'],
	[/\biPad\b/, 'iPad'],
	[/\bAndroid\b/, 'Android'],
	[/\bWindows\b/, 'Windows'],
	[/\bCrOS\b/, 'ChromeOS'],
	[/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
	[/\bLinux\b/, 'Linux'],
];

export function deviceLabel(userAgent: string | null | undefined): string {
	const agent = userAgent?.trim() ?? '';
	if (agent === '') return 'Unknown device';
	const browser = BROWSERS.find(([pattern]) => pattern.test(agent))?.[1];
	const system = SYSTEMS.find(([pattern]) => pattern.test(agent))?.[1];
	if (browser && system) return `${browser} on ${system}`;
	return browser ?? system ?? 'Unknown device';
}
