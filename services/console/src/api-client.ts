/**
 * The console's HTTP client: same origin, JSON, `Authorization: Bearer <session>`. Every
 * refusal becomes an ApiError carrying the API's RET_ code and message.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export class ApiClient {
  constructor(
    private readonly credential: () => string | undefined,
    /** Called on 401 for a request that carried a session (it ended or expired). */
    private readonly onUnauthorized: () => void,
  ) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    const token = this.credential();
    return { ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra };
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.send(method, path, body);
    return (await res.json()) as T;
  }

  async bytes(path: string): Promise<Uint8Array> {
    const res = await this.send('GET', path);
    return new Uint8Array(await res.arrayBuffer());
  }

  async text(path: string): Promise<string> {
    return (await this.send('GET', path)).text();
  }

  private async send(method: string, path: string, body?: unknown): Promise<Response> {
    const credential = this.credential();
    let res: Response;
    try {
      res = await fetch(path, {
        method,
        headers: { ...(credential ? { authorization: `Bearer ${credential}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch (err) {
      throw new ApiError(0, 'NETWORK', `quorumd did not answer: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (res.ok) return res;
    // A 401 ends the session only if it answered the session still in use (not one replaced meanwhile).
    throw await errorOf(res, credential !== undefined && credential === this.credential() ? this.onUnauthorized : undefined);
  }
}

export async function errorOf(res: Response, onUnauthorized?: () => void): Promise<ApiError> {
  let body: Record<string, unknown> = {};
  try {
    body = (await res.json()) as Record<string, unknown>;
  } catch {
    // not JSON: the status says enough
  }
  if (res.status === 401 && onUnauthorized) onUnauthorized();
  const code = typeof body.code === 'string' ? body.code : `HTTP_${res.status}`;
  const message = typeof body.message === 'string' ? body.message : res.statusText;
  return new ApiError(res.status, code, message, body);
}

/** `RET_X: message`, for a notice. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
