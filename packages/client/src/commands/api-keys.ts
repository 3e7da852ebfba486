import type { Command } from 'commander';
import { apiKeysTable } from '../cli-output';
import type { CliRun } from './context';

/** api-keys create, list, delete. */
export function addApiKeyCommands(program: Command, run: CliRun): void {
  const apiKeys = program.command('api-keys').description('API keys for automation: create, list, delete (a CO)');
  apiKeys
    .command('create')
    .description('create an API key; the key is shown once')
    .argument('<name>', '1-64 letters, digits, _ . -')
    .option('--scopes <scopes>', 'comma-separated: tokens:issue, tokens:read, tokens:consume (default: all three)')
    .action(async (name: string, opts: { scopes?: string }) => {
      const created = await run.client().createApiKey(name, opts.scopes ? opts.scopes.split(',').map((s) => s.trim()).filter(Boolean) : undefined);
      run.print(`api key ${created.apiKey.id} (${created.apiKey.name}; ${created.apiKey.scopes.join(', ')}):\n${created.key}\n(shown once: keep it where the automation reads it, e.g. QUORUM_API_KEY)`, created);
    });
  apiKeys
    .command('list')
    .description('list the API keys (never the keys themselves)')
    .action(async () => {
      const keys = await run.client().listApiKeys();
      run.print(keys.length ? apiKeysTable(keys) : 'No API keys.', { apiKeys: keys });
    });
  apiKeys
    .command('delete')
    .description('delete an API key: it stops working at once')
    .argument('<id>', 'the key id (12 hex digits, as api-keys list shows)')
    .action(async (id: string) => {
      await run.client().deleteApiKey(id);
      run.print(`api key ${id} deleted`, { ok: true, id });
    });
}
