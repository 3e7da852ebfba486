import { createHash, createPublicKey, verify as verifyWith, type KeyObject } from 'node:crypto';
import type { MerkleHasher } from './merkle-tree';

/**
 * The audit log's checkpoints in the C2SP formats, so that tools nobody here wrote (Go's
 * golang.org/x/mod/sumdb/note, any tlog-checkpoint client) read them:
 *
 * - the body is a `tlog-checkpoint`: `<origin>\n<tree size>\n<base64 root hash>\n`;
 * - it is wrapped as a `signed-note`: the body, a blank line, and one signature line
 *   `— <key name> <base64(4-byte key hash || Ed25519 signature over the body)>\n`;
 * - the verifier key is `<name>+<hex key hash>+<base64(0x01 || public key)>`, the key hash
 *   being the first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key).
 *
 * With Node's crypto (the verifiers in Node and the sealer).
 */

/** SHA-256 leaf and node hashes (RFC 6962) with node:crypto. */
export const nodeMerkleHasher: MerkleHasher = {
  leaf: (data) => createHash('sha256').update(Buffer.of(0)).update(data).digest(),
  node: (left, right) => createHash('sha256').update(Buffer.of(1)).update(left).update(right).digest(),
};

/** The leaf hash of an entry's text (its UTF-8 bytes). */
export function auditLeafHash(text: string): Buffer {
  return Buffer.from(nodeMerkleHasher.leaf(Buffer.from(text, 'utf8')));
}

const ED25519_ALG = 0x01;
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** A note key name: non-empty, no space and no `+` (C2SP signed-note). */
export function validNoteName(name: string): boolean {
  return name !== '' && !/[\s+]/u.test(name);
}

/** The default origin (and key name) of a deployment's checkpoints: `quorumd/<issuer>`, anything a note name cannot hold made `-`. */
export function defaultAuditOrigin(issuer: string): string {
  return `quorumd/${issuer.replace(/[\s+]/gu, '-')}`;
}

/** The raw 32-byte Ed25519 public key of a PEM (or KeyObject). */
export function rawEd25519PublicKey(key: string | KeyObject): Buffer {
  const obj = typeof key === 'string' ? createPublicKey(key) : key;
  if (obj.asymmetricKeyType !== 'ed25519') throw new Error('the audit key is not an Ed25519 key');
  const der = obj.export({ type: 'spki', format: 'der' });
  return der.subarray(der.length - 32);
}

function keyIdOf(name: string, alg: number, rawPublicKey: Uint8Array): Buffer {
  return createHash('sha256').update(name, 'utf8').update('\n').update(Buffer.of(alg)).update(rawPublicKey).digest().subarray(0, 4);
}

/** The 4-byte key hash: SHA-256(name || "\n" || 0x01 || public key), first 4 bytes. */
export function noteKeyHash(name: string, rawPublicKey: Uint8Array): Buffer {
  return keyIdOf(name, ED25519_ALG, rawPublicKey);
}

const COSIGNATURE_ALG = 0x04;

/** A witness's verifier key (C2SP tlog-cosignature, Ed25519: type 0x04). */
export function witnessVerifierKey(name: string, rawPublicKey: Uint8Array): string {
  if (!validNoteName(name)) throw new Error(`${JSON.stringify(name)} cannot name a witness key (no spaces, no +)`);
  return `${name}+${keyIdOf(name, COSIGNATURE_ALG, rawPublicKey).toString('hex')}+${Buffer.concat([Buffer.of(COSIGNATURE_ALG), rawPublicKey]).toString('base64')}`;
}

export function parseWitnessVerifierKey(text: string): NoteVerifier {
  return parseVerifierKey(text, COSIGNATURE_ALG);
}

/** What a cosignature/v1 signs: the header, the time line, and the checkpoint body. */
export function cosignatureMessage(body: string, timestamp: number): Buffer {
  return Buffer.from(`cosignature/v1\ntime ${timestamp}\n${body}`, 'utf8');
}

/** A cosignature line (tlog-cosignature v1): `— <name> base64(key ID || u64 timestamp || Ed25519 signature)`. */
export function cosignatureLine(body: string, name: string, rawPublicKey: Uint8Array, timestamp: number, sign: (message: Buffer) => Buffer): string {
  const time = Buffer.alloc(8);
  time.writeBigUInt64BE(BigInt(timestamp));
  return `— ${name} ${Buffer.concat([keyIdOf(name, COSIGNATURE_ALG, rawPublicKey), time, sign(cosignatureMessage(body, timestamp))]).toString('base64')}\n`;
}

/** Whether a signed checkpoint carries a valid cosignature of the witness; its time when it does. */
export function verifyCosignature(note: string, witness: NoteVerifier): { ok: true; timestamp: number } | { ok: false; reason: string } {
  let parsed: ReturnType<typeof splitNote>;
  try {
    parsed = splitNote(note);
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  const mine = parsed.signatures.filter((s) => s.name === witness.name && s.keyHash.equals(witness.keyHash));
  if (mine.length === 0) return { ok: false, reason: `the checkpoint carries no cosignature of witness ${witness.name}` };
  for (const s of mine) {
    if (s.signature.length !== 72) continue;
    const timestamp = Number(s.signature.readBigUInt64BE(0));
    try {
      if (verifyWith(null, cosignatureMessage(parsed.text, timestamp), witness.publicKey, s.signature.subarray(8))) return { ok: true, timestamp };
    } catch {
      // a malformed signature: the next one, or the refusal below
    }
  }
  return { ok: false, reason: `the cosignature of witness ${witness.name} does not verify over this checkpoint` };
}

/** The verifier key text: `<name>+<hex key hash>+<base64(0x01 || public key)>`. */
export function noteVerifierKey(name: string, rawPublicKey: Uint8Array): string {
  if (!validNoteName(name)) throw new Error(`${JSON.stringify(name)} cannot name a note key (no spaces, no +)`);
  return `${name}+${noteKeyHash(name, rawPublicKey).toString('hex')}+${Buffer.concat([Buffer.of(ED25519_ALG), rawPublicKey]).toString('base64')}`;
}

export interface NoteVerifier {
  name: string;
  keyHash: Buffer;
  publicKey: KeyObject;
  rawPublicKey: Buffer;
}

/** Parses a verifier key text; throws naming what is wrong. */
export function parseNoteVerifierKey(text: string): NoteVerifier {
  return parseVerifierKey(text, ED25519_ALG);
}

/** A verifier key of the given algorithm byte (0x01: a note signer's; 0x04: a cosigner's, tlog-cosignature). */
function parseVerifierKey(text: string, alg: number): NoteVerifier {
  // The name and the hash hold no `+`; the base64 key may.
  const trimmed = text.trim();
  const first = trimmed.indexOf('+');
  const second = first < 0 ? -1 : trimmed.indexOf('+', first + 1);
  if (second < 0) throw new Error('a verifier key is <name>+<hex key hash>+<base64 key>');
  const name = trimmed.slice(0, first);
  const hashHex = trimmed.slice(first + 1, second);
  const keyB64 = trimmed.slice(second + 1);
  if (!validNoteName(name)) throw new Error('the verifier key name is empty or holds a space');
  if (!/^[0-9a-f]{8}$/u.test(hashHex)) throw new Error('the verifier key hash is not 8 hex digits');
  const key = Buffer.from(keyB64, 'base64');
  if (key.length !== 33 || key[0] !== alg) throw new Error(`the verifier key is not an Ed25519 key of type 0x0${alg} (0x0${alg} and 32 bytes)`);
  const rawPublicKey = key.subarray(1);
  const keyHash = keyIdOf(name, alg, rawPublicKey);
  if (keyHash.toString('hex') !== hashHex) throw new Error('the verifier key hash does not match its name and key');
  const publicKey = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, rawPublicKey]), format: 'der', type: 'spki' });
  return { name, keyHash, publicKey, rawPublicKey };
}

/** The tlog-checkpoint body. */
export function checkpointBody(origin: string, size: number, root: Uint8Array): string {
  return `${origin}\n${size}\n${Buffer.from(root).toString('base64')}\n`;
}

export interface CheckpointBody {
  origin: string;
  size: number;
  root: Buffer;
}

/** Reads a tlog-checkpoint body (extension lines after the third are allowed and ignored). */
export function parseCheckpointBody(text: string): CheckpointBody {
  const lines = text.split('\n');
  if (lines.length < 4 || lines[lines.length - 1] !== '') throw new Error('a checkpoint is at least three lines, each ended by a newline');
  const [origin, sizeText, rootText] = lines as [string, string, string];
  if (origin === '') throw new Error('the checkpoint has no origin');
  if (!/^(0|[1-9][0-9]{0,15})$/u.test(sizeText)) throw new Error('the checkpoint size is not a decimal number');
  const root = Buffer.from(rootText, 'base64');
  if (root.length !== 32 || root.toString('base64') !== rootText) throw new Error('the checkpoint root is not 32 bytes of base64');
  return { origin, size: Number(sizeText), root };
}

/** A signed note: the text, a blank line, one signature line. `sign` is Ed25519 over the text's bytes. */
export function signNote(text: string, name: string, rawPublicKey: Uint8Array, sign: (message: Buffer) => Buffer): string {
  if (!text.endsWith('\n')) throw new Error('a note text ends with a newline');
  const signature = sign(Buffer.from(text, 'utf8'));
  return `${text}\n— ${name} ${Buffer.concat([noteKeyHash(name, rawPublicKey), signature]).toString('base64')}\n`;
}

/** A note's signature lines, parsed. */
export interface NoteSignature {
  name: string;
  keyHash: Buffer;
  signature: Buffer;
}

/** Splits a signed note into its text and signatures; throws when it is not one. */
export function splitNote(note: string): { text: string; signatures: NoteSignature[] } {
  if (!note.endsWith('\n')) throw new Error('a signed note ends with a newline');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new Error('a signed note has a blank line before its signatures');
  const text = note.slice(0, split + 1);
  const signatures = note
    .slice(split + 2, -1)
    .split('\n')
    .map((line) => {
      const m = /^— (\S+) ([A-Za-z0-9+/=]+)$/u.exec(line);
      if (!m) throw new Error('a note signature line is "— <name> <base64>"');
      const raw = Buffer.from(m[2] as string, 'base64');
      if (raw.length < 5) throw new Error('a note signature is shorter than its key hash');
      return { name: m[1] as string, keyHash: raw.subarray(0, 4), signature: raw.subarray(4) };
    });
  return { text, signatures };
}

/**
 * Opens a signed note with a verifier key: its text when a signature by that key (name and
 * key hash) verifies; otherwise why not.
 */
export function openNote(note: string, verifier: NoteVerifier): { ok: true; text: string } | { ok: false; reason: string } {
  let parsed: ReturnType<typeof splitNote>;
  try {
    parsed = splitNote(note);
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  const mine = parsed.signatures.filter((s) => s.name === verifier.name && s.keyHash.equals(verifier.keyHash));
  if (mine.length === 0) return { ok: false, reason: `the checkpoint is not signed by ${verifier.name}+${verifier.keyHash.toString('hex')} (signed by: ${parsed.signatures.map((s) => `${s.name}+${s.keyHash.toString('hex')}`).join(', ') || 'nobody'})` };
  for (const s of mine) {
    let valid = false;
    try {
      valid = s.signature.length === 64 && verifyWith(null, Buffer.from(parsed.text, 'utf8'), verifier.publicKey, s.signature);
    } catch {
      valid = false;
    }
    if (!valid) return { ok: false, reason: `the signature of ${verifier.name} on the checkpoint does not verify` };
  }
  return { ok: true, text: parsed.text };
}

/** Opens a signed checkpoint with a verifier key and reads its body. */
export function openCheckpoint(note: string, verifier: NoteVerifier): { ok: true; checkpoint: CheckpointBody } | { ok: false; reason: string } {
  const opened = openNote(note, verifier);
  if (!opened.ok) return opened;
  try {
    return { ok: true, checkpoint: parseCheckpointBody(opened.text) };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}
