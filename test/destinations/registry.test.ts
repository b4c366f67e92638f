/**
 * The registry drives the n8n adapter: every entry of DESTINATIONS, including one added later,
 * gets its selector option, its credential (shown only for it, in package.json), its parameters
 * (shown only for it), its methods, and is built by buildDestination from its credential, its
 * parameters and the shared Destination Options. Runs inside n8n's engine through a probe node.
 * The shipped sync workflow's note on switching the destination names every entry, its credential
 * and its own options, so it cannot go stale when a destination is added or changed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
	NodeConnectionTypes,
	NodeHelpers,
	NodeOperationError,
	type ICredentialType,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeParameters,
	type INodeProperties,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { DestinationConfigError } from '../../nodes/shared/destinations/common';
import { DEFAULT_DESTINATION, DESTINATIONS, type DestinationKind } from '../../nodes/shared/destinations/registry';
import type { RequesterDestination } from '../../nodes/shared/destinations/types';
import type { DestinationBuildInput, DestinationDescriptor } from '../../nodes/shared/n8n/destinationDescriptor';
import { buildDestination, destinationCredentials, destinationMethods, destinationProperties } from '../../nodes/shared/n8n/destinations';
import { runCredentialTest, runLoadOptions, runNode } from '../harness/n8n';

const ROOT = join(__dirname, '..', '..');
const entries = Object.entries(DESTINATIONS) as Array<[DestinationKind, DestinationDescriptor]>;
const kinds = entries.map(([kind]) => kind);

/** Builds the chosen destination and outputs its label; the build is whatever the registry entry does. */
class RegistryProbe implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Registry Probe',
		name: 'registryProbe',
		group: ['transform'],
		version: 1,
		description: 'Builds the configured destination',
		defaults: { name: 'Registry Probe' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: destinationCredentials,
		properties: destinationProperties,
	};

	methods = destinationMethods;

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const destination = await buildDestination(this, 0, { keyKind: 'email' });
		return [[{ json: { label: destination.label }, pairedItem: { item: 0 } }]];
	}
}

const probe = new RegistryProbe();
const node = { typeVersion: 1 };
const shown = (parameters: INodeParameters, entry: Parameters<typeof NodeHelpers.displayParameter>[1]) =>
	NodeHelpers.displayParameter(parameters, entry, node, probe.description);

/** Every credential type class in credentials/, by its n8n name, with its file name and the name n8n shows. */
async function credentialFiles(): Promise<Map<string, { file: string; displayName: string }>> {
	const files = new Map<string, { file: string; displayName: string }>();
	for (const file of readdirSync(join(ROOT, 'credentials')).filter((name) => name.endsWith('.credentials.ts'))) {
		const module = (await import(join(ROOT, 'credentials', file))) as Record<string, new () => ICredentialType>;
		for (const Type of Object.values(module)) {
			const credential = new Type();
			files.set(credential.name, { file: file.replace(/\.ts$/, ''), displayName: credential.displayName });
		}
	}
	return files;
}

/** The shipped sync workflow's sticky note on switching Upsert Requester's destination, line by line. */
function switchNoteLines(): string[] {
	const workflow = JSON.parse(readFileSync(join(ROOT, 'workflows', 'azure-ad-requester-sync.json'), 'utf8')) as { nodes: Array<{ type: string; parameters: { content?: string } }> };
	const notes = workflow.nodes.filter((node) => node.type === 'n8n-nodes-base.stickyNote').map((node) => node.parameters.content ?? '');
	const note = notes.find((content) => content.startsWith('## Switch the destination'));
	expect(note).toBeDefined();
	return note!.split('\n');
}

const stub = (label: string): RequesterDestination => ({ label }) as unknown as RequesterDestination;

afterEach(() => jest.restoreAllMocks());

describe('the registry', () => {
	it('keeps Freshservice as the default destination (saved workflows leave the default out)', () => {
		expect(DEFAULT_DESTINATION).toBe('freshservice');
		expect(destinationProperties[0]).toMatchObject({ name: 'destination', default: DEFAULT_DESTINATION });
	});

	it('offers exactly its destinations in the selector, by label', () => {
		const options = (destinationProperties[0].options ?? []) as Array<{ name: string; value: string }>;
		expect(options.map((option) => option.value).sort()).toEqual([...kinds].sort());
		expect(options.map((option) => option.name)).toEqual(options.map((option) => option.name).sort((a, b) => a.localeCompare(b)));
	});

	it('gives every parameter and method a name no other destination uses', () => {
		const names = destinationProperties.map((property) => property.name);
		expect(new Set(names).size).toBe(names.length);
		const tests = entries.flatMap(([, destination]) => Object.keys(destination.methods.credentialTest));
		const loaders = entries.flatMap(([, destination]) => Object.keys(destination.methods.loadOptions ?? {}));
		expect(new Set(tests).size).toBe(tests.length);
		expect(new Set(loaders).size).toBe(loaders.length);
		expect(Object.keys(destinationMethods.credentialTest).sort()).toEqual([...tests].sort());
		expect(Object.keys(destinationMethods.loadOptions).sort()).toEqual([...loaders].sort());
	});

	it("is listed, destination by destination, in the shipped sync workflow's switch note and nothing else is", () => {
		const listed = switchNoteLines().flatMap((line) => /^- \*\*(.+?)\*\*/.exec(line)?.[1] ?? []);
		expect(listed.sort()).toEqual(entries.map(([, descriptor]) => descriptor.label).sort());
	});

	it('shows the shared Destination Options for every destination, last', () => {
		const options = destinationProperties[destinationProperties.length - 1];
		expect(options.name).toBe('destinationOptions');
		for (const kind of kinds) expect(shown({ destination: kind }, options)).toBe(true);
	});

	it('refuses a destination it does not know, naming the ones it does', async () => {
		const result = await runNode({ node: probe, parameters: { destination: 'noSuchDestination' } });
		expect(result.error).toBeInstanceOf(NodeOperationError);
		expect(result.error?.message).toBe('Unknown destination "noSuchDestination"');
	});
});

describe.each(entries)('registry entry %s', (kind, descriptor) => {
	const others = [...kinds.filter((other) => other !== kind), 'someOtherDestination'];

	it('contributes its selector option', () => {
		expect(destinationProperties[0].options).toContainEqual({ name: descriptor.label, value: kind, description: descriptor.description });
	});

	it('contributes its credential, shown only for it, tested by its own test, and shipped in package.json', async () => {
		const credential = destinationCredentials.find((entry) => entry.name === descriptor.credential);
		expect(credential).toMatchObject({ required: true, testedBy: descriptor.testedBy });
		expect(shown({ destination: kind }, credential!)).toBe(true);
		for (const other of others) expect(shown({ destination: other }, credential!)).toBe(false);
		expect(Object.keys(descriptor.methods.credentialTest)).toContain(descriptor.testedBy);

		const file = (await credentialFiles()).get(descriptor.credential);
		expect(file).toBeDefined();
		const pack = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { n8n: { credentials: string[] } };
		expect(pack.n8n.credentials).toContain(`dist/credentials/${file!.file}.js`);
	});

	it("has a line in the shipped sync workflow's switch note naming it, its credential and its own options", async () => {
		const lines = switchNoteLines();
		expect(lines.join('\n')).toMatch(/\*\*Upsert Requester\*\*.*\*\*Destination\*\*/);
		const line = lines.find((text) => text.startsWith(`- **${descriptor.label}**`));
		expect(line).toBeDefined();
		const credential = (await credentialFiles()).get(descriptor.credential);
		expect(line).toContain(`credential **${credential!.displayName}**`);
		for (const option of [...descriptor.properties, ...(descriptor.options ?? [])]) expect(line).toContain(`*${option.displayName}*`);
	});

	it('contributes its parameters, shown only for it and otherwise unchanged', () => {
		for (const own of descriptor.properties) {
			const property = destinationProperties.find((entry) => entry.name === own.name) as INodeProperties;
			expect(property).toBeDefined();
			expect(shown({ destination: kind }, property)).toBe(true);
			for (const other of others) expect(shown({ destination: other }, property)).toBe(false);
			const { displayOptions, ...rest } = property;
			const { displayOptions: ownDisplayOptions, ...ownRest } = own;
			expect(rest).toEqual(ownRest);
			const { destination, ...ownConditions } = displayOptions?.show ?? {};
			expect(destination).toEqual([kind]);
			expect(ownConditions).toEqual(ownDisplayOptions?.show ?? {});
		}
	});

	it('is built by buildDestination from its credential, its parameters and the shared options', async () => {
		const seen: { input?: DestinationBuildInput; parameters?: Record<string, unknown> } = {};
		const build = jest.spyOn(descriptor, 'build').mockImplementation((input) => {
			seen.input = input;
			seen.parameters = Object.fromEntries(descriptor.properties.map((property) => [property.name, input.parameter(property.name, 'unset')]));
			return stub(`built ${kind}`);
		});
		const credential = { note: `FAKE-${kind}-credential` };
		const result = await runNode({
			node: probe,
			parameters: { destination: kind, destinationOptions: { fieldsToWrite: ['email', 'jobTitle'], maxTries: 3 } },
			credentials: { [descriptor.credential]: credential },
		});
		expect(result.error).toBeUndefined();
		expect(result.outputs[0][0].json).toEqual({ label: `built ${kind}` });
		expect(build).toHaveBeenCalledTimes(1);
		expect(result.credentialRequests).toEqual([descriptor.credential]);
		expect(seen.input?.credential).toEqual(credential);
		expect(seen.input?.shared).toMatchObject({ keyKind: 'email', fields: ['email', 'jobTitle'], retry: { maxAttempts: 3 } });
		// n8n fills in the defaults of the parameters shown for this destination.
		expect(seen.parameters).toEqual(Object.fromEntries(descriptor.properties.map((property) => [property.name, property.default])));
	});

	it('names where to fix a setting that cannot work', async () => {
		jest.spyOn(descriptor, 'build').mockImplementation(() => {
			throw new DestinationConfigError('Some Setting', 'cannot work');
		});
		const result = await runNode({ node: probe, parameters: { destination: kind }, credentials: { [descriptor.credential]: { note: 'FAKE' } } });
		expect(result.error).toBeInstanceOf(NodeOperationError);
		expect(result.error?.message).toBe('Some Setting: cannot work');
		expect((result.error as NodeOperationError).description).toBe(`Fix "Some Setting" in the ${descriptor.settingsPlace ?? 'node'} settings.`);
	});

	it("answers its credential tests through the node's methods, a throw included", async () => {
		for (const name of Object.keys(descriptor.methods.credentialTest)) {
			const test = jest.spyOn(descriptor.methods.credentialTest, name).mockResolvedValueOnce({ status: 'OK', message: 'FAKE fine' });
			expect(await runCredentialTest(probe, name, { note: 'FAKE' }, descriptor.credential)).toEqual({ status: 'OK', message: 'FAKE fine' });
			test.mockRejectedValueOnce(new Error('FAKE unreachable'));
			expect(await runCredentialTest(probe, name, { note: 'FAKE' }, descriptor.credential)).toEqual({ status: 'Error', message: 'FAKE unreachable' });
		}
	});

	it("serves its dropdowns through the node's methods, a failure as an n8n error", async () => {
		for (const name of Object.keys(descriptor.methods.loadOptions ?? {})) {
			const options = [{ name: 'FAKE option', value: 'fake' }];
			const load = jest.spyOn(descriptor.methods.loadOptions as Record<string, () => Promise<typeof options>>, name).mockResolvedValueOnce(options);
			const context = { parameters: { destination: kind } as IDataObject as INodeParameters, credentials: { [descriptor.credential]: { note: 'FAKE' } } };
			expect(await runLoadOptions(probe, name, context)).toEqual(options);
			load.mockRejectedValueOnce(new Error('FAKE cannot list'));
			await expect(runLoadOptions(probe, name, context)).rejects.toThrow(NodeOperationError);
			load.mockRejectedValueOnce(new Error('FAKE cannot list'));
			await expect(runLoadOptions(probe, name, context)).rejects.toThrow('FAKE cannot list');
		}
	});
});
