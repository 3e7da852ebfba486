#!/usr/bin/env node
/**
 * No import circles in any package or service: `madge --circular` over every `src` folder.
 *
 * madge reads TypeScript through @typescript-eslint/typescript-estree, which supports
 * TypeScript below 6.1, while the project builds with TypeScript 7. madge's parser gets the
 * TypeScript 5 copy installed as the devDependency `typescript-5`; nothing else sees it.
 * Exits 1 naming each circle.
 */
const Module = require('node:module');
const { join } = require('node:path');

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolve.call(this, request === 'typescript' ? 'typescript-5' : request, ...rest);
};

const madge = require('madge');
const root = join(__dirname, '..');
const folders = ['packages/core', 'packages/config', 'packages/store', 'packages/queue', 'packages/client', 'services/api', 'services/worker', 'services/console'].map((p) =>
  join(root, p, 'src'),
);

madge(folders, { fileExtensions: ['ts'], tsConfig: join(root, 'tsconfig.base.json'), detectiveOptions: { ts: { skipTypeImports: false } } })
  .then((result) => {
    const circles = result.circular();
    const files = Object.keys(result.obj()).length;
    if (circles.length === 0) {
      process.stdout.write(`import circles: none in ${files} files\n`);
      return;
    }
    process.stdout.write(`import circles: ${circles.length}\n${circles.map((c) => `  ${c.join(' -> ')}`).join('\n')}\n`);
    process.exitCode = 1;
  })
  .catch((err) => {
    process.stderr.write(`import circle check failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  });
