import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Harness, REDIS_URL } from './support/harness';
import { REPO_ROOT, ServerProcess } from './support/server-process';

const SDK = join(REPO_ROOT, 'packages', 'client', 'dist', 'index.js');
const run = promisify(execFile);

/**
 * Under plain Node.js, as automation uses it: a QuorumClient without a URL, with a malformed
 * one or with an API key that cannot be one fails at construction with RET_BAD_CONFIG and a
 * message that says what to fix; an API key the service does not know is refused as an API
 * key (the same code and message whether it never existed or was deleted), never as a session.
 */
describe('the SDK reports a misconfiguration at construction and an unknown API key as one', () => {
  let h: Harness;
  let server: ServerProcess;
  let dir: string;

  /** Runs `body` (which sets `result`) in a fresh `node` with the built SDK as `sdk`; returns what it printed. */
  async function node(body: string, env: Record<string, string> = {}): Promise<{ code?: string; message?: string; thrownAt?: string; ok?: unknown }> {
    const file = join(dir, `case-${Math.random().toString(36).slice(2)}.js`);
    writeFileSync(
      file,
      `const sdk = require(${JSON.stringify(SDK)});
let stage = 'construction';
(async () => {
  ${body}
})().then(
  (ok) => console.log(JSON.stringify({ ok })),
  (err) => console.log(JSON.stringify({ code: err.code, message: err.message, thrownAt: stage })),
);`,
    );
    const { stdout } = await run(process.execPath, [file], { env: { PATH: process.env.PATH ?? '', ...env } });
    return JSON.parse(stdout) as { code?: string; message?: string };
  }

  beforeAll(async () => {
    h = await Harness.start();
    server = await ServerProcess.start({ REDIS_URL, QUORUM_REDIS_PREFIX: h.prefix, QUORUM_INLINE_WORKER: 'false' });
    dir = mkdtempSync(join(tmpdir(), 'quorum-sdk-config-'));
  });
  afterAll(async () => {
    await server.stop();
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('no url and no QUORUM_URL: RET_BAD_CONFIG at construction, naming both', async () => {
    const res = await node(`const c = new sdk.QuorumClient({ token: 'qs_x' }); stage = 'call'; await c.listUsers();`);
    expect(res).toEqual({ code: 'RET_BAD_CONFIG', message: expect.stringMatching(/needs the quorumd URL: pass \{ url: .* or set QUORUM_URL/), thrownAt: 'construction' });
  });

  it('a malformed url: RET_BAD_CONFIG at construction, quoting it', async () => {
    for (const url of ['not a url', 'localhost:8080', 'ftp://127.0.0.1/', `${server.url}/?x=1`]) {
      const res = await node(`new sdk.QuorumClient({ url: ${JSON.stringify(url)}, token: 'qs_x' });`);
      expect(res).toEqual({ code: 'RET_BAD_CONFIG', message: expect.stringContaining(`url ${JSON.stringify(url)} is not`), thrownAt: 'construction' });
    }
    // A URL with credentials is refused without repeating them.
    const withPassword = await node(`new sdk.QuorumClient({ url: 'http://ops:s3cret-pw@127.0.0.1:8080' });`);
    expect(withPassword).toMatchObject({ code: 'RET_BAD_CONFIG', message: expect.stringMatching(/holds credentials/), thrownAt: 'construction' });
    expect(withPassword.message).not.toContain('s3cret-pw');
  });

  it('takes QUORUM_URL when no url is given', async () => {
    const key = (await h.request('POST', '/v1/api-keys', h.adminToken, { name: 'sdk-config' })).body.key as string;
    const res = await node(`const c = new sdk.QuorumClient({ apiKey: process.env.KEY }); stage = 'call'; return (await c.listTokens()).length;`, { QUORUM_URL: server.url, KEY: key });
    expect(res).toEqual({ ok: 0 });
  });

  it('an apiKey that is empty (an unset variable) or not of the API key form: RET_BAD_CONFIG at construction, the key not shown', async () => {
    const unset = await node(`new sdk.QuorumClient({ url: process.env.QUORUM_URL, apiKey: process.env.QUORUM_API_KEY });`, { QUORUM_URL: server.url });
    expect(unset).toEqual({ code: 'RET_BAD_CONFIG', message: 'QuorumClient apiKey is empty (is QUORUM_API_KEY set?)', thrownAt: 'construction' });
    const madeUp = await node(`new sdk.QuorumClient({ url: process.env.QUORUM_URL, apiKey: 'made-up-key-1234' });`, { QUORUM_URL: server.url });
    expect(madeUp).toMatchObject({ code: 'RET_BAD_CONFIG', message: expect.stringMatching(/apiKey is not a quorumd API key/), thrownAt: 'construction' });
    expect(madeUp.message).not.toContain('made-up-key-1234');
  });

  it('an unknown and a deleted API key are refused alike, as an API key, not as a session', async () => {
    const created = (await h.request('POST', '/v1/api-keys', h.adminToken, { name: 'sdk-revoked' })).body as { key: string; apiKey: { id: string } };
    expect((await h.request('DELETE', `/v1/api-keys/${created.apiKey.id}`, h.adminToken)).status).toBe(200);
    const call = (key: string) => node(`const c = new sdk.QuorumClient({ url: process.env.QUORUM_URL, apiKey: process.env.KEY }); stage = 'call'; await c.listTokens();`, { QUORUM_URL: server.url, KEY: key });
    const unknown = await call(`qk_${'0'.repeat(12)}_${'A'.repeat(32)}`);
    const revoked = await call(created.key);
    expect(unknown).toEqual({ code: 'RET_UNAUTHORIZED', message: 'Unknown or revoked API key', thrownAt: 'call' });
    expect(revoked).toEqual(unknown);
  });

  it('a bearer credential of neither form is named as such, not as an expired session', async () => {
    const call = (token: string) => node(`const c = new sdk.QuorumClient({ url: process.env.QUORUM_URL, token: process.env.TOKEN }); stage = 'call'; await c.listTokens();`, { QUORUM_URL: server.url, TOKEN: token });
    expect(await call('qk_truncated')).toEqual({ code: 'RET_UNAUTHORIZED', message: 'Unknown or revoked API key', thrownAt: 'call' });
    expect(await call('something-else')).toEqual({ code: 'RET_UNAUTHORIZED', message: 'Unknown credential: neither a session token (qs_...) nor an API key (qk_...)', thrownAt: 'call' });
    expect(await call('qs_ended')).toEqual({ code: 'RET_UNAUTHORIZED', message: 'Unknown or expired session', thrownAt: 'call' });
  });
});
