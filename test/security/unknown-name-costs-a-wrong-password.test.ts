import type { Command } from 'ioredis';
import { Harness, type Officer } from '../support/harness';

/**
 * The answer to a login of an unknown name is byte for byte that of a wrong password; its time
 * must not tell them apart either. Beside the same password hashing, an unknown name makes the
 * same Redis round trips as a wrong password of a known name (the user read, the finish), so
 * that no round trip fewer gives it away (about 2 ms here, some 20 samples' worth).
 */
describe('a login of an unknown name does the work of a wrong password', () => {
  let h: Harness;
  let co1: Officer;

  beforeAll(async () => {
    ({ h, officers: [co1] } = await Harness.withOfficers(['cost_co1']));
  });
  afterAll(() => h.close());

  /** The commands the API sends Redis for one failed login (script names for EVALSHA). */
  async function commandsOf(name: string, address: string): Promise<string[]> {
    const sent: string[] = [];
    const original = h.redis.sendCommand.bind(h.redis);
    const spy = jest.spyOn(h.redis, 'sendCommand').mockImplementation((command: Command, ...rest: unknown[]) => {
      sent.push(command.name);
      return (original as (c: Command, ...r: unknown[]) => unknown)(command, ...rest) as ReturnType<typeof original>;
    });
    try {
      const res = await h.app.inject({ method: 'POST', url: '/v1/sessions', remoteAddress: address, payload: { name, password: 'wrong-password' } });
      expect(res.statusCode).toBe(401);
    } finally {
      spy.mockRestore();
    }
    return sent;
  }

  it('sends Redis the same commands for an unknown name as for a wrong password', async () => {
    const known = await commandsOf(co1.name, '198.51.100.61');
    const unknown = await commandsOf('no_such_officer', '198.51.100.62');
    expect(known.length).toBeGreaterThanOrEqual(3);
    expect(unknown).toEqual(known);
  });
});
