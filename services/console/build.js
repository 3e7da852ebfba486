#!/usr/bin/env node
/**
 * Builds the approver console into dist/: index.html, console.css, favicon.svg, and console.js (one
 * bundle of src/main.ts and node-forge, made by esbuild for the browser). The API serves
 * exactly these four files at /console. Type-checking is `tsc -p services/console`
 * (part of `npm run typecheck`); esbuild only strips the types.
 */
const { build } = require('esbuild');
const { copyFileSync, mkdirSync, rmSync } = require('node:fs');
const { join } = require('node:path');

const src = join(__dirname, 'src');
const dist = join(__dirname, 'dist');

async function main() {
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  await build({
    entryPoints: [join(src, 'main.ts')],
    outfile: join(dist, 'console.js'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: ['chrome110', 'firefox115', 'safari16'],
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  for (const file of ['index.html', 'console.css', 'favicon.svg']) copyFileSync(join(src, file), join(dist, file));
}

main().catch((err) => {
  process.stderr.write(`console build failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
