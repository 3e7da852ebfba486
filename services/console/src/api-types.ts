/**
 * The shapes the console reads from the API (a subset of its OpenAPI document, /docs/json;
 * the server's schemas are packages/core/src/api-schemas.ts).
 */
export interface TokenView {
  id: string;
  service: string;
  operation: { command: string; args: Record<string, unknown> };
  operationDigest: string;
  status: string;
  m: number;
  required: number;
  approvals: { userId: number; fingerprint: string; alg: string; at: string }[];
  rejections: { userId: number; reason: string; at: string }[];
  requester: { kind: string; id: number | string; name: string };
  issuedAt: string;
  expiresAt: string;
  approvedExpiresAt?: string;
  issuer: string;
  cloudhsm?: {
    digest: string;
    hints: { hsms: number; serviceNumber: number; requester: string; generatedAt: string | null };
  };
}

export interface UserView {
  id: number;
  type: string;
  name: string;
  mofnPubKey: boolean;
  loginFailureCnt: number;
  twoFactor: boolean;
  hsmUsername: string;
  locked: boolean;
  fingerprint?: string;
}

export interface MValue {
  service: string;
  number: number;
  m: number;
}

export interface ApiKeyView {
  id: string;
  name: string;
  scopes: string[];
  ownerId: number;
  createdAt: string;
}

export interface Session {
  token: string;
  user: { id: number; name: string; type: string };
  expiresAt: string;
}
