/**
 * What an approver is told of the operations that hand someone a one-time password: a crypto
 * officer created, or a crypto officer's password reset, through a quorum. The console's token
 * page and the CLI's show and sign print these same sentences (the console imports this module
 * alone, not the rest of core).
 */
export const ONE_TIME_PASSWORD_OF_NEW_OFFICER =
  'The password its requester chose works once only: at its first login the new officer must set a password of its own before it can do anything else (register a quorum key, approve).';

export const ONE_TIME_PASSWORD_OF_RESET_OFFICER =
  'The new password works once only: at its next login the officer must set a password of its own before it can do anything else (register a quorum key, approve).';
