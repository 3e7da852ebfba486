import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { fingerprintOf } from '../bundle-verify';
import { generateQuorumKey } from '../signers';
import type { CliRun } from './context';

/** keygen, register-key (registerQuorumPubKey): an officer's quorum key. */
export function addKeyCommands(program: Command, run: CliRun): void {
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
      run.print(`keygen: ${join(opts.out, 'private.pem')} and public.pem (fingerprint ${fingerprintOf(pair.publicPem)})`, { fingerprint: fingerprintOf(pair.publicPem) });
    });

  for (const name of ['register-key', 'registerQuorumPubKey']) {
    program
      .command(name)
      .description('register the public half of your key, proving you hold the private half')
      .requiredOption('--key <file>', 'your RSA private key (PEM)')
      .option('--passphrase <passphrase>', 'of an encrypted key (or env QUORUM_KEY_PASSPHRASE)')
      .action(async (opts: { key: string; passphrase?: string }) => {
        const signer = run.signer(opts);
        const result = await run.client().registerQuorumKey(run.me(), signer.publicKeyPem(), signer);
        run.print(`registerQuorumPubKey success: fingerprint ${result.fingerprint}`, result);
      });
  }
}
