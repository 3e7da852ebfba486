import { NotificationDigest, NotificationFanOut } from '@quorumd/queue';
import { Harness, type Officer } from '../support/harness';
import { Receiver } from '../support/receiver';
import { SmtpSink } from '../support/smtp-sink';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A burst of tokens to one officer goes out as one e-mail; chat (no window) and break-glass are never held. */
describe('notification digests', () => {
  let h: Harness;
  let sink: SmtpSink;
  let chat: Receiver;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    chat = await Receiver.start();
    h = await Harness.start({ env: { QUORUM_SMTP_URL: sink.url, QUORUM_EMAIL_DIGEST_MS: '1500', QUORUM_DELIVERY_ATTEMPTS: '3', QUORUM_DELIVERY_BACKOFF_MS: '50' }, worker: true });
    admin = await h.adminOfficer();
    co1 = await h.addOfficer('co1');
    co2 = await h.addOfficer('co2');
    expect((await h.request('PUT', `/v1/users/${co1.id}/notifications`, co1.token, { email: 'co1@example.test', chat: { url: chat.url } })).status).toBe(200);
    // co2 hears of nothing but its own requests' outcomes.
    expect((await h.request('PUT', `/v1/users/${co2.id}/notifications`, co2.token, { email: 'co2@example.test', events: ['token.approved'] })).status).toBe(200);
  });
  afterAll(async () => {
    await h.close();
    await chat.close();
    await sink.stop();
  });

  it('sends a burst within the window as one e-mail listing the tokens still open, and each chat message at once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await h.issue(admin.token, { command: 'deleteUser', args: { id: 900 + i } }));
    // One more, approved before the window closes: it is left out of the message.
    const approved = await h.issue(admin.token, { command: 'deleteUser', args: { id: 903 } });
    await chat.until((r) => ids.every((id) => r.some((x) => x.body.includes(id))));
    expect((await h.approve(approved, co2)).body.token.status).toBe('APPROVED');
    await sink.until((mail) => mail.some((m) => m.to.includes('co1@example.test')), 10_000);
    await sleep(2000);
    const toCo1 = sink.received.filter((m) => m.to.includes('co1@example.test'));
    expect(toCo1).toHaveLength(1);
    expect(toCo1[0]!.subject).toBe('[quorumd] 3 tokens need your attention');
    for (const [i, id] of ids.entries()) {
      expect(toCo1[0]!.text).toContain(`Delete user ${900 + i}`);
      expect(toCo1[0]!.text).toContain(`/console/#/tokens/${id}`);
    }
    expect(toCo1[0]!.text).not.toContain(approved);
    // The settings page says why the fourth was not sent.
    const log = (await h.request('GET', `/v1/users/${co1.id}/notifications`, co1.token)).body.deliveries as { tokenId: string; outcome: string; channel: string }[];
    expect(log.filter((d) => d.channel === 'email' && d.tokenId === approved).map((d) => d.outcome)).toEqual(['dropped']);
    expect(log.filter((d) => d.channel === 'email' && d.outcome === 'sent').map((d) => d.tokenId).sort()).toEqual([...ids].sort());
    expect(sink.received.filter((m) => m.to.includes('co2@example.test'))).toHaveLength(0);
  });

  it('a delivery that joins its digest again (a re-read outbox entry) is in its batch once, and a closed batch takes no more', async () => {
    const item = { deliveryId: 'approval.requested-x-email99', event: 'approval.requested', tokenId: 'x' };
    const first = await h.store.notifications.joinDigest(99, 'email', item, 5000, 'b1');
    expect(first).toEqual({ batch: 'b1', opened: true });
    expect(await h.store.notifications.joinDigest(99, 'email', item, 5000, 'b2')).toEqual({ batch: 'b1', opened: false });
    const second = { ...item, deliveryId: 'approval.requested-y-email99', tokenId: 'y' };
    expect(await h.store.notifications.joinDigest(99, 'email', second, 5000, 'b3')).toEqual({ batch: 'b1', opened: false });
    expect((await h.store.notifications.takeDigest(99, 'email', 'b1')).map((i) => i.tokenId)).toEqual(['x', 'y']);
    // Taken (closed): the next delivery opens a new batch; the taken one keeps its items until sent.
    const third = { ...item, deliveryId: 'approval.requested-z-email99', tokenId: 'z' };
    expect(await h.store.notifications.joinDigest(99, 'email', third, 5000, 'b4')).toEqual({ batch: 'b4', opened: true });
    expect((await h.store.notifications.takeDigest(99, 'email', 'b1')).map((i) => i.tokenId)).toEqual(['x', 'y']);
    await h.store.notifications.dropDigest(99, 'email', 'b1');
    expect(await h.store.notifications.takeDigest(99, 'email', 'b1')).toEqual([]);
  });

  it('sends break-glass at once to every officer of the service’s rules, whatever events they chose', async () => {
    const id = await h.issue(admin.token, { command: 'deleteUser', args: { id: 950 } });
    const token = (await h.store.tokens.get(id, true))!;
    const fanOut = new NotificationFanOut(h.store, { requesterMayApprove: true, mailEnabled: true });
    const jobs = await fanOut.jobsForToken('breakglass.requested', token);
    expect(jobs.map((j) => j.deliveryId).sort()).toEqual([`breakglass.requested-${id}-chat${co1.id}`, `breakglass.requested-${id}-email${co1.id}`, `breakglass.requested-${id}-email${co2.id}`].sort());
    // A minute's window would hold anything else: break-glass goes now (well within the wait below).
    await new NotificationDigest(h.store, h.worker!.queues, { email: 60_000, chat: 60_000 }).deliver(jobs);
    await sink.until((mail) => ['co1@example.test', 'co2@example.test'].every((to) => mail.some((m) => m.to.includes(to) && m.subject.includes('BREAK-GLASS') && m.text.includes(id))), 10_000);
  });
});
