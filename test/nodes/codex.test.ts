/** Every node ships a codex file (.node.json) naming it, with documentation links that resolve. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const NODES = readdirSync(path.join(ROOT, 'nodes'), { withFileTypes: true })
	.filter((entry) => entry.isDirectory() && existsSync(path.join(ROOT, 'nodes', entry.name, `${entry.name}.node.ts`)))
	.map((entry) => entry.name);
const README = 'https://github.com/n8n-nodes-azure-ad-sync/n8n-nodes-azure-ad-sync#';

/** GitHub's anchor for a README heading. */
function anchor(heading: string): string {
	return heading
		.trim()
		.toLowerCase()
		.replace(/[^\w\- ]/g, '')
		.replace(/ /g, '-');
}

const anchors = new Set(
	readFileSync(path.join(ROOT, 'README.md'), 'utf8')
		.split('\n')
		.filter((line) => /^#{1,6} /.test(line))
		.map((line) => anchor(line.replace(/^#+ /, ''))),
);

describe('codex files', () => {
	it('finds every node', () => {
		expect(NODES).toEqual(expect.arrayContaining(['AzureAdListUsers', 'MapToRequester', 'UpsertRequester', 'ExportUnsynced', 'AzureAdSso']));
	});

	it.each(NODES)('%s has a codex file naming it, with README sections that exist', (folder) => {
		const file = path.join(ROOT, 'nodes', folder, `${folder}.node.json`);
		expect(existsSync(file)).toBe(true);
		const codex = JSON.parse(readFileSync(file, 'utf8'));
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const NodeClass = require(path.join(ROOT, 'nodes', folder, `${folder}.node`))[folder];
		expect(codex).toMatchObject({ node: `n8n-nodes-azure-ad-sync.${new NodeClass().description.name}`, nodeVersion: '1.0', codexVersion: '1.0' });
		expect(codex.categories.length).toBeGreaterThan(0);
		const links = [...(codex.resources.primaryDocumentation ?? []), ...(codex.resources.credentialDocumentation ?? [])].map((link: { url: string }) => link.url);
		expect(codex.resources.primaryDocumentation.length).toBeGreaterThan(0);
		for (const url of links.filter((link: string) => link.startsWith(README))) expect(anchors).toContain(url.slice(README.length));
	});
});
