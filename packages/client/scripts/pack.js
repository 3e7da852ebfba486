#!/usr/bin/env node
// Packs the quorum CLI and the SDK as one self-contained tarball that installs anywhere, with
// no checkout and no registry: @quorumd/core is a workspace package (on no registry), so it is
// bundled inside the tarball, and so is every package it and the client need at run time
// (copied from this repository's node_modules, as `npm ci` installed them). Run after a build:
//
//   npm run pack:cli -w packages/client [-- --out DIR]   # prints the tarball's path
//   npm install -g <that path>                            # then `quorum --version`, from anywhere
'use strict';
const { execFileSync } = require('node:child_process');
const { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { dirname, join, resolve } = require('node:path');

const client = resolve(__dirname, '..');
const repo = resolve(client, '..', '..');
const outAt = process.argv.indexOf('--out');
const out = resolve(outAt >= 0 ? process.argv[outAt + 1] : client);
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
// Compiled JavaScript and its types; no source maps (their sources are not shipped) or build info.
const shipped = (src) => !/\.(map|tsbuildinfo)$/.test(src);

function fail(message) {
  process.stderr.write(`pack: ${message}\n`);
  process.exit(2);
}

/** Where node would find package `name` from `fromDir` (its node_modules, then its parents'). */
function locate(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === dirname(dir)) fail(`${name} is not installed; run npm ci first`);
  }
}

if (!existsSync(join(client, 'dist', 'cli.js'))) fail('packages/client/dist is missing; run npm run build first');
const stage = mkdtempSync(join(tmpdir(), 'quorum-pack-'));
try {
  const pkg = readJson(join(client, 'package.json'));
  for (const dir of ['dist', 'bin']) cpSync(join(client, dir), join(stage, dir), { recursive: true, filter: shipped });

  // Every run-time dependency, transitively, flat under the tarball's node_modules.
  const bundled = new Map();
  const queue = Object.keys(pkg.dependencies ?? {}).map((name) => [name, client]);
  while (queue.length > 0) {
    const [name, from] = queue.shift();
    if (bundled.has(name)) continue;
    const source = locate(name, from);
    const manifest = readJson(join(source, 'package.json'));
    if (!manifest.version) fail(`${name} has no version`);
    bundled.set(name, manifest.version);
    const target = join(stage, 'node_modules', name);
    mkdirSync(dirname(target), { recursive: true });
    if (name.startsWith('@quorumd/')) {
      // A workspace package: its build output only, and a manifest without workspace details.
      if (!existsSync(join(source, 'dist'))) fail(`${name} is not built; run npm run build first`);
      cpSync(join(source, 'dist'), join(target, 'dist'), { recursive: true, filter: shipped });
      const { version, main, types, dependencies } = manifest;
      writeFileSync(join(target, 'package.json'), JSON.stringify({ name, version, main, types, dependencies }, null, 2) + '\n');
    } else {
      cpSync(source, target, { recursive: true, dereference: true });
    }
    for (const dep of Object.keys(manifest.dependencies ?? {})) queue.push([dep, source]);
  }

  const staged = { ...pkg, dependencies: Object.fromEntries([...bundled].sort()), bundleDependencies: [...bundled.keys()].sort() };
  delete staged.scripts;
  delete staged.private;
  writeFileSync(join(stage, 'package.json'), JSON.stringify(staged, null, 2) + '\n');
  mkdirSync(out, { recursive: true });
  const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', out], { cwd: stage, encoding: 'utf8' }).trim().split('\n').pop();
  process.stdout.write(join(out, name) + '\n');
} finally {
  rmSync(stage, { recursive: true, force: true });
}
