/**
 * What the audit log's entries say, checked in order: a hash chain proves only that entries
 * were not changed after sealing, not that they describe what could have happened; whoever
 * can write to Redis can append well-formed entries that the sealer then seals and signs.
 * This follows the log from its first entry and refuses an entry that claims:
 *
 * - an actor that did not exist at that point: `user:<id>` created earlier in the log (or the
 *   bootstrap admin, user 1) and not deleted since; `apikey:<id>` created earlier, not revoked,
 *   its owner not deleted; or `system`. Anything else is no actor quorumd writes;
 * - a user created by `system` other than the bootstrap admin (every other user is created by
 *   the officer or API key that asked);
 * - an approval, rejection, approval or consumption of a token with no `token.issued` earlier;
 * - a `token.approval` by anyone but an officer (`user:<id>`);
 * - a `token.approved` or `token.consumed` counting an approver with no `token.approval` by
 *   that officer for that token earlier in the log.
 *
 * No I/O and no import of Node's modules: the console bundles it with the verifier.
 */
/** An entry as the ledger parsed it (audit-ledger.ts's AuditEntry). */
interface MeantEntry {
  seq: number;
  type: string;
  actor: unknown;
  data: unknown;
}

/** The bootstrap admin's user id: it exists from the deployment's start. */
const BOOTSTRAP_ADMIN_ID = 1;

/** What only a token issued earlier (and not consumed) can have. */
const TOKEN_USES: ReadonlySet<string> = new Set(['token.approval', 'token.rejection', 'token.approved', 'token.consumed']);

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

export class AuditMeaning {
  private readonly users = new Set<number>([BOOTSTRAP_ADMIN_ID]);
  /** API key id → its owner's user id. */
  private readonly apiKeys = new Map<string, number>();
  /** Token id → the officers with a `token.approval` for it so far (issued tokens only). */
  private readonly approvals = new Map<string, Set<number>>();
  /** Tokens issued earlier in the log and not consumed since. */
  private readonly issued = new Set<string>();
  private bootstrapped = false;

  /** Why `entry` cannot be what happened after the entries before it (then undefined once it is taken in). */
  take(entry: MeantEntry): string | undefined {
    const refused = this.refusal(entry);
    if (refused === undefined) this.apply(entry);
    return refused;
  }

  private refusal(entry: MeantEntry): string | undefined {
    const { seq, type } = entry;
    const actor = entry.actor;
    if (typeof actor !== 'string') return `entry ${seq} names an actor of no form quorumd writes (${JSON.stringify(actor)}): it was not written by quorumd`;
    const user = /^user:([1-9][0-9]*)$/.exec(actor);
    const apiKey = /^apikey:(.+)$/.exec(actor);
    if (user) {
      if (!this.users.has(Number(user[1]))) return `entry ${seq} (${type}) names the actor ${actor}, who did not exist then (not created earlier in the log, or deleted): it was not written by quorumd`;
    } else if (apiKey) {
      if (!this.apiKeys.has(apiKey[1] as string)) return `entry ${seq} (${type}) names the actor ${actor}, an API key that did not exist then (not created earlier in the log, or revoked): it was not written by quorumd`;
    } else if (actor !== 'system') {
      return `entry ${seq} names an actor of no form quorumd writes (${JSON.stringify(actor)}): it was not written by quorumd`;
    }
    const data = record(entry.data);
    if (type === 'user.created' && actor === 'system' && (this.bootstrapped || data.bootstrap !== true || data.id !== BOOTSTRAP_ADMIN_ID)) {
      return `entry ${seq} creates user ${String(data.id)} as system, which only the bootstrap admin is: it was not written by quorumd`;
    }
    if (TOKEN_USES.has(type) && !this.issued.has(String(data.id))) {
      return `entry ${seq} (${type}) is of token ${String(data.id)}, which was not issued earlier in the log (or was consumed already): it was not written by quorumd`;
    }
    if (type === 'token.approval' && !user) return `entry ${seq} is an approval of token ${String(data.id)} by ${actor}, who is no officer: it was not written by quorumd`;
    if (type === 'token.approved' || type === 'token.consumed') {
      const approvers = Array.isArray(data.approvals) ? (data.approvals as unknown[]) : [];
      const approved = this.approvals.get(String(data.id));
      for (const id of approvers) {
        if (typeof id !== 'number' || !approved?.has(id)) {
          return `entry ${seq} (${type} of token ${String(data.id)}) counts the approval of user ${String(id)}, but no token.approval by that user for that token comes before it: it was not written by quorumd`;
        }
      }
    }
    return undefined;
  }

  private apply(entry: MeantEntry): void {
    const data = record(entry.data);
    switch (entry.type) {
      case 'user.created':
        if (typeof data.id === 'number') this.users.add(data.id);
        if (entry.actor === 'system') this.bootstrapped = true;
        break;
      case 'token.issued':
        this.issued.add(String(data.id));
        break;
      case 'user.deleted':
        if (typeof data.id === 'number') {
          this.users.delete(data.id);
          for (const [key, owner] of this.apiKeys) if (owner === data.id) this.apiKeys.delete(key);
        }
        break;
      case 'apikey.created':
        if (typeof data.id === 'string' && typeof data.ownerId === 'number') this.apiKeys.set(data.id, data.ownerId);
        break;
      case 'apikey.revoked':
        if (typeof data.id === 'string') this.apiKeys.delete(data.id);
        break;
      case 'token.approval': {
        const id = String(data.id);
        const approved = this.approvals.get(id) ?? new Set<number>();
        approved.add(Number((entry.actor as string).slice('user:'.length)));
        this.approvals.set(id, approved);
        break;
      }
      case 'token.consumed':
        // A token runs once: nothing after its consumption uses it or counts its approvals again.
        this.approvals.delete(String(data.id));
        this.issued.delete(String(data.id));
        break;
      default:
        break;
    }
  }
}
