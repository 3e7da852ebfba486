import type { Actor, StoreContext } from './store-context';

export const API_KEY_SCOPES = ['tokens:issue', 'tokens:read', 'tokens:consume'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export interface ApiKeyRecord {
  id: string;
  name: string;
  /** SHA-256 (hex) of the secret; the secret itself is never stored. */
  secretHash: string;
  scopes: ApiKeyScope[];
  ownerId: number;
  createdAt: number;
}

function apiKeyFromHash(hash: Record<string, string>): ApiKeyRecord | undefined {
  if (!hash.id) return undefined;
  return {
    id: hash.id,
    name: hash.name ?? '',
    secretHash: hash.hash ?? '',
    scopes: (hash.scopes ?? '').split(' ').filter(Boolean) as ApiKeyScope[],
    ownerId: Number(hash.owner ?? 0),
    createdAt: Number(hash.created ?? 0),
  };
}

export class ApiKeysRepository {
  constructor(private readonly ctx: StoreContext) {}

  async create(record: Omit<ApiKeyRecord, 'createdAt'>, actor: Actor): Promise<void> {
    await this.ctx.run('createApiKey', { apiKeyId: record.id, userId: record.ownerId }, actor, {
      id: record.id,
      secretHash: record.secretHash,
      name: record.name,
      scopes: record.scopes.join(' '),
      ownerId: record.ownerId,
    });
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    return apiKeyFromHash(await this.ctx.read((r) => r.hgetall(this.ctx.keys.apiKey(id))));
  }

  async list(): Promise<ApiKeyRecord[]> {
    const ids = await this.ctx.read((r) => r.zrange(this.ctx.keys.apiKeys(), 0, -1));
    const keys = await Promise.all(ids.map((id) => this.get(id)));
    return keys.filter((k): k is ApiKeyRecord => k !== undefined);
  }

  async delete(id: string, actor: Actor): Promise<void> {
    await this.ctx.run('deleteApiKey', { apiKeyId: id }, actor, { id });
  }
}
