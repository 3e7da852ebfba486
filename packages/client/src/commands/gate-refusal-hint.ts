/**
 * The CLI's hint after a quorum gate refused a command (RET_MXN_AUTH_FAILED): it follows the
 * server's `quorumToken` details (the token's state as the server read it, docs/errors.md
 * "Why a quorum gate refused"), never a guess of the client's. Only a PENDING token lists who
 * can still approve it, and only as the server named them.
 */

/** What a protected command was about to run: the getToken a hint suggests. */
export interface AttemptedOperation {
  service: string;
  command: string;
  args: Record<string, unknown>;
}

/** The refusal's `quorumToken` details, as far as the server gave them (fields of other types are ignored). */
interface GateRefusal {
  reason: string | undefined;
  service: string | undefined;
  operation: { command: string | undefined; args: Record<string, unknown> } | undefined;
  approvals: number | undefined;
  required: number | undefined;
  canStillApprove: string[];
}

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
const count = (value: unknown) => (typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined);

function refusalOf(details: Record<string, unknown> | undefined): GateRefusal | undefined {
  const value = details?.quorumToken;
  if (!isRecord(value)) return undefined;
  const operation = isRecord(value.operation) ? { command: text(value.operation.command), args: isRecord(value.operation.args) ? value.operation.args : {} } : undefined;
  const approvers = Array.isArray(value.canStillApprove) ? value.canStillApprove : [];
  return {
    reason: text(value.reason),
    service: text(value.service),
    operation,
    approvals: count(value.approvals),
    required: count(value.required),
    canStillApprove: approvers.map((o: unknown) => (isRecord(o) ? text(o.name) : undefined)).filter((name): name is string => name !== undefined),
  };
}

function getTokenCommand(attempted: AttemptedOperation | undefined): string {
  if (!attempted) return 'quorum getToken ...';
  const args = JSON.stringify(attempted.args).replace(/'/g, "'\\''");
  return `quorum getToken --service ${attempted.service} --command ${attempted.command} --args '${args}'`;
}

/** A value as a word when it reads as one, else as JSON (so that spaces or `=` cannot blur it). */
const word = (v: unknown) => (typeof v === 'string' && /^[\w.:@/+-]+$/.test(v) ? v : JSON.stringify(v));

/** An operation in one line, its name first: `createUser bob type=CU`, `deleteUser id=7`. */
function operationText(operation: GateRefusal['operation']): string {
  const { name, ...rest } = operation?.args ?? {};
  const args = Object.entries(rest).map(([k, v]) => `${k}=${word(v)}`);
  return [operation?.command ?? 'another operation', ...(name === undefined ? [] : [word(name)]), ...args].join(' ');
}

/** The hint line for a RET_MXN_AUTH_FAILED answer; `attempted`: the command's own operation, when known. */
export function gateRefusalHint(details: Record<string, unknown> | undefined, attempted: AttemptedOperation | undefined): string {
  const refusal = refusalOf(details);
  if (!refusal) {
    if (!attempted) return 'hint: request a token for this exact operation (quorum getToken ...), have officers sign it, then pass --quorum-token';
    return `hint: request a token for exactly this operation: ${getTokenCommand(attempted)} ; have officers sign it, then run this again with --quorum-token <id>`;
  }
  const again = `ask for a new one with ${getTokenCommand(attempted)}`;
  const counted = refusal.approvals !== undefined && refusal.required !== undefined ? `${refusal.approvals} of ${refusal.required} approvals` : undefined;
  switch (refusal.reason) {
    case 'pending':
      return `hint: ${counted ?? 'not enough approvals yet'}; can still approve: ${refusal.canStillApprove.join(', ') || 'nobody'}`;
    case 'expired':
      return `hint: this token has expired: ${again}`;
    case 'rejected':
      return `hint: this token was rejected: ${again}`;
    case 'consumed':
      return `hint: this token was already used: ${again}`;
    case 'deleted':
      return `hint: this token was deleted: ${again}`;
    case 'short':
      return `hint: this token's approvals no longer reach what it needs now (${counted ?? 'too few'}: an M raised, a key re-registered or an officer deleted): ${again}`;
    case 'other-operation':
      return `hint: this token was for ${operationText(refusal.operation)}: ${again}`;
    case 'other-service':
      return `hint: this token is for service ${refusal.service ?? 'another service'}: ${again}`;
    case 'other-requester':
      return `hint: this token was requested by someone else: ${again}`;
    case 'other-issuer':
      return `hint: this token was issued by another quorumd deployment: ${again}`;
    case 'not-found':
      return `hint: no such token: check the id, or ${again}`;
    default:
      return `hint: the token was refused (${refusal.reason ?? 'no reason given'}): ${again}`;
  }
}
