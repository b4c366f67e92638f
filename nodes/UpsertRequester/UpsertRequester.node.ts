import {
	NodeConnectionTypes,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IPairedItemData,
} from 'n8n-workflow';
import { auditActorOf, auditLogSettings, keepAudit, recordAudit, type AuditLogSettings } from '../shared/n8n/auditLog';
import { buildDestination, destinationMethods } from '../shared/n8n/destinations';
import { describeError, toNodeError } from '../shared/n8n/errors';
import { runOnce } from '../shared/n8n/itemLoop';
import { syncHostFor } from '../shared/n8n/syncState';
import { readUpsertInput, type InputRef } from '../shared/n8n/upsertInput';
import { applyChanges, checkApplyRequest, type OutputUsers } from '../shared/sync/applyChanges';
import type { RequesterChangeRecord } from '../shared/sync/auditTrail';
import { SyncStateError } from '../shared/sync/cursor';
import type { UserOutcome } from '../shared/sync/engine';
import { credentials, properties } from './description';

interface Options {
	concurrency?: number;
	deactivateDisabled?: boolean;
	outputUsers?: OutputUsers;
	timeZone?: string;
	maxRunMinutes?: number;
	maxWritesPerRun?: number;
}

export class UpsertRequester implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Upsert Requester',
		name: 'upsertRequester',
		icon: { light: 'file:../../icons/requester.svg', dark: 'file:../../icons/requester.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["dryRun"] ? "Dry run: " : ""}}{{$parameter["destination"]}}',
		description:
			'Creates, updates, deactivates or reactivates requesters in the ITSM from mapped Azure AD users, writing only changed fields, and keeps sync statistics and the unsynced list. Not an AI tool: it needs a whole run of mapped users on its two inputs.',
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
			{ type: NodeConnectionTypes.Main, displayName: 'Audit' },
		],
		credentials,
		properties,
	};

	methods = { credentialTest: { ...destinationMethods.credentialTest }, loadOptions: { ...destinationMethods.loadOptions } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const inputs = [this.getInputData(0), this.getInputData(1)];
		const allPaired: IPairedItemData[] = inputs.flatMap((items, input) => items.map((_, item) => ({ item, input })));
		const safeguard = this.getNodeParameter('safeguard', 0, {}) as { maxCount?: number; maxPercent?: number };
		const options = this.getNodeParameter('options', 0, {}) as Options;
		const parsed = readUpsertInput(inputs);
		const request = {
			syncId: this.getNodeParameter('syncId', 0),
			input: parsed,
			readFor: parsed.syncIds,
			dryRun: this.getNodeParameter('dryRun', 0, false) as boolean,
			safeguard: { maxCount: safeguard.maxCount ?? 500, maxPercent: safeguard.maxPercent ?? 30 },
			concurrency: options.concurrency ?? 4,
			deactivateDisabled: options.deactivateDisabled ?? true,
			outputUsers: options.outputUsers ?? 'changes',
			timeZone: options.timeZone?.trim() || this.getTimezone(),
			maxRunMinutes: options.maxRunMinutes ?? 45,
			maxWritesPerRun: options.maxWritesPerRun ?? 0,
		};
		let audit: AuditLogSettings;
		try {
			checkApplyRequest(request);
			audit = auditLogSettings(this);
		} catch (error) {
			// A Sync ID, Time Zone or audit retention that cannot work stops the node even with Continue On Fail.
			throw toNodeError(this.getNode(), error);
		}
		return await runOnce(
			this,
			async () => {
				const host = {
					...syncHostFor(this),
					actor: auditActorOf(this),
					// The node's error drops its outputs: what a failed run wrote is kept in static data, whatever the sink.
					keepFailedRunAudit: (records: RequesterChangeRecord[]) => keepAudit(this, records.map(({ record }) => record), audit.retention),
				};
				const report = await applyChanges(host, request, (keyKind) => buildDestination(this, 0, { keyKind }));
				const auditItems = recordAudit(
					this,
					report.audit.map(({ record, itemIndex }) => ({ record, pairedItem: pairedFor({ itemIndex }, parsed.refs) })),
					audit,
				);
				return [
					report.users.map((outcome) => ({ json: outcome as unknown as IDataObject, pairedItem: pairedFor(outcome, parsed.refs) })),
					[{ json: report.summary as unknown as IDataObject, pairedItem: allPaired.length > 0 ? allPaired : { item: 0 } }],
					auditItems,
				];
			},
			{
				outputCount: 3,
				errorOutput: 1,
				pairedItem: allPaired,
				errorJson: (_error, _itemIndex, cause) => failedRunJson(cause),
			},
		);
	}
}

/** The summary item of a failed run (Continue On Fail): what went wrong, what to do, and the error's code. */
function failedRunJson(cause: unknown): IDataObject {
	const summary = describeError(cause);
	const hint = cause instanceof SyncStateError ? cause.hint : undefined;
	return { error: summary.message, description: summary.description ?? hint ?? null, code: summary.code };
}

/** Retried and out-of-scope users have no input item of their own; they pair with the first one. */
function pairedFor(outcome: Pick<UserOutcome, 'itemIndex'>, refs: InputRef[]): IPairedItemData {
	const ref = outcome.itemIndex === undefined ? undefined : refs[outcome.itemIndex];
	return ref ? { item: ref.item, input: ref.input } : { item: 0 };
}
