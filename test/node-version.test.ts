import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';

const ROOT = join(__dirname, '..');

interface LockEntry {
  version?: string;
  dev?: boolean;
  engines?: { node?: string } | string[];
}

/**
 * The Node.js versions quorumd declares (`engines` in package.json, and the README) are true:
 * every package the lock file installs, runtime and development alike, supports all of them,
 * and so does the Node running this test.
 */
describe('the declared Node.js versions', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const declared = manifest.engines.node;

  it('every installed package supports every Node.js version package.json declares (e.g. content-disposition and cookie are pinned below their Node 22-only majors)', () => {
    const narrower = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && !Array.isArray(entry.engines) && entry.engines?.node !== undefined)
      .filter(([, entry]) => !semver.subset(declared, (entry.engines as { node: string }).node))
      .map(([path, entry]) => `${path.replace(/^.*node_modules\//, '')}@${entry.version} wants node ${(entry.engines as { node: string }).node}`);
    expect(narrower).toEqual([]);
    expect(lock.packages['']?.engines).toEqual({ node: declared });
  });

  it('the running Node.js is one of them, and the README says the same', () => {
    expect(semver.satisfies(process.versions.node, declared)).toBe(true);
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8').replace(/\s+/g, " ")).toContain(`Requirements: Node.js 20.19+, 22.13+ or 24+ (\`engines\`: \`${declared}\`, true of every installed package`);
  });
});
