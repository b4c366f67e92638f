#!/usr/bin/env node
/*
 * Runs a TypeScript entry point of this repository (scripts that reuse the test stand-ins and the
 * n8n process harness): each .ts file is transpiled by esbuild as it is required, so __dirname and
 * relative paths stay those of the source. Usage: node scripts/run-ts.js FILE [args]
 */
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

require.extensions['.ts'] = (module, filename) => {
	const { code } = esbuild.transformSync(fs.readFileSync(filename, 'utf8'), { loader: 'ts', format: 'cjs', target: 'node20', sourcefile: filename });
	module._compile(code, filename);
};

const entry = path.resolve(process.argv[2]);
process.argv.splice(1, 1);
require(entry);
