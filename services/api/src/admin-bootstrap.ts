import { randomBytes } from 'node:crypto';
import { QuorumError, hashPassword, verifyPassword } from '@quorumd/core';
import type { QuorumStore } from '@quorumd/store';
import { StartError } from './start-error';

/** What the start found or made of the bootstrap crypto officer `admin` (user 1). */
export type AdminFinding =
  /** Made by this start; `password` is set when it was chosen at random (to be printed, once). */
  | { kind: 'created'; createdAt: number; password?: string }
  /** Made by an earlier start; whether QUORUM_ADMIN_PASSWORD is its password. */
  | { kind: 'existing'; createdAt: number; adminPassword: 'unset' | 'matches' | 'differs' }
  /** User 1 was deleted since. */
  | { kind: 'missing' };

interface BootstrapOptions {
  issuer: string | undefined;
  adminPassword: string | undefined;
  /** How long a bootstrap whose replication is not confirmed is read back and tried again. */
  timeoutMs: number;
  /** Said once when a bootstrap may have committed without its replication confirmed. */
  onRetry: (err: QuorumError) => void;
}

const mayHaveCommitted = (err: unknown): err is QuorumError => err instanceof QuorumError && err.code === 'RET_STORE_UNAVAILABLE';

async function existing(store: QuorumStore, adminPassword: string | undefined): Promise<AdminFinding> {
  const admin = await store.users.get(1);
  if (!admin) return { kind: 'missing' };
  const matches = adminPassword !== undefined && (await verifyPassword(adminPassword, admin.passwordHash));
  return { kind: 'existing', createdAt: admin.createdAt, adminPassword: adminPassword === undefined ? 'unset' : matches ? 'matches' : 'differs' };
}

/**
 * The bootstrap (the issuer name and the admin, once per deployment), never left half-done:
 * a bootstrap answered `mayHaveCommitted` (its WAIT fell short) is run again — the script is
 * idempotent — and read back: an admin holding this start's password hash is this start's,
 * and counts as created once a WAIT after it is acknowledged (replication is in order). Only
 * then is a random password handed back to be printed. Past `timeoutMs` the start fails; if
 * the admin exists on the master with this start's random password, the failure says it.
 */
export async function bootstrapAdmin(store: QuorumStore, options: BootstrapOptions): Promise<{ issuer: string; admin: AdminFinding }> {
  if (options.issuer && (await store.users.isBootstrapped())) return { issuer: options.issuer, admin: await existing(store, options.adminPassword) };
  const password = options.adminPassword ?? randomBytes(12).toString('base64url');
  const hash = await hashPassword(password);
  const issuer = options.issuer ?? `quorumd-${randomBytes(4).toString('hex')}`;
  const deadline = Date.now() + options.timeoutMs;
  let retried = false;
  let ours = false;
  for (;;) {
    try {
      const boot = await store.users.bootstrap(issuer, hash);
      const admin = await store.users.get(1);
      ours = admin?.passwordHash === hash;
      if (!boot.created && ours) {
        const acks = await store.ctx.probeReplicas();
        if (acks.acknowledged < acks.required) {
          throw new QuorumError('RET_STORE_UNAVAILABLE', `${acks.acknowledged} of ${acks.required} replica(s) acknowledged the bootstrap`, { mayHaveCommitted: true });
        }
      }
      if (!ours || !admin) return { issuer: boot.issuer, admin: await existing(store, options.adminPassword) };
      return { issuer: boot.issuer, admin: { kind: 'created', createdAt: admin.createdAt, ...(options.adminPassword === undefined ? { password } : {}) } };
    } catch (err) {
      if (!mayHaveCommitted(err)) throw err;
      // Read back: whether the admin now on the master is this start's (for the failure line).
      const admin = await store.users.get(1).catch(() => undefined);
      ours ||= admin?.passwordHash === hash;
      if (Date.now() >= deadline) {
        const shown = ours && options.adminPassword === undefined ? `; the admin exists on the Redis master with password ${password} (keep it: it is not shown again)` : '';
        throw new StartError(`the bootstrap was made on the Redis master but its replication was not confirmed within ${options.timeoutMs / 1000} s (QUORUM_START_TIMEOUT_SECONDS): ${err.message}${shown}`);
      }
      if (!retried) options.onRetry(err);
      retried = true;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
