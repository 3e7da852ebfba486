import { ApiClient } from './api-client';
import type { Session, TokenView, UserView } from './api-types';
import type { SigningKey } from './signing-key';

const SESSION_KEY = 'quorumd.console.session';

/**
 * What the console holds while a tab is open: the session (sessionStorage: it survives a
 * reload of this tab, never the tab itself, and is never shared with another tab), the
 * officer's private key for this sign-in (memory only), the user list (for names) and
 * the officer's queue. Signing out forgets all of it.
 */
export class ConsoleState {
  session: Session | undefined = readSession();
  signingKey: SigningKey | undefined;
  users = new Map<number, UserView>();
  queue: TokenView[] = [];
  readonly api: ApiClient;
  private readonly listeners = new Set<() => void>();
  private usersLoaded = 0;

  constructor(onSessionEnded: () => void) {
    this.api = new ApiClient(() => this.session?.token, onSessionEnded);
  }

  signIn(session: Session): void {
    this.session = session;
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  }

  forget(): void {
    this.session = undefined;
    this.signingKey = undefined;
    this.users.clear();
    this.queue = [];
    this.usersLoaded = 0;
    sessionStorage.removeItem(SESSION_KEY);
    this.changed();
  }

  get me(): UserView | undefined {
    return this.session ? this.users.get(this.session.user.id) : undefined;
  }

  /** Re-reads the user list (names of approvers, the officer's registered key). */
  async loadUsers(): Promise<void> {
    const { users } = await this.api.json<{ users: UserView[] }>('GET', '/v1/users');
    this.users = new Map(users.map((u) => [u.id, u]));
    this.usersLoaded = Date.now();
    this.changed();
  }

  /** Loads the user list again when a token names a user it does not know yet (at most every 2 s). */
  knowUsers(ids: number[]): void {
    if (ids.some((id) => !this.users.has(id)) && Date.now() - this.usersLoaded > 2000) void this.loadUsers().catch(() => undefined);
  }

  setQueue(tokens: TokenView[]): void {
    this.queue = tokens;
    this.knowUsers(tokens.flatMap((t) => t.approvals.map((a) => a.userId)));
    this.changed();
  }

  /** Calls `listener` after every change of queue, users or key, until `signal` aborts. */
  subscribe(listener: () => void, signal: AbortSignal): void {
    this.listeners.add(listener);
    signal.addEventListener('abort', () => this.listeners.delete(listener), { once: true });
  }

  changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

function readSession(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(SESSION_KEY);
    if (!raw) return undefined;
    const session = JSON.parse(raw) as Session;
    return Date.parse(session.expiresAt) > Date.now() ? session : undefined;
  } catch {
    return undefined;
  }
}
