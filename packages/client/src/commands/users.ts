import { QuorumError } from '@quorumd/core';
import { Option, type Command } from 'commander';
import { usersTable } from '../cli-output';
import type { CliRun } from './context';

export const quorumTokenOption = () => new Option('--quorum-token <id>', 'approved quorum token for exactly this operation (id or its first characters)');

/** listUsers, createUser, deleteUser, changePswd. */
export function addUserCommands(program: Command, run: CliRun): void {
  program
    .command('listUsers')
    .description('list users, with whether each holds a quorum key (MofnPubKey)')
    .action(async () => {
      const users = await run.client().listUsers();
      run.print(usersTable(users, run.connection().url), { users });
    });

  program
    .command('createUser')
    .description('create a user (CO, CU or AU); under a quorum, with a token for {"type","name"}')
    .argument('<type>', 'CO, CU or AU')
    .argument('<name>')
    .argument('<password>')
    .addOption(quorumTokenOption())
    .action(async (type: string, name: string, password: string, opts: { quorumToken?: string }) => {
      run.attempted = { service: 'USER_MGMT', command: 'createUser', args: { type: type.toUpperCase(), name } };
      const user = await run.client().createUser({ type: type.toUpperCase(), name, password, ...(await run.quorumToken(opts)) });
      run.print(`createUser success: ${user.type} ${user.name} (id ${user.id})`, { user });
    });

  program
    .command('deleteUser')
    .description('delete a user; under a quorum, with a token for {"id": <its user id>} (the hint shows the exact getToken)')
    .argument('<type>', 'CO, CU or AU')
    .argument('<name>')
    .addOption(quorumTokenOption())
    .action(async (_type: string, name: string, opts: { quorumToken?: string }) => {
      const user = await run.userByName(name);
      run.attempted = { service: 'USER_MGMT', command: 'deleteUser', args: { id: user.id } };
      await run.client().deleteUser(user.id, (await run.quorumToken(opts)).quorumToken);
      run.print(`deleteUser success: ${name}`, { ok: true, id: user.id });
    });

  program
    .command('changePswd')
    .description("change a user's password: your own with --current-password; another user's under a quorum, with a token for {\"id\": <its user id>}")
    .argument('<type>', 'CO, CU or AU')
    .argument('<name>')
    .argument('<password>', 'the new password')
    .option('--current-password <password>', 'your current password (changing your own: the one you logged in with, a one-time one too)')
    .addOption(quorumTokenOption())
    .action(async (type: string, name: string, password: string, opts: { currentPassword?: string; quorumToken?: string }) => {
      const self = run.selfNamed(name);
      if (self !== undefined) return changeOwnPassword(run, { id: self, type, name, password, currentPassword: opts.currentPassword });
      const user = await run.userByName(name);
      if (user.id === run.deps.profile.read().userId) return changeOwnPassword(run, { id: user.id, type, name, password, currentPassword: opts.currentPassword });
      run.attempted = { service: 'USER_MGMT', command: 'changePswd', args: { id: user.id } };
      await run.client().changePassword(user.id, password, (await run.quorumToken(opts)).quorumToken);
      run.print(`changePswd success: ${name}`, { ok: true, id: user.id });
    });
}

/**
 * One's own password: by the id loginHSM kept (never looked up: a session with a one-time
 * password may not list users), with the current password. The change ends every session of
 * the user, the profile's too, so the profile keeps only the URL.
 */
async function changeOwnPassword(run: CliRun, own: { id: number; type: string; name: string; password: string; currentPassword: string | undefined }): Promise<void> {
  if (own.currentPassword === undefined) {
    throw new QuorumError('RET_BAD_REQUEST', `Changing your own password needs your current one: quorum changePswd ${own.type} ${own.name} <new password> --current-password <current password>`);
  }
  await run.client().changeOwnPassword(own.id, own.currentPassword, own.password);
  run.deps.profile.write({ url: run.connection().url });
  run.print(`changePswd success: ${own.name}. That ended your sessions: log in again with quorum loginHSM ${own.type} ${own.name} <new password>`, { ok: true, id: own.id, loggedOut: true });
}
