/**
 * The shapes the console reads from the API: the API's own types and response schemas
 * (packages/core/src/api-schemas.ts, its OpenAPI document at /docs/json), as types only —
 * nothing of core is bundled into the page.
 */
export type { TokenView, UserViewBody as UserView, MValueBody as MValue, ApiKeyViewBody as ApiKeyView, ServiceViewBody as ServiceView, GroupViewBody as GroupView } from '@quorumd/core';

export interface Session {
  token: string;
  /** passwordChangeRequired: the password was chosen by someone else and works once; the session may only set the officer's own. */
  user: { id: number; name: string; type: string; passwordChangeRequired?: boolean };
  expiresAt: string;
}
