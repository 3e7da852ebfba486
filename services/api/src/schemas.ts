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

/** A response that is not JSON: documented under its own media type. */
export function mediaResponse(mediaType: string, description: string, schema: object = Type.String()) {
  return { description, content: { [mediaType]: { schema } } };
}

/** Every error: a stable code, a message, the request id (and sometimes details). */
export const ErrorBody = Type.Object(
  { code: Type.String({ pattern: '^RET_' }), message: Type.String(), requestId: Type.String() },
  { additionalProperties: true },
);

export { ApiKeyViewSchema, BundleSchema, Empty, MValueSchema, TokenReply, TokensReply, UserViewSchema } from '@quorumd/core';
