import { QuorumError, type SignatureAlg } from '@quorumd/core';
import type { Command } from 'commander';
import { terminalJson, terminalText, type KnownUsers } from '../cli-output';
import { resolveConnection, type CliEnv, type ProfileStore } from '../cli-profile';
import { resolveTokenId } from '../cli-token-id';
import type { QuorumClient } from '../quorum-client';
import { ForgeSigner } from '../signers';
import type { AttemptedOperation } from './gate-refusal-hint';

/** A stream the CLI writes to; a terminal's width and colours are read when it has them. */
export type CliStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number; hasColors?: () => boolean };

/** Where the officer's answers come from: a terminal (isTTY) or not (a pipe, /dev/null: no answer). */
export type CliInput = NodeJS.ReadableStream & { isTTY?: boolean };

/** Everything a run of the CLI reads or writes outside itself: the binary passes the process's, a test its own. */
export interface CliDeps {
  /** The SDK client for a connection (the flags, environment and profile decide which). */
  client: (connection: { url: string; token?: string }) => QuorumClient;
  output: { stdout: CliStream; stderr: CliStream };
  profile: ProfileStore;
  input: CliInput;
  env: CliEnv;
}

type Globals = { url?: string; token?: string; json?: boolean };

/**
 * One run of the CLI: its dependencies, the program's global flags, and what the run learnt on
 * the way (the exit code a command chose, the operation a protected command attempted).
 * Nothing outlives the run.
 */
export class CliRun {
  exitCode = 0;
  attempted: AttemptedOperation | undefined;

  constructor(
    readonly deps: CliDeps,
    private readonly program: Command,
  ) {}

  reset(): void {
    this.exitCode = 0;
    this.attempted = undefined;
  }

  globals(): Globals {
    return this.program.opts<Globals>();
  }

  connection(): { url: string; token?: string } {
    return resolveConnection(this.globals(), this.deps.env, this.deps.profile.read());
  }

  client(): QuorumClient {
    return this.deps.client(this.connection());
  }

  /** One answer on stdout: the human text, or with --json the JSON value (both made terminal-safe). */
  print(human: string, json: unknown): void {
    this.deps.output.stdout.write((this.globals().json ? terminalJson(json) : terminalText(human)) + '\n');
  }

  /** A stream for notes and warnings. */
  note(text: string): void {
    this.deps.output.stderr.write(text);
  }

  tokenId(typed: string): Promise<string> {
    return resolveTokenId(this.client(), typed);
  }

  /** The --quorum-token of a protected command, resolved. */
  async quorumToken(opts: { quorumToken?: string }): Promise<{ quorumToken?: string }> {
    return opts.quorumToken ? { quorumToken: await this.tokenId(opts.quorumToken) } : {};
  }

  signer(opts: { key: string; alg?: string; passphrase?: string }): ForgeSigner {
    return ForgeSigner.fromFile(opts.key, { alg: (opts.alg ?? 'RS256') as SignatureAlg, passphrase: opts.passphrase ?? this.deps.env.QUORUM_KEY_PASSPHRASE });
  }

  async userByName(name: string): Promise<{ id: number; type: string }> {
    const user = (await this.client().listUsers()).find((u) => u.name.toLowerCase() === name.toLowerCase());
    if (!user) throw new QuorumError('RET_USER_NOT_FOUND', `No user named ${name}`);
    return user;
  }

  /** Every user by id (name and type), to show approvers by name; empty when the caller may not list users (an API key). */
  async knownUsers(): Promise<KnownUsers> {
    try {
      return new Map((await this.client().listUsers()).map((u) => [u.id, u]));
    } catch {
      return new Map();
    }
  }

  /**
   * The id of the logged-in user when it is the one named `name`: the profile's session is the
   * one in use and loginHSM kept that name. Asks the server nothing (a session with a one-time
   * password may not list users).
   */
  selfNamed(name: string): number | undefined {
    const profile = this.deps.profile.read();
    if (profile.userId === undefined || profile.userName === undefined || profile.token === undefined) return undefined;
    if (this.connection().token !== profile.token) return undefined;
    return profile.userName.toLowerCase() === name.toLowerCase() ? profile.userId : undefined;
  }

  /** The logged-in user, as the profile keeps it. */
  me(): number {
    const fromProfile = this.deps.profile.read().userId;
    if (fromProfile) return fromProfile;
    throw new QuorumError('RET_UNAUTHORIZED', 'Run quorum loginHSM first');
  }
}
