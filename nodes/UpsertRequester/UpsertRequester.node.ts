import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IPairedItemData,
} from 'n8n-workflow';
import { buildDestination, destinationMethods, destinationProperties } from '../shared/n8n/destinations';
import { describeError, toNodeError } from '../shared/n8n/errors';
import type { RequesterDestination } from '../shared/destinations/types';
import { syncIdFrom, syncIdProperty, commitPendingCursor } from '../shared/n8n/syncState';
import { loadSyncRecords, saveSyncRecords } from '../shared/n8n/syncRecords';
import { readUpsertInput, type InputRef } from '../shared/n8n/upsertInput';
import { runRequesterSync, type SyncResult, type UserOutcome } from '../shared/sync/engine';
import { freshestRecords, rememberRecords, withSyncLock } from '../shared/sync/lock';
import { describeTime, isValidTimeZone } from '../shared/sync/stats';

type OutputMode = 'changes' | 'all' | 'none';

export class UpsertRequester implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Upsert Requester',
		name: 'upsertRequester',
		icon: { light: 'file:../../icons/requester.svg', dark: 'file:../../icons/requester.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["dryRun"] ? "Dry run: " : ""}}{{$parameter["destination"]}}',
		description:
			'Creates, updates, deactivates or reactivates requesters in the ITSM from mapped Azure AD users, writing only changed fields, and keeps sync statistics and the unsynced list',
		defaults: { name: 'Upsert Requester' },
		// Not an AI tool (it needs two inputs and a whole run's users); n8n's type has no `false`, and its lint wants the key present.
		usableAsTool: undefined,
		inputs: [
			{ type: NodeConnectionTypes.Main, displayName: 'Requesters' },
			{ type: NodeConnectionTypes.Main, displayName: 'Unmapped', required: false },
		],
		outputs: [
			{ type: NodeConnectionTypes.Main, displayName: 'Users' },
			{ type: NodeConnectionTypes.Main, displayName: 'Summary' },
		],
		credentials: [
			{ name: 'freshserviceApi', required: true, testedBy: 'freshserviceConnectionTest', displayOptions: { show: { destination: ['freshservice'] } } },
			{ name: 'requesterRestApi', required: true, testedBy: 'requesterRestConnectionTest', displayOptions: { show: { destination: ['genericRest'] } } },
		],
		properties: [
			{
				displayName:
					'Connect the Mapped output of Map To Requester to the Requesters input, and its Unmapped output to the Unmapped input, so invalid users are listed as unsynced too',
				name: 'notice',
				type: 'notice',
				default: '',
			},
			syncIdProperty,
			...destinationProperties,
			{
				displayName: 'Dry Run',
				name: 'dryRun',
				type: 'boolean',
				default: false,
				description: 'Whether to only plan: output what would be created, updated, deactivated or reactivated, and write nothing',
			},
			{
				displayName: 'Deactivation Safeguard',
				name: 'safeguard',
				type: 'collection',
				placeholder: 'Change Limit',
				default: {},
				description:
					'When one run would deactivate more requesters than this, it deactivates none and says so (like Entra provisioning\'s accidental-deletion prevention)',
				options: [
					{
						displayName: 'Max Deactivations per Run',
						name: 'maxCount',
						type: 'number',
						typeOptions: { minValue: 0 },
						default: 500,
					},
					{
						displayName: 'Max Deactivations (% of Synced)',
						name: 'maxPercent',
						type: 'number',
						typeOptions: { minValue: 0, maxValue: 100 },
						default: 30,
						description: 'Percentage of the requesters this sync manages; applied once a run would deactivate 10 or more',
					},
				],
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Concurrency',
						name: 'concurrency',
						type: 'number',
						typeOptions: { minValue: 1, maxValue: 16 },
						default: 4,
						description: 'How many destination requests run at the same time; keep it low enough for the ITSM\'s rate limit',
					},
					{
						displayName: 'Deactivate Disabled Users',
						name: 'deactivateDisabled',
						type: 'boolean',
						default: true,
						description: 'Whether requesters of users disabled in Azure AD are deactivated (never deleted)',
					},
					{
						displayName: 'Output Users',
						name: 'outputUsers',
						type: 'options',
						options: [
							{ name: 'Changes and Failures', value: 'changes', description: 'One item per user that was written, failed or held back' },
							{ name: 'All Users', value: 'all', description: 'One item per user, unchanged ones too (large tenants: many items)' },
							{ name: 'None', value: 'none', description: 'Only the summary' },
						],
						default: 'changes',
					},
					{
						displayName: 'Time Zone',
						name: 'timeZone',
						type: 'string',
						default: '',
						placeholder: 'e.g. Europe/Oslo',
						description: 'Time zone of the human-readable "last synced" time; defaults to the workflow\'s time zone',
					},
				],
			},
		],
	};

	methods = { credentialTest: { ...destinationMethods.credentialTest }, loadOptions: { ...destinationMethods.loadOptions } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const inputs = [this.getInputData(0), this.getInputData(1)];
		const allPaired: IPairedItemData[] = inputs.flatMap((items, input) => items.map((_, item) => ({ item, input })));
		const syncId = syncIdFrom(this.getNodeParameter('syncId', 0));
		const dryRun = this.getNodeParameter('dryRun', 0, false) as boolean;
		const safeguard = this.getNodeParameter('safeguard', 0, {}) as { maxCount?: number; maxPercent?: number };
		const options = this.getNodeParameter('options', 0, {}) as {
			concurrency?: number;
			deactivateDisabled?: boolean;
			outputUsers?: OutputMode;
			timeZone?: string;
		};
		const timeZone = options.timeZone?.trim() || this.getTimezone();
		if (!isValidTimeZone(timeZone)) {
			throw new NodeOperationError(this.getNode(), `Time Zone "${timeZone}" is not a known IANA time zone`, { description: 'Use a name such as Europe/Oslo or America/New_York' });
		}

		const parsed = readUpsertInput(inputs);
		const foreign = [...parsed.syncIds].filter((id) => id !== syncId);
		if (foreign.length > 0) {
			throw new NodeOperationError(this.getNode(), `The users were read for Sync ID "${foreign[0]}" but this node uses "${syncId}"`, {
				description: 'Give List Users and Upsert Requester the same Sync ID, so the cursor is committed for the sync that read the users',
			});
		}

		const lockKey = `${this.getWorkflow().id ?? 'workflow'}:${syncId}`;
		let result: SyncResult;
		let destination: RequesterDestination;
		try {
			destination = await buildDestination(this, 0, { keyKind: parsed.mapped[0]?.requester.ssoKey.kind });
			result = await withSyncLock(lockKey, async () => {
				const records = freshestRecords(lockKey, loadSyncRecords(this, syncId));
				const run = await runRequesterSync(destination, parsed, records, {
					dryRun,
					concurrency: options.concurrency ?? 4,
					deactivateDisabled: options.deactivateDisabled ?? true,
					safeguard: { maxCount: safeguard.maxCount ?? 500, maxPercent: safeguard.maxPercent ?? 30 },
				});
				if (!dryRun) {
					saveSyncRecords(this, syncId, run.records);
					rememberRecords(lockKey, records, run.records);
				}
				return run;
			});
		} catch (error) {
			if (this.continueOnFail()) {
				const summary = describeError(error);
				return [[], [{ json: { error: summary.message, description: summary.description ?? null, code: summary.code }, pairedItem: allPaired }]];
			}
			throw toNodeError(this.getNode(), error);
		}

		// Every change this run read is now applied or listed as unsynced: the cursor may move on.
		const cursorCommitted = dryRun ? false : commitPendingCursor(this, syncId);
		if (result.safeguard.tripped) this.logger.warn(`Upsert Requester (Sync ID "${syncId}"): ${result.safeguard.message}`);
		this.logger.info(
			`Upsert Requester (Sync ID "${syncId}")${dryRun ? ' dry run' : ''}: ${result.run.created} created, ${result.run.updated} updated, ${result.run.unchanged} unchanged, ${result.run.deactivated} deactivated, ${result.run.reactivated} reactivated, ${result.run.failed} failed`,
		);

		const users = selectOutcomes(result.outcomes, options.outputUsers ?? 'changes').map((outcome) => ({
			json: outcome as unknown as IDataObject,
			pairedItem: pairedFor(outcome, parsed.refs),
		}));
		const records = result.records;
		const summary: IDataObject = {
			syncId,
			dryRun,
			destination: destination.label,
			run: result.run as unknown as IDataObject,
			safeguard: result.safeguard as unknown as IDataObject,
			cursorCommitted,
			cumulative: (records.stats ?? null) as unknown as IDataObject,
			lastSynced: describeTime(records.stats?.lastSyncedAt ?? null, timeZone) as unknown as IDataObject,
			unsynced: Object.keys(records.unsynced).length,
			syncedRequesters: Object.keys(records.links).length,
		};
		return [users, [{ json: summary, pairedItem: allPaired.length > 0 ? allPaired : { item: 0 } }]];
	}
}

function selectOutcomes(outcomes: UserOutcome[], mode: OutputMode): UserOutcome[] {
	if (mode === 'none') return [];
	if (mode === 'all') return outcomes;
	return outcomes.filter((outcome) => outcome.action !== 'unchanged' && outcome.status !== 'skipped');
}

/** Retried and out-of-scope users have no input item of their own; they pair with the first one. */
function pairedFor(outcome: UserOutcome, refs: InputRef[]): IPairedItemData {
	const ref = outcome.itemIndex === undefined ? undefined : refs[outcome.itemIndex];
	return ref ? { item: ref.item, input: ref.input } : { item: 0 };
}
