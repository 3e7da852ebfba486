import { existsSync, readFileSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { QuorumError, parseTokenBytes, type SignatureAlg } from '@quorumd/core';
import { Option, type Command } from 'commander';
import { parseApprovalFile } from '../approval-file';
import { terminalText, tokenDetails } from '../cli-output';
import type { CliInput, CliRun } from './context';

/**
 * The officer's answer to a y/N question, or undefined when there is none to be had: the input
 * is no terminal (a script, a pipe, /dev/null), or it ended before a line was typed. Only
 * --yes approves without a typed answer.
 */
async function askYesNo(question: string, input: CliInput, output: NodeJS.WritableStream): Promise<string | undefined> {
  if (!input.isTTY) return undefined;
  const rl = createInterface({ input, output });
  try {
    // The line and the end arrive as events in order: a line typed just before the input ends
    // is the answer (racing rl.question's promise against 'close' could lose it).
    return await new Promise<string | undefined>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(undefined));
      rl.setPrompt(question);
      rl.prompt();
    });
  } finally {
    rl.close();
  }
}

type SignOptions = { key: string; alg?: string; passphrase?: string; yes?: boolean };

/**
 * The CLI cannot reach an authenticator: a token whose approvals need a passkey assertion is
 * approved in the console, at the link this names.
 */
function passkeyRefusal(run: CliRun, id: string): QuorumError {
  const url = `${run.connection().url.replace(/\/+$/, '')}/console#/tokens/${id}`;
  return new QuorumError('RET_PASSKEY_REQUIRED', `This token's approvals need a passkey, which the CLI cannot reach: approve it in the console, ${url}`);
}

async function sign(run: CliRun, typed: string, opts: SignOptions): Promise<void> {
  const c = run.client();
  const id = await run.tokenId(typed);
  const token = await c.getToken(id);
  // Stops before signing when the policy signed into the token says so.
  if (token.policy?.requirePasskey === true) throw passkeyRefusal(run, id);
  if (!opts.yes) {
    // --json changes the output only: the question is still asked (on stderr, so stdout stays JSON).
    const shown = run.globals().json ? run.deps.output.stderr : run.deps.output.stdout;
    shown.write(terminalText(tokenDetails(token, await run.knownUsers())) + '\n');
    const answer = await askYesNo('Approve exactly this operation? [y/N] ', run.deps.input, shown);
    if (answer === undefined) throw new QuorumError('RET_FORBIDDEN', 'not approved (no answer; use --yes in scripts)');
    if (!/^y(es)?$/i.test(answer.trim())) throw new QuorumError('RET_FORBIDDEN', 'Not approved');
  }
  // (A deployment that requires passkeys everywhere, or a policy changed since: the server refuses, having written nothing.)
  const after = await c.approve(id, run.signer(opts)).catch((err: unknown) => {
    throw err instanceof QuorumError && err.code === 'RET_PASSKEY_REQUIRED' ? passkeyRefusal(run, id) : err;
  });
  run.print(`approveToken success: ${after.status}, ${after.approvals.length} of ${after.required} approvals`, { token: after });
}

/** sign, approveToken, reject: an officer's decision on a token. */
export function addDecisionCommands(program: Command, run: CliRun): void {
  program
    .command('sign')
    .description('show the token (with an HSM token’s hints), ask y/N, sign what it is signed over with your key and approve')
    .argument('<token>', 'token id or its first characters')
    .requiredOption('--key <file>', 'your RSA private key (PEM)')
    .addOption(new Option('--alg <alg>', 'signature scheme').choices(['RS256', 'PS256']).default('RS256'))
    .option('--passphrase <passphrase>', 'of an encrypted key (or env QUORUM_KEY_PASSPHRASE)')
    .option('--yes', 'do not ask for confirmation')
    .action((typed: string, opts: SignOptions) => sign(run, typed, opts));

  program
    .command('approveToken')
    .description('approve: approveToken <token> --key FILE, or approveToken approval.txt (a cloudhsm_mgmt_util approval file)')
    .argument('<tokenOrApprovalFile>')
    .option('--key <file>', 'your RSA private key (PEM)')
    .addOption(new Option('--alg <alg>', 'signature scheme').choices(['RS256', 'PS256']).default('RS256'))
    .option('--passphrase <passphrase>', 'of an encrypted key (or env QUORUM_KEY_PASSPHRASE)')
    .option('--yes', 'do not ask for confirmation')
    .action(async (target: string, opts: { key?: string; alg?: string; passphrase?: string; yes?: boolean }) => {
      if (!existsSync(target) || !statSync(target).isFile()) {
        if (!opts.key) throw new QuorumError('RET_BAD_REQUEST', `approveToken ${target}: no such approval file; to approve a token by id, add --key FILE`);
        return sign(run, target, { ...opts, key: opts.key });
      }
      // An approval file: the token file holds the token bytes; each approver's file, a signature
      // (as openssl dgst -sha256 -sign writes it). Each CO's signature is sent with that CO's own
      // session, so this submits the logged-in officer's entry and lists the others.
      const file = parseApprovalFile(readFileSync(target, 'utf8'));
      const bytes = readFileSync(file.tokenFile);
      const id = parseTokenBytes(bytes).id;
      const c = run.client();
      const self = (await c.listUsers()).find((u) => u.id === run.deps.profile.read().userId);
      const mine = file.approvers.find((a) => a.name.toLowerCase() === self?.name.toLowerCase());
      if (!mine) throw new QuorumError('RET_FORBIDDEN', `The approval file has no entry for ${self?.name ?? 'the logged-in user'}`);
      const signature = readFileSync(mine.approvalFile).toString('base64');
      const token = await c.approveWithSignature(id, signature, (opts.alg ?? 'RS256') as SignatureAlg);
      const others = file.approvers.filter((a) => a !== mine).map((a) => a.name);
      run.print(
        `approveToken success: ${token.status}, ${token.approvals.length} of ${token.required} approvals${others.length ? `; to submit with their own sessions: ${others.join(', ')}` : ''}`,
        { token, pending: others },
      );
    });

  program
    .command('reject')
    .description('reject a PENDING token, with a reason')
    .argument('<token>', 'token id or its first characters')
    .argument('[reason]')
    .action(async (typed: string, reason?: string) => {
      const token = await run.client().reject(await run.tokenId(typed), reason ?? '');
      run.print(`reject success: ${token.status}`, { token });
    });
}
