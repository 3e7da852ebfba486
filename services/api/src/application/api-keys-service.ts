import { QuorumError, newApiKeySecret } from '@quorumd/core';
import { API_KEY_SCOPES, type ApiKeyRecord, type ApiKeyScope, type QuorumStore } from '@quorumd/store';
import { actorOf, requireOfficer, type Principal } from './principal';

export interface ApiKeyView {
  id: string;
  name: string;
  scopes: ApiKeyScope[];
  ownerId: number;
  createdAt: string;
}

function apiKeyView(record: ApiKeyRecord): ApiKeyView {
  return { id: record.id, name: record.name, scopes: record.scopes, ownerId: record.ownerId, createdAt: new Date(record.createdAt).toISOString() };
}

/** API keys for automation: created and revoked by COs, scoped, stored hashed. */
export class ApiKeysService {
  constructor(private readonly store: QuorumStore) {}

  async create(principal: Principal, input: { name: string; scopes?: string[] }): Promise<{ apiKey: ApiKeyView; key: string }> {
    const officer = requireOfficer(principal);
    const scopes = [...new Set(input.scopes ?? [...API_KEY_SCOPES])];
    const unknown = scopes.filter((s) => !(API_KEY_SCOPES as readonly string[]).includes(s));
    if (unknown.length > 0 || scopes.length === 0) {
      throw new QuorumError('RET_BAD_REQUEST', `scopes must be some of ${API_KEY_SCOPES.join(', ')}`);
    }
    const secret = newApiKeySecret();
    const record = { id: secret.id, name: input.name, secretHash: secret.hash, scopes: scopes as ApiKeyScope[], ownerId: officer.id };
    await this.store.apiKeys.create(record, actorOf(principal));
    return { apiKey: apiKeyView({ ...record, createdAt: this.store.ctx.clock() }), key: secret.key };
  }

  async list(principal: Principal): Promise<ApiKeyView[]> {
    requireOfficer(principal);
    return (await this.store.apiKeys.list()).map(apiKeyView);
  }

  async delete(principal: Principal, id: string): Promise<void> {
    requireOfficer(principal);
    await this.store.apiKeys.delete(id, actorOf(principal));
  }
}
