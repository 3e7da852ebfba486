import { QuorumError } from '@quorumd/core';
import type { Command } from 'commander';
import type { CliRun } from './context';

/** loginHSM, logoutHSM: the session kept in the profile. */
export function addSessionCommands(program: Command, run: CliRun): void {
  program
    .command('loginHSM')
    .description('log in and keep the session in the profile: loginHSM <CO|CU|AU> <name> <password>')
    .argument('<type>')
    .argument('<name>')
    .argument('<password>')
    .action(async (type: string, name: string, password: string) => {
      const url = run.connection().url;
      const session = await run.deps.client({ url }).login(name, password);
      if (session.user.type !== type.toUpperCase()) throw new QuorumError('RET_LOGIN_FAILED', `${name} is a ${session.user.type}, not a ${type}`);
      run.deps.profile.write({ url, token: session.token, userId: session.user.id, userName: session.user.name });
      const success = `loginHSM success on server 0(${url}) as ${session.user.type} ${session.user.name}`;
      // A password someone else chose (a quorum created the officer or reset its password): it works once.
      const next = session.user.passwordChangeRequired
        ? `\nThis password was chosen by someone else and works once: until you set your own, this session can do nothing else. Run: quorum changePswd ${session.user.type} ${session.user.name} <new password> --current-password <this password>`
        : '';
      run.print(success + next, session.user);
    });

  program
    .command('logoutHSM')
    .description('end the session kept in the profile')
    .action(async () => {
      await run.client().logout();
      run.deps.profile.write({ url: run.connection().url });
      run.print('logoutHSM success', { ok: true });
    });
}
