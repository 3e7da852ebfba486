import { QuorumError, canonicalPolicy, parsePolicy } from '../src';

function refusal(input: unknown): string {
  try {
    parsePolicy(input);
  } catch (err) {
    expect(err).toBeInstanceOf(QuorumError);
    return (err as QuorumError).message;
  }
  throw new Error('accepted');
}

describe('a policy’s reminders and escalation', () => {
  const rules = [{ group: 'officers', m: 2 }];

  it('keeps reminders and escalation in the canonical form', () => {
    const policy = parsePolicy({ rules, reminders: [0.25, 0.75], escalation: { afterSeconds: 300, group: 'sre-leads' } });
    expect(policy).toEqual({ rules, reminders: [0.25, 0.75], escalation: { afterSeconds: 300, group: 'sre-leads' } });
    expect(canonicalPolicy(policy)).toBe('{"escalation":{"afterSeconds":300,"group":"sre-leads"},"reminders":[0.25,0.75],"rules":[{"group":"officers","m":2}]}');
    expect(parsePolicy({ rules, reminders: [] }).reminders).toEqual([]);
  });

  it('refuses reminders that are no fractions of the token’s time, out of order or too many', () => {
    expect(refusal({ rules, reminders: [1] })).toMatch(/above 0 and below 1/);
    expect(refusal({ rules, reminders: [0] })).toMatch(/above 0 and below 1/);
    expect(refusal({ rules, reminders: [0.9, 0.5] })).toMatch(/ascending/);
    expect(refusal({ rules, reminders: [0.5, 0.5] })).toMatch(/ascending/);
    expect(refusal({ rules, reminders: [0.333] })).toMatch(/whole per cent/);
    expect(refusal({ rules, reminders: [0.1, 0.2, 0.3, 0.4, 0.5] })).toMatch(/at most 4/);
    expect(refusal({ rules, reminders: '0.5' })).toMatch(/list/);
  });

  it('refuses an escalation without a whole number of seconds or a group name', () => {
    expect(refusal({ rules, escalation: { afterSeconds: 0, group: 'leads' } })).toMatch(/afterSeconds/);
    expect(refusal({ rules, escalation: { afterSeconds: 1.5, group: 'leads' } })).toMatch(/afterSeconds/);
    expect(refusal({ rules, escalation: { afterSeconds: 10, group: 'Leads!' } })).toMatch(/group/);
    expect(refusal({ rules, escalation: { afterSeconds: 10, group: 'leads', extra: 1 } })).toMatch(/escalation must be/);
  });
});
