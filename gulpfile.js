/*
 * Build steps after `tsc`:
 *  - copy icons, codex `.node.json` files and `workflows/*.json` into dist/;
 *  - bundle the third-party libraries the nodes use into dist/nodes/shared/vendor.js, so the
 *    published package has no runtime `dependencies` (n8n installs community packages without
 *    them being shared with n8n itself, and the community-node lint forbids them).
 */
const fs = require('node:fs');
const path = require('node:path');
const { src, dest, parallel } = require('gulp');
const esbuild = require('esbuild');

function copyNodeAssets() {
  return src(['icons/*.svg', 'nodes/**/*.{png,svg}', 'nodes/**/*.node.json', 'credentials/**/*.{png,svg}'], {
    base: '.',
    encoding: false,
  }).pipe(dest('dist'));
}

function copyWorkflows() {
  return src(['workflows/*.json', 'docs/queue-mode-static-data-hook.js'], { base: '.', allowEmpty: true }).pipe(dest('dist'));
}

/** The folder of the npm package a bundled input file belongs to (scoped names included). */
function packageFolderOf(input) {
  const parts = input.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return undefined;
  const length = parts[at + 1].startsWith('@') ? 3 : 2;
  return parts.slice(0, at + length).join('/');
}

/**
 * The full licence text of every package bundled into vendor.js, in dist/THIRD_PARTY_LICENSES.md
 * (esbuild's legal comments keep only the banners). The list comes from esbuild's metafile, so it
 * is exactly what was bundled.
 */
function writeLicences(metafile) {
  const folders = [...new Set(Object.keys(metafile.inputs).map(packageFolderOf).filter(Boolean))].sort();
  const sections = folders.map((folder) => {
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, folder, 'package.json'), 'utf8'));
    const file = fs.readdirSync(path.join(__dirname, folder)).find((name) => /^(licen[cs]e|copying)(\.|$)/i.test(name));
    if (!file) throw new Error(`${manifest.name} is bundled into vendor.js but ships no licence file`);
    const text = fs.readFileSync(path.join(__dirname, folder, file), 'utf8').trim();
    return `## ${manifest.name} ${manifest.version} (${manifest.license ?? 'see text'})\n\n${text}\n`;
  });
  const header = `# Third-party licences\n\nThese packages are bundled into nodes/shared/vendor.js. Their licence texts follow.\n`;
  fs.writeFileSync(path.join(__dirname, 'dist', 'THIRD_PARTY_LICENSES.md'), [header, ...sections].join('\n'));
}

async function bundleVendor() {
  const result = await esbuild.build({
    entryPoints: [path.join(__dirname, 'nodes/shared/vendor.ts')],
    outfile: path.join(__dirname, 'dist/nodes/shared/vendor.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: false,
    legalComments: 'external',
    logLevel: 'warning',
    metafile: true,
  });
  writeLicences(result.metafile);
}

exports.build = parallel(copyNodeAssets, copyWorkflows, bundleVendor);
exports.default = exports.build;
