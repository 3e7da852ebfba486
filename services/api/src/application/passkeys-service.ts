import { randomUUID } from 'node:crypto';
import { PASSKEY_ALGORITHMS, QuorumError, hasHiddenCharacters, passkeyChallenge, passkeyProofProblem, type PasskeyProof } from '@quorumd/core';
import type { PasskeyConfirmation, QuorumStore, StoredPasskey, UserRecord } from '@quorumd/store';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { AuthService } from './auth-service';
import { passkeyPublicKey } from './passkey-public-key';
import { actorOf, requireOfficer, type Principal } from './principal';

export interface PasskeysOptions {
  rpId: string;
  origin: string;
  requesterMayApprove: boolean;
}

/** A passkey as the API shows it (its key and counter stay in Redis). */
export interface PasskeyView {
  id: string;
  name: string;
  credentialId: string;
  createdAt: string;
  algorithm: string;
}

/** A verified approval assertion: the passkey, the counter it moves to, what the bundle carries. */
export interface VerifiedAssertion {
  id: string;
  counter: number;
  proof: PasskeyProof;
}

const REGISTRATION_TTL_MS = 5 * 60_000;
const ALGORITHM_IDS = Object.values(PASSKEY_ALGORITHMS);
const PASSKEY_NAME_MAX = 64;

function view(passkey: StoredPasskey): PasskeyView {
  return { id: passkey.id, name: passkey.name, credentialId: passkey.credentialId, createdAt: passkey.createdAt, algorithm: passkey.algorithm };
}

function refused(err: unknown): QuorumError {
  if (err instanceof QuorumError) return err;
  return new QuorumError('RET_PASSKEY_INVALID', `The passkey response does not verify: ${err instanceof Error ? err.message : String(err)}`);
}

/**
 * Officers' passkeys (docs/passkeys.md): registration (user verification required, no
 * attestation), the list, deletion, and the check of the assertion an approval carries,
 * bound to the exact bytes the officer signs. Only the officer itself manages its passkeys,
 * with its password.
 */
export class PasskeysService {
  constructor(
    private readonly store: QuorumStore,
    private readonly auth: AuthService,
    private readonly options: PasskeysOptions,
  ) {}

  /** The officer itself, and no one else. */
  private own(principal: Principal, id: number): UserRecord {
    const officer = requireOfficer(principal);
    if (officer.id !== id) throw new QuorumError('RET_FORBIDDEN', 'An officer manages only its own passkeys');
    return officer;
  }

  private async confirm(officer: UserRecord, currentPassword: unknown, ip: string): Promise<void> {
    if (typeof currentPassword !== 'string') throw new QuorumError('RET_LOGIN_FAILED', 'Passkeys are managed with the current password (currentPassword)');
    await this.auth.confirmPassword(officer, currentPassword, ip);
  }

  async registrationOptions(principal: Principal, id: number, currentPassword: unknown, ip: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const officer = this.own(principal, id);
    await this.confirm(officer, currentPassword, ip);
    const existing = await this.store.passkeys.list(id);
    const options = await generateRegistrationOptions({
      rpName: 'quorumd',
      rpID: this.options.rpId,
      userName: officer.name,
      userID: Buffer.from(`quorumd-user-${id}`),
      attestationType: 'none',
      excludeCredentials: existing.map((p) => ({ id: p.credentialId, ...(p.transports ? { transports: p.transports as never } : {}) })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
      supportedAlgorithmIDs: ALGORITHM_IDS,
      timeout: REGISTRATION_TTL_MS,
    });
    await this.store.passkeys.createChallenge(id, options.challenge, REGISTRATION_TTL_MS);
    return options;
  }

  /**
   * A one-time challenge for one of the officer's passkeys to confirm a change to its passkeys
   * (adding another, deleting one): with the password alone — phished, say — no passkey of an
   * officer that holds one is added or taken away.
   */
  async confirmationOptions(principal: Principal, id: number, currentPassword: unknown, ip: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const officer = this.own(principal, id);
    await this.confirm(officer, currentPassword, ip);
    const passkeys = await this.store.passkeys.list(id);
    if (passkeys.length === 0) throw new QuorumError('RET_BAD_REQUEST', 'You hold no passkey to confirm with: register your first one with the password alone');
    const options = await generateAuthenticationOptions({
      rpID: this.options.rpId,
      allowCredentials: passkeys.map((p) => ({ id: p.credentialId, ...(p.transports ? { transports: p.transports as never } : {}) })),
      userVerification: 'required',
      timeout: REGISTRATION_TTL_MS,
    });
    await this.store.passkeys.createConfirmation(id, options.challenge, REGISTRATION_TTL_MS);
    return options;
  }

  /** A confirming assertion, checked (the store's script checks its challenge and counter again, and uses them up). */
  private async confirmation(officer: UserRecord, response: unknown): Promise<PasskeyConfirmation | undefined> {
    if (response === undefined) return undefined;
    const challenge = await this.store.passkeys.confirmation(officer.id);
    if (!challenge) throw new QuorumError('RET_CHALLENGE_INVALID', 'No passkey confirmation is under way: ask for confirmation options first (POST /v1/users/{id}/passkeys/confirmation-options)');
    const verified = await this.assertion(officer, challenge, response);
    return { challenge, passkeyId: verified.id, counter: verified.counter };
  }

  async register(principal: Principal, id: number, input: { response: unknown; name: unknown; confirmation?: unknown }): Promise<PasskeyView> {
    const officer = this.own(principal, id);
    const confirmed = await this.confirmation(officer, input.confirmation);
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    if (name.length < 1 || name.length > PASSKEY_NAME_MAX || hasHiddenCharacters(name)) throw new QuorumError('RET_BAD_REQUEST', `name must be 1-${PASSKEY_NAME_MAX} visible characters`);
    const challenge = await this.store.passkeys.challenge(id);
    if (!challenge) throw new QuorumError('RET_CHALLENGE_INVALID', 'No passkey registration is under way: ask for options first (POST /v1/users/{id}/passkeys/options)');
    const verification = await verifyRegistrationResponse({
      response: input.response as RegistrationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: this.options.origin,
      expectedRPID: this.options.rpId,
      requireUserVerification: true,
      supportedAlgorithmIDs: ALGORITHM_IDS,
    }).catch((err: unknown) => {
      throw refused(err);
    });
    if (!verification.verified || !verification.registrationInfo) throw new QuorumError('RET_PASSKEY_INVALID', 'The passkey registration does not verify');
    const { credential } = verification.registrationInfo;
    const key = passkeyPublicKey(credential.publicKey);
    const passkey: StoredPasskey = {
      id: randomUUID(),
      name,
      credentialId: credential.id,
      publicKeyCose: Buffer.from(credential.publicKey).toString('base64url'),
      publicKeyPem: key.pem,
      algorithm: key.algorithm,
      ...(credential.transports ? { transports: credential.transports } : {}),
      createdAt: new Date(this.store.ctx.clock()).toISOString(),
    };
    await this.store.passkeys.register(id, challenge, passkey, credential.counter, confirmed, actorOf(principal));
    return view(passkey);
  }

  async list(principal: Principal, id: number): Promise<PasskeyView[]> {
    this.own(principal, id);
    return (await this.store.passkeys.list(id)).map(view);
  }

  async delete(principal: Principal, id: number, passkeyId: string, input: { currentPassword: unknown; confirmation?: unknown }, ip: string): Promise<void> {
    const officer = this.own(principal, id);
    await this.confirm(officer, input.currentPassword, ip);
    const confirmed = await this.confirmation(officer, input.confirmation);
    await this.store.passkeys.delete(id, passkeyId, this.options.requesterMayApprove, confirmed, actorOf(principal));
  }

  /** What the officer's authenticator is asked to sign for an approval: SHA-256 of the bytes it signs with its RSA key. */
  async approvalOptions(officer: UserRecord, signedBytes: Buffer): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const passkeys = await this.store.passkeys.list(officer.id);
    if (passkeys.length === 0) throw new QuorumError('RET_PASSKEY_REQUIRED', 'Register a passkey first (the console’s My key page)');
    return generateAuthenticationOptions({
      rpID: this.options.rpId,
      challenge: new Uint8Array(Buffer.from(passkeyChallenge(signedBytes), 'base64url')),
      allowCredentials: passkeys.map((p) => ({ id: p.credentialId, ...(p.transports ? { transports: p.transports as never } : {}) })),
      userVerification: 'required',
      timeout: 120_000,
    });
  }

  /**
   * An approval's assertion: made with one of this officer's own passkeys, on this
   * deployment's origin and RP ID, with user verification, over SHA-256 of exactly these
   * bytes, with a counter past the stored one (the approve script checks it again, in the
   * step that records the vote). Anything else: RET_PASSKEY_INVALID, before anything is written.
   */
  async verifyApproval(officer: UserRecord, signedBytes: Buffer, response: unknown): Promise<VerifiedAssertion> {
    return this.assertion(officer, passkeyChallenge(signedBytes), response);
  }

  /** An assertion by one of the officer's own passkeys over `challenge`, on this origin and RP ID, user verified, its counter moving forward. */
  private async assertion(officer: UserRecord, challenge: string, response: unknown): Promise<VerifiedAssertion> {
    const given = response as AuthenticationResponseJSON;
    const passkeys = await this.store.passkeys.list(officer.id);
    const passkey = passkeys.find((p) => p.credentialId === given.id && given.rawId === given.id);
    if (!passkey) throw new QuorumError('RET_PASSKEY_INVALID', 'The assertion was made with a credential that is not one of this officer’s passkeys');
    const verification = await verifyAuthenticationResponse({
      response: given,
      expectedChallenge: challenge,
      expectedOrigin: this.options.origin,
      expectedRPID: this.options.rpId,
      expectedType: 'webauthn.get',
      credential: { id: passkey.credentialId, publicKey: new Uint8Array(Buffer.from(passkey.publicKeyCose, 'base64url')), counter: passkey.counter },
      requireUserVerification: true,
    }).catch((err: unknown) => {
      throw refused(err);
    });
    if (!verification.verified || !verification.authenticationInfo.userVerified) throw new QuorumError('RET_PASSKEY_INVALID', 'The passkey assertion does not verify (or reports no user verification)');
    const proof: PasskeyProof = {
      credentialId: passkey.credentialId,
      publicKeyPem: passkey.publicKeyPem,
      algorithm: passkey.algorithm,
      authenticatorData: given.response.authenticatorData,
      clientDataJSON: given.response.clientDataJSON,
      signature: given.response.signature,
    };
    // What a verifier checks offline must hold as well: the bundle is checked the same way.
    const problem = passkeyProofProblem(proof, { challenge, rpId: this.options.rpId, origin: this.options.origin });
    if (problem) throw new QuorumError('RET_PASSKEY_INVALID', `The passkey assertion does not verify: ${problem}`);
    return { id: passkey.id, counter: verification.authenticationInfo.newCounter, proof };
  }

  /** Where assertions are made: what a bundle names for its offline check. */
  get relyingParty(): { rpId: string; origin: string } {
    return { rpId: this.options.rpId, origin: this.options.origin };
  }
}
