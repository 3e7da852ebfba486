import canonicalizeImpl from 'canonicalize';
import { QuorumError } from './errors';

/** RFC 8785 (JSON Canonicalization Scheme) text of a JSON value. */
export function canonicalJson(value: unknown): string {
  const text = canonicalizeImpl(value);
  if (text === undefined) {
    throw new QuorumError('RET_BAD_REQUEST', 'Value has no JSON representation');
  }
  return text;
}

/** Nesting depth of a JSON value (a scalar is 0). */
export function jsonDepth(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  let deepest = 0;
  for (const child of Object.values(value as Record<string, unknown>)) {
    deepest = Math.max(deepest, jsonDepth(child));
  }
  return deepest + 1;
}
