import { AuditMeaning } from '../src/audit-meaning';

/** What the audit entries say, checked in order (the verifier's meaning check). */
describe('audit meaning', () => {
  let seq = 0;
  const e = (type: string, actor: unknown, data: object) => ({ seq: ++seq, type, actor, data });

  it('follows users, API keys and approvals as the log creates and ends them', () => {
    const m = new AuditMeaning();
    const ok = [
      e('user.created', 'system', { id: 1, name: 'admin', type: 'CO', bootstrap: true }),
      e('user.created', 'user:1', { id: 2, name: 'co1', type: 'CO' }),
      e('apikey.created', 'user:2', { id: 'k1', name: 'robot', scopes: 'tokens:issue', ownerId: 2 }),
      e('token.issued', 'apikey:k1', { id: 't1', service: 'USER_MGMT', command: 'x', m: 2 }),
      e('token.approval', 'user:1', { id: 't1' }),
      e('token.approval', 'user:2', { id: 't1' }),
      e('token.approved', 'user:2', { id: 't1', approvals: [1, 2], required: 2 }),
      e('token.consumed', 'apikey:k1', { id: 't1', approvals: [1, 2] }),
    ];
    for (const entry of ok) expect(m.take(entry)).toBeUndefined();
    // Consumed once: nothing counts its approvals again.
    expect(m.take(e('token.consumed', 'user:1', { id: 't1', approvals: [1, 2] }))).toMatch(/token t1, which was not issued earlier in the log \(or was consumed already\)/);
    expect(m.take(e('user.deleted', 'user:1', { id: 2, name: 'co1', type: 'CO', apiKeysRevoked: 1 }))).toBeUndefined();
    expect(m.take(e('token.issued', 'apikey:k1', { id: 't2' }))).toMatch(/apikey:k1, an API key that did not exist then/);
    expect(m.take(e('session.login', 'user:2', { userId: 2 }))).toMatch(/user:2, who did not exist then/);
    expect(m.take(e('session.login', 'user:3', { userId: 3 }))).toMatch(/user:3, who did not exist then/);
  });

  it('refuses approvals by non-officers, of tokens never issued, and counts of approvals of another token', () => {
    const m = new AuditMeaning();
    expect(m.take(e('token.approval', 'user:1', { id: 'a' }))).toMatch(/token a, which was not issued earlier/);
    expect(m.take(e('token.issued', 'user:1', { id: 'a' }))).toBeUndefined();
    expect(m.take(e('token.issued', 'user:1', { id: 'b' }))).toBeUndefined();
    expect(m.take(e('token.approval', 'user:1', { id: 'a' }))).toBeUndefined();
    expect(m.take(e('token.approval', 'system', { id: 'b' }))).toMatch(/by system, who is no officer/);
    expect(m.take(e('token.approved', 'user:1', { id: 'b', approvals: [1] }))).toMatch(/token.approved of token b\) counts the approval of user 1/);
    expect(m.take(e('token.approved', 'user:1', { id: 'a', approvals: [1], required: 1 }))).toBeUndefined();
    expect(m.take(e('x', { kind: 'system' }, {}))).toMatch(/no form quorumd writes/);
    expect(m.take(e('x', 'root', {}))).toMatch(/no form quorumd writes/);
  });

  it('lets system create the bootstrap admin only', () => {
    const m = new AuditMeaning();
    expect(m.take(e('user.created', 'system', { id: 7, name: 'mallory', type: 'CO' }))).toMatch(/creates user 7 as system/);
    expect(m.take(e('user.created', 'system', { id: 1, name: 'admin', type: 'CO', bootstrap: true }))).toBeUndefined();
    expect(m.take(e('user.created', 'system', { id: 1, name: 'admin', type: 'CO', bootstrap: true }))).toMatch(/creates user 1 as system/);
    expect(m.take(e('user.created', 'user:1', { id: 2, name: 'co1', type: 'CO' }))).toBeUndefined();
  });
});
