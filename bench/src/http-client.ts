/** A small JSON client for setting up the benchmark through the real API. */
export class Client {
  constructor(readonly url: string) {}

  async call<T = Record<string, unknown>>(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(this.url + path, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, body: (type.includes('json') ? await res.json() : await res.text()) as T };
  }

  async ok<T = Record<string, unknown>>(method: string, path: string, token?: string, body?: unknown): Promise<T> {
    const res = await this.call<T>(method, path, token, body);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async bytes(path: string, token: string): Promise<Buffer> {
    const res = await fetch(this.url + path, { headers: { authorization: `Bearer ${token}` } });
    return Buffer.from(await res.arrayBuffer());
  }
}
