import { startAuthentication, startRegistration, type PublicKeyCredentialCreationOptionsJSON, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import type { ApiClient } from './api-client';

/** A passkey as the API lists it. */
export interface PasskeyView {
  id: string;
  name: string;
  credentialId: string;
  createdAt: string;
  algorithm: string;
}

/**
 * Registers a passkey of this browser's authenticator for the officer: options asked for with
 * its password, the authenticator asked (user verification required), the response sent.
 */
export async function registerPasskey(api: ApiClient, userId: number, name: string, currentPassword: string, holdsOne: boolean): Promise<PasskeyView> {
  // An officer that holds a passkey confirms with one first: a password alone adds none.
  const confirmation = holdsOne ? await confirmWithPasskey(api, userId, currentPassword) : undefined;
  const { options } = await api.json<{ options: PublicKeyCredentialCreationOptionsJSON }>('POST', `/v1/users/${userId}/passkeys/options`, { currentPassword });
  const response = await startRegistration({ optionsJSON: options });
  return (await api.json<{ passkey: PasskeyView }>('POST', `/v1/users/${userId}/passkeys`, { response, name, ...(confirmation ? { confirmation } : {}) })).passkey;
}

/** Deletes one of the officer's passkeys, confirmed by one of them. */
export async function deletePasskey(api: ApiClient, userId: number, passkeyId: string, currentPassword: string): Promise<void> {
  const confirmation = await confirmWithPasskey(api, userId, currentPassword);
  await api.json('DELETE', `/v1/users/${userId}/passkeys/${passkeyId}`, { currentPassword, confirmation });
}

/** An assertion by one of the officer's passkeys over a one-time challenge: what adding or deleting a passkey needs. */
async function confirmWithPasskey(api: ApiClient, userId: number, currentPassword: string): Promise<unknown> {
  const { options } = await api.json<{ options: PublicKeyCredentialRequestOptionsJSON }>('POST', `/v1/users/${userId}/passkeys/confirmation-options`, { currentPassword });
  return startAuthentication({ optionsJSON: options });
}

/** The officer's passkey assertion over SHA-256 of the token's exact bytes (the server makes the challenge of them). */
export async function approvalAssertion(api: ApiClient, tokenId: string): Promise<unknown> {
  const { options } = await api.json<{ options: PublicKeyCredentialRequestOptionsJSON }>('GET', `/v1/tokens/${tokenId}/passkey-options`);
  try {
    return await startAuthentication({ optionsJSON: options });
  } catch (err) {
    // The browser's own words ("not allowed") say nothing of why: a cancel, a time-out, or an authenticator that could not verify the user.
    throw new Error(`Your passkey did not confirm this approval (cancelled, timed out, or it could not verify you: a PIN or fingerprint is required). Nothing was sent. (${err instanceof Error ? err.name : 'error'})`);
  }
}
