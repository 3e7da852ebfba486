import { NOTIFICATION_ROUTES, renderChat, renderEmail, type NotificationItem } from '../src';

const token: NotificationItem['token'] = {
  id: '11111111-2222-4333-8444-555555555555',
  service: 'USER_MGMT',
  operation: { command: 'deleteUser', args: { id: 7 } },
  status: 'PENDING',
  expiresAt: new Date(Date.parse('2030-01-01T00:05:00Z')).toISOString(),
  rejections: [],
  requester: { kind: 'user', id: 1, name: 'admin' },
  reason: '<script>alert(1)</script> \u202eevil',
};
const ctx = { publicUrl: 'https://q.example.org/', now: Date.parse('2030-01-01T00:00:00Z') };

describe('notification messages', () => {
  it('say the operation in words, the reason (escaped), the time left and link the console, never an approve endpoint', () => {
    const mail = renderEmail([{ event: 'approval.requested', token }], ctx);
    expect(mail.subject).toBe('[quorumd] Approval requested: Delete user 7');
    expect(mail.text).toContain('Time left: 5 min 00 s left');
    expect(mail.text).toContain('https://q.example.org/console/#/tokens/11111111-2222-4333-8444-555555555555');
    expect(mail.text).toContain('\\u202eevil');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;script&gt;');
    const chat = renderChat([{ event: 'approval.requested', token }], ctx);
    expect(JSON.stringify(chat)).not.toMatch(/approvals|<script>/);
    expect(chat.blocks.at(-1)).toMatchObject({ type: 'actions', elements: [{ type: 'button', url: 'https://q.example.org/console/#/tokens/11111111-2222-4333-8444-555555555555' }] });
  });

  it('lists every token of a digest in one message', () => {
    const other = { ...token, id: '11111111-2222-4333-8444-666666666666', operation: { command: 'deleteUser', args: { id: 8 } } };
    const mail = renderEmail([{ event: 'approval.requested', token }, { event: 'approval.reminder', token: other }], ctx);
    expect(mail.subject).toBe('[quorumd] 2 tokens need your attention');
    expect(mail.text).toContain('Delete user 7');
    expect(mail.text).toContain('Delete user 8');
    expect(renderChat([{ event: 'approval.requested', token }, { event: 'approval.reminder', token: other }], ctx).blocks.filter((b) => b.type === 'actions')).toHaveLength(2);
  });

  it('sends break-glass at once, to every officer of the service’s rules', () => {
    expect(NOTIFICATION_ROUTES['breakglass.requested']).toEqual({ recipients: 'ruleOfficers', urgent: true, whileOpen: false });
    expect(NOTIFICATION_ROUTES['breakglass.unreviewed']).toEqual({ recipients: 'ruleOfficers', urgent: true, whileOpen: false });
  });
});
