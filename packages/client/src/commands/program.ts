import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QuorumError, visibleText } from '@quorumd/core';
import { Command, CommanderError } from 'commander';
import { terminalJson } from '../cli-output';
import { profileFile, profilePath } from '../cli-profile';
import { QuorumClient } from '../quorum-client';
import { addApiKeyCommands } from './api-keys';
import { addAuditCommand } from './audit';
import { CliRun, type CliDeps, type CliStream } from './context';
import { addDecisionCommands } from './decide';
import { addDownloadCommands } from './downloads';
import { errorHint } from './error-hint';
import { addHsmCommands } from './hsm';
import { addKeyCommands } from './keys';
import { addLifecycleCommands } from './lifecycle';
import { addNotificationCommands } from './notifications';
import { addPolicyCommands } from './policies';
import { addQuorumValueCommands } from './quorum-values';
import { addSessionCommands } from './session';
import { addTokenCommands } from './tokens';
import { addUserCommands } from './users';
import { addVerifyCommand } from './verify';

export type { CliDeps } from './context';

/** This package's version (package.json sits beside dist/ wherever the CLI is installed). */
function version(): string {
  try {
    return (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Commander's own output (help, usage errors) on the run's streams, sized and coloured as they allow. */
function outputOf(stdout: CliStream, stderr: CliStream) {
  const width = (s: CliStream) => (s.isTTY && s.columns ? s.columns : 80);
  const colors = (s: CliStream) => Boolean(s.isTTY && s.hasColors?.());
  return {
    writeOut: (text: string) => void stdout.write(text),
    writeErr: (text: string) => void stderr.write(text),
    getOutHelpWidth: () => width(stdout),
    getErrHelpWidth: () => width(stderr),
    getOutHasColors: () => colors(stdout),
    getErrHasColors: () => colors(stderr),
  };
}

/** A built CLI: its commander program, and `run`, which parses the arguments and answers with the exit code. */
export interface QuorumProgram {
  readonly command: Command;
  /** Runs one command line (the arguments after `quorum`); resolves to the exit code, never exits the process. */
  run(args: readonly string[]): Promise<number>;
}

/**
 * `quorum`: the officer's and the automation's command line, in the cloudhsm_mgmt_util
 * vocabulary (loginHSM, listUsers, createUser, getToken, approveToken, ...), plus keygen,
 * pending, show, sign, reject, wait, bytes, bundle, verify, api-keys and audit verify.
 * Human output by default, `--json` for scripts. Token ids may be shortened to their first
 * characters (at least 4) wherever a command takes one. Everything it reads or writes outside
 * itself comes from `deps`; it keeps no state between programs.
 */
export function buildProgram(deps: CliDeps): QuorumProgram {
  const program = new Command('quorum')
    .description('quorumd CLI: M-of-N approvals for sensitive operations')
    .version(version(), '-V, --version', 'print the version of this CLI')
    .option('--url <url>', 'quorumd URL (env QUORUM_URL, profile)')
    .option('--token <token>', 'session token or API key (env QUORUM_TOKEN, profile)')
    .option('--json', 'machine-readable output')
    .configureOutput(outputOf(deps.output.stdout, deps.output.stderr))
    .exitOverride()
    .showHelpAfterError();
  const run = new CliRun(deps, program);
  for (const add of [
    addSessionCommands,
    addUserCommands,
    addQuorumValueCommands,
    addPolicyCommands,
    addTokenCommands,
    addDecisionCommands,
    addLifecycleCommands,
    addHsmCommands,
    addDownloadCommands,
    addApiKeyCommands,
    addNotificationCommands,
    addKeyCommands,
    addVerifyCommand,
    addAuditCommand,
  ]) {
    add(program, run);
  }

  return {
    command: program,
    async run(args) {
      run.reset();
      try {
        await program.parseAsync([...args], { from: 'user' });
        return run.exitCode;
      } catch (err) {
        // Commander wrote its help or usage error already.
        if (err instanceof CommanderError) return err.exitCode;
        report(err, run);
        return 1;
      }
    },
  };
}

/** A failure as the CLI reports it: the RET_ code, the message and a hint (on stdout as JSON with --json). */
function report(err: unknown, run: CliRun): void {
  const { stdout, stderr } = run.deps.output;
  if (err instanceof QuorumError) {
    const extra = errorHint(err, run.attempted);
    // With --json, a gate refusal's quorumToken details as the server gave them.
    const quorumToken = err.details?.quorumToken;
    if (run.globals().json) stdout.write(terminalJson({ code: err.code, message: err.message, hint: extra, ...(quorumToken === undefined ? {} : { quorumToken }) }) + '\n');
    else stderr.write(`${err.code}: ${visibleText(err.message)}\n${extra ? visibleText(extra) + '\n' : ''}`);
  } else {
    stderr.write(`error: ${visibleText(err instanceof Error ? err.message : String(err))}\n`);
  }
}

/** The dependencies of the `quorum` binary: this process's streams and environment, the profile file. */
export function processDeps(): CliDeps {
  return {
    client: (connection) => new QuorumClient(connection),
    output: { stdout: process.stdout, stderr: process.stderr },
    profile: profileFile(profilePath(process.env)),
    input: process.stdin,
    env: process.env,
  };
}
