import { readFileSync } from 'node:fs';
import { QuorumError, visibleText } from '@quorumd/core';
import type { Command } from 'commander';
import { verifyBundleLogProof } from '../bundle-log-proof';
import { verifyBundle, type BundleRequirements, type BundleVerdict } from '../bundle-verify';
import { readTrustedKeys } from '../cli-trusted-keys';
import type { Bundle } from '../quorum-client';
import type { CliRun } from './context';

/** Exit codes of `quorum verify`: 2 is a bundle whose signatures verify only with its own keys (no --keys). */
const VERIFY_EXIT = { OK: 0, INVALID: 1, UNPINNED: 2 } as const;

const UNPINNED =
  "no --keys: the approvals were checked with the keys the bundle itself carries, which anyone can generate (with made-up user ids); this proves nothing about who signed. Pin the officers' public keys with --keys DIR, or accept the bundle's own keys with --trust-bundle-keys";

type VerifyOptions = { keys?: string; trustBundleKeys?: boolean; issuer?: string; minM?: string; rpId?: string; origin?: string; allowBreakGlass?: boolean; auditKey?: string };

/** `--audit-key`: the verifier key itself (`<name>+<hash>+<key>`), or a file holding it. */
function auditKeyText(given: string): string {
  return given.includes('+') ? given : readFileSync(given, 'utf8').trim();
}

function requirementsOf(opts: VerifyOptions): BundleRequirements {
  if (opts.keys !== undefined && opts.trustBundleKeys) throw new QuorumError('RET_BAD_REQUEST', 'give --keys DIR or --trust-bundle-keys, not both');
  if (opts.minM !== undefined && !/^[1-8]$/.test(opts.minM)) throw new QuorumError('RET_BAD_REQUEST', '--min-m must be an integer from 1 to 8');
  return {
    ...(opts.issuer !== undefined ? { issuer: opts.issuer } : {}),
    ...(opts.minM !== undefined ? { minM: Number(opts.minM) } : {}),
    ...(opts.rpId !== undefined ? { rpId: opts.rpId } : {}),
    ...(opts.origin !== undefined ? { origin: opts.origin } : {}),
    ...(opts.allowBreakGlass ? { allowBreakGlass: true } : {}),
  };
}

/** What the signed token bytes say the approvals are for, one line each. */
function whatItApproves(verdict: Extract<BundleVerdict, { ok: true }>): string {
  const lines = [`Issuer       ${verdict.issuer}`, `Service      ${verdict.service}`, `Operation    ${verdict.operation.command} ${JSON.stringify(verdict.operation.args ?? {})}`];
  if (verdict.path === 'breakGlass') lines.push(`Path         BREAK-GLASS (approved by ${verdict.approvedBy === 'quorum' ? 'its normal quorum' : 'its break-glass group after the time lock'}; --allow-break-glass)`);
  return lines.join('\n');
}

/** verify: an approval bundle checked offline, against pinned officers' keys. */
export function addVerifyCommand(program: Command, run: CliRun): void {
  program
    .command('verify')
    .description('offline check of an approval bundle (from GET /v1/tokens/{id}/bundle or consume) against the officers\u2019 pinned public keys: exit 0 OK, 1 invalid, 2 not pinned (no --keys)')
    .argument('<bundle.json>')
    .option('--keys <dir>', 'trust only the public keys in this directory (every PEM file: .pem, .pub, certificates)')
    .option('--trust-bundle-keys', 'without --keys: accept the keys the bundle carries (proves nothing about who signed)')
    .option('--issuer <name>', 'refuse a bundle whose token another deployment issued')
    .option('--min-m <m>', 'refuse a bundle whose token needs fewer than m approvals')
    .option('--rp-id <id>', 'the WebAuthn RP ID passkey assertions must name (default: the bundle\u2019s)')
    .option('--origin <origin>', 'the origin passkey assertions must come from (default: the bundle\u2019s)')
    .option('--allow-break-glass', 'accept a token asked for on the break-glass path (refused otherwise)')
    .option('--audit-key <verifier key>', 'also require the bundle\u2019s proof of being logged: its token.approved (and token.consumed) entries in a checkpoint signed by this audit verifier key (GET /v1/audit/verifier-key; or a file holding it)')
    .action((file: string, opts: VerifyOptions) => {
      const requirements = requirementsOf(opts);
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { bundle?: Bundle } & Bundle;
      const keys = opts.keys !== undefined ? readTrustedKeys(opts.keys) : undefined;
      for (const note of keys?.skipped ?? []) run.note(`note: skipped ${visibleText(note)}\n`);
      const verdict = verifyBundle(parsed.bundle ?? parsed, keys?.fingerprints, requirements);
      if (!verdict.ok) {
        run.print(`bundle INVALID: ${verdict.reason}`, verdict);
        run.exitCode = VERIFY_EXIT.INVALID;
        return;
      }
      if (opts.auditKey !== undefined) {
        const logged = verifyBundleLogProof(parsed.bundle ?? parsed, auditKeyText(opts.auditKey));
        if (!logged.ok) {
          run.print(`bundle INVALID: not proven logged: ${logged.reason}`, logged);
          run.exitCode = VERIFY_EXIT.INVALID;
          return;
        }
        run.note(`logged: ${logged.entries.join(', ')} in the checkpoint of ${logged.origin} at size ${logged.size}, signed by the pinned audit key\n`);
      }
      const counted = `token ${verdict.tokenId}, ${verdict.approvals} of ${verdict.m} approvals verify`;
      if (keys) {
        const signers = verdict.signers.map((fingerprint) => keys.files.get(fingerprint) ?? fingerprint.slice(0, 16));
        run.print(`bundle OK: ${counted} with pinned keys (${signers.join(', ')})\n${whatItApproves(verdict)}`, verdict);
        return;
      }
      run.note(`warning: ${UNPINNED}\n`);
      if (opts.trustBundleKeys) {
        run.print(`bundle OK: ${counted} with the bundle's own keys (not pinned: --trust-bundle-keys)\n${whatItApproves(verdict)}`, verdict);
        return;
      }
      run.print(`bundle NOT PINNED: ${counted}, but only with the bundle's own keys: this proves nothing about who signed\n${whatItApproves(verdict)}`, {
        ok: false,
        reason: 'not pinned: no --keys (and no --trust-bundle-keys)',
        signatures: verdict,
      });
      run.exitCode = VERIFY_EXIT.UNPINNED;
    });
}
