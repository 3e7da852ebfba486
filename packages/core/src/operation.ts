import { createHash } from 'node:crypto';
import { canonicalJson, checkJsonValue } from './canonical-json';
import { QuorumError } from './errors';
import { BUILTIN_GROUP, GROUP_NAME, SERVICE_NAME, parsePolicy, type QuorumPolicy } from './quorum-policy';
import { checkMValue, QUORUM_SERVICES, resolveService, SERVICE_NAMES, type QuorumService } from './quorum-services';
import { checkUserName, checkUserType } from './user-rules';

/** One exact operation a token authorises: a command and its arguments. */
export interface Operation {
  command: string;
  args: Record<string, unknown>;
}

const COMMAND_PATTERN = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/;
const MAX_ARGS_BYTES = 4096;
const MAX_ARGS_DEPTH = 8;
export const MAX_ARG_KEY_LENGTH = 64;

/** The quorumd commands a token can authorise, and the service each is protected by. */
export const PROTECTED_COMMANDS = {
  createUser: 'USER_MGMT',
  deleteUser: 'USER_MGMT',
  changePswd: 'USER_MGMT',
  setMValue: 'QUORUM_MGMT',
  setPolicy: 'QUORUM_MGMT',
  deleteService: 'QUORUM_MGMT',
  setGroup: 'QUORUM_MGMT',
} as const satisfies Record<string, QuorumService>;

type ProtectedCommand = keyof typeof PROTECTED_COMMANDS;

export function isProtectedCommand(command: string): command is ProtectedCommand {
  return Object.prototype.hasOwnProperty.call(PROTECTED_COMMANDS, command);
}

function userIdArg(args: Record<string, unknown>): number {
  const id = args.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) {
    throw new QuorumError('RET_BAD_REQUEST', 'args.id must be a positive integer user id');
  }
  return id;
}

/** `force` is part of the signed operation: present only as `true`, never beside the token. */
function forceArg(args: Record<string, unknown>): { force?: true } {
  if (args.force === undefined || args.force === false) return {};
  if (args.force !== true) throw new QuorumError('RET_BAD_REQUEST', 'args.force must be true or absent');
  return { force: true };
}

function onlyKeys(args: Record<string, unknown>, keys: string[]): void {
  const extra = Object.keys(args).filter((k) => !keys.includes(k));
  if (extra.length > 0) {
    throw new QuorumError('RET_BAD_REQUEST', `Unexpected argument(s): ${extra.slice(0, 5).join(', ')}`);
  }
}

/** The most members a group holds. */
export const MAX_GROUP_MEMBERS = 256;

/** A custom service's name: not a built-in one (their policy is their M: setMValue). */
function customServiceArg(args: Record<string, unknown>): string {
  const service = args.service;
  if (typeof service !== 'string' || !SERVICE_NAME.test(service)) throw new QuorumError('RET_BAD_REQUEST', `args.service must be a service name (${SERVICE_NAME.source})`);
  // (Nor any other name of one: USER, MISC_CO, QUORUM would name the built-in service everywhere else.)
  if (SERVICE_NAMES.some((name) => (QUORUM_SERVICES[name].aliases as readonly string[]).includes(service))) {
    throw new QuorumError('RET_BAD_REQUEST', `${service} is built in: its policy is its M value (setMValue)`);
  }
  return service;
}

/**
 * A built-in service named by setPolicy (canonical name): its policy is its M of every officer,
 * and only `requirePasskey` may be added (the M itself changes with setMValue, which the
 * script checks). Undefined for any other name.
 */
function builtinPolicyService(args: Record<string, unknown>, policy: QuorumPolicy): string | undefined {
  const service = args.service;
  if (typeof service !== 'string' || !SERVICE_NAMES.some((name) => (QUORUM_SERVICES[name].aliases as readonly string[]).includes(service) || name === service)) return undefined;
  const extra = Object.keys(policy).filter((field) => field !== 'rules' && field !== 'requirePasskey');
  if (extra.length > 0 || policy.rules.length !== 1 || policy.rules[0]?.group !== BUILTIN_GROUP) {
    throw new QuorumError('RET_BAD_REQUEST', `${service} is built in: its policy is {"rules":[{"group":"${BUILTIN_GROUP}","m":<its M>}]}, with requirePasskey alone beside it (its M changes with setMValue)`);
  }
  return resolveService(service);
}

function groupArg(args: Record<string, unknown>): string {
  const group = args.group;
  if (typeof group !== 'string' || !GROUP_NAME.test(group)) throw new QuorumError('RET_BAD_REQUEST', `args.group must be a group name (${GROUP_NAME.source})`);
  if (group === BUILTIN_GROUP) throw new QuorumError('RET_BAD_REQUEST', `${BUILTIN_GROUP} is built in (every crypto officer) and cannot be edited`);
  return group;
}

/** A group's members: distinct user ids, in ascending order (the one signed form). */
function membersArg(args: Record<string, unknown>): number[] {
  const members = args.members;
  if (!Array.isArray(members) || members.length > MAX_GROUP_MEMBERS) throw new QuorumError('RET_BAD_REQUEST', `args.members must be a list of at most ${MAX_GROUP_MEMBERS} user ids`);
  for (const id of members) {
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) throw new QuorumError('RET_BAD_REQUEST', 'args.members must hold positive integer user ids');
  }
  const ids = members as number[];
  if (new Set(ids).size !== ids.length) throw new QuorumError('RET_BAD_REQUEST', 'args.members names a user twice');
  return [...ids].sort((a, b) => a - b);
}

/**
 * Checks an operation and returns it in the one form that is signed and compared:
 * quorumd's own commands get their arguments validated and normalised (service names
 * canonical), other commands (for external systems) are kept as given.
 */
export function normalizeOperation(input: unknown): Operation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new QuorumError('RET_BAD_REQUEST', 'operation must be an object {command, args}');
  }
  const { command, args = {} } = input as { command?: unknown; args?: unknown };
  if (typeof command !== 'string' || !COMMAND_PATTERN.test(command)) {
    throw new QuorumError('RET_BAD_REQUEST', 'operation.command must be a command name');
  }
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    throw new QuorumError('RET_BAD_REQUEST', 'operation.args must be an object');
  }
  const a = args as Record<string, unknown>;
  checkJsonValue(a, { maxDepth: MAX_ARGS_DEPTH, maxKeyLength: MAX_ARG_KEY_LENGTH }, 'operation.args');
  if (Buffer.byteLength(canonicalJson(a)) > MAX_ARGS_BYTES) {
    throw new QuorumError('RET_BAD_REQUEST', `operation.args is larger than ${MAX_ARGS_BYTES} bytes`);
  }
  if (!isProtectedCommand(command)) return { command, args: a };
  switch (command) {
    case 'createUser':
      onlyKeys(a, ['type', 'name']);
      return { command, args: { type: checkUserType(a.type), name: checkUserName(a.name) } };
    case 'deleteUser':
      onlyKeys(a, ['id', 'force']);
      return { command, args: { id: userIdArg(a), ...forceArg(a) } };
    case 'changePswd':
      onlyKeys(a, ['id']);
      return { command, args: { id: userIdArg(a) } };
    case 'setMValue': {
      onlyKeys(a, ['service', 'm', 'force']);
      if (typeof a.service !== 'string' && typeof a.service !== 'number') {
        throw new QuorumError('RET_BAD_REQUEST', 'args.service must name a quorum service');
      }
      return { command, args: { service: resolveService(a.service), m: checkMValue(a.m), ...forceArg(a) } };
    }
    case 'setPolicy': {
      onlyKeys(a, ['service', 'policy', 'force']);
      // The policy as parsed: the canonical form of what was sent (unknown fields refused).
      const policy = parsePolicy(a.policy);
      return { command, args: { service: builtinPolicyService(a, policy) ?? customServiceArg(a), policy, ...forceArg(a) } };
    }
    case 'deleteService':
      onlyKeys(a, ['service']);
      return { command, args: { service: customServiceArg(a) } };
    case 'setGroup':
      onlyKeys(a, ['group', 'members', 'force']);
      return { command, args: { group: groupArg(a), members: membersArg(a), ...forceArg(a) } };
  }
}

/** SHA-256 (hex) of the canonical JSON of an operation. */
export function operationDigest(operation: Operation): string {
  return createHash('sha256').update(canonicalJson(operation)).digest('hex');
}
