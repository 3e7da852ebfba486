import forge from 'node-forge';
import { base64ToBytes, bytesToBinary, bytesToHex, pemBody } from './byte-encoding';

/**
 * The audit log checked in the browser, by the rules of `quorum audit verify`
 * (packages/core/src/audit-chain.ts, verifyAuditLedger): every entry is JSON with the next
 * sequence number; the chain hash(n) = SHA-256(hash(n-1) hex, "\n", entry n) from 64 zeros;
 * the log reaches the head the service reports; every signed checkpoint verifies (Ed25519)
 * for this deployment's issuer and matches the chain at its entry. Nothing here trusts the
 * service's own verdict: it fetches the raw log and checks it.
 */
export interface AuditCheckpoint {
  seq: number;
  hash: string;
  at: string;
  signature: string;
}

export interface AuditLedgerInput {
  entries: readonly string[];
  headSeq: number;
  checkpoints: readonly AuditCheckpoint[];
  issuer: string;
  /** SPKI PEM of the Ed25519 key checkpoints verify with; none published yet: undefined. */
  publicKeyPem: string | undefined;
}

export type AuditCheck =
  | { ok: true; entries: number; head: string; checkpoints: number }
  | { ok: false; entries: number; what: 'entry' | 'checkpoint' | 'log'; seq: number; reason: string };

const GENESIS_HASH = '0'.repeat(64);
const utf8 = new TextEncoder();

async function sha256(data: Uint8Array): Promise<string> {
  const s = globalThis.crypto?.subtle;
  if (s) return bytesToHex(new Uint8Array(await s.digest('SHA-256', data as Uint8Array<ArrayBuffer>)));
  return forge.md.sha256.create().update(bytesToBinary(data)).digest().toHex();
}

type CheckpointVerifier = (message: Uint8Array, signature: Uint8Array) => Promise<boolean>;

/** Ed25519 verification with WebCrypto where the browser has it, else node-forge's. */
async function ed25519Verifier(publicKeyPem: string): Promise<CheckpointVerifier> {
  const spki = pemBody(publicKeyPem);
  const s = globalThis.crypto?.subtle;
  if (s) {
    try {
      const key = await s.importKey('spki', spki as Uint8Array<ArrayBuffer>, { name: 'Ed25519' }, false, ['verify']);
      return async (message, signature) => s.verify({ name: 'Ed25519' }, key, signature as Uint8Array<ArrayBuffer>, message as Uint8Array<ArrayBuffer>);
    } catch {
      // no Ed25519 in this browser's WebCrypto: node-forge below
    }
  }
  const raw = spki.subarray(spki.length - 32);
  return async (message, signature) => {
    try {
      return forge.pki.ed25519.verify({ message: bytesToBinary(message), encoding: 'binary', signature: bytesToBinary(signature), publicKey: bytesToBinary(raw) });
    } catch {
      return false;
    }
  };
}

export async function checkAuditLedger(ledger: AuditLedgerInput): Promise<AuditCheck> {
  const { entries } = ledger;
  const broken = (what: 'entry' | 'checkpoint' | 'log', seq: number, reason: string): AuditCheck => ({ ok: false, entries: entries.length, what, seq, reason });
  const computed: string[] = [];
  let prev = GENESIS_HASH;
  for (let i = 0; i < entries.length; i++) {
    const seq = i + 1;
    const text = entries[i] as string;
    let entrySeq: unknown;
    try {
      entrySeq = (JSON.parse(text) as { seq?: unknown }).seq;
    } catch {
      return broken('entry', seq, 'entry is not JSON');
    }
    if (entrySeq !== seq) return broken('entry', seq, `entry ${seq} holds sequence number ${String(entrySeq)}: entries were removed, added or reordered`);
    prev = await sha256(utf8.encode(`${prev}\n${text}`));
    computed.push(prev);
  }
  if (entries.length < ledger.headSeq) return broken('log', entries.length + 1, `the log ends at entry ${entries.length} but the head says ${ledger.headSeq}: its tail was cut`);
  if (entries.length > ledger.headSeq) return broken('log', ledger.headSeq + 1, `the log holds ${entries.length} entries but the head says ${ledger.headSeq}`);
  const checkpoints = [...ledger.checkpoints].sort((a, b) => a.seq - b.seq);
  const verify = ledger.publicKeyPem ? await ed25519Verifier(ledger.publicKeyPem) : undefined;
  for (const checkpoint of checkpoints) {
    if (!verify) return broken('checkpoint', checkpoint.seq, 'no audit public key to verify checkpoints with');
    const message = utf8.encode(`quorumd audit checkpoint v1\n${ledger.issuer}\n${checkpoint.seq}\n${checkpoint.hash}\n${checkpoint.at}\n`);
    let signature: Uint8Array;
    try {
      signature = base64ToBytes(checkpoint.signature);
    } catch {
      signature = new Uint8Array(0);
    }
    if (!(await verify(message, signature))) {
      return broken('checkpoint', checkpoint.seq, `checkpoint at entry ${checkpoint.seq}: the signature does not verify with the audit key for issuer ${ledger.issuer} (forged, or another deployment's)`);
    }
    if (checkpoint.seq > entries.length) return broken('checkpoint', checkpoint.seq, `the log ends at entry ${entries.length}, before the checkpoint at entry ${checkpoint.seq}: its tail was cut`);
    if (computed[checkpoint.seq - 1] !== checkpoint.hash) {
      return broken('checkpoint', checkpoint.seq, `checkpoint at entry ${checkpoint.seq} does not match the chain there: an entry up to ${checkpoint.seq} was rewritten`);
    }
  }
  return { ok: true, entries: entries.length, head: computed[computed.length - 1] ?? GENESIS_HASH, checkpoints: checkpoints.length };
}

/** One line for a person, worded as `quorum audit verify` words it. */
export function describeAuditCheck(check: AuditCheck): string {
  if (!check.ok) return `audit log BROKEN at ${check.what === 'checkpoint' ? 'checkpoint' : 'entry'} ${check.seq}: ${check.reason}`;
  if (check.entries === 0) return 'audit log EMPTY: no entries';
  return `audit log OK: ${check.entries} entries chained, ${check.checkpoints} signed checkpoint(s) verified, head ${check.head}`;
}
