#!/usr/bin/env node
/*
 * Runs a TypeScript entry point of this repository (scripts that reuse the test stand-ins and the
 * n8n process harness) by bundling it in memory with esbuild. Usage: node scripts/run-ts.js FILE [args]
 */
const path = require('node:path');
const Module = require('node:module');
const esbuild = require('esbuild');

const entry = path.resolve(process.argv[2]);
const { outputFiles } = esbuild.buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', target: 'node20', write: false, packages: 'external' });
const bundled = new Module(entry, module);
bundled.filename = entry;
bundled.paths = Module._nodeModulePaths(path.dirname(entry));
process.argv.splice(1, 1);
bundled._compile(outputFiles[0].text, entry);
