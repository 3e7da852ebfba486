import { Harness, type Officer } from '../support/harness';

/**
 * Numbers in an operation are signed exactly as sent: one that JSON would round is refused.
 */

describe('numbers are signed exactly as sent, or refused', () => {
  let h: Harness;
  let co1: Officer;
  beforeAll(async () => {
    ({ h, officers: [co1] } = await Harness.withOfficers(['co1']));
  });
  afterAll(() => h.close());

  it.each([
    ['1.000…0001 (becomes 1)', `1.${'0'.repeat(400)}1`],
    ['0.000…0001 (underflows to 0)', `0.${'0'.repeat(401)}1`],
    ['0.1000…0001 (becomes 0.1)', `0.1${'0'.repeat(400)}1`],
  ])('%s is refused, not signed as another value', async (_label, number) => {
    const before = await h.snapshot();
    const body = `{"service":"USER_MGMT","operation":{"command":"payOut","args":{"amount":${number}}}}`;
    const res = await h.request('POST', '/v1/tokens', co1.token, body, { 'content-type': 'application/json' });
    expect({ status: res.status, code: res.body.code, signed: res.body.token?.operation?.args?.amount }).toEqual({
      status: 400,
      code: 'RET_BAD_REQUEST',
      signed: undefined,
    });
    expect(await h.snapshot()).toEqual(before);
  });
});
