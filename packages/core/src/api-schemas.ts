import { Type, type Static } from '@sinclair/typebox';
import type { QuorumPolicy } from './quorum-policy';

/**
 * The bodies the HTTP API answers with, as JSON schemas (TypeBox). The API validates and
 * documents its responses with them (OpenAPI), and the SDK takes its types from them.
 */
const Iso = Type.String({ format: 'date-time' });
export const TokenViewSchema = Type.Object({
  id: Type.String(),
  service: Type.String(),
  operation: Type.Object({ command: Type.String(), args: Type.Object({}, { additionalProperties: true }) }),
  operationDigest: Type.String(),
  status: Type.String(),
  m: Type.Integer({ description: 'M when the token was issued (part of the signed bytes)' }),
  required: Type.Integer({ description: 'approvals from distinct keys needed now: max(m, the M its operation requires now); for a CONSUMED token, the number its use was checked against' }),
  approvals: Type.Array(Type.Object({ userId: Type.Integer(), fingerprint: Type.String(), alg: Type.String(), at: Iso, passkey: Type.Optional(Type.Boolean({ description: 'the approval carries a verified passkey assertion over the token bytes' })) })),
  rejections: Type.Array(Type.Object({ userId: Type.Integer(), reason: Type.String(), at: Iso })),
  requester: Type.Object({
    kind: Type.String(),
    // No union here: the reply serializer would run a schema validator on every token it writes.
    id: Type.Unsafe<number | string>({ description: 'a user: its id (an integer); an API key: its id (a string)' }),
    name: Type.String(),
  }),
  issuedAt: Iso,
  expiresAt: Iso,
  approvedExpiresAt: Type.Optional(Iso),
  issuer: Type.String(),
  cloudhsm: Type.Optional(
    Type.Object({
      digest: Type.String({ description: 'base64 SHA-256 of the approval data: what officers sign (prehashed)' }),
      hints: Type.Object({ hsms: Type.Integer(), serviceNumber: Type.Integer(), requester: Type.String(), generatedAt: Type.Union([Type.String(), Type.Null()]) }),
    }),
  ),
  policy: Type.Optional(Type.Unsafe<QuorumPolicy>({ type: 'object', description: 'a custom service token: the policy signed into it (docs/policies.md)', additionalProperties: true })),
  policyVersion: Type.Optional(Type.Integer()),
  progress: Type.Optional(
    Type.Array(
      Type.Object({
        group: Type.String(),
        m: Type.Integer(),
        have: Type.Array(Type.Integer(), { description: 'the approvers assigned to this rule, each counted for one rule only' }),
        current: Type.Optional(Type.Literal(true, { description: "a rule of the service's policy in force now, listed after the signed policy's rules when the policy changed since issue: the token needs both" })),
      }),
    ),
  ),
  reason: Type.Optional(Type.String()),
  ticket: Type.Optional(Type.String()),
  path: Type.Optional(Type.Literal('breakGlass', { description: 'asked for on the emergency path (signed into the bytes, docs/policies.md)' })),
  breakGlass: Type.Optional(
    Type.Object({
      delayEndsAt: Type.String({ format: 'date-time' }),
      approvedBy: Type.Optional(Type.Union([Type.Literal('breakGlass'), Type.Literal('quorum')])),
      reviewToken: Type.Optional(Type.String()),
    }),
  ),
  reviewOf: Type.Optional(Type.String({ description: 'a review token: the break-glass token it reviews' })),
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
  hsmUsername: Type.String({ description: 'the name this user signs AWS CloudHSM token files as' }),
  locked: Type.Boolean({ description: 'locked by a decision of the officers or a quorum, or by a lock an earlier version left (failed logins lock no one); a password reset lifts it' }),
  passwordChangeRequired: Type.Boolean({ description: 'its password was chosen by someone else (a CO created, or its password reset, through a quorum) and works once: its sessions may only set its own' }),
  fingerprint: Type.Optional(Type.String({ description: 'SHA-256 (hex) of the DER SubjectPublicKeyInfo of its registered quorum key' })),
});
/** An approval's passkey assertion, checkable offline (docs/passkeys.md): base64url fields as WebAuthn gives them. */
export const PasskeyProofSchema = Type.Object({
  credentialId: Type.String(),
  publicKeyPem: Type.String({ description: 'the credential public key, PEM SubjectPublicKeyInfo' }),
  algorithm: Type.String({ description: 'ES256, EdDSA or RS256' }),
  authenticatorData: Type.String({ description: 'base64url' }),
  clientDataJSON: Type.String({ description: 'base64url' }),
  signature: Type.String({ description: 'base64url, over authenticatorData || SHA-256(clientDataJSON)' }),
});
/** A bundle's proof of being logged: a signed checkpoint, and the token's approved/consumed entries with their inclusion proofs in it. */
export const LogProofSchema = Type.Object(
  {
    checkpoint: Type.String({ description: 'the newest signed checkpoint when the bundle was made: a C2SP tlog-checkpoint as a signed note' }),
    entries: Type.Array(
      Type.Object({
        index: Type.Integer({ description: 'the leaf index (seq − 1)' }),
        text: Type.String({ description: 'the entry’s text as logged (token.approved, token.consumed)' }),
        hashes: Type.Array(Type.String(), { description: 'RFC 9162 inclusion proof in the checkpoint’s tree, base64' }),
      }),
    ),
  },
  { description: 'the token’s token.approved and token.consumed entries covered by a checkpoint, with inclusion proofs: `quorum verify --audit-key` checks them offline' },
);
export const BundleSchema = Type.Object({
  v: Type.Literal(1),
  issuer: Type.String(),
  tokenId: Type.String(),
  status: Type.String(),
  m: Type.Integer(),
  required: Type.Optional(Type.Integer({ description: 'approvals needed when the bundle was made: max(m, the M the operation then required); for a CONSUMED token, the number its use was checked against' })),
  tokenBytes: Type.String({ description: 'base64 of the exact token bytes' }),
  approvals: Type.Array(
    Type.Object({
      userId: Type.Integer(),
      fingerprint: Type.String(),
      alg: Type.String(),
      signature: Type.String(),
      at: Iso,
      publicKeyPem: Type.String(),
      passkey: Type.Optional(PasskeyProofSchema),
    }),
  ),
  assignment: Type.Optional(
    Type.Array(Type.Object({ group: Type.String(), m: Type.Integer(), have: Type.Array(Type.Integer()) }), {
      description: "a custom service's token: how its approvals fill the rules of the policy signed into its bytes (when used, as they did then), each approver counted for one rule",
    }),
  ),
  webauthn: Type.Optional(Type.Object({ rpId: Type.String(), origin: Type.String() }, { description: 'where passkey assertions were made: the RP ID and origin the deployment accepts' })),
  approverGroups: Type.Optional(
    Type.Record(Type.String(), Type.Array(Type.String()), { description: "a used custom service's token: each approver's groups (of those its policies name) when it was used: the server's word" }),
  ),
  path: Type.Optional(Type.Literal('breakGlass', { description: 'the token was asked for on the break-glass path (its bytes say so too)' })),
  approvedBy: Type.Optional(
    Type.Union([Type.Literal('breakGlass'), Type.Literal('quorum')], { description: "a break-glass token: what carried it, its break-glass group after the time lock or its normal quorum (the server's word)" }),
  ),
  reviewToken: Type.Optional(Type.String({ description: 'a break-glass token used on its break-glass approvals: the id of its review token' })),
  logProof: Type.Optional(LogProofSchema),
});
export const MValueSchema = Type.Object({ service: Type.String(), number: Type.Integer(), m: Type.Integer() });
/** A quorum policy (docs/policies.md): every rule must hold, no approver counted twice. */
export const PolicySchema = Type.Object(
  {
    rules: Type.Array(Type.Object({ group: Type.String(), m: Type.Integer() }, { additionalProperties: false }), { minItems: 1, maxItems: 8 }),
    requesterMayApprove: Type.Optional(Type.Boolean()),
    vetoGroups: Type.Optional(Type.Array(Type.String(), { maxItems: 8 })),
    commands: Type.Optional(Type.Array(Type.String(), { maxItems: 32 })),
    tokenTtlSeconds: Type.Optional(Type.Integer()),
    approvedTimeoutSeconds: Type.Optional(Type.Integer()),
    requireReason: Type.Optional(Type.Boolean()),
    requirePasskey: Type.Optional(Type.Boolean()),
    reminders: Type.Optional(Type.Array(Type.Number(), { maxItems: 4, description: 'fractions of a token’s time at which undecided officers are reminded (absent: [0.5, 0.9]; []: none)' })),
    escalation: Type.Optional(Type.Object({ afterSeconds: Type.Integer(), group: Type.String() }, { additionalProperties: false, description: 'the group told when a token is still short of its rules afterSeconds after issue' })),
    breakGlass: Type.Optional(
      Type.Object(
        { group: Type.String(), m: Type.Integer(), delaySeconds: Type.Integer(), reviewWithinSeconds: Type.Integer() },
        { additionalProperties: false, description: 'the emergency path: m members of group, after a time lock of delaySeconds with no veto; reviewed within reviewWithinSeconds of its use' },
      ),
    ),
  },
  { additionalProperties: false },
);
/** A quorum service: a built-in one's policy is its M of every officer. */
export const ServiceViewSchema = Type.Object({ service: Type.String(), number: Type.Integer(), builtin: Type.Boolean(), version: Type.Integer(), policy: PolicySchema });
/** A group of officers: `officers` (every CO) is built in. */
export const GroupViewSchema = Type.Object({ group: Type.String(), members: Type.Array(Type.Integer()), version: Type.Integer(), builtin: Type.Boolean() });
export const ApiKeyViewSchema = Type.Object({ id: Type.String(), name: Type.String(), scopes: Type.Array(Type.String()), ownerId: Type.Integer(), createdAt: Iso });
export const Empty = Type.Object({});

export type TokenViewBody = Static<typeof TokenViewSchema>;
export type UserViewBody = Static<typeof UserViewSchema>;
export type PasskeyProofBody = Static<typeof PasskeyProofSchema>;
export type BundleBody = Static<typeof BundleSchema>;
export type MValueBody = Static<typeof MValueSchema>;
export type ServiceViewBody = Static<typeof ServiceViewSchema>;
export type GroupViewBody = Static<typeof GroupViewSchema>;
export type ApiKeyViewBody = Static<typeof ApiKeyViewSchema>;
