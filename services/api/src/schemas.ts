import { Type } from '@sinclair/typebox';

/** Shapes shared by several routes. Request bodies refuse unknown members. */
export const UserIdParams = Type.Object({ id: Type.String({ pattern: '^[1-9][0-9]{0,8}$' }) }, { additionalProperties: false });
export const TokenIdParams = Type.Object(
  { id: Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' }) },
  { additionalProperties: false },
);
export const ServiceParams = Type.Object({ service: Type.String({ minLength: 1, maxLength: 20 }) }, { additionalProperties: false });
export const QuorumTokenId = Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' });
export const Operation = Type.Object(
  {
    command: Type.String({ minLength: 1, maxLength: 64 }),
    args: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Unknown())),
  },
  { additionalProperties: false },
);
export const Signature = Type.String({ minLength: 1, maxLength: 1400 });
export const Alg = Type.Optional(Type.Union([Type.Literal('RS256'), Type.Literal('PS256')]));

/** Every error: a stable code, a message, the request id (and sometimes details). */
export const ErrorBody = Type.Object(
  { code: Type.String({ pattern: '^RET_' }), message: Type.String(), requestId: Type.String() },
  { additionalProperties: true },
);

// Response bodies (also what OpenAPI documents). Open objects where callers may carry data.
const Iso = Type.String({ format: 'date-time' });
export const TokenViewSchema = Type.Object({
  id: Type.String(),
  service: Type.String(),
  operation: Type.Object({ command: Type.String(), args: Type.Object({}, { additionalProperties: true }) }),
  operationDigest: Type.String(),
  status: Type.String(),
  m: Type.Integer(),
  approvals: Type.Array(Type.Object({ userId: Type.Integer(), fingerprint: Type.String(), alg: Type.String(), at: Iso })),
  rejections: Type.Array(Type.Object({ userId: Type.Integer(), reason: Type.String(), at: Iso })),
  requester: Type.Object({ kind: Type.String(), id: Type.Union([Type.Integer(), Type.String()]), name: Type.String() }),
  issuedAt: Iso,
  expiresAt: Iso,
  approvedExpiresAt: Type.Optional(Iso),
  issuer: Type.String(),
});
export const TokenReply = Type.Object({ token: TokenViewSchema });
export const TokensReply = Type.Object({ tokens: Type.Array(TokenViewSchema) });
export const UserViewSchema = Type.Object({
  id: Type.Integer(),
  type: Type.String(),
  name: Type.String(),
  mofnPubKey: Type.Boolean(),
  loginFailureCnt: Type.Integer(),
  twoFactor: Type.Boolean(),
  fingerprint: Type.Optional(Type.String()),
});
export const BundleSchema = Type.Object({
  v: Type.Literal(1),
  issuer: Type.String(),
  tokenId: Type.String(),
  status: Type.String(),
  m: Type.Integer(),
  tokenBytes: Type.String({ description: 'base64 of the exact token bytes' }),
  approvals: Type.Array(
    Type.Object({ userId: Type.Integer(), fingerprint: Type.String(), alg: Type.String(), signature: Type.String(), at: Iso, publicKeyPem: Type.String() }),
  ),
});
export const MValueSchema = Type.Object({ service: Type.String(), number: Type.Integer(), m: Type.Integer() });
export const ApiKeyViewSchema = Type.Object({ id: Type.String(), name: Type.String(), scopes: Type.Array(Type.String()), ownerId: Type.Integer(), createdAt: Iso });
export const Empty = Type.Object({});
