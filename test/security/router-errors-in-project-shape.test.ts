import { connect } from 'node:net';
import { Harness } from '../support/harness';

/** One raw HTTP exchange: what the server wrote before it closed. */
function exchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
    setTimeout(() => socket.destroy(), 3000);
  });
}

function parse(text: string): { status: number; headers: Record<string, string>; body: Record<string, unknown> } {
  const [head = '', body = ''] = text.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) as Record<string, unknown> };
}

describe("the HTTP layer's own refusals", () => {
  let h: Harness;
  let port: number;

  beforeAll(async () => {
    h = await Harness.start();
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    port = (h.app.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await h.close();
  });

  const get = (path: string) => exchange(port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`).then(parse);

  it('answers a URL that does not decode with 400 RET_BAD_REQUEST, a request id, and no echo of the URL', async () => {
    const res = await get('/v1/tokens/%zz-secret-looking-path');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'RET_BAD_REQUEST' });
    expect(typeof res.body.requestId).toBe('string');
    expect(res.headers['x-request-id']).toBe(res.body.requestId);
    expect(JSON.stringify(res.body)).not.toContain('secret-looking');
  });

  it('answers a parameter past its length with 414 RET_BAD_REQUEST and no echo of the URL', async () => {
    const res = await get(`/v1/tokens/${'a'.repeat(300)}`);
    expect(res.status).toBe(414);
    expect(res.body).toMatchObject({ code: 'RET_BAD_REQUEST' });
    expect(res.headers['x-request-id']).toBe(res.body.requestId);
    expect(JSON.stringify(res.body)).not.toContain('aaaaaaaaaa');
  });

  it('answers a request the HTTP parser refuses in the same shape', async () => {
    const res = parse(await exchange(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n'));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'RET_BAD_REQUEST' });
    expect(res.headers['x-request-id']).toBe(res.body.requestId);
  });

  it('names at most 64 characters of an unknown path, its controls escaped', async () => {
    const res = await h.request('GET', `/nowhere/${'b'.repeat(200)}%1b[2J?token=abc`);
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('RET_NOT_FOUND');
    expect(String(res.body.message).length).toBeLessThan(90);
    expect(String(res.body.message)).not.toContain('token=abc');
    expect(String(res.body.message)).not.toMatch(/\u001b/u);
  });

  it('answers an unsupported content type and a body too large with a RET_ code and a request id', async () => {
    const ct = await h.request('POST', '/v1/sessions', undefined, 'name=admin', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(ct.status).toBe(415);
    expect(ct.body).toMatchObject({ code: 'RET_BAD_REQUEST' });
    expect(ct.headers['x-request-id']).toBe(ct.body.requestId);
    const big = await h.request('POST', '/v1/sessions', undefined, `{"name":"${'x'.repeat(70_000)}"}`, { 'content-type': 'application/json' });
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ code: 'RET_BAD_REQUEST' });
  });
});
