/*
 * Build steps after `tsc`:
 *  - copy icons, codex `.node.json` files and `workflows/*.json` into dist/;
 *  - bundle the third-party libraries the nodes use into dist/nodes/shared/vendor.js, so the
 *    published package has no runtime `dependencies` (n8n installs community packages without
 *    them being shared with n8n itself, and the community-node lint forbids them).
 */
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

function bundleVendor() {
  return esbuild.build({
    entryPoints: [path.join(__dirname, 'nodes/shared/vendor.ts')],
    outfile: path.join(__dirname, 'dist/nodes/shared/vendor.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: false,
    legalComments: 'external',
    logLevel: 'warning',
  });
}

exports.build = parallel(copyNodeAssets, copyWorkflows, bundleVendor);
exports.default = exports.build;
