import { Harness, type Officer } from '../support/harness';

/** A JSON body whose `value` string holds one raw byte (not a UTF-8 sequence). */
function bodyWithRawByte(before: string, byte: number, after: string): Buffer {
  return Buffer.concat([Buffer.from(before, 'utf8'), Buffer.from([byte]), Buffer.from(after, 'utf8')]);
}

describe('bodies that are not valid UTF-8', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;

  beforeAll(async () => {
    ({ h, admin, officers: [co1] } = await Harness.withOfficers(['utf_co1']));
  });
  afterAll(async () => {
    await h.close();
  });

  const json = { 'content-type': 'application/json' };

  it('refuses a token request holding a raw 0xFF byte with 400 RET_BAD_REQUEST, and stores nothing', async () => {
    const before = (await h.request('GET', '/v1/tokens', admin.token)).body.tokens.length;
    const body = bodyWithRawByte('{"service":"USER_MGMT","operation":{"command":"payOut","args":{"to":"', 0xff, '"}}}');
    const res = await h.request('POST', '/v1/tokens', admin.token, body, json);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'RET_BAD_REQUEST', message: 'The body is not valid UTF-8' });
    expect((await h.request('GET', '/v1/tokens', admin.token)).body.tokens.length).toBe(before);
  });

  it('never lets an operation with one invalid byte match another with a different invalid byte', async () => {
    // Issued with valid text, the token's operation is exact; consuming it with any raw byte is refused
    // before the operation is compared (both 0xFE and 0xFF used to read as U+FFFD).
    const operation = { command: 'payOut', args: { to: '\ufffd' } };
    const id = await h.approvedToken(admin, 'USER_MGMT', operation, [co1]);
    for (const byte of [0xfe, 0xff, 0xc3]) {
      const res = await h.request('POST', `/v1/tokens/${id}/consume`, admin.token, bodyWithRawByte('{"operation":{"command":"payOut","args":{"to":"', byte, '"}}}'), json);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('RET_BAD_REQUEST');
    }
    expect((await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token.status).toBe('APPROVED');
  });

  it('refuses an overlong encoding and a lone surrogate encoded as bytes', async () => {
    for (const bytes of [[0xc0, 0xaf], [0xed, 0xa0, 0x80]]) {
      const body = Buffer.concat([Buffer.from('{"name":"admin","password":"'), Buffer.from(bytes), Buffer.from('"}')]);
      const res = await h.request('POST', '/v1/sessions', undefined, body, json);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('RET_BAD_REQUEST');
    }
  });

  it('refuses a text/plain body that is not UTF-8, on a route that reads no body too', async () => {
    const issued = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'payOut', args: { to: 'text' } } });
    const id = issued.body.token.id as string;
    const text = { 'content-type': 'text/plain' };
    for (const [method, url] of [['DELETE', `/v1/tokens/${id}`], ['POST', `/v1/tokens/${id}/rejections`], ['POST', '/v1/sessions']]) {
      const res = await h.request(method as string, url as string, method === 'POST' && url === '/v1/sessions' ? undefined : admin.token, bodyWithRawByte('"', 0xff, '"'), text);
      expect({ status: res.status, code: res.body.code, message: res.body.message }).toEqual({ status: 400, code: 'RET_BAD_REQUEST', message: 'The body is not valid UTF-8' });
    }
    expect((await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token.status).toBe('PENDING');
  });

  it('still accepts valid UTF-8 beyond ASCII', async () => {
    const res = await h.request('POST', '/v1/tokens', admin.token, Buffer.from(JSON.stringify({ service: 'USER_MGMT', operation: { command: 'payOut', args: { to: 'Zoë 日本' } } }), 'utf8'), json);
    expect(res.status).toBe(201);
    expect(res.body.token.operation.args.to).toBe('Zoë 日本');
  });
});
