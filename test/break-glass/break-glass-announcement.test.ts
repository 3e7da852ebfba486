import { Harness, type Officer } from '../support/harness';
import { Receiver } from '../support/receiver';
import { openStream } from '../support/sse-client';
import { SmtpSink } from '../support/smtp-sink';

/**
 * An insider with one account cannot use break-glass silently: every officer of the service's
 * rules hears of it before its time lock ends, through every channel (webhooks, e-mail through
 * a real SMTP server and chat, by the real worker; the live queue, SSE), and the worker approves it at the lock's end with no one calling.
 */
describe('break-glass announcement', () => {
  let h: Harness;
  let url: string;
  let admin: Officer;
  let sre1: Officer;
  let sre2: Officer;
  let oncall: Officer;
  let hook: Receiver;
  let sink: SmtpSink;
  let chat: Receiver;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    chat = await Receiver.start();
    // A digest window for e-mail: break-glass is urgent and never waits for it.
    const env = { QUORUM_SMTP_URL: sink.url, QUORUM_MAIL_FROM: 'quorumd@example.test', QUORUM_PUBLIC_URL: 'https://quorum.example.test', QUORUM_EMAIL_DIGEST_MS: '10000' };
    ({ h, admin, officers: [sre1, sre2, oncall] } = await Harness.withOfficers(['an_sre1', 'an_sre2', 'an_oncall'], { worker: true, env }));
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    hook = await Receiver.start();
    expect((await h.request('PUT', '/v1/groups/sre', admin.token, { members: [sre1.id, sre2.id] })).status).toBe(200);
    expect((await h.request('PUT', '/v1/groups/oncall', admin.token, { members: [oncall.id] })).status).toBe(200);
    const policy = { rules: [{ group: 'sre', m: 2 }], breakGlass: { group: 'oncall', m: 1, delaySeconds: 2, reviewWithinSeconds: 600 } };
    expect((await h.request('PUT', '/v1/quorum/services/DEPLOY_PROD', admin.token, { policy })).status).toBe(201);
    for (const officer of [sre1, oncall]) expect((await h.request('PUT', '/v1/officers/me/webhook', officer.token, { url: hook.url, secret: 'break-glass-hook-secret' })).status).toBe(200);
    // sre2 reads e-mail and chat only, and chose no events: break-glass reaches it all the same.
    expect((await h.request('PUT', `/v1/users/${sre2.id}/notifications`, sre2.token, { email: 'sre2@example.test', chat: { url: chat.url, format: 'slack' }, events: [] })).status).toBe(200);
  });
  afterAll(async () => {
    await hook.close();
    await h.close();
    await chat.close();
    await sink.stop();
  });

  it('tells every officer of the rules through webhooks, e-mail, chat and the live queue before the time lock ends, then the worker approves it', async () => {
    const queue = await openStream(url, '/v1/officers/me/pending/events', sre2.token);
    try {
      await queue.next();
      const issued = await h.request('POST', '/v1/tokens', oncall.token, { service: 'DEPLOY_PROD', operation: { command: 'deploy', args: { version: '9' } }, breakGlass: true, reason: 'outage' });
      expect(issued.status).toBe(201);
      const id = issued.body.token.id as string;
      const lockEnds = Date.parse(issued.body.token.breakGlass.delayEndsAt as string);
      // The live queue (SSE) of an officer with no webhook shows it, marked break-glass.
      const event = await queue.next(1500);
      expect(event.data.tokens.find((t: { id: string }) => t.id === id)).toMatchObject({ path: 'breakGlass', reason: 'outage' });
      // Both webhooks hear breakglass.requested, the token's view saying its path.
      await hook.until(() => hook.accepted().filter((d) => d.event === 'breakglass.requested' && d.token.id === id).length === 2, 1500);
      expect(Date.now()).toBeLessThan(lockEnds);
      // sre2's e-mail (no digest wait) and chat say so, with a link to the token in the console.
      const bgMail = () => sink.received.find((m) => m.text.includes(id) && /break-glass/i.test(`${m.subject} ${m.text}`));
      const bgChat = () => chat.received.find((r) => r.body.includes(id) && /break-glass/i.test(r.body));
      const deadline0 = Date.now() + 1500;
      while ((!bgMail() || !bgChat()) && Date.now() < deadline0) await new Promise((r) => setTimeout(r, 50));
      expect(Date.now()).toBeLessThan(lockEnds);
      expect(bgMail()?.to).toEqual(['sre2@example.test']);
      expect(bgMail()?.text).toContain(`https://quorum.example.test/console/#/tokens/${id}`);
      expect(bgChat()?.body).toContain(`https://quorum.example.test/console/#/tokens/${id}`);
      const told = hook.accepted().filter((d) => d.event === 'breakglass.requested');
      expect(told.map((d) => (d.token as unknown as { path: string }).path)).toEqual(['breakGlass', 'breakGlass']);
      // The on-call officer approves; the worker's sweep writes APPROVED at the lock's end (actor system).
      expect((await h.approve(id, oncall)).body.token.status).toBe('PENDING');
      const deadline = Date.now() + 5000;
      const written = async () =>
        (await h.redis.lrange(h.store.keys.audit(), 0, -1))
          .map((e) => JSON.parse(e) as { type: string; actor: string; at: string; data: { id?: string } })
          .find((e) => e.type === 'token.breakglass.approved' && e.data.id === id);
      let entry = await written();
      while (!entry && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        entry = await written();
      }
      expect(entry).toMatchObject({ actor: 'system' });
      expect(Date.parse(entry?.at ?? '')).toBeGreaterThanOrEqual(lockEnds);
      expect(await h.redis.hget(h.store.keys.token(id), 'status')).toBe('APPROVED');
    } finally {
      queue.close();
    }
  });
});
