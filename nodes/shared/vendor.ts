// The only module that imports third-party runtime libraries. The build bundles this file (and
// what it imports) into dist/nodes/shared/vendor.js, so the package ships without dependencies.
export {
	ConfidentialClientApplication,
	LogLevel,
	AuthError,
	ClientAuthError,
	ServerError,
	CryptoProvider,
} from '@azure/msal-node';
export type {
	AuthenticationResult,
	Configuration as MsalConfiguration,
	NodeAuthOptions,
	INetworkModule,
	NetworkRequestOptions,
	NetworkResponse,
} from '@azure/msal-node';
export { DateTime, Duration, IANAZone } from 'luxon';
export { stringify as stringifyCsv } from 'csv-stringify/sync';
export { SignJWT, EncryptJWT, jwtVerify, jwtDecrypt, createLocalJWKSet } from 'jose';
export type { JSONWebKeySet, JWTPayload } from 'jose';
export { HttpsProxyAgent } from 'https-proxy-agent';
export { HttpProxyAgent } from 'http-proxy-agent';
export { getProxyForUrl } from 'proxy-from-env';
export { default as Bottleneck } from 'bottleneck';
