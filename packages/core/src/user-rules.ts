import { QuorumError } from './errors';

export const USER_TYPES = ['CO', 'CU', 'AU'] as const;
export type UserType = (typeof USER_TYPES)[number];

/** A user name, as CloudHSM allows it: 1-31 letters, digits or _. */
export const USER_NAME_PATTERN = /^[A-Za-z0-9_]{1,31}$/;
export const PASSWORD_MIN = 7;
export const PASSWORD_MAX = 128;

/** CloudHSM user names: 1-31 letters, digits and underscore; unique without regard to case. */
export function checkUserName(name: unknown): string {
  if (typeof name !== 'string' || !USER_NAME_PATTERN.test(name)) {
    throw new QuorumError('RET_BAD_REQUEST', 'User name must be 1-31 letters, digits or _');
  }
  return name;
}

export function userNameKey(name: string): string {
  return name.toLowerCase();
}

export function checkUserType(type: unknown): UserType {
  if (typeof type !== 'string' || !(USER_TYPES as readonly string[]).includes(type)) {
    throw new QuorumError('RET_BAD_REQUEST', 'User type must be CO, CU or AU');
  }
  return type as UserType;
}

export function checkPassword(password: unknown): string {
  if (typeof password !== 'string' || password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    throw new QuorumError('RET_BAD_REQUEST', `Password must be ${PASSWORD_MIN}-${PASSWORD_MAX} characters`);
  }
  return password;
}
