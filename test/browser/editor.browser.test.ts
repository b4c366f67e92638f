/**
 * The pack's nodes in n8n's editor, in a real browser (Debian's chromium via playwright-core),
 * against real n8n 2.41.1 set up as `npm run main` does: the sandbox's Microsoft and Freshservice
 * stand-ins, the pack installed from its tarball, both shipped workflows imported and published.
 * The owner is created over REST and signs in through the sign-in form.
 *
 * Each step saves a screenshot to test/browser/.screenshots; with AAD_SYNC_DOCS_IMAGES=1 the ones
 * the README shows are copied to docs/images/. Run with `npm run test:browser`.
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Locator } from 'playwright-core';
import { makeUsers, type SeedUser } from '../fixtures/standins/microsoft';
import { type N8nOwner } from '../e2e/support/n8n';
import { APP_ROLES, CLIENT_ID, CLIENT_SECRET, SYNC_WORKFLOW, packThePack, readWorkflow, serveShippedWorkflows, startSandbox, type Sandbox } from '../e2e/support/sandbox';
import { Editor, UI_TIMEOUT_MS, freshShotsFolder, launchChromium, ui } from './support/editor';

const OWNER: N8nOwner = { email: 'admin@contoso.example', firstName: 'Ada', lastName: 'Admin', password: 'FAKE-owner-Passw0rd' };
const COST_CENTER = 'CC-4711';
const GROUPS: Record<string, string> = { 'All Staff': 'Everyone at Contoso', 'IT Helpdesk': 'First-line support', 'Sales EMEA': 'Sales in Europe' };
/** The screenshots the README shows, by the name the test saves them under. */
const DOCS_IMAGES: Record<string, string> = {
	canvas: 'editor-sync-workflow.png',
	'credential-test-ok': 'editor-credential-test.png',
	'credential-test-wrong-secret': 'editor-credential-wrong-secret.png',
	'attribute-dropdown': 'editor-attribute-dropdown.png',
	'user-search': 'editor-preview-user-search.png',
	'mapping-preview': 'editor-mapping-preview.png',
	summary: 'editor-run-summary.png',
};

/** The preview user: the first enabled member with a mailbox, a first name and a name no one else has. */
function pickPreviewUser(users: SeedUser[]): SeedUser {
	const user = users.find((u) => u.accountEnabled !== false && u.userType !== 'Guest' && u.mail && u.givenName && users.filter((o) => o.displayName === u.displayName).length === 1);
	if (!user) throw new Error('no user with a unique name in the seed');
	return user;
}

const seed = makeUsers(40);
const PREVIEW_USER = pickPreviewUser(seed);
// The tenant keeps each user's cost centre in extension attribute 1 (Entra Connect's usual place).
const USERS = seed.map((user) => (user.id === PREVIEW_USER.id ? { ...user, onPremisesExtensionAttributes: { extensionAttribute1: COST_CENTER } } : user));
const SYNCABLE = USERS.filter((user) => user.accountEnabled !== false);
const WORKFLOW_NODES = (readWorkflow(SYNC_WORKFLOW).nodes as Array<{ name: string; type: string }>).filter((node) => node.type !== 'n8n-nodes-base.stickyNote').map((node) => node.name);

let sandbox: Sandbox;
let syncId: string;
let browser: Browser;
let editor: Editor;
let shotsDir: string;
/** Answers of n8n's dropdown endpoint (options and list search) that were not 200. */
const failedLookups: string[] = [];

beforeAll(async () => {
	shotsDir = freshShotsFolder();
	sandbox = await startSandbox({ users: USERS, tarball: packThePack() });
	// Before any token is issued: the groups dropdown needs GroupMember.Read.All.
	sandbox.microsoft.state.setAppRoles(CLIENT_ID, [...APP_ROLES, 'GroupMember.Read.All']);
	for (const [displayName, description] of Object.entries(GROUPS)) sandbox.microsoft.state.addGroup({ displayName, description, memberIds: [PREVIEW_USER.id] });
	({ syncId } = await serveShippedWorkflows(sandbox.n8n));
	await sandbox.n8n.setupOwner(OWNER);
	browser = await launchChromium();
	editor = await Editor.open(browser, sandbox.n8n.baseUrl, shotsDir);
	editor.page.on('response', (response) => {
		if (response.url().includes('/rest/dynamic-node-parameters/') && response.status() !== 200) failedLookups.push(`${response.status()} ${response.url()}`);
	});
});

afterAll(async () => {
	await browser?.close();
	await sandbox?.close();
	if (sandbox) rmSync(sandbox.tls.dir, { recursive: true, force: true });
	if (process.env.AAD_SYNC_DOCS_IMAGES === '1' && shotsDir) {
		const docs = resolve(__dirname, '..', '..', 'docs', 'images');
		mkdirSync(docs, { recursive: true });
		for (const [shot, file] of Object.entries(DOCS_IMAGES)) copyFileSync(join(shotsDir, `${shot}.png`), join(docs, file));
	}
});

/** Runs a step; on failure saves what the browser showed as FAILED-<name>.png. */
async function step(name: string, body: () => Promise<void>): Promise<void> {
	try {
		await body();
	} catch (error) {
		await editor.shot(`FAILED-${name}`).catch(() => undefined);
		// The next step starts from a freshly loaded canvas, not from this step's open panels.
		await editor.openWorkflow(syncId).catch(() => undefined);
		throw error;
	}
}

async function expectNoParameterIssues(scope: Locator): Promise<void> {
	await ui.count(scope.getByTestId('parameter-issues'), 0);
	await ui.count(scope.getByTestId('node-issues'), 0);
	await ui.count(scope.getByTestId('rlc-error-container'), 0);
}

/** The credential modal's test: the banner for `status`, and n8n's answer from the pack's credential test. */
async function credentialTest(modal: Locator, trigger: () => Promise<void>): Promise<{ status: string; message: string }> {
	const answer = editor.page.waitForResponse((response) => response.url().endsWith('/rest/credentials/test'), { timeout: UI_TIMEOUT_MS });
	await trigger();
	const body = (await (await answer).json()) as { data: { status: string; message: string } };
	// The test button shows a spinner until the banner is updated; it reads "Retry" after either result.
	await modal.getByRole('button', { name: 'Retry' }).waitFor();
	await modal.getByText(body.data.status === 'OK' ? 'Connection tested successfully' : 'Couldn’t connect with these settings').waitFor();
	return body.data;
}

describe('the pack in n8n’s editor (chromium)', () => {
	it('signs in and shows the shipped sync workflow on the canvas', () =>
		step('canvas', async () => {
			await editor.signIn(OWNER);
			await editor.openWorkflow(syncId);
			expect((await editor.canvasNodeNames()).sort()).toEqual([...WORKFLOW_NODES].sort());
			await ui.hasText(editor.canvasNode('Map To Requester'), 'Map users to requesters');
			await editor.page.getByTestId('zoom-to-fit').click();
			await editor.shot('canvas');
		}));

	it('opens every node’s panel without a parameter error', () =>
		step('panels', async () => {
			for (const name of WORKFLOW_NODES) {
				const ndv = await editor.openNode(name);
				await ui.hasText(ndv.getByTestId('node-title-container'), name);
				if (name === 'Map To Requester') {
					// Labels come from the tenant's attribute list: "Mail" only once it loaded.
					await ui.hasValue(ndv.getByTestId('parameter-input-usernameAttribute').locator('input'), 'Mail');
					await ui.hasText(ndv.getByTestId('parameter-input-usernameFallbackAttributes'), 'User Principal Name');
				}
				// From Freshservice's requester fields.
				if (name === 'Upsert Requester') await ui.hasValue(ndv.getByTestId('parameter-input-name').locator('input'), 'External ID (Built-In Field)');
				if (name === 'Azure AD Verify') await ui.hasText(ndv.getByTestId('parameter-input-failWhenNotReady'), 'List users (sync)');
				await expectNoParameterIssues(ndv);
				await editor.shot(`panel-${name.replace(/\W+/g, ' ').trim().replace(/ /g, '-').toLowerCase()}`);
			}
			await editor.closeNode();
			expect(failedLookups).toEqual([]);
		}));

	it('tests the Azure AD credential: success, then the plain-words message for a wrong secret', () =>
		step('credential', async () => {
			const ndv = await editor.openNode('Azure AD Verify');
			const modal = editor.page.getByTestId('editCredential-modal');
			await editor.clickUntilVisible(ndv.getByTestId('credential-edit-button'), modal);
			const secret = modal.getByTestId('parameter-input-clientSecret').locator('input');
			await secret.waitFor();
			// n8n tests the credential when the modal opens; its Test button then reads "Retry".
			const retry = modal.getByRole('button', { name: 'Retry' });
			const ok = await credentialTest(modal, () => retry.click());
			expect(ok).toEqual({ status: 'OK', message: expect.stringMatching(/^Connected to /) });
			await editor.shot('credential-test-ok');

			const wrong = await credentialTest(modal, async () => {
				await secret.fill('FAKE-wrong-secret');
				await modal.getByTestId('credential-save-button').click();
			});
			expect(wrong.status).toBe('Error');
			expect(wrong.message).toMatch(/client secret is wrong/);
			expect(wrong.message).not.toContain('FAKE-wrong-secret');
			// The pack's own words, one click away from n8n's generic line.
			await modal.getByText('More details').click();
			await ui.hasText(modal, "The client secret is wrong. Paste the secret's Value");
			await editor.shot('credential-test-wrong-secret');

			const restored = await credentialTest(modal, async () => {
				await secret.fill(CLIENT_SECRET);
				await modal.getByTestId('credential-save-button').click();
			});
			expect(restored.status).toBe('OK');
			await editor.closeDialog(modal);
			await editor.closeNode();
		}));

	it('runs the workflow from the editor (Sync Now) and shows the Summary', () =>
		step('run', async () => {
			await editor.canvasNode('Sync Now').hover();
			await editor.page.getByTestId('execute-workflow-button-Sync Now').click();
			await editor.canvasNode('Export Unsynced').getByTestId('canvas-node-status-success').waitFor({ timeout: 3 * 60_000 });
			await editor.page.getByText('Workflow executed successfully').waitFor();
			const ndv = await editor.openNode('Upsert Requester');
			const output = ndv.getByTestId('output-panel');
			await output.getByTestId('branches').getByText('Summary').click();
			await output.getByTestId('radio-button-json').click();
			const data = output.getByTestId('ndv-data-container');
			await ui.hasText(data, new RegExp(`"created":\\s*${SYNCABLE.length},`));
			await ui.hasText(data, /"failed":\s*0,/);
			await ui.hasText(data, new RegExp(`"totalSynced":\\s*${SYNCABLE.length},`));
			expect(sandbox.freshservice.state.requesters.size).toBe(SYNCABLE.length);
			await editor.dismissToasts();
			await editor.shot('summary');
			await editor.closeNode();
		}));

	it('Map To Requester: the attribute list, the user search and the per-field preview', () =>
		step('mapping', async () => {
			const ndv = await editor.openNode('Map To Requester');
			const work = ndv.getByTestId('fixed-collection-workFields');
			await work.getByTestId('fixed-collection-add').click();
			await editor.choose(work.getByTestId('parameter-input-field'), 'Cost Center');

			const attribute = work.getByTestId('parameter-input-attribute');
			const attributes = await editor.openDropdown(attribute);
			expect(attributes).toEqual(expect.arrayContaining(['Department', 'Employee ID', 'Cost Center', 'Extension Attribute 1', 'Extension Attribute 15', 'Manager']));
			expect(attributes.length).toBeGreaterThan(60);
			// The list filters as the admin types.
			await editor.page.keyboard.type('extension attr');
			await ui.texts(editor.visibleOptions().locator('.option-headline'), (filtered) => {
				expect(filtered).toEqual(expect.arrayContaining(['Extension Attribute 1', 'Extension Attribute 15']));
				expect(filtered.filter((text) => !/extension attr/i.test(text))).toEqual([]);
			});
			await editor.shot('attribute-dropdown');
			await editor.pickOption('Extension Attribute 1');
			await ui.hasValue(attribute.locator('input'), 'Extension Attribute 1');
			await expectNoParameterIssues(work);

			await editor.choose(ndv.getByTestId('parameter-input-mode'), 'Preview Mapping');
			await editor.clickUntilVisible(ndv.getByTestId('rlc-input'), editor.page.getByTestId('rlc-search'));
			// The first name finds everyone called so; the rest of the name narrows it to the user.
			const firstName = PREVIEW_USER.givenName!;
			await editor.page.keyboard.type(firstName, { delay: 50 });
			const found = editor.page.getByTestId('rlc-item');
			const listed = `${PREVIEW_USER.displayName} (${PREVIEW_USER.userPrincipalName})`;
			const namesakes = USERS.filter((user) => user.displayName?.startsWith(firstName)).length;
			await ui.texts(found, (texts) => {
				expect(texts).toContain(listed);
				expect(texts.filter((text) => !text.toLowerCase().startsWith(firstName.toLowerCase()))).toEqual([]);
				expect(texts.length).toBeGreaterThanOrEqual(namesakes);
			});
			await editor.shot('user-search');
			await editor.page.keyboard.type(PREVIEW_USER.displayName!.slice(firstName.length), { delay: 50 });
			await ui.texts(found, (texts) => expect(texts).toEqual([listed]));
			await found.first().click();
			await ui.hasValue(ndv.getByTestId('rlc-input'), listed);
			await expectNoParameterIssues(ndv);

			await ndv.getByTestId('node-execute-button').click();
			const output = ndv.getByTestId('output-panel');
			await output.getByTestId('node-run-status-success').waitFor();
			await output.getByTestId('radio-button-table').click();
			const columns = await ui.texts(output.locator('thead th'), (names) => expect(names).toEqual(expect.arrayContaining(['section', 'field', 'source', 'azureValue', 'mappedValue'])));
			const cell = (field: string, column: string) =>
				output.locator('tbody tr').filter({ has: editor.page.locator('td', { hasText: new RegExp(`^\\s*${field}\\s*$`) }) }).locator('td').nth(columns.indexOf(column));
			await ui.isText(cell('Cost Center', 'section'), 'Work');
			await ui.isText(cell('Cost Center', 'source'), 'onPremisesExtensionAttributes.extensionAttribute1');
			await ui.isText(cell('Cost Center', 'azureValue'), COST_CENTER);
			await ui.isText(cell('Cost Center', 'mappedValue'), COST_CENTER);
			await ui.isText(cell('Email', 'mappedValue'), PREVIEW_USER.mail!.toLowerCase());
			await ui.isText(cell('Full Name', 'mappedValue'), PREVIEW_USER.displayName!);
			// A wider window and output, so the shot shows section, field, source, Azure value and mapped value side by side.
			await editor.page.setViewportSize({ width: 1920, height: 1080 });
			await editor.widenOutput();
			await cell('Cost Center', 'field').evaluate((element) => element.scrollIntoView({ block: 'center' }));
			await editor.dismissToasts();
			await editor.shot('mapping-preview');
			await editor.page.setViewportSize({ width: 1600, height: 1000 });
			await editor.closeNode();
		}));

	it('Azure AD List Users: the attribute and group dropdowns list the tenant’s', () =>
		step('list-users', async () => {
			const ndv = await editor.openNode('Azure AD List Users');
			await editor.choose(ndv.getByTestId('parameter-input-attributeSource'), 'Selected Attributes');
			const attributes = await editor.openDropdown(ndv.getByTestId('parameter-input-attributes'));
			expect(attributes).toEqual(expect.arrayContaining(['Department', 'Job Title', 'Office Location', 'Extension Attribute 1']));
			await editor.closeDropdown();

			const addFilter = ndv.getByTestId('collection-parameter-add').filter({ has: editor.page.getByPlaceholder('Add Filter') });
			await editor.choose(addFilter, 'Members of Group Names or IDs');
			const groups = await editor.openDropdown(ndv.getByTestId('parameter-input-groupIds'));
			expect(groups.sort()).toEqual(Object.keys(GROUPS).sort());
			await editor.shot('groups-dropdown');
			await editor.pickOption('Sales EMEA');
			await editor.closeDropdown();
			await expectNoParameterIssues(ndv);
			expect(failedLookups).toEqual([]);
		}));
});
