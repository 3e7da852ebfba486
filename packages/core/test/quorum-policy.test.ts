import { QuorumError, builtinPolicy, canonicalPolicy, parsePolicy } from '../src';

const refusal = (input: unknown): string => {
  try {
    parsePolicy(input);
  } catch (err) {
    expect(err).toBeInstanceOf(QuorumError);
    expect((err as QuorumError).code).toBe('RET_BAD_REQUEST');
    return (err as Error).message;
  }
  throw new Error('accepted');
};

describe('quorum policies', () => {
  it('reads a full policy and writes it canonically', () => {
    const policy = parsePolicy({
      requireReason: true,
      rules: [{ m: 2, group: 'sre' }, { group: 'security', m: 1 }],
      requesterMayApprove: false,
      vetoGroups: ['security'],
      commands: ['deploy', 'rollback'],
      tokenTtlSeconds: 600,
      approvedTimeoutSeconds: 600,
    });
    expect(canonicalPolicy(policy)).toBe(
      '{"approvedTimeoutSeconds":600,"commands":["deploy","rollback"],"requesterMayApprove":false,"requireReason":true,"rules":[{"group":"sre","m":2},{"group":"security","m":1}],"tokenTtlSeconds":600,"vetoGroups":["security"]}',
    );
    expect(canonicalPolicy(builtinPolicy(3))).toBe('{"rules":[{"group":"officers","m":3}]}');
  });

  it.each([
    [{}, /rules must be a list of 1 to 8 rules/],
    [{ rules: [] }, /rules must be a list of 1 to 8 rules/],
    [{ rules: Array.from({ length: 9 }, () => ({ group: 'a', m: 1 })) }, /rules must be a list of 1 to 8/],
    [{ rules: [{ group: 'sre', m: 9 }] }, /rules\[0\]\.m must be a whole number from 1 to 8/],
    [{ rules: [{ group: 'sre', m: 1.5 }] }, /rules\[0\]\.m must be a whole number/],
    [{ rules: [{ group: 'SRE', m: 1 }] }, /rules\[0\]\.group is not a group name/],
    [{ rules: [{ group: 'sre', m: 1, extra: 1 }] }, /rules\[0\] must be \{"group", "m"\}/],
    [{ rules: [{ group: 'sre', m: 1 }], approvers: 1 }, /unknown field "approvers"/],
    [{ rules: [{ group: 'sre', m: 1 }], vetoGroups: ['sre', 'sre'] }, /vetoGroups names one twice/],
    [{ rules: [{ group: 'sre', m: 1 }], requesterMayApprove: 'no' }, /requesterMayApprove must be true or false/],
    [{ rules: [{ group: 'sre', m: 1 }], tokenTtlSeconds: 0 }, /tokenTtlSeconds must be a whole number from 1 to 86400/],
    [[], /must be an object/],
  ])('refuses %j with a clear RET_BAD_REQUEST', (input, message) => {
    expect(refusal(input)).toMatch(message);
  });
});
