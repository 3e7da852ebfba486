import { Harness, type Officer } from '../support/harness';
import { SmtpSink, type ReceivedMail } from '../support/smtp-sink';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reminders at fractions of a token's time, escalation to a group, and the outcome to the requester, with tokens of a few seconds. */
describe('reminders, escalation and the requester told', () => {
  let h: Harness;
  let sink: SmtpSink;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  let lead: Officer;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    h = await Harness.start({ env: { QUORUM_SMTP_URL: sink.url, QUORUM_EMAIL_DIGEST_MS: '0', QUORUM_DELIVERY_ATTEMPTS: '3', QUORUM_DELIVERY_BACKOFF_MS: '50' }, worker: true });
    admin = await h.adminOfficer();
    co1 = await h.addOfficer('co1');
    co2 = await h.addOfficer('co2');
    lead = await h.addOfficer('lead');
    for (const o of [co1, co2]) expect((await h.request('PUT', `/v1/users/${o.id}/notifications`, o.token, { email: `${o.name}@example.test` })).status).toBe(200);
    // The lead hears only of escalations.
    expect((await h.request('PUT', `/v1/users/${lead.id}/notifications`, lead.token, { email: 'lead@example.test', events: ['approval.escalated'] })).status).toBe(200);
    // The requester hears only of outcomes.
    expect((await h.request('PUT', `/v1/users/${admin.id}/notifications`, admin.token, { email: 'admin@example.test', events: ['token.approved', 'token.rejected', 'token.expired'] })).status).toBe(200);
    expect((await h.request('PUT', '/v1/groups/leads', admin.token, { members: [lead.id] })).status).toBe(200);
  });
  afterAll(async () => {
    await h.close();
    await sink.stop();
  });

  const of = (id: string, filter: (m: ReceivedMail) => boolean = () => true) => sink.received.filter((m) => m.text.includes(id) && filter(m));
  const deliveryIds = (id: string) => of(id).map((m) => m.headers['x-quorum-delivery']);

  it('reminds the officers who have not decided at 50% and 90% of the token’s time; the requester hears it expired, once', async () => {
    const issuedAt = Date.now();
    const id = await h.issue(admin.token, { command: 'deleteUser', args: { id: 800 } }, { ttlSeconds: 4 });
    // co2 decides (no), the token stays open: co2 is not reminded.
    expect((await h.request('POST', `/v1/tokens/${id}/rejections`, co2.token, { reason: 'no' })).status).toBe(200);
    await sink.until(() => deliveryIds(id).includes(`approval.reminder-${id}-email${co1.id}-s90`) && deliveryIds(id).includes(`token.expired-${id}-email${admin.id}`), 15_000);
    await sleep(800);
    const reminders = of(id, (m) => m.subject.startsWith('[quorumd] Reminder'));
    expect(reminders.map((m) => m.headers['x-quorum-delivery']).sort()).toEqual([`approval.reminder-${id}-email${co1.id}-s50`, `approval.reminder-${id}-email${co1.id}-s90`]);
    expect(reminders.every((m) => m.to.join() === 'co1@example.test')).toBe(true);
    // Not before its time: 50% and 90% of 4 s after the issue.
    const at = (step: string) => reminders.find((m) => m.headers['x-quorum-delivery']!.endsWith(step))!.receivedAt - issuedAt;
    expect(at('-s50')).toBeGreaterThanOrEqual(1900);
    expect(at('-s90')).toBeGreaterThanOrEqual(3500);
    expect(of(id, (m) => m.to.includes('admin@example.test')).map((m) => m.subject)).toEqual(['[quorumd] Your request expired: Delete user 800']);
    expect(of(id, (m) => m.to.includes('lead@example.test'))).toHaveLength(0);
  });

  it('sends no reminder once the token was approved, and tells the requester once', async () => {
    const id = await h.issue(admin.token, { command: 'deleteUser', args: { id: 801 } }, { ttlSeconds: 3 });
    expect((await h.approve(id, co1)).body.token.status).toBe('APPROVED');
    await sleep(3500);
    expect(of(id, (m) => m.subject.startsWith('[quorumd] Reminder'))).toHaveLength(0);
    expect(deliveryIds(id).filter((d) => d!.startsWith('token.approved'))).toEqual([`token.approved-${id}-email${admin.id}`]);
  });

  it('escalates to the policy’s group a token still short of its rules after escalation.afterSeconds, and not one approved by then', async () => {
    const policy = { rules: [{ group: 'officers', m: 2 }], reminders: [], escalation: { afterSeconds: 2, group: 'leads' }, tokenTtlSeconds: 60 };
    const set = await h.request('PUT', '/v1/quorum/services/ESCALATE_ME', admin.token, { policy });
    expect(set.status).toBe(201);
    expect(set.body.service.policy).toMatchObject({ reminders: [], escalation: { afterSeconds: 2, group: 'leads' } });
    const short = await h.issue(admin.token, { command: 'deploy', args: { v: 1 } }, { service: 'ESCALATE_ME' });
    const done = await h.issue(admin.token, { command: 'deploy', args: { v: 2 } }, { service: 'ESCALATE_ME' });
    expect((await h.approve(short, co1)).status).toBe(200);
    for (const o of [co1, co2]) expect((await h.approve(done, o)).status).toBe(200);
    await sink.until(() => of(short, (m) => m.to.includes('lead@example.test')).length >= 1, 10_000);
    const escalated = of(short, (m) => m.to.includes('lead@example.test'));
    expect(escalated).toHaveLength(1);
    expect(escalated[0]!.subject).toBe('[quorumd] Escalated: approval still needed: Run “deploy” (under ESCALATE_ME) with {"v":1}');
    expect(escalated[0]!.headers['x-quorum-delivery']).toBe(`approval.escalated-${short}-email${lead.id}`);
    // co1 approved `short` already, co2 chose e-mail for every event but is not in the group.
    expect(of(short, (m) => m.subject.startsWith('[quorumd] Escalated') && !m.to.includes('lead@example.test'))).toHaveLength(0);
    await sleep(1000);
    expect(of(done, (m) => m.subject.startsWith('[quorumd] Escalated'))).toHaveLength(0);
    expect(deliveryIds(done).filter((d) => d!.startsWith('token.approved'))).toEqual([`token.approved-${done}-email${admin.id}`]);
  });
});
