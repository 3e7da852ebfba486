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

const Base64Url = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: '^[A-Za-z0-9_-]+$' });

/** A WebAuthn assertion as @simplewebauthn/browser's startAuthentication gives it (AuthenticationResponseJSON). */
export const PasskeyAssertion = Type.Object(
  {
    id: Base64Url(1400),
    rawId: Base64Url(1400),
    type: Type.Literal('public-key'),
    response: Type.Object(
      {
        clientDataJSON: Base64Url(4096),
        authenticatorData: Base64Url(4096),
        signature: Base64Url(1400),
        userHandle: Type.Optional(Type.String({ maxLength: 1400 })),
      },
      { additionalProperties: false },
    ),
    clientExtensionResults: Type.Object({}, { additionalProperties: true }),
    authenticatorAttachment: Type.Optional(Type.String({ maxLength: 32 })),
  },
  { additionalProperties: false, description: 'AuthenticationResponseJSON: the passkey assertion over SHA-256 of the token bytes (GET /v1/tokens/{id}/passkey-options)' },
);

/** A WebAuthn registration response (RegistrationResponseJSON), checked by @simplewebauthn/server. */
export const PasskeyRegistration = Type.Object(
  {
    id: Base64Url(1400),
    rawId: Base64Url(1400),
    type: Type.Literal('public-key'),
    response: Type.Object(
      {
        clientDataJSON: Base64Url(4096),
        attestationObject: Base64Url(16384),
        authenticatorData: Type.Optional(Base64Url(16384)),
        transports: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 8 })),
        publicKeyAlgorithm: Type.Optional(Type.Integer()),
        publicKey: Type.Optional(Base64Url(4096)),
      },
      { additionalProperties: false },
    ),
    clientExtensionResults: Type.Object({}, { additionalProperties: true }),
    authenticatorAttachment: Type.Optional(Type.String({ maxLength: 32 })),
  },
  { additionalProperties: false, description: 'RegistrationResponseJSON, from @simplewebauthn/browser startRegistration' },
);

export const PasskeyViewSchema = Type.Object({ id: Type.String(), name: Type.String(), credentialId: Type.String(), createdAt: Type.String({ format: 'date-time' }), algorithm: Type.String() });

/** WebAuthn options handed to the browser as they are (PublicKeyCredential*OptionsJSON). */
export const WebAuthnOptions = Type.Object({ options: Type.Object({}, { additionalProperties: true }) });
