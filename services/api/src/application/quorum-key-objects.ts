import { KeyObjectCache, QuorumError } from '@quorumd/core';
import type { QuorumStore } from '@quorumd/store';
import type { KeyObject } from 'node:crypto';

/**
 * Officers' quorum keys as node:crypto key objects, by fingerprint: loaded from the store
 * once, and only when the stored PEM is the key its fingerprint names.
 */
export class QuorumKeyObjects {
  private readonly cache = new KeyObjectCache();

  constructor(private readonly store: QuorumStore) {}

  /** The key of a fingerprint; RET_QUORUM_KEY_NOT_REGISTERED when none is stored, RET_QUORUM_KEY_INVALID when the stored one is another key. */
  async get(fingerprint: string): Promise<KeyObject> {
    const cached = this.cache.peek(fingerprint);
    if (cached) return cached;
    const pem = await this.store.quorumKeys.quorumKeyPem(fingerprint);
    if (!pem) throw new QuorumError('RET_QUORUM_KEY_NOT_REGISTERED');
    return this.cache.get(fingerprint, pem);
  }
}
