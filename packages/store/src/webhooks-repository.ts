import type { Actor, StoreContext } from './store-context';

export interface Webhook {
  url: string;
  secret: string;
}

/** Per-CO webhooks (url + HMAC secret). The secret stays in Redis; jobs carry only ids. */
export class WebhooksRepository {
  constructor(private readonly ctx: StoreContext) {}

  async get(userId: number): Promise<Webhook | undefined> {
    const hash = await this.ctx.read((r) => r.hgetall(this.ctx.keys.webhook(userId)));
    return hash.url && hash.secret ? { url: hash.url, secret: hash.secret } : undefined;
  }

  /** Which of these users have a webhook (one round trip). */
  async having(userIds: readonly number[]): Promise<Set<number>> {
    if (userIds.length === 0) return new Set();
    const replies = await this.ctx.read((r) => {
      const pipeline = r.pipeline();
      for (const id of userIds) pipeline.exists(this.ctx.keys.webhook(id));
      return pipeline.exec();
    });
    return new Set(userIds.filter((_, i) => replies?.[i]?.[1] === 1));
  }

  async set(userId: number, webhook: Webhook | undefined, actor: Actor): Promise<void> {
    await this.ctx.run('setWebhook', { userId }, actor, { userId, url: webhook?.url ?? '', secret: webhook?.secret ?? '' });
  }
}
