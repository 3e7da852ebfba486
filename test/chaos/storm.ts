import { sign } from 'node:crypto';
import type { Harness, Officer } from '../support/harness';

export interface PlannedApproval {
  tokenId: string;
  officer: Officer;
  body: string;
}

/** Issues `tokens` tokens and signs every officer's approval of each beforehand (node:crypto over the openssl keys). */
export async function planStorm(h: Harness, requester: Officer, officers: Officer[], tokens: number, extra: object = {}): Promise<{ ids: string[]; approvals: PlannedApproval[] }> {
  const ids: string[] = [];
  const approvals: PlannedApproval[] = [];
  for (let i = 0; i < tokens; i++) {
    const res = await h.request('POST', '/v1/tokens', requester.token, { service: 'USER_MGMT', operation: { command: 'rotateKey', args: { n: i } }, ...extra });
    if (res.status !== 201) throw new Error(`issue: ${JSON.stringify(res.body)}`);
    const id = res.body.token.id as string;
    ids.push(id);
    const bytes = await h.tokenBytes(id, requester.token);
    for (const officer of officers) {
      approvals.push({ tokenId: id, officer, body: JSON.stringify({ signature: sign('sha256', bytes, officer.key!.privatePem).toString('base64') }) });
    }
  }
  // Interleave tokens so that approvals of one token race each other.
  approvals.sort(() => Math.random() - 0.5);
  return { ids, approvals };
}

/** Sends approvals `concurrency` at a time to `url()`; returns those answered 200. Network failures count as not acknowledged. */
export async function fire(url: () => string, approvals: PlannedApproval[], concurrency = 16, onAnswer: () => void = () => undefined): Promise<PlannedApproval[]> {
  const acknowledged: PlannedApproval[] = [];
  let next = 0;
  const lane = async () => {
    while (next < approvals.length) {
      const a = approvals[next++]!;
      try {
        const res = await fetch(`${url()}/v1/tokens/${a.tokenId}/approvals`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${a.officer.token}` },
          body: a.body,
          signal: AbortSignal.timeout(5000),
        });
        await res.arrayBuffer();
        if (res.status === 200) acknowledged.push(a);
        onAnswer();
      } catch {
        // not acknowledged
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return acknowledged;
}

/** The invariants after a storm: nothing acknowledged lost, nothing counted twice, quorum reached where it must be. */
export async function checkStorm(h: Harness, ids: string[], acknowledged: PlannedApproval[], m: number): Promise<void> {
  for (const id of ids) {
    const token = await h.store.tokens.get(id, true);
    if (!token) throw new Error(`token ${id} lost`);
    const voters = token.approvals.map((a) => a.userId);
    if (new Set(voters).size !== voters.length) throw new Error(`token ${id}: a CO counted twice`);
    const acked = acknowledged.filter((a) => a.tokenId === id).map((a) => a.officer.id);
    for (const uid of acked) if (!voters.includes(uid)) throw new Error(`token ${id}: acknowledged approval of user ${uid} lost`);
    if (new Set(acked).size >= m && token.status !== 'APPROVED') throw new Error(`token ${id}: ${acked.length} acknowledged approvals, status ${token.status}`);
    if (token.status === 'APPROVED' && token.approvals.filter((a) => a.counts).length < m) throw new Error(`token ${id}: APPROVED below M`);
  }
  const entries = await h.store.audit.page(1, 1_000_000);
  // An approval's entry names the officer as its actor (`user:<id>`).
  const approvalEntries = entries.filter((e) => e.includes('"type":"token.approval"')).map((e) => JSON.parse(e) as { actor: string; data: { id: string } });
  const pairs = approvalEntries.filter((e) => ids.includes(e.data.id)).map((e) => `${e.data.id}/${e.actor}`);
  if (new Set(pairs).size !== pairs.length) throw new Error('an approval was audited twice');
  const verdict = await h.store.audit.verify();
  if (!verdict.ok) throw new Error(`audit ledger broken at ${verdict.what} ${verdict.seq}: ${verdict.reason}`);
}
