import { Harness, type Officer } from '../support/harness';
import { Receiver } from '../support/receiver';
import { SmtpSink } from '../support/smtp-sink';

const PUBLIC_URL = 'https://quorum.example.test';

interface ChatPayload {
  text: string;
  blocks: { type: string; text?: { type: string; text: string }; elements?: { type: string; url?: string; text?: unknown }[] }[];
}

/** E-mail through a real SMTP server process on loopback, chat through a real HTTP receiver: what officers and requesters read. */
describe('e-mail and chat notifications', () => {
  let h: Harness;
  let sink: SmtpSink;
  let chat: Receiver;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    chat = await Receiver.start();
    const env = {
      QUORUM_SMTP_URL: sink.url,
      QUORUM_MAIL_FROM: 'quorumd@example.test',
      QUORUM_PUBLIC_URL: PUBLIC_URL,
      QUORUM_EMAIL_DIGEST_MS: '0',
      QUORUM_DELIVERY_ATTEMPTS: '3',
      QUORUM_DELIVERY_BACKOFF_MS: '50',
      QUORUM_DELIVERY_TIMEOUT_MS: '2000',
    };
    h = await Harness.start({ env, worker: true });
    admin = await h.adminOfficer();
    co1 = await h.addOfficer('co1');
    co2 = await h.addOfficer('co2');
  });
  afterAll(async () => {
    await h.close();
    await chat.close();
    await sink.stop();
  });

  const mailsFor = (id: string) => sink.received.filter((m) => m.text.includes(id));
  const chatsFor = (id: string) => chat.received.filter((r) => r.body.includes(id)).map((r) => JSON.parse(r.body) as ChatPayload);

  it('an officer sets its own channels and reads them back; the change is audited', async () => {
    const put = await h.request('PUT', `/v1/users/${co1.id}/notifications`, co1.token, { email: 'co1@example.test', chat: { url: chat.url, format: 'slack' } });
    expect(put.status).toBe(200);
    expect(put.body.notifications).toEqual({ email: 'co1@example.test', chat: { url: chat.url, format: 'slack' } });
    const got = await h.request('GET', `/v1/users/${co1.id}/notifications`, co1.token);
    expect(got.body).toMatchObject({ notifications: { email: 'co1@example.test', chat: { url: chat.url, format: 'slack' } }, deliveries: [] });
    const audit = JSON.stringify((await h.request('GET', '/v1/audit?from=1', admin.token)).body);
    expect(audit).toContain('notifications.set');
    // The incoming webhook's path is its secret: the audit names only its origin, another user sees only that.
    expect(audit).not.toContain(chat.url);
    expect(audit).toContain(new URL(chat.url).origin);
    expect((await h.request('GET', `/v1/users/${co1.id}/notifications`, admin.token)).body.notifications.chat).toEqual({ url: `${new URL(chat.url).origin}/…`, format: 'slack' });
  });

  it('a CO sets another user’s channels; a user who is not a CO may not', async () => {
    expect((await h.request('PUT', `/v1/users/${co2.id}/notifications`, admin.token, { email: 'co2@example.test' })).status).toBe(200);
    const cu = await h.request('POST', '/v1/users', admin.token, { type: 'CU', name: 'cunotify', password: 'cunotify-password' });
    expect(cu.body).toMatchObject({ user: { type: 'CU' } });
    const cuToken = await h.login('cunotify', 'cunotify-password');
    const refused = await h.request('PUT', `/v1/users/${co2.id}/notifications`, cuToken, { email: 'evil@example.test' });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('RET_FORBIDDEN');
    expect((await h.request('PUT', `/v1/users/${cu.body.user.id}/notifications`, cuToken, { email: 'cu@example.test' })).status).toBe(200);
    expect((await h.request('GET', `/v1/users/${co2.id}/notifications`, admin.token)).body.notifications).toEqual({ email: 'co2@example.test' });
  });

  it('refuses a chat URL at a private address, a bad e-mail address and an unknown event (400 with a code)', async () => {
    const privateUrl = await h.request('PUT', `/v1/users/${co2.id}/notifications`, co2.token, { chat: { url: 'http://10.1.2.3/hook' } });
    expect(privateUrl.status).toBe(400);
    expect(privateUrl.body.code).toBe('RET_BAD_REQUEST');
    const badMail = await h.request('PUT', `/v1/users/${co2.id}/notifications`, co2.token, { email: 'a@b.example\r\nBcc: x@y.example' });
    expect(badMail.status).toBe(400);
    const badEvent = await h.request('PUT', `/v1/users/${co2.id}/notifications`, co2.token, { email: 'co2@example.test', events: ['token.deleted'] });
    expect(badEvent.status).toBe(400);
    expect((await h.request('PUT', '/v1/users/999/notifications', admin.token, { email: 'x@example.test' })).body.code).toBe('RET_USER_NOT_FOUND');
  });

  it('officers asked to approve get an e-mail with the operation in words, the reason, the time left and the console link', async () => {
    const id = await h.issue(admin.token, { command: 'deleteUser', args: { id: 500 } }, { reason: 'offboarding bob', ticket: 'OPS-42' });
    await sink.until(() => mailsFor(id).length >= 2);
    const toCo1 = mailsFor(id).find((m) => m.to.includes('co1@example.test'))!;
    expect(toCo1.from).toBe('quorumd@example.test');
    expect(toCo1.subject).toBe('[quorumd] Approval requested: Delete user 500');
    expect(toCo1.text).toContain('Delete user 500');
    expect(toCo1.text).toContain('Reason: offboarding bob');
    expect(toCo1.text).toContain('Ticket: OPS-42');
    expect(toCo1.text).toMatch(/Time left: \d+ min \d\d s left/);
    expect(toCo1.text).toContain(`${PUBLIC_URL}/console/#/tokens/${id}`);
    expect(toCo1.html).toContain(`href="${PUBLIC_URL}/console/#/tokens/${id}"`);
    expect(toCo1.headers['x-quorum-delivery']).toBe(`approval.requested-${id}-email${co1.id}`);
    expect(mailsFor(id).find((m) => m.to.includes('co2@example.test'))).toBeDefined();
    // Only the officers with channels: one e-mail each.
    await new Promise((r) => setTimeout(r, 500));
    expect(mailsFor(id).map((m) => m.to.join()).sort()).toEqual(['co1@example.test', 'co2@example.test']);
  });

  it('the chat payload is valid Block Kit with a url button to the console, and no message carries an approve endpoint', async () => {
    const id = await h.issue(admin.token, { command: 'deleteUser', args: { id: 501 } }, { reason: 'rotate <b>keys</b> & more' });
    await chat.until(() => chatsFor(id).length >= 1);
    const payload = chatsFor(id)[0]!;
    expect(typeof payload.text).toBe('string');
    expect(payload.text).toContain('Delete user 501');
    expect(Array.isArray(payload.blocks)).toBe(true);
    expect(payload.blocks.map((b) => b.type)).toEqual(['section', 'context', 'actions']);
    const section = payload.blocks[0]!;
    expect(section.text).toMatchObject({ type: 'mrkdwn' });
    const context = payload.blocks[1]!;
    expect(context.elements![0]).toMatchObject({ type: 'mrkdwn' });
    // Slack's mrkdwn escapes: a requester's text cannot make a link or a mention.
    expect(context.elements![0]!).toMatchObject({ text: expect.stringContaining('rotate &lt;b&gt;keys&lt;/b&gt; &amp; more') });
    const button = payload.blocks[2]!.elements![0]!;
    expect(button).toMatchObject({ type: 'button', url: `${PUBLIC_URL}/console/#/tokens/${id}`, text: { type: 'plain_text' } });
    // No signature header: a chat webhook is not a quorumd webhook.
    expect(chat.received.find((r) => r.body.includes(id))!.headers['x-quorum-signature']).toBeUndefined();
    for (const body of [...chat.received.map((r) => r.body), ...sink.received.map((m) => m.text + m.html)]) {
      expect(body).not.toMatch(/\/v1\/tokens\/[^\s"]*\/approvals/);
      expect(body).not.toMatch(/"action_id":"approve/);
    }
  });

  it('the requester hears how its token ended, once, with a rejection’s reason', async () => {
    expect((await h.request('PUT', `/v1/users/${admin.id}/notifications`, admin.token, { email: 'admin@example.test', events: ['token.approved', 'token.rejected', 'token.expired'] })).status).toBe(200);
    const approved = await h.issue(admin.token, { command: 'deleteUser', args: { id: 502 } });
    expect((await h.approve(approved, co1)).body.token.status).toBe('APPROVED');
    const rejected = await h.issue(admin.token, { command: 'deleteUser', args: { id: 503 } });
    // Rejected once the officers who could still approve are too few: all three say no.
    for (const o of [co2, co1, admin]) expect((await h.request('POST', `/v1/tokens/${rejected}/rejections`, o.token, { reason: 'not during the freeze' })).status).toBe(200);
    const toAdmin = (id: string) => mailsFor(id).filter((m) => m.to.includes('admin@example.test'));
    await sink.until(() => toAdmin(approved).length >= 1 && toAdmin(rejected).length >= 1);
    await new Promise((r) => setTimeout(r, 800));
    expect(toAdmin(approved).map((m) => m.subject)).toEqual(['[quorumd] Your request was approved: Delete user 502']);
    expect(toAdmin(rejected)).toHaveLength(1);
    expect(toAdmin(rejected)[0]!.subject).toBe('[quorumd] Your request was rejected: Delete user 503');
    expect(toAdmin(rejected)[0]!.text).toContain('Rejected: not during the freeze');
    // admin chose the outcome events only: it was not asked to approve its own tokens by e-mail.
    expect(sink.received.filter((m) => m.to.includes('admin@example.test') && m.subject.includes('Approval requested'))).toHaveLength(0);
  });

  it('the settings page’s list shows the last deliveries', async () => {
    const got = await h.request('GET', `/v1/users/${co1.id}/notifications`, co1.token);
    const outcomes = (got.body.deliveries as { outcome: string; channel: string; event: string }[]).map((d) => `${d.channel} ${d.event} ${d.outcome}`);
    expect(outcomes).toEqual(expect.arrayContaining(['email approval.requested sent', 'chat approval.requested sent']));
  });
});
