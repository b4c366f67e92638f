// proxy-from-env ships no type declarations; this is the one function the pack uses.
declare module 'proxy-from-env' {
	/** The proxy URL for `url` from HTTP(S)_PROXY / NO_PROXY (upper or lower case), or '' for a direct connection. */
	export function getProxyForUrl(url: string | URL): string;
}
