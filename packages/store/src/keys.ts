import { KEY_PATTERNS, type KeyPatternName } from './redis-contract';

/** The ids a call's keys are built from. `gateTokenId` absent: the protected command names no token. */
export interface KeyIds {
  userId?: number | string;
  tokenId?: string;
  gateTokenId?: string;
  requesterKey?: string;
  sessionHash?: string;
  challengeId?: string;
  apiKeyId?: string;
  fingerprint?: string;
  /** A login's lower-case name and source address (see loginName, loginSource). */
  loginName?: string;
  loginSource?: string;
  /** A quorum service's name, a group's name. */
  service?: string;
  group?: string;
  /** A user's notification digest of one channel (`<userId>-email`), and one batch of it (`<userId>-email-<batch>`). */
  digest?: string;
  digestBatch?: string;
  /** Which string of the audit Merkle tree (see auditTree). */
  treeChunk?: number;
}

type Pattern<Name extends KeyPatternName> = (typeof KEY_PATTERNS)[Name];
/** A key with a `<placeholder>` is built from one id; the others from none. */
type KeyBuilder<P extends string> = P extends `${string}<${string}>${string}` ? (id: number | string) => string : () => string;
type KeyBuilders = { readonly [Name in KeyPatternName]: KeyBuilder<Pattern<Name>> };

/** The names scripts declare their keys by (`-- KEYS: token audit auditHead ...`): every pattern, and the gate's token. */
export const KEY_NAMES = [...(Object.keys(KEY_PATTERNS) as KeyPatternName[]), 'gateToken'] as const;
export type KeyName = KeyPatternName | 'gateToken';

/** A pattern split at its placeholder: the text before, the id it needs (a KeyIds field), the text after. */
interface CompiledPattern {
  before: string;
  id: keyof KeyIds | undefined;
  after: string;
}

function compile(pattern: string): CompiledPattern {
  const match = /^([^<]*)<([A-Za-z]+)>([^<]*)$/.exec(pattern);
  if (!match) return { before: pattern, id: undefined, after: '' };
  return { before: match[1] ?? '', id: match[2] as keyof KeyIds, after: match[3] ?? '' };
}

const COMPILED = new Map((Object.entries(KEY_PATTERNS) as [KeyPatternName, string][]).map(([name, pattern]) => [name, compile(pattern)]));

/**
 * Every Redis key quorumd uses, built in one place from KEY_PATTERNS (redis-contract.ts):
 * `keys.user(7)`, `keys.outbox()`. All keys of one deployment share the hash tag
 * `{prefix}`: a protected command consumes its token, changes a user or an M value and
 * appends to the audit chain in one atomic script, so all of them must live in one Redis
 * Cluster slot. (Scale out by deployment, not by key.)
 */
// (The interface gives the class one typed builder per pattern; the constructor makes them.)
export interface StoreKeys extends KeyBuilders {}
export class StoreKeys {
  /** `{prefix}:` — the start of every key, and ARGV[1] of every script. */
  readonly base: string;

  constructor(prefix: string) {
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(prefix)) {
      throw new Error(`Redis key prefix must be 1-64 of A-Z a-z 0-9 _ . : - (got ${JSON.stringify(prefix)})`);
    }
    this.base = `{${prefix}}:`;
    const builders: Record<string, (id?: number | string) => string> = {};
    for (const [name, { before, id, after }] of COMPILED) {
      const head = this.base + before;
      builders[name] = id === undefined ? () => head : (value?: number | string) => `${head}${String(value)}${after}`;
    }
    Object.assign(this, builders);
  }

  /**
   * A key a script declares by name in its `-- KEYS:` header line, built from the ids of
   * the call. Every key a script is handed is built here.
   */
  resolve(name: KeyName, ids: KeyIds): string {
    if (name === 'gateToken') return `${this.base}${COMPILED.get('token')?.before ?? ''}${ids.gateTokenId ?? ''}`;
    const pattern = COMPILED.get(name);
    if (!pattern) throw new Error(`no key named ${name}`);
    if (pattern.id === undefined) return this.base + pattern.before;
    const value = ids[pattern.id];
    if (value === undefined) throw new Error(`key ${name} needs ${pattern.id}`);
    return `${this.base}${pattern.before}${String(value)}${pattern.after}`;
  }
}
