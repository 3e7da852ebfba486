import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { buildProgram, QuorumClient, type CliDeps } from '@quorumd/client';
import { Harness, type Officer } from '../support/harness';

class Captured extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

type Saved = ReturnType<CliDeps['profile']['read']>;

/**
 * The CLI marks break-glass where an officer reads tokens (`show`, `listTokens`), and `quorum
 * verify` reports a break-glass bundle and fails it unless `--allow-break-glass`.
 */
describe('break-glass in the CLI', () => {
  let h: Harness;
  let sre1: Officer;
  let oncall: Officer;
  let url: string;
  let dir: string;
  const profiles = new Map<string, Saved>();

  async function quorum(who: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
    const stdout = new Captured();
    const stderr = new Captured();
    const program = buildProgram({
      client: (connection) => new QuorumClient(connection),
      output: { stdout, stderr },
      profile: { read: () => ({ ...profiles.get(who) }), write: (profile) => void profiles.set(who, profile) },
      input: new PassThrough(),
      env: { QUORUM_URL: url },
    });
    const code = await program.run(args);
    return { code, out: stdout.text, err: stderr.text };
  }

  beforeAll(async () => {
    ({ h, officers: [sre1, oncall] } = await Harness.withOfficers(['bcli_sre1', 'bcli_oncall']));
    expect((await h.request('PUT', '/v1/groups/sre', h.adminToken, { members: [sre1.id] })).status).toBe(200);
    expect((await h.request('PUT', '/v1/groups/oncall', h.adminToken, { members: [oncall.id] })).status).toBe(200);
    const policy = { rules: [{ group: 'sre', m: 1 }], breakGlass: { group: 'oncall', m: 1, delaySeconds: 1, reviewWithinSeconds: 600 } };
    expect((await h.request('PUT', '/v1/quorum/services/DEPLOY_PROD', h.adminToken, { policy })).status).toBe(201);
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    dir = mkdtempSync(join(tmpdir(), 'quorum-break-glass-'));
    expect((await quorum('sre1', ['loginHSM', 'CO', sre1.name, `${sre1.name}-password`])).code).toBe(0);
  });
  afterAll(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('marks the token in show and listTokens, and verify fails its bundle unless --allow-break-glass', async () => {
    const issued = await h.request('POST', '/v1/tokens', oncall.token, { service: 'DEPLOY_PROD', operation: { command: 'deploy' }, breakGlass: true, reason: 'pager' });
    const id = issued.body.token.id as string;
    const shown = await quorum('sre1', ['show', id]);
    expect(shown.out).toMatch(/^Status {7}PENDING \[BREAK-GLASS\]$/m);
    expect(shown.out).toMatch(/^Break-glass {2}time lock until .+ may veto it/m);
    expect((await quorum('sre1', ['listTokens'])).out).toContain('PENDING [BREAK-GLASS]');
    expect((await h.approve(id, oncall)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    const used = await h.request('POST', `/v1/tokens/${id}/consume`, oncall.token, { operation: { command: 'deploy' } });
    expect(used.status).toBe(200);
    const file = join(dir, 'bundle.json');
    writeFileSync(file, JSON.stringify(used.body));
    const refused = await quorum('sre1', ['verify', file, '--trust-bundle-keys']);
    expect(refused.code).toBe(1);
    expect(refused.out).toContain('break-glass');
    const allowed = await quorum('sre1', ['verify', file, '--trust-bundle-keys', '--allow-break-glass']);
    expect(allowed.code).toBe(0);
    expect(allowed.out).toMatch(/^Path {9}BREAK-GLASS \(approved by its break-glass group after the time lock/m);
    const review = (await quorum('sre1', ['show', used.body.bundle.reviewToken as string])).out;
    expect(review).toContain('[BREAK-GLASS REVIEW]');
  });
});
