import { createPublicKey } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { QuorumError } from '@quorumd/core';
import { fingerprintOf } from './bundle-verify';

interface TrustedKeys {
  fingerprints: Set<string>;
  /** The file each trusted key was read from, by fingerprint (the first, if several hold it). */
  files: Map<string, string>;
  /** Files (or PEM blocks) that were not used, and why. */
  skipped: string[];
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/**
 * The public keys in a folder: every PEM file, whatever its name (`.pem`, `.pub`, ...): each
 * PUBLIC KEY / RSA PUBLIC KEY block, and the key of each CERTIFICATE. Private keys are not
 * read as trust anchors; files that are not PEM are ignored.
 */
export function readTrustedKeys(dir: string): TrustedKeys {
  const files = new Map<string, string>();
  const skipped: string[] = [];
  const trust = (fingerprint: string, name: string) => {
    if (!files.has(fingerprint)) files.set(fingerprint, name);
  };
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (!statSync(path).isFile()) continue;
    const text = readFileSync(path, 'utf8');
    for (const match of text.matchAll(PEM_BLOCK)) {
      const [block, label] = match as unknown as [string, string];
      try {
        if (label === 'PUBLIC KEY' || label === 'RSA PUBLIC KEY') trust(fingerprintOf(block), name);
        else if (label === 'CERTIFICATE') trust(fingerprintOf(createPublicKey(block).export({ type: 'spki', format: 'pem' }).toString()), name);
        else skipped.push(`${name}: a ${label.toLowerCase()} is not a trusted public key`);
      } catch (err) {
        skipped.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  if (files.size === 0) throw new QuorumError('RET_BAD_REQUEST', `No public key (PEM) in ${dir}${skipped.length ? ` (${skipped.join('; ')})` : ''}`);
  return { fingerprints: new Set(files.keys()), files, skipped };
}
