import {
  QuorumError,
  TOKEN_STATUSES,
  TRANSITIONS,
  canTransition,
  checkMValue,
  isTerminal,
  governingServices,
  requiredApprovals,
  resolveService,
} from '../src';

describe('quorum services and M values', () => {
  it('accept CloudHSM names and numbers', () => {
    for (const name of ['USER_MGMT', 'user', '3', 3]) expect(resolveService(name)).toBe('USER_MGMT');
    for (const name of ['QUORUM_MGMT', 'MISC_CO', 'quorum', '4', 4]) expect(resolveService(name)).toBe('QUORUM_MGMT');
    expect(() => resolveService('5')).toThrow(QuorumError);
  });

  it('keep M within 1..8', () => {
    expect(checkMValue(1)).toBe(1);
    expect(checkMValue(8)).toBe(8);
    for (const bad of [0, 9, 2.5, '3', -1, null]) {
      expect(() => checkMValue(bad)).toThrow(expect.objectContaining({ code: 'RET_M_VALUE_OUT_OF_RANGE' }));
    }
  });

  it('make a setMValue token need the larger of the two quorums', () => {
    const values = { USER_MGMT: 3, QUORUM_MGMT: 2 };
    const need = (service: 'USER_MGMT' | 'QUORUM_MGMT', operation: { command: string; args: Record<string, unknown> }, context = {}) =>
      requiredApprovals(governingServices(service, operation, context), values);
    expect(need('QUORUM_MGMT', { command: 'setMValue', args: { service: 'USER_MGMT', m: 1 } })).toBe(3);
    expect(need('QUORUM_MGMT', { command: 'setMValue', args: { service: 'QUORUM_MGMT', m: 1 } })).toBe(2);
    expect(need('USER_MGMT', { command: 'createUser', args: { type: 'CU' } })).toBe(3);
  });

  it('make whatever hands out approving power need every service’s M: a new CO, another CO’s password, anything forced', () => {
    const values = { USER_MGMT: 1, QUORUM_MGMT: 3 };
    const need = (service: 'USER_MGMT' | 'QUORUM_MGMT', operation: { command: string; args: Record<string, unknown> }, context = {}) =>
      requiredApprovals(governingServices(service, operation, context), values);
    expect(need('USER_MGMT', { command: 'createUser', args: { type: 'CU', name: 'a' } })).toBe(1);
    expect(need('USER_MGMT', { command: 'createUser', args: { type: 'CO', name: 'a' } })).toBe(3);
    expect(need('USER_MGMT', { command: 'changePswd', args: { id: 2 } }, { targetIsOfficer: false })).toBe(1);
    expect(need('USER_MGMT', { command: 'changePswd', args: { id: 2 } }, { targetIsOfficer: true })).toBe(3);
    expect(need('USER_MGMT', { command: 'deleteUser', args: { id: 2 } })).toBe(1);
    expect(need('USER_MGMT', { command: 'deleteUser', args: { id: 2, force: true } })).toBe(3);
    expect(need('QUORUM_MGMT', { command: 'setMValue', args: { service: 'QUORUM_MGMT', m: 8, force: true } })).toBe(3);
  });
});

describe('token lifecycle', () => {
  it('never leaves a terminal state', () => {
    for (const status of TOKEN_STATUSES) {
      expect(isTerminal(status)).toBe(['REJECTED', 'EXPIRED', 'CONSUMED', 'DELETED'].includes(status));
      if (isTerminal(status)) for (const to of TOKEN_STATUSES) expect(canTransition(status, to)).toBe(false);
    }
    expect(TRANSITIONS.PENDING).not.toContain('CONSUMED');
  });
});
