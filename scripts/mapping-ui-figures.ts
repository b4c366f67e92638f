/**
 * The figures of docs/mapping-ui.md (issue #27, part 2): the Requester / Work / Address mapping as
 * Map To Requester has it (fixedCollection overrides) next to a throwaway prototype of the same
 * mapping as n8n `resourceMapper` fields, both in n8n's editor with the same Azure AD user as input.
 *
 *   npm run build && node scripts/run-ts.js scripts/mapping-ui-figures.ts   # writes docs/images/mapping-ui/*.png
 *
 * The prototype is a community package generated here (never shipped): one node with a
 * resourceMapper per section whose fields are the requester fields, each pre-filled with an
 * expression for its default source. It runs beside the pack in the sandbox of `npm run main`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_MAPPING, REQUESTER_FIELDS, type FieldRule } from '../nodes/shared/requester';
import { makeUsers } from '../test/fixtures/standins/microsoft';
import type { N8nOwner, WorkflowJson } from '../test/e2e/support/n8n';
import { packThePack, startSandbox } from '../test/e2e/support/sandbox';
import { Editor, launchChromium } from '../test/browser/support/editor';

const FIGURES = resolve(__dirname, '..', 'docs', 'images', 'mapping-ui');
const OWNER: N8nOwner = { email: 'admin@contoso.example', firstName: 'Ada', lastName: 'Admin', password: 'FAKE-owner-Passw0rd' };
const PACKAGE = 'n8n-nodes-mapping-ui-prototype';
const SECTIONS = [
	{ section: 'requester', label: 'Requester' },
	{ section: 'work', label: 'Work' },
	{ section: 'address', label: 'Address' },
] as const;

/** The closest n8n expression to a field rule; phone normalisation and guest addresses have none. */
function expressionFor(rule: FieldRule): string {
	const sources = (rule.source ?? []).map((path) => `$json.${path.replace(/\./g, '?.')}`);
	if (sources.length === 0) return '';
	let value = sources.join(' ?? ');
	for (const transform of rule.transforms ?? []) {
		if (transform === 'first') value = `(${value})?.[0]`;
		if (transform === 'lower') value = `(${value})?.toLowerCase()`;
		if (transform === 'date') value = `(${value})?.slice(0, 10)`;
		if (transform === 'join') value = `(${value})?.join('${rule.separator ?? ', '}')`;
	}
	return `={{ ${value} }}`;
}

function prototypeFields(overrides: Record<string, FieldRule>): Record<string, unknown[]> {
	const fields: Record<string, unknown[]> = {};
	for (const { section } of SECTIONS) {
		fields[section] = REQUESTER_FIELDS.filter((spec) => spec.section === section).map((spec) => ({
			id: spec.id,
			displayName: spec.label,
			required: false,
			defaultMatch: false,
			canBeUsedToMatch: false,
			display: true,
			type: 'string',
			defaultValue: expressionFor(overrides[spec.id] ?? DEFAULT_MAPPING.fields[spec.id]),
		}));
	}
	return fields;
}

/** Writes and packs the prototype community package; returns the tarball. */
function packPrototype(folder: string, fields: Record<string, unknown[]>): string {
	mkdirSync(join(folder, 'dist'), { recursive: true });
	writeFileSync(
		join(folder, 'package.json'),
		JSON.stringify({ name: PACKAGE, version: '0.0.1', keywords: ['n8n-community-node-package'], files: ['dist'], n8n: { n8nNodesApiVersion: 1, nodes: ['dist/RequesterMappingPrototype.node.js'] } }),
	);
	const properties = SECTIONS.map(({ section, label }) => ({
		displayName: `${label} Fields`,
		name: `${section}Fields`,
		type: 'resourceMapper',
		noDataExpression: true,
		default: { mappingMode: 'defineBelow', value: null },
		typeOptions: {
			resourceMapper: { resourceMapperMethod: `${section}Fields`, mode: 'map', valuesLabel: `${label} Fields`, fieldWords: { singular: 'field', plural: 'fields' }, addAllFields: true, multiKeyMatch: false, supportAutoMap: false },
		},
	}));
	writeFileSync(
		join(folder, 'dist', 'RequesterMappingPrototype.node.js'),
		`const FIELDS = ${JSON.stringify(fields)};
const PROPERTIES = ${JSON.stringify(properties)};
class RequesterMappingPrototype {
	constructor() {
		this.description = {
			displayName: 'Requester Mapping (resourceMapper prototype)', name: 'requesterMappingPrototype', group: ['transform'], version: 1,
			description: 'UI prototype of the Requester / Work / Address mapping as resourceMapper fields', defaults: { name: 'Requester Mapping (resourceMapper)' },
			inputs: ['main'], outputs: ['main'], properties: PROPERTIES,
		};
		this.methods = { resourceMapping: Object.fromEntries(Object.keys(FIELDS).map((section) => [section + 'Fields', async () => ({ fields: FIELDS[section] })])) };
	}
	async execute() {
		return [this.getInputData().map((item, index) => {
			const requester = {};
			for (const section of Object.keys(FIELDS)) Object.assign(requester, this.getNodeParameter(section + 'Fields.value', index, {}));
			return { json: { requester }, pairedItem: { item: index } };
		})];
	}
}
module.exports = { RequesterMappingPrototype };
`,
	);
	execFileSync('npm', ['pack', '--silent'], { cwd: folder, stdio: ['ignore', 'pipe', 'pipe'] });
	return join(folder, readdirSync(folder).find((file) => file.endsWith('.tgz'))!);
}

/** Manual trigger → List Users (one user) → both mapping UIs, with the same two overrides. */
function figureWorkflow(userId: string): WorkflowJson {
	const credentials = { azureAdSyncApi: { id: 'aadSyncAzureAd01', name: 'Azure AD' } };
	const attributes =
		'displayName,givenName,surname,mail,userPrincipalName,mobilePhone,businessPhones,department,jobTitle,companyName,employeeId,employeeType,officeLocation,employeeOrgData,employeeHireDate,streetAddress,city,state,postalCode,country,manager,onPremisesExtensionAttributes';
	const nodes = [
		{ id: 'f0000000-0000-4000-8000-000000000001', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
		{
			id: 'f0000000-0000-4000-8000-000000000002',
			name: 'Azure AD List Users',
			type: 'n8n-nodes-azure-ad-sync.azureAdListUsers',
			typeVersion: 1,
			position: [240, 0],
			parameters: { mode: 'single', user: { __rl: true, mode: 'id', value: userId }, attributeSource: 'custom', customAttributes: attributes, options: {} },
			credentials,
		},
		{
			id: 'f0000000-0000-4000-8000-000000000003',
			name: 'Map To Requester',
			type: 'n8n-nodes-azure-ad-sync.mapToRequester',
			typeVersion: 1,
			position: [480, -120],
			parameters: {
				mode: 'map',
				requesterFields: { mappings: [{ field: 'phone', source: 'attribute', attribute: 'mobilePhone', fallbackAttributes: ['businessPhones'], transforms: ['first', 'phone'] }] },
				workFields: { mappings: [{ field: 'costCenter', source: 'attribute', attribute: 'onPremisesExtensionAttributes.extensionAttribute1', fallbackAttributes: [], transforms: [] }] },
				options: {},
			},
			credentials,
		},
		{
			id: 'f0000000-0000-4000-8000-000000000004',
			name: 'Requester Mapping (resourceMapper)',
			type: `${PACKAGE}.requesterMappingPrototype`,
			typeVersion: 1,
			position: [480, 120],
			parameters: {},
		},
	];
	const to = (node: string) => ({ main: [[{ node, type: 'main', index: 0 }]] });
	return {
		id: 'mappingUiFigures1',
		name: 'Mapping UI: fixedCollection vs resourceMapper',
		nodes,
		connections: { Start: to('Azure AD List Users'), 'Azure AD List Users': { main: [[{ node: 'Map To Requester', type: 'main', index: 0 }, { node: 'Requester Mapping (resourceMapper)', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}

async function main(): Promise<void> {
	const users = makeUsers(40);
	const user = users.find((candidate) => candidate.accountEnabled !== false && candidate.userType !== 'Guest' && candidate.mail && candidate.mobilePhone === null) ?? users[1];
	const seeded = users.map((u) => (u.id === user.id ? { ...u, onPremisesExtensionAttributes: { extensionAttribute1: 'CC-4711' } } : u));
	const overrides: Record<string, FieldRule> = {
		phone: { source: ['mobilePhone', 'businessPhones'], transforms: ['first', 'phone'] },
		costCenter: { source: ['onPremisesExtensionAttributes.extensionAttribute1'] },
	};
	const scratch = mkdtempSync(join(tmpdir(), 'aad-sync-mapping-ui-'));
	const sandbox = await startSandbox({ users: seeded, tarball: packThePack() });
	const browser = await launchChromium();
	try {
		await sandbox.n8n.installPackage(packPrototype(scratch, prototypeFields(overrides)));
		const id = await sandbox.n8n.importWorkflow(figureWorkflow(user.id));
		await sandbox.n8n.start();
		await sandbox.n8n.setupOwner(OWNER);
		mkdirSync(FIGURES, { recursive: true });
		const editor = await Editor.open(browser, sandbox.n8n.baseUrl, FIGURES);
		await editor.page.setViewportSize({ width: 1600, height: 1300 });
		await editor.signIn(OWNER);
		await editor.openWorkflow(id);
		// resourceMapper values exist once the panel has loaded the fields and written their defaults.
		const opened = await editor.openNode('Requester Mapping (resourceMapper)');
		await opened.getByText('Cost Center').first().waitFor();
		await editor.closeNode();
		await editor.page.getByTestId('execute-workflow-button').click();
		await editor.canvasNode('Requester Mapping (resourceMapper)').getByTestId('canvas-node-status-success').waitFor();
		await editor.dismissToasts();

		const fixed = await editor.openNode('Map To Requester');
		for (const section of ['requesterFields', 'workFields']) await fixed.getByTestId(`fixed-collection-${section}`).waitFor();
		await fixed.getByTestId('fixed-collection-requesterFields').evaluate((element) => element.scrollIntoView({ block: 'start' }));
		await editor.shot('fixed-collection');

		const mapper = await editor.openNode('Requester Mapping (resourceMapper)');
		await mapper.getByText('Cost Center').first().waitFor();
		await editor.shot('resource-mapper');
		await mapper.getByText('Cost Center').first().evaluate((element) => element.scrollIntoView({ block: 'center' }));
		await editor.shot('resource-mapper-work');
		process.stdout.write(`figures in ${FIGURES}\n`);
	} finally {
		await browser.close();
		await sandbox.close();
		rmSync(sandbox.tls.dir, { recursive: true, force: true });
		rmSync(scratch, { recursive: true, force: true });
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exit(1);
});
