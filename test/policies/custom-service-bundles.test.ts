import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyBundle, type Bundle } from '@quorumd/client';
import { Harness, type Officer } from '../support/harness';

/**
 * A used custom service's token's bundle shows how its approvals filled the rules of the
 * policy signed into its bytes, and each approver's groups when it was used; the offline
 * check refuses a bundle whose assignment counts someone twice, lacks a rule's approvals,
 * names an approver without a verified signature or outside the rule's group.
 */
describe('custom service bundles', () => {
  let h: Harness;
  let admin: Officer;
  let both: Officer;
  let sre2: Officer;
  let sec2: Officer;
  let bundle: Bundle;

  beforeAll(async () => {
    ({ h, admin, officers: [both, sre2, sec2] } = await Harness.withOfficers(['cb_both', 'cb_sre2', 'cb_sec2']));
    expect((await h.request('PUT', '/v1/groups/sre', admin.token, { members: [both.id, sre2.id] })).status).toBe(200);
    expect((await h.request('PUT', '/v1/groups/security', admin.token, { members: [both.id, sec2.id] })).status).toBe(200);
    const policy = { rules: [{ group: 'sre', m: 2 }, { group: 'security', m: 1 }] };
    expect((await h.request('PUT', '/v1/quorum/services/DEPLOY_PROD', admin.token, { policy })).status).toBe(201);
    const id = await h.approvedToken(admin, 'DEPLOY_PROD', { command: 'deploy', args: { version: '3' } }, [both, sre2, sec2]);
    expect((await h.request('POST', `/v1/tokens/${id}/consume`, admin.token, { operation: { command: 'deploy', args: { version: '3' } } })).status).toBe(200);
    bundle = (await h.request('GET', `/v1/tokens/${id}/bundle`, admin.token)).body.bundle as Bundle;
  });
  afterAll(() => h.close());

  it('carries the assignment and each approver’s groups at use time, and verifies offline', () => {
    expect(bundle.assignment).toEqual([{ group: 'sre', m: 2, have: [both.id, sre2.id] }, { group: 'security', m: 1, have: [sec2.id] }]);
    expect(bundle.approverGroups).toEqual({ [both.id]: ['security', 'sre'], [sre2.id]: ['sre'], [sec2.id]: ['security'] });
    expect(verifyBundle(bundle)).toMatchObject({ ok: true, service: 'DEPLOY_PROD', approvals: 3 });
  });

  it('refuses a bundle that counts one approver for two rules, or shows no assignment', () => {
    const twice = { ...bundle, assignment: [{ group: 'sre', m: 2, have: [both.id, sre2.id] }, { group: 'security', m: 1, have: [both.id] }] };
    expect(verifyBundle(twice)).toEqual({ ok: false, reason: `user ${both.id} is counted for two rules` });
    const { assignment: _dropped, ...bare } = bundle;
    expect(verifyBundle(bare as Bundle)).toMatchObject({ ok: false, reason: expect.stringMatching(/does not show how its approvals fill/) });
  });

  it('refuses an approver outside its rule’s group, one without a verified approval, and a short rule', () => {
    const outside = { ...bundle, assignment: [{ group: 'sre', m: 2, have: [both.id, sec2.id] }, { group: 'security', m: 1, have: [sre2.id] }] };
    expect(verifyBundle(outside)).toMatchObject({ ok: false, reason: expect.stringMatching(/was not in group/) });
    const unsigned = { ...bundle, approvals: bundle.approvals.filter((a) => a.userId !== sec2.id) };
    expect(verifyBundle(unsigned).ok).toBe(false);
    const short = { ...bundle, assignment: [{ group: 'sre', m: 2, have: [both.id] }, { group: 'security', m: 1, have: [sec2.id] }] };
    expect(verifyBundle(short)).toEqual({ ok: false, reason: 'rule sre: 1 of 2 approvals' });
  });

  describe('the documented openssl and jq check', () => {
    const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'policies.md'), 'utf8');
    const section = doc.slice(doc.indexOf('<!-- bundle-assignment-check:start -->'), doc.indexOf('<!-- bundle-assignment-check:end -->'));
    const script = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
    const check = (b: Bundle, pinned: Officer[] = [both, sre2, sec2]) => {
      const dir = mkdtempSync(join(tmpdir(), 'quorumd-assignment-'));
      try {
        mkdirSync(join(dir, 'keys'));
        for (const o of pinned) writeFileSync(join(dir, 'keys', `${o.id}.pub`), o.key!.publicPem);
        writeFileSync(join(dir, 'bundle.json'), JSON.stringify(b));
        return spawnSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: dir, encoding: 'utf8' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };

    it('accepts the bundle of a used custom service token', () => {
      const run = check(bundle);
      expect(run.stderr).toBe('');
      expect(run.stdout.trim()).toBe('assignment OK');
      expect(run.status).toBe(0);
    });

    it('refuses an approver counted for two rules, outside its group, unpinned, or a short rule', () => {
      const cases: [Bundle, Officer[] | undefined, RegExp][] = [
        [{ ...bundle, assignment: [{ group: 'sre', m: 2, have: [both.id, sre2.id] }, { group: 'security', m: 1, have: [both.id] }] }, undefined, /counted for two rules/],
        [{ ...bundle, assignment: [{ group: 'sre', m: 2, have: [both.id, sec2.id] }, { group: 'security', m: 1, have: [sre2.id] }] }, undefined, /was not in group sre/],
        [bundle, [both, sre2], new RegExp(`user ${sec2.id} has no approval that verified`)],
        [{ ...bundle, assignment: [{ group: 'sre', m: 2, have: [both.id, both.id] }, { group: 'security', m: 1, have: [sec2.id] }] }, undefined, /counts an approver twice/],
        [{ ...bundle, assignment: [{ group: 'sre', m: 1, have: [both.id] }, { group: 'security', m: 1, have: [sec2.id] }] }, undefined, /rule 1 is not sre:2/],
      ];
      for (const [b, pinned, reason] of cases) {
        const run = check(b, pinned);
        expect(run.status).not.toBe(0);
        expect(run.stdout).not.toContain('assignment OK');
        expect(run.stderr).toMatch(reason);
      }
    });
  });
});
