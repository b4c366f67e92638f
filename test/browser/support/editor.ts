/**
 * Drives n8n's editor in Debian's chromium through playwright-core (Playwright's own browser
 * download is not needed). Selectors are n8n's `data-test-id` attributes and Element Plus classes.
 *
 *   const browser = await launchChromium();
 *   const editor = await Editor.open(browser, n8n.baseUrl, shotsFolder());
 *   await editor.signIn(owner);
 *   await editor.openWorkflow(id);
 *   const ndv = await editor.openNode('Map To Requester');      // the node's panel
 *   await editor.choose(ndv.getByTestId('parameter-input-mode'), 'Preview Mapping');
 *   const options = await editor.openDropdown(ndv.getByTestId('parameter-input-attribute'));
 *   await editor.shot('mapping-preview');                        // <shots folder>/mapping-preview.png
 *
 * CHROMIUM_PATH overrides /usr/bin/chromium. Waits are generous: a busy 2-core machine runs n8n,
 * its task runner, the stand-ins and the browser at once.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, selectors, type Browser, type Locator, type Page } from 'playwright-core';
import type { N8nOwner } from '../../e2e/support/n8n';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Bound for anything the UI loads from n8n (dropdown options, a node run, the credential test). */
export const UI_TIMEOUT_MS = 60_000;
const SHOTS_DIR = resolve(__dirname, '..', '.screenshots');

selectors.setTestIdAttribute('data-test-id');

export function launchChromium(): Promise<Browser> {
	return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox'] });
}

/** test/browser/.screenshots, emptied (gitignored; the README's images are copies of some). */
export function freshShotsFolder(): string {
	rmSync(SHOTS_DIR, { recursive: true, force: true });
	mkdirSync(SHOTS_DIR, { recursive: true });
	return SHOTS_DIR;
}

export class Editor {
	private constructor(
		readonly page: Page,
		readonly baseUrl: string,
		readonly shotsDir: string,
	) {}

	static async open(browser: Browser, baseUrl: string, shotsDir: string): Promise<Editor> {
		const context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, locale: 'en-US', timezoneId: 'UTC' });
		context.setDefaultTimeout(UI_TIMEOUT_MS);
		return new Editor(await context.newPage(), baseUrl, shotsDir);
	}

	/** A full-page PNG in the shots folder; returns its path. */
	async shot(name: string): Promise<string> {
		const path = join(this.shotsDir, `${name}.png`);
		await this.page.screenshot({ path });
		return path;
	}

	async signIn(owner: N8nOwner): Promise<void> {
		await this.page.goto(`${this.baseUrl}/signin`);
		await this.page.getByTestId('emailOrLdapLoginId').locator('input').fill(owner.email);
		await this.page.getByTestId('password').locator('input').fill(owner.password);
		await this.page.getByTestId('form-submit-button').click();
		await this.page.waitForURL((url) => !url.pathname.startsWith('/signin'));
	}

	/** Opens a workflow on the canvas and closes n8n's "Production Checklist" pop-up if it shows. */
	async openWorkflow(id: string): Promise<void> {
		await this.page.goto(`${this.baseUrl}/workflow/${id}`);
		await this.page.getByTestId('canvas-node').first().waitFor();
		const checklist = this.page.getByTestId('suggested-actions-close');
		if (await checklist.isVisible()) await checklist.click();
	}

	canvasNode(name: string): Locator {
		return this.page.locator(`[data-test-id="canvas-node"][data-node-name="${name}"]`);
	}

	/** The node names on the canvas (sticky notes are not nodes there). */
	async canvasNodeNames(): Promise<string[]> {
		return this.page.getByTestId('canvas-node').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-node-name') ?? ''));
	}

	/** Double-clicks the node on the canvas and returns its panel (NDV). */
	async openNode(name: string): Promise<Locator> {
		await this.closeNode();
		const ndv = this.page.getByTestId('ndv');
		await this.clickUntilVisible(this.canvasNode(name), ndv, { double: true });
		await ndv.getByTestId('node-parameters').waitFor();
		return ndv;
	}

	async closeNode(): Promise<void> {
		const ndv = this.page.getByTestId('ndv');
		if (!(await ndv.isVisible())) return;
		await ndv.getByTestId('ndv-close-button').click();
		await ndv.waitFor({ state: 'hidden' });
	}

	/** Closes n8n's notifications ("Workflow executed successfully"…), so screenshots show the panel. */
	async dismissToasts(): Promise<void> {
		// A toast may close by itself mid-click (its button then detaches) or arrive after the first
		// pass, so close whatever is visible until none is.
		await eventually(
			async () => {
				for (const close of await this.page.locator('.el-notification__closeBtn:visible').all()) await close.click({ timeout: 5_000 }).catch(() => undefined);
				return await this.page.locator('.el-notification:visible').count();
			},
			(count) => same(count, 0, 'number of visible notifications'),
		);
	}

	/** Closes a modal dialog (the credential editor) with its × button. */
	async closeDialog(dialog: Locator): Promise<void> {
		await dialog.locator('.el-dialog__headerbtn').or(dialog.getByRole('button', { name: /close/i })).first().click();
		await dialog.waitFor({ state: 'hidden' });
	}

	/** The open Element Plus dropdown's options (there is one open dropdown at a time). */
	visibleOptions(): Locator {
		return this.page.locator('.el-select-dropdown__item:visible');
	}

	/** Opens a select / multi-select parameter and returns its option headlines once they loaded. */
	async openDropdown(parameter: Locator): Promise<string[]> {
		// A dropdown just closed may still be fading out; its options must not be read as these.
		const open = this.page.locator('.el-select-dropdown:visible');
		await ui.count(open, 0);
		// A dropdown still loading its options already shows; its options follow.
		await this.clickUntilVisible(parameter.locator('.el-select').first(), open.first());
		await this.visibleOptions().first().waitFor();
		return this.visibleOptions().evaluateAll((items) => items.map((item) => (item.querySelector('.option-headline') ?? item).textContent?.trim() ?? ''));
	}

	/**
	 * Clicks `target` until `shown` is visible: on a loaded machine a click on a control that has
	 * just been rendered can be lost. No second click once `shown` is there (it would close it).
	 */
	async clickUntilVisible(target: Locator, shown: Locator, options: { double?: boolean } = {}): Promise<void> {
		await eventually(
			async () => {
				if (!(await shown.isVisible())) await (options.double ? target.dblclick() : target.click());
				return shown.waitFor({ timeout: 3_000 }).then(
					() => true,
					() => false,
				);
			},
			(visible) => same(visible, true, `${shown} did not show after clicking ${target}`),
		);
	}

	/** Picks the option whose headline is exactly `label` in the open dropdown. */
	async pickOption(label: string): Promise<void> {
		const headline = this.page.locator('.option-headline', { hasText: new RegExp(`^${escapeRegExp(label)}$`) });
		const option = this.visibleOptions().filter({ has: headline });
		// Options without a description have no headline element, only their text.
		const plain = this.visibleOptions().filter({ hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) });
		await option.or(plain).first().click();
	}

	/** Opens a select parameter and picks `label`. */
	async choose(parameter: Locator, label: string): Promise<void> {
		await this.openDropdown(parameter);
		await this.pickOption(label);
	}

	/** Closes an open dropdown without picking. */
	async closeDropdown(): Promise<void> {
		await this.page.keyboard.press('Escape');
		await this.visibleOptions().first().waitFor({ state: 'hidden' });
	}

	/**
	 * Drags the panel's middle column to the left edge, so the output table gets most of the width
	 * (n8n remembers panel widths per browser profile; each test context starts fresh).
	 */
	async widenOutput(): Promise<void> {
		const handle = this.page.getByTestId('panel-drag-button');
		const box = await handle.boundingBox();
		if (!box) return;
		await this.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
		await this.page.mouse.down();
		await this.page.mouse.move(0, box.y + box.height / 2, { steps: 10 });
		await this.page.mouse.up();
	}
}

/**
 * Retries `read` until `check` (jest expectations, or anything that throws) passes, the way Playwright's web-first
 * assertions wait for the UI; after `timeoutMs` throws check's last failure.
 */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => void, timeoutMs = UI_TIMEOUT_MS): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await read();
		try {
			check(value);
			return value;
		} catch (failure) {
			if (Date.now() > deadline) throw failure;
		}
		await new Promise((done) => setTimeout(done, 250));
	}
}

function same<T>(actual: T, expected: T, what: string): void {
	if (actual !== expected) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

/**
 * Waiting assertions on locators (jest's expect has none and @playwright/test is not used; plain
 * errors, so scripts outside jest can use them too).
 */
export const ui = {
	/** The element's text contains `expected`. */
	hasText: (locator: Locator, expected: string | RegExp) =>
		eventually(
			() => locator.innerText(),
			(text) => same(typeof expected === 'string' ? text.includes(expected) : expected.test(text), true, `text of ${locator} should contain ${expected}; it is ${JSON.stringify(text)}`),
		),
	/** The element's text, trimmed, is `expected`. */
	isText: (locator: Locator, expected: string) => eventually(async () => (await locator.innerText()).trim(), (text) => same(text, expected, `text of ${locator}`)),
	/** The input's value is `expected`. */
	hasValue: (locator: Locator, expected: string) => eventually(() => locator.inputValue(), (value) => same(value, expected, `value of ${locator}`)),
	count: (locator: Locator, expected: number) => eventually(() => locator.count(), (count) => same(count, expected, `number of ${locator}`)),
	/** The trimmed texts of every match, once `check` accepts them. */
	texts: (locator: Locator, check: (texts: string[]) => void) => eventually(async () => (await locator.allInnerTexts()).map((text) => text.trim()), check),
};

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
