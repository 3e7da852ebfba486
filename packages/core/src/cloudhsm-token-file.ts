import { createHash } from 'node:crypto';
import { QuorumError } from './errors';
import { USER_NAME_PATTERN } from './user-rules';
import type { Operation } from './operation';
import type { QuorumService } from './quorum-services';

/**
 * AWS CloudHSM CLI quorum token files (`quorum token-sign generate`, version 2.0):
 * `{"version":"2.0","approval_data":<base64>,"token":<base64 SHA-256 of approval_data>,
 * "signatures":[{"username","signature"}]}`. Approvers sign the approval data with
 * RSASSA-PKCS1-v1_5 / SHA-256 — `openssl pkeyutl -sign -pkeyopt digest:sha256` over the
 * 32-byte token, or `openssl dgst -sha256 -sign` over the approval data: the same bytes.
 */
export interface CloudHsmTokenFile {
  version: '2.0';
  approval_data: string;
  token: string;
  signatures: { username: string; signature: string }[];
}

/** CloudHSM quorum services (admin: user, quorum, cluster; crypto user: key-usage, key-management) → quorumd's. */
export const CLOUDHSM_SERVICES: Readonly<Record<string, QuorumService>> = {
  user: 'USER_MGMT',
  quorum: 'QUORUM_MGMT',
  cluster: 'QUORUM_MGMT',
  'key-usage': 'USER_MGMT',
  'key-management': 'USER_MGMT',
};

/** What an approver is shown about an HSM token, decoded from the approval data: hints, never a security decision. */
export interface CloudHsmHints {
  /** One record per HSM in the cluster. */
  hsms: number;
  /** The HSM's service number (3: user management). */
  serviceNumber: number;
  /** The HSM user who generated the token. */
  requester: string;
  /** When it was generated (RFC 3339), as the HSM says. */
  generatedAt: string | null;
}

const RECORD = 80;
const MAX_RECORDS = 32;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function bad(message: string): QuorumError {
  return new QuorumError('RET_BAD_REQUEST', `cloudhsm.tokenFile: ${message}`);
}

function base64Field(value: unknown, what: string): Buffer {
  if (typeof value !== 'string' || value.length === 0 || !BASE64.test(value)) throw bad(`${what} must be standard base64`);
  return Buffer.from(value, 'base64');
}

/**
 * Checks a token file strictly: version 2.0, base64 fields, approval data of whole 80-byte
 * records, a 32-byte token that is the SHA-256 of the approval data, and signatures empty or
 * each a user name with a base64 RSA signature. Returns the approval data and the digest.
 */
export function parseCloudHsmTokenFile(input: unknown): { file: CloudHsmTokenFile; approvalData: Buffer; digest: Buffer } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw bad('must be the JSON object that token-sign generate wrote');
  const f = input as Record<string, unknown>;
  const extra = Object.keys(f).filter((k) => !['version', 'approval_data', 'token', 'signatures'].includes(k));
  if (extra.length > 0) throw bad(`unexpected member(s): ${extra.slice(0, 3).join(', ')}`);
  if (f.version !== '2.0') throw bad('version must be "2.0"');
  const approvalData = base64Field(f.approval_data, 'approval_data');
  if (approvalData.length === 0 || approvalData.length % RECORD !== 0 || approvalData.length > RECORD * MAX_RECORDS) {
    throw bad(`approval_data must be 1 to ${MAX_RECORDS} records of ${RECORD} bytes (got ${approvalData.length} bytes)`);
  }
  // quorumd's own token bytes are JSON (canonical, so they start with '{'); an approval of an
  // HSM token signs its approval data with the same officer keys. Approval data a JSON reader
  // would take for a document could be another token's bytes: the approvers would sign that
  // token, and their signatures would make a bundle that verifies for it offline.
  if (readsAsJson(approvalData)) throw bad('approval_data reads as JSON, which token-sign generate never writes (and a quorumd token’s bytes are never an HSM token’s)');
  const digest = base64Field(f.token, 'token');
  if (digest.length !== 32) throw bad(`token must be 32 bytes (got ${digest.length})`);
  if (!createHash('sha256').update(approvalData).digest().equals(digest)) throw bad('token is not the SHA-256 of approval_data: the file was altered');
  if (!Array.isArray(f.signatures)) throw bad('signatures must be an array');
  if (f.signatures.length > 16) throw bad('too many signatures');
  const signatures = f.signatures.map((s: unknown, i: number) => {
    const sig = s as { username?: unknown; signature?: unknown } | null;
    if (typeof sig !== 'object' || sig === null || typeof sig.username !== 'string' || !USER_NAME_PATTERN.test(sig.username)) {
      throw bad(`signatures[${i}] must be {"username","signature"} with a CloudHSM user name`);
    }
    const bytes = base64Field(sig.signature, `signatures[${i}].signature`);
    if (bytes.length < 256 || bytes.length > 512) throw bad(`signatures[${i}].signature must be an RSA-2048 to RSA-4096 signature`);
    return { username: sig.username, signature: sig.signature as string };
  });
  return { file: { version: '2.0', approval_data: f.approval_data as string, token: f.token as string, signatures }, approvalData, digest };
}

/** Whether bytes open like a JSON document (after JSON whitespace and a BOM), or parse as one. */
function readsAsJson(bytes: Buffer): boolean {
  let at = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (at < bytes.length && [0x20, 0x09, 0x0a, 0x0d].includes(bytes[at] as number)) at++;
  if (bytes[at] === 0x7b || bytes[at] === 0x5b) return true;
  try {
    JSON.parse(bytes.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

/**
 * The AWS CloudHSM approval data a token's votes sign, from the token's operation and the
 * data as stored (base64): only when that operation is the `cloudhsm` command whose
 * `args.digest` is the data's SHA-256. Otherwise undefined — the votes sign the token bytes —
 * so approval data written beside another token's bytes (a quorumd command's) never lends
 * that token the votes of the CloudHSM token it came from.
 */
export function boundCloudHsmApprovalData(operation: Operation, stored: string): Buffer | undefined {
  if (operation.command !== 'cloudhsm') return undefined;
  const data = Buffer.from(stored, 'base64');
  const digest = createHash('sha256').update(data).digest('base64');
  return operation.args.digest === digest ? data : undefined;
}

/** Hints for approvers from the (undocumented) record layout; unknown parts are left out. */
export function cloudHsmHints(approvalData: Buffer): CloudHsmHints {
  const first = approvalData.subarray(0, RECORD);
  const requester = first.subarray(32, 64).toString('latin1').replace(/\0.*$/s, '').replace(/[^\x20-\x7e]/g, '?');
  const seconds = first.length >= 72 ? first.readUInt32BE(68) : 0;
  return {
    hsms: Math.floor(approvalData.length / RECORD),
    serviceNumber: first.length >= 4 ? first.readUInt16BE(2) : 0,
    requester,
    generatedAt: seconds > 0 ? new Date(seconds * 1000).toISOString() : null,
  };
}

/** The token file with the approvers' signatures, ready for `--approval`. */
export function cloudHsmTokenFileWithSignatures(approvalData: Buffer, signatures: { username: string; signature: Buffer }[]): CloudHsmTokenFile {
  return {
    version: '2.0',
    approval_data: approvalData.toString('base64'),
    token: createHash('sha256').update(approvalData).digest('base64'),
    signatures: signatures.map((s) => ({ username: s.username, signature: s.signature.toString('base64') })),
  };
}
