/**
 * The n8n side of the Azure AD connection: reads the credential, builds the core's Graph client,
 * and runs the credential test. Nodes use these; the core below never sees n8n types.
 */
import type {
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	IExecuteFunctions,
	ILoadOptionsFunctions,
	INodeCredentialTestResult,
	INodeProperties,
} from 'n8n-workflow';
import { GraphClient, INTERACTIVE_BUDGET_WAIT_MS } from '../graph/client';
import { buildConnection, type AzureAdCredentialFields } from '../graph/connection';
import { testConnection } from '../graph/verify';
import { describeError } from './errors';
import { maxTriesProperty } from './options';

export const AZURE_AD_CREDENTIAL = 'azureAdSyncApi';

/** "Max Tries" under Options, shared by the nodes that call Graph. */
export const maxTriesOption: INodeProperties = maxTriesProperty(
	'How many times one Graph request is tried when Microsoft throttles (429, honouring Retry-After) or the connection drops, before the node fails',
);

type GraphContext = IExecuteFunctions | ILoadOptionsFunctions;

/** `interactive`: someone is waiting on this node (a login, a ticket), so a sync's Graph pause holds it at most INTERACTIVE_BUDGET_WAIT_MS. */
export interface GraphClientSettings {
	maxTries?: number;
	interactive?: boolean;
}

export function graphClientFromCredential(data: ICredentialDataDecryptedObject, options: GraphClientSettings & { logger?: GraphContext['logger'] } = {}): GraphClient {
	const connection = buildConnection(data as AzureAdCredentialFields);
	return new GraphClient(connection, {
		retry: options.maxTries === undefined ? undefined : { maxAttempts: options.maxTries },
		maxBudgetWaitMs: options.interactive ? INTERACTIVE_BUDGET_WAIT_MS : undefined,
		onRetry: (info) => options.logger?.warn(`Microsoft Graph ${info.path}: ${info.reason}, retry ${info.attempt} in ${info.delayMs} ms`),
	});
}

export async function getGraphClient(context: GraphContext, options: GraphClientSettings = {}): Promise<GraphClient> {
	const data = await context.getCredentials(AZURE_AD_CREDENTIAL);
	return graphClientFromCredential(data, { ...options, logger: context.logger });
}

/** Backs the credential's Test button for every node that uses the Azure AD credential. */
export async function azureAdConnectionTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	try {
		const result = await testConnection(graphClientFromCredential(credential.data ?? {}, { maxTries: 2 }));
		return { status: result.ok ? 'OK' : 'Error', message: result.message };
	} catch (error) {
		return { status: 'Error', message: describeError(error).message };
	}
}
