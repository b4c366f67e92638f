/** The Microsoft clouds a tenant can live in: sign-in host and Graph endpoint of each. */
export type CloudName = 'global' | 'usGov' | 'usGovDod' | 'china' | 'custom';

export interface CloudEndpoints {
	/** Sign-in host, e.g. https://login.microsoftonline.com (no tenant, no trailing slash). */
	authorityHost: string;
	/** Graph root, e.g. https://graph.microsoft.com (no version, no trailing slash). */
	graphEndpoint: string;
}

export const CLOUDS: Record<Exclude<CloudName, 'custom'>, CloudEndpoints & { label: string }> = {
	global: { label: 'Global (Azure public cloud)', authorityHost: 'https://login.microsoftonline.com', graphEndpoint: 'https://graph.microsoft.com' },
	usGov: { label: 'US Government (GCC High, L4)', authorityHost: 'https://login.microsoftonline.us', graphEndpoint: 'https://graph.microsoft.us' },
	usGovDod: { label: 'US Government DoD (L5)', authorityHost: 'https://login.microsoftonline.us', graphEndpoint: 'https://dod-graph.microsoft.us' },
	china: { label: 'China (operated by 21Vianet)', authorityHost: 'https://login.chinacloudapi.cn', graphEndpoint: 'https://microsoftgraph.chinacloudapi.cn' },
};

export function resolveCloud(cloud: CloudName, custom?: Partial<CloudEndpoints>): CloudEndpoints {
	if (cloud !== 'custom') {
		const { authorityHost, graphEndpoint } = CLOUDS[cloud];
		return { authorityHost, graphEndpoint };
	}
	return {
		authorityHost: requireHttpsRoot(custom?.authorityHost, 'Authority Host'),
		graphEndpoint: requireHttpsRoot(custom?.graphEndpoint, 'Graph Endpoint'),
	};
}

function requireHttpsRoot(value: string | undefined, field: string): string {
	const trimmed = (value ?? '').trim().replace(/\/+$/, '');
	let parsed: URL;
	try {
		parsed = new URL(trimmed);
	} catch {
		throw new ConnectionSettingsError(field, `${field} must be an https:// URL such as https://login.example.com (got "${trimmed}")`);
	}
	if (parsed.protocol !== 'https:') {
		throw new ConnectionSettingsError(field, `${field} must use https:// (got "${parsed.protocol}")`);
	}
	return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
}

/** A setting of the Azure AD credential is wrong; `field` names it as the credential form does. */
export class ConnectionSettingsError extends Error {
	readonly field: string;
	constructor(field: string, message: string) {
		super(message);
		this.name = 'ConnectionSettingsError';
		this.field = field;
	}
}
