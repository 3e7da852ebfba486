#!/usr/bin/env node
/**
 * `quorum`: the officer's and the automation's command line, in the cloudhsm_mgmt_util
 * vocabulary (loginHSM, listUsers, createUser, getToken, approveToken, ...), plus keygen,
 * pending, show, sign, reject, wait, bytes, bundle, verify, api-keys and audit verify.
 * Human output by default, `--json` for scripts. Token ids may be shortened to their first
 * characters (at least 4) wherever a command takes one.
 */
import { createInterface } from 'node:readline/promises';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { QuorumError, visibleText, describeAuditVerdict, parseTokenBytes, type SignatureAlg } from '@quorumd/core';
import { Command, Option } from 'commander';
import { parseApprovalFile } from './approval-file';
import { fingerprintOf, verifyBundle } from './bundle-verify';
import { apiKeysTable, terminalJson, terminalText, tokenDetails, tokensTable, usersTable } from './cli-output';
import { readProfile, resolveConnection, writeProfile } from './cli-profile';
import { isFullTokenId, resolveTokenId } from './cli-token-id';
import { readTrustedKeys } from './cli-trusted-keys';
import { QuorumClient, type Bundle, type TokenView } from './quorum-client';
import { ForgeSigner, generateQuorumKey } from './signers';
import { auditVerdict, type AuditVerifyOptions } from './commands/audit-verify';

/** Exit codes of `quorum wait`: 5 is a token already CONSUMED or DELETED. */
export const WAIT_EXIT = { APPROVED: 0, REJECTED: 2, EXPIRED: 3, TIMEOUT: 4, OTHER: 5 } as const;

/** This package's version (package.json sits beside dist/ wherever the CLI is installed). */
function version(): string {
  try {
    return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

const program = new Command('quorum')
  .description('quorumd CLI: M-of-N approvals for sensitive operations')
  .version(version(), '-V, --version', 'print the version of this CLI')
  .option('--url <url>', 'quorumd URL (env QUORUM_URL, profile)')
  .option('--token <token>', 'session token or API key (env QUORUM_TOKEN, profile)')
  .option('--json', 'machine-readable output')
  .showHelpAfterError();

type Globals = { url?: string; token?: string; json?: boolean };
const globals = (): Globals => program.opts<Globals>();
const client = () => new QuorumClient(resolveConnection(globals()));
const print = (human: string, json: unknown) => process.stdout.write((globals().json ? terminalJson(json) : terminalText(human)) + '\n');
const tokenId = (typed: string) => resolveTokenId(client(), typed);

/**
 * The operation a protected command was about to run, so that a RET_MXN_AUTH_FAILED hint
 * can show the exact getToken for it.
 */
let attempted: { service: string; command: string; args: Record<string, unknown> } | undefined;

function signerFrom(opts: { key: string; alg?: string; passphrase?: string }): ForgeSigner {
  return ForgeSigner.fromFile(opts.key, { alg: (opts.alg ?? 'RS256') as SignatureAlg, passphrase: opts.passphrase ?? process.env.QUORUM_KEY_PASSPHRASE });
}

async function userByName(name: string): Promise<{ id: number; type: string }> {
  const user = (await client().listUsers()).find((u) => u.name.toLowerCase() === name.toLowerCase());
  if (!user) throw new QuorumError('RET_USER_NOT_FOUND', `No user named ${name}`);
  return user;
}

async function me(): Promise<number> {
  const fromProfile = readProfile().userId;
  if (fromProfile) return fromProfile;
  throw new QuorumError('RET_UNAUTHORIZED', 'Run quorum loginHSM first');
}

program
  .command('loginHSM')
  .description('log in and keep the session in the profile: loginHSM <CO|CU|AU> <name> <password>')
  .argument('<type>')
  .argument('<name>')
  .argument('<password>')
  .action(async (type: string, name: string, password: string) => {
    const url = resolveConnection(globals()).url;
    const session = await new QuorumClient({ url }).login(name, password);
    if (session.user.type !== type.toUpperCase()) throw new QuorumError('RET_LOGIN_FAILED', `${name} is a ${session.user.type}, not a ${type}`);
    writeProfile({ url, token: session.token, userId: session.user.id });
    print(`loginHSM success on server 0(${url}) as ${session.user.type} ${session.user.name}`, session.user);
  });

program.command('logoutHSM').description('end the session kept in the profile').action(async () => {
  await client().logout();
  writeProfile({ url: resolveConnection(globals()).url });
  print('logoutHSM success', { ok: true });
});

program.command('listUsers').description('list users, with whether each holds a quorum key (MofnPubKey)').action(async () => {
  const users = await client().listUsers();
  print(usersTable(users, resolveConnection(globals()).url), { users });
});

const tokenOption = () => new Option('--quorum-token <id>', 'approved quorum token for exactly this operation (id or its first characters)');
const quorumToken = async (opts: { quorumToken?: string }) => (opts.quorumToken ? { quorumToken: await tokenId(opts.quorumToken) } : {});

program
  .command('createUser')
  .description('create a user (CO, CU or AU); under a quorum, with a token for {"type","name"}')
  .argument('<type>', 'CO, CU or AU')
  .argument('<name>')
  .argument('<password>')
  .addOption(tokenOption())
  .action(async (type: string, name: string, password: string, opts: { quorumToken?: string }) => {
    attempted = { service: 'USER_MGMT', command: 'createUser', args: { type: type.toUpperCase(), name } };
    const user = await client().createUser({ type: type.toUpperCase(), name, password, ...(await quorumToken(opts)) });
    print(`createUser success: ${user.type} ${user.name} (id ${user.id})`, { user });
  });

program
  .command('deleteUser')
  .description('delete a user; under a quorum, with a token for {"id": <its user id>} (the hint shows the exact getToken)')
  .argument('<type>', 'CO, CU or AU')
  .argument('<name>')
  .addOption(tokenOption())
  .action(async (_type: string, name: string, opts: { quorumToken?: string }) => {
    const user = await userByName(name);
    attempted = { service: 'USER_MGMT', command: 'deleteUser', args: { id: user.id } };
    await client().deleteUser(user.id, (await quorumToken(opts)).quorumToken);
    print(`deleteUser success: ${name}`, { ok: true, id: user.id });
  });

program
  .command('changePswd')
  .description("change a user's password; another user's under a quorum, with a token for {\"id\": <its user id>}")
  .argument('<type>', 'CO, CU or AU')
  .argument('<name>')
  .argument('<password>')
  .addOption(tokenOption())
  .action(async (_type: string, name: string, password: string, opts: { quorumToken?: string }) => {
    const user = await userByName(name);
    attempted = { service: 'USER_MGMT', command: 'changePswd', args: { id: user.id } };
    await client().changePassword(user.id, password, (await quorumToken(opts)).quorumToken);
    print(`changePswd success: ${name}`, { ok: true, id: user.id });
  });

program
  .command('getMValue')
  .description('show the M (approvals needed) of a quorum service')
  .argument('<service>', 'USER_MGMT, QUORUM_MGMT (or 3, 4, user, quorum)')
  .action(async (service: string) => {
    const v = await client().getMValue(service);
    print(`MValue of service ${v.number} (${v.service}): ${v.m}`, v);
  });

program
  .command('setMValue')
  .description('set the M of a quorum service (1-8); under a quorum, with a QUORUM_MGMT token for {"service","m"}')
  .argument('<service>', 'USER_MGMT, QUORUM_MGMT (or 3, 4, user, quorum)')
  .argument('<m>', '1 to 8')
  .addOption(tokenOption())
  .option('--force', 'set M above the number of officers holding keys')
  .action(async (service: string, m: string, opts: { quorumToken?: string; force?: boolean }) => {
    attempted = { service: 'QUORUM_MGMT', command: 'setMValue', args: { service, m: Number(m) } };
    const v = await client().setMValue(service, Number(m), { ...(await quorumToken(opts)), force: opts.force === true });
    print(`setMValue success: service ${v.number} (${v.service}) M = ${v.m}`, v);
  });

program
  .command('getToken')
  .description('request a quorum token for one operation')
  .requiredOption('--service <service>', 'USER_MGMT, QUORUM_MGMT (or 3, 4, user, quorum)')
  .requiredOption('--command <command>', 'e.g. createUser')
  .option('--args <json>', 'arguments as JSON, e.g. {"type":"CU","name":"alice"}', '{}')
  .option('--ttl <seconds>', 'time to approve')
  .action(async (opts: { service: string; command: string; args: string; ttl?: string }) => {
    const token = await client().requestQuorum({
      service: opts.service,
      operation: { command: opts.command, args: JSON.parse(opts.args) as Record<string, unknown> },
      ...(opts.ttl ? { ttlSeconds: Number(opts.ttl) } : {}),
    });
    print(`getToken success: ${token.id}\n${tokenDetails(token)}`, { token });
  });

program
  .command('listTokens')
  .description('list tokens (newest first)')
  .option('--status <status>', 'PENDING, APPROVED, REJECTED, EXPIRED, CONSUMED or DELETED')
  .option('--limit <n>', 'at most this many (1-500)', '100')
  .action(async (opts: { status?: string; limit: string }) => {
    const tokens = await client().listTokens(opts.status, Number(opts.limit));
    print(tokensTable(tokens), { tokens });
  });

program.command('pending').description('list the PENDING tokens awaiting your decision (your queue), soonest expiry first').action(async () => {
  const tokens = await client().pending();
  print(tokens.length ? tokensTable(tokens) : 'No tokens await your decision.', { tokens });
});

program
  .command('show')
  .description('show exactly what a token would approve: operation, requester, expiry, approvals')
  .argument('<token>', 'token id or its first characters')
  .action(async (typed: string) => {
    const token = await client().getToken(await tokenId(typed));
    print(tokenDetails(token), { token });
  });

/**
 * The officer's answer to a y/N question, or undefined when there is none to be had: standard
 * input is no terminal (a script, a pipe, /dev/null), or it ended before a line was typed.
 * Only --yes approves without a typed answer.
 */
async function askYesNo(question: string, output: NodeJS.WritableStream): Promise<string | undefined> {
  if (!process.stdin.isTTY) return undefined;
  const rl = createInterface({ input: process.stdin, output });
  const ended = new Promise<undefined>((resolve) => rl.once('close', () => resolve(undefined)));
  try {
    return await Promise.race([rl.question(question), ended]);
  } finally {
    rl.close();
  }
}

async function sign(typed: string, opts: { key: string; alg?: string; passphrase?: string; yes?: boolean }): Promise<void> {
  const c = client();
  const id = await tokenId(typed);
  const token = await c.getToken(id);
  if (!opts.yes) {
    // --json changes the output only: the question is still asked (on stderr, so stdout stays JSON).
    const shown = globals().json ? process.stderr : process.stdout;
    shown.write(terminalText(tokenDetails(token)) + '\n');
    const answer = await askYesNo('Approve exactly this operation? [y/N] ', shown);
    if (answer === undefined) throw new QuorumError('RET_FORBIDDEN', 'not approved (no answer; use --yes in scripts)');
    if (!/^y(es)?$/i.test(answer.trim())) throw new QuorumError('RET_FORBIDDEN', 'Not approved');
  }
  const after = await c.approve(id, signerFrom(opts));
  print(`approveToken success: ${after.status}, ${after.approvals.length} of ${after.required} approvals`, { token: after });
}

program
  .command('sign')
  .description('show the token (with an HSM token’s hints), ask y/N, sign what it is signed over with your key and approve')
  .argument('<token>', 'token id or its first characters')
  .requiredOption('--key <file>', 'your RSA private key (PEM)')
  .addOption(new Option('--alg <alg>', 'signature scheme').choices(['RS256', 'PS256']).default('RS256'))
  .option('--passphrase <passphrase>', 'of an encrypted key (or env QUORUM_KEY_PASSPHRASE)')
  .option('--yes', 'do not ask for confirmation')
  .action(sign);

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
      return sign(target, { ...opts, key: opts.key });
    }
    // An approval file: the token file holds the token bytes; each approver's file, a signature
    // (as openssl dgst -sha256 -sign writes it). Each CO's signature is sent with that CO's own
    // session, so this submits the logged-in officer's entry and lists the others.
    const file = parseApprovalFile(readFileSync(target, 'utf8'));
    const bytes = readFileSync(file.tokenFile);
    const id = parseTokenBytes(bytes).id;
    const c = client();
    const self = (await c.listUsers()).find((u) => u.id === readProfile().userId);
    const mine = file.approvers.find((a) => a.name.toLowerCase() === self?.name.toLowerCase());
    if (!mine) throw new QuorumError('RET_FORBIDDEN', `The approval file has no entry for ${self?.name ?? 'the logged-in user'}`);
    const signature = readFileSync(mine.approvalFile).toString('base64');
    const token = await c.approveWithSignature(id, signature, (opts.alg ?? 'RS256') as SignatureAlg);
    const others = file.approvers.filter((a) => a !== mine).map((a) => a.name);
    print(
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
    const token = await client().reject(await tokenId(typed), reason ?? '');
    print(`reject success: ${token.status}`, { token });
  });

program
  .command('delToken')
  .description('delete a token (the requester, or a CO)')
  .argument('<token>', 'token id or its first characters')
  .action(async (typed: string) => {
    const id = await tokenId(typed);
    await client().deleteToken(id);
    print(`delToken success: ${id}`, { ok: true });
  });

program
  .command('wait')
  .description('block until the token leaves PENDING: exit 0 APPROVED, 2 REJECTED, 3 EXPIRED, 4 timeout (still PENDING), 5 CONSUMED or DELETED')
  .argument('<token>', 'token id or its first characters')
  .option('--timeout <seconds>', 'give up after', '600')
  .action(async (typed: string, opts: { timeout: string }) => {
    const token = await client().waitForApproval(await tokenId(typed), { timeoutMs: Number(opts.timeout) * 1000 });
    print(`${token.status}: ${token.approvals.length} of ${token.required} approvals`, { token });
    const code = token.status === 'PENDING' ? WAIT_EXIT.TIMEOUT : (WAIT_EXIT as Record<string, number>)[token.status] ?? WAIT_EXIT.OTHER;
    process.exitCode = code;
  });

const hsm = program.command('hsm').description('AWS CloudHSM quorum tokens: submit a token file for the officers to approve, fetch it signed');

hsm
  .command('submit')
  .description('submit a token file (from quorum token-sign generate) for approval; with --wait, write the signed file back when approved')
  .argument('<file>', 'the token file, e.g. admin.token')
  .requiredOption('--service <service>', 'CloudHSM quorum service: user, quorum, cluster, key-usage or key-management')
  .requiredOption('--describe <text>', 'what the token approves, e.g. "user create --username user1 --role crypto-user"')
  .option('--wait', 'wait for the approvals, then write the signed file back to <file>')
  .option('--timeout <seconds>', 'with --wait: give up after', '600')
  .action(async (file: string, opts: { service: string; describe: string; wait?: boolean; timeout: string }) => {
    const c = client();
    const token = await c.submitCloudHsmToken(JSON.parse(readFileSync(file, 'utf8')) as object, { service: opts.service, description: opts.describe });
    print(`submitted: token ${token.id}, ${token.required} approvals needed, digest ${token.cloudhsm?.digest ?? ''}`, { token });
    if (!opts.wait) return;
    const done = await c.waitForApproval(token.id, { timeoutMs: Number(opts.timeout) * 1000 });
    if (done.status !== 'APPROVED') {
      print(`${done.status}: ${done.approvals.length} of ${done.required} approvals; ${file} is unchanged`, { token: done });
      process.exitCode = done.status === 'PENDING' ? WAIT_EXIT.TIMEOUT : (WAIT_EXIT as Record<string, number>)[done.status] ?? WAIT_EXIT.OTHER;
      return;
    }
    const signed = (await c.fetchCloudHsmTokenFile(token.id)) as { signatures: unknown[] };
    writeFileSync(file, `${JSON.stringify(signed, null, 2)}\n`);
    print(`approved: ${file} now holds ${signed.signatures.length} signature(s); run the command with --approval ${file}`, { token: done, file });
  });

hsm
  .command('fetch')
  .description('write the approved token file with the officers’ signatures (uses the token: once)')
  .argument('<token>', 'token id or its first characters')
  .requiredOption('-o, --out <file>', 'where to write it, e.g. admin.token')
  .action(async (typed: string, opts: { out: string }) => {
    const signed = (await client().fetchCloudHsmTokenFile(await tokenId(typed))) as { signatures: unknown[] };
    writeFileSync(opts.out, `${JSON.stringify(signed, null, 2)}\n`);
    print(`wrote ${opts.out} with ${signed.signatures.length} signature(s): run the command with --approval ${opts.out}`, { file: opts.out });
  });

program
  .command('bytes')
  .description('save the exact token bytes that officers sign (e.g. with openssl dgst -sha256 -sign)')
  .argument('<token>', 'token id or its first characters')
  .option('--out <file>', 'where to write them', '<token id>.token.bin')
  .action(async (typed: string, opts: { out: string }) => {
    const id = await tokenId(typed);
    const bytes = await client().tokenBytes(id);
    const file = opts.out === '<token id>.token.bin' ? `${id}.token.bin` : opts.out;
    writeFileSync(file, bytes);
    print(`saved ${bytes.length} bytes of token ${id} to ${file}`, { tokenId: id, file, bytes: bytes.length });
  });

program
  .command('bundle')
  .description('download the approval bundle of a token (token bytes and every approval), for quorum verify or openssl')
  .argument('<token>', 'token id or its first characters')
  .option('--out <file>', 'where to write it', '<token id>.bundle.json')
  .action(async (typed: string, opts: { out: string }) => {
    const id = await tokenId(typed);
    const bundle = await client().bundle(id);
    const file = opts.out === '<token id>.bundle.json' ? `${id}.bundle.json` : opts.out;
    writeFileSync(file, JSON.stringify({ bundle }, null, 2) + '\n');
    print(`saved the bundle of token ${id} (${bundle.approvals.length} approvals) to ${file}`, { tokenId: id, file, approvals: bundle.approvals.length });
  });

const apiKeys = program.command('api-keys').description('API keys for automation: create, list, delete (a CO)');
apiKeys
  .command('create')
  .description('create an API key; the key is shown once')
  .argument('<name>', '1-64 letters, digits, _ . -')
  .option('--scopes <scopes>', 'comma-separated: tokens:issue, tokens:read, tokens:consume (default: all three)')
  .action(async (name: string, opts: { scopes?: string }) => {
    const created = await client().createApiKey(name, opts.scopes ? opts.scopes.split(',').map((s) => s.trim()).filter(Boolean) : undefined);
    print(`api key ${created.apiKey.id} (${created.apiKey.name}; ${created.apiKey.scopes.join(', ')}):\n${created.key}\n(shown once: keep it where the automation reads it, e.g. QUORUM_API_KEY)`, created);
  });
apiKeys
  .command('list')
  .description('list the API keys (never the keys themselves)')
  .action(async () => {
    const keys = await client().listApiKeys();
    print(keys.length ? apiKeysTable(keys) : 'No API keys.', { apiKeys: keys });
  });
apiKeys
  .command('delete')
  .description('delete an API key: it stops working at once')
  .argument('<id>', 'the key id (12 hex digits, as api-keys list shows)')
  .action(async (id: string) => {
    await client().deleteApiKey(id);
    print(`api key ${id} deleted`, { ok: true, id });
  });

program
  .command('keygen')
  .description('make an RSA key pair with node-forge: DIR/private.pem (0600, encrypted with a passphrase) and DIR/public.pem')
  .option('--bits <bits>', '2048-4096', '2048')
  .requiredOption('--out <dir>', 'directory for private.pem and public.pem')
  .option('--passphrase <passphrase>', 'encrypts private.pem (PKCS#8)')
  .action((opts: { bits: string; out: string; passphrase?: string }) => {
    const pair = generateQuorumKey(Number(opts.bits), opts.passphrase);
    mkdirSync(opts.out, { recursive: true });
    writeFileSync(join(opts.out, 'private.pem'), pair.privatePem, { mode: 0o600 });
    writeFileSync(join(opts.out, 'public.pem'), pair.publicPem);
    print(`keygen: ${join(opts.out, 'private.pem')} and public.pem (fingerprint ${fingerprintOf(pair.publicPem)})`, { fingerprint: fingerprintOf(pair.publicPem) });
  });

for (const name of ['register-key', 'registerQuorumPubKey']) {
  program
    .command(name)
    .description('register the public half of your key, proving you hold the private half')
    .requiredOption('--key <file>', 'your RSA private key (PEM)')
    .option('--passphrase <passphrase>', 'of an encrypted key (or env QUORUM_KEY_PASSPHRASE)')
    .action(async (opts: { key: string; passphrase?: string }) => {
      const signer = signerFrom(opts);
      const result = await client().registerQuorumKey(await me(), signer.publicKeyPem(), signer);
      print(`registerQuorumPubKey success: fingerprint ${result.fingerprint}`, result);
    });
}

program
  .command('verify')
  .description('offline check of an approval bundle (from GET /v1/tokens/{id}/bundle or consume)')
  .argument('<bundle.json>')
  .option('--keys <dir>', 'trust only the public keys in this directory (every PEM file: .pem, .pub, certificates)')
  .action((file: string, opts: { keys?: string }) => {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { bundle?: Bundle } & Bundle;
    let trusted: Set<string> | undefined;
    if (opts.keys) {
      const keys = readTrustedKeys(opts.keys);
      for (const note of keys.skipped) process.stderr.write(`note: skipped ${visibleText(note)}\n`);
      trusted = keys.fingerprints;
    }
    const verdict = verifyBundle(parsed.bundle ?? parsed, trusted);
    print(verdict.ok ? `bundle OK: token ${verdict.tokenId}, ${verdict.approvals} of ${verdict.m} approvals verify` : `bundle INVALID: ${verdict.reason}`, verdict);
    if (!verdict.ok) process.exitCode = 1;
  });

program
  .command('audit')
  .description('audit verify: fetch the audit log, its head and signed checkpoints, and check them all locally')
  .argument('<action>', 'verify')
  .option('--file <file>', 'an export (one entry per line, as GET /v1/audit?format=raw gives it) instead of the service')
  .option('--issuer <name>', 'with --file: the deployment name its checkpoints are signed for')
  .option('--checkpoints <file>', 'checkpoints kept outside the service (JSON lines) instead of its own list')
  .option('--public-key <file>', 'the audit public key (PEM) to pin, instead of the one the service publishes (which is kept in Redis)')
  .option('--max-checkpoint-age <seconds>', 'fail when the newest checkpoint is older than this while entries it does not cover are too, or an entry stays unsealed that long (default: 5 of the service’s checkpoint intervals, at least 10 s)')
  .action(async (action: string, opts: AuditVerifyOptions) => {
    if (action !== 'verify') throw new QuorumError('RET_BAD_REQUEST', 'usage: quorum audit verify [--file FILE [--issuer NAME]] [--checkpoints FILE] [--public-key FILE] [--max-checkpoint-age SECONDS]');
    const verdict = await auditVerdict(client, opts, (line) => process.stderr.write(`${line}\n`));
    print(describeAuditVerdict(verdict), verdict);
    if (!verdict.ok) process.exitCode = 1;
  });

/** A one-line hint per code; for RET_MXN_AUTH_FAILED, how far the quorum is and who can still approve. */
async function hint(err: QuorumError): Promise<string | undefined> {
  if (err.code === 'RET_MXN_AUTH_FAILED') {
    const given = process.argv.includes('--quorum-token') ? process.argv[process.argv.indexOf('--quorum-token') + 1] : undefined;
    if (!given) {
      if (!attempted) return 'hint: request a token for this exact operation (quorum getToken ...), have officers sign it, then pass --quorum-token';
      const args = JSON.stringify(attempted.args).replace(/'/g, "'\\''");
      return `hint: request a token for exactly this operation: quorum getToken --service ${attempted.service} --command ${attempted.command} --args '${args}' ; have officers sign it, then run this again with --quorum-token <id>`;
    }
    try {
      const c = client();
      const token: TokenView = await c.getToken(isFullTokenId(given) ? given : await resolveTokenId(c, given));
      const decided = new Set([...token.approvals.map((a) => a.userId), ...token.rejections.map((r) => r.userId)]);
      const can = (await c.listUsers()).filter((u) => u.mofnPubKey && !decided.has(u.id)).map((u) => u.name);
      return `hint: ${token.approvals.length} of ${token.required} approvals; can still approve: ${can.join(', ') || 'nobody'}`;
    } catch {
      return undefined;
    }
  }
  const hints: Partial<Record<string, string>> = {
    RET_UNAUTHORIZED: 'hint: log in with quorum loginHSM <type> <name> <password>, or set QUORUM_TOKEN',
    RET_USER_LOCKED: 'hint: a crypto officer must change this user’s password (changePswd)',
    RET_SIGNATURE_INVALID: 'hint: sign with the private key whose public half you registered',
    RET_QUORUM_KEY_NOT_REGISTERED: 'hint: quorum keygen --out DIR, then quorum register-key --key DIR/private.pem',
    RET_STORE_UNAVAILABLE: 'hint: is quorumd running at --url / QUORUM_URL?',
  };
  return hints[err.code];
}

program.parseAsync(process.argv).catch(async (err: unknown) => {
  if (err instanceof QuorumError) {
    const extra = await hint(err);
    if (globals().json) process.stdout.write(terminalJson({ code: err.code, message: err.message, hint: extra }) + '\n');
    else process.stderr.write(`${err.code}: ${visibleText(err.message)}\n${extra ? visibleText(extra) + '\n' : ''}`);
  } else {
    process.stderr.write(`error: ${visibleText(err instanceof Error ? err.message : String(err))}\n`);
  }
  process.exitCode = 1;
});
