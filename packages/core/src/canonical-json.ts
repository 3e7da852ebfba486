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

export interface JsonValueLimits {
  /** Deepest nesting allowed (a scalar is 0, `{}` is 1). */
  maxDepth: number;
  /** Longest object member name, in characters. */
  maxKeyLength: number;
}

/** A lone UTF-16 surrogate: JSON.parse takes one from a `\\ud800` escape, but it is no Unicode text (Redis's cjson refuses to read it back). */
const LONE_SURROGATE = /\p{Cs}/u;

function checkWellFormed(text: string, what: string): void {
  if (LONE_SURROGATE.test(text)) throw new QuorumError('RET_BAD_REQUEST', `${what} holds a string with a lone UTF-16 surrogate, which is not Unicode text`);
}

/**
 * Checks a parsed JSON value without recursion (so no input can overflow the stack):
 * nesting depth, member name length, and numbers that are exactly what was sent —
 * finite, and integers only within the safe range (a larger one was already rounded
 * by the parser, so what would be signed is not what was sent).
 */
export function checkJsonValue(value: unknown, limits: JsonValueLimits, what: string): void {
  const stack: { node: unknown; depth: number }[] = [{ node: value, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: unknown; depth: number };
    if (typeof node === 'number') {
      if (!Number.isFinite(node)) throw new QuorumError('RET_BAD_REQUEST', `${what} holds a number that is not finite`);
      if (Number.isInteger(node) && !Number.isSafeInteger(node)) {
        throw new QuorumError('RET_BAD_REQUEST', `${what} holds an integer beyond ±(2^53 − 1), which would not be signed exactly; send it as a string`);
      }
      continue;
    }
    if (typeof node === 'string') {
      checkWellFormed(node, what);
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    if (depth + 1 > limits.maxDepth) throw new QuorumError('RET_BAD_REQUEST', `${what} is nested deeper than ${limits.maxDepth} levels`);
    if (Array.isArray(node)) {
      for (const child of node) stack.push({ node: child, depth: depth + 1 });
      continue;
    }
    for (const [key, child] of Object.entries(node as Record<string, unknown>)) {
      if (key.length > limits.maxKeyLength) throw new QuorumError('RET_BAD_REQUEST', `${what} has a member name longer than ${limits.maxKeyLength} characters`);
      checkWellFormed(key, what);
      stack.push({ node: child, depth: depth + 1 });
    }
  }
}
