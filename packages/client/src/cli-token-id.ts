import { QuorumError } from '@quorumd/core';
import type { QuorumClient, TokenView } from './quorum-client';

const FULL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isFullTokenId(text: string): boolean {
  return FULL_ID.test(text);
}

/**
 * A token id as people type it: the full id, or its first characters (at least 4, as
 * `quorum pending` and `listTokens` show them; a trailing "..." is ignored). A prefix is
 * looked up among the caller's pending tokens and the tokens it may list; it must match one.
 */
export async function resolveTokenId(client: QuorumClient, typed: string): Promise<string> {
  const text = typed.trim().toLowerCase().replace(/(\.\.\.|…)$/, '');
  if (isFullTokenId(text)) return text;
  if (!/^[0-9a-f-]{4,35}$/.test(text)) {
    throw new QuorumError('RET_BAD_REQUEST', `"${typed}" is not a token id: give the id, or at least its first 4 characters`);
  }
  const seen = new Map<string, TokenView>();
  const pending = await client.pending().catch(() => [] as TokenView[]);
  for (const token of [...pending, ...(await client.listTokens(undefined, 500))]) seen.set(token.id, token);
  const matches = [...seen.keys()].filter((id) => id.startsWith(text));
  if (matches.length === 1) return matches[0] as string;
  if (matches.length === 0) throw new QuorumError('RET_TOKEN_NOT_FOUND', `No token id starts with ${text}`);
  throw new QuorumError('RET_BAD_REQUEST', `${text} is the start of ${matches.length} tokens (${matches.map((id) => id.slice(0, 13)).join(', ')}); give more characters`);
}
