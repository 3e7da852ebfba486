import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, ConfigSchema, configurationDoc, loadConfig } from '../src';

describe('configuration', () => {
  it('reads every variable once into a typed field named after it, with the declared defaults', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.requesterMayApprove).toBe(true);
    expect(config.sessionTtlSeconds).toBe(3600);
    expect(config.minReplicas).toBe('auto');
    expect(config.auditKeyFile).toBe(join('./data', 'audit-key.pem'));
    expect(config.auditKeyFileGiven).toBe(false);
    expect(config.webhookAllowedNetworks).toEqual([]);
    const given = loadConfig({ PORT: '9000', QUORUM_REQUESTER_MAY_APPROVE: 'false', QUORUM_MIN_REPLICAS: '2', QUORUM_DATA_DIR: '/d', QUORUM_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.0/8, 10.0.0.0/8' });
    expect(given).toMatchObject({ port: 9000, requesterMayApprove: false, minReplicas: 2, checkpointFile: join('/d', 'checkpoints.jsonl'), webhookAllowedNetworks: ['127.0.0.0/8', '10.0.0.0/8'] });
    // One field per variable (and whether the audit key file was named).
    const all = loadConfig({ REDIS_URL: 'redis://r', QUORUM_ISSUER: 'i', QUORUM_ADMIN_PASSWORD: 'password', QUORUM_AUDIT_KEY_FILE: '/k', QUORUM_CHECKPOINT_FILE: '/c', QUORUM_SMTP_URL: 'smtp://mail:25', QUORUM_PUBLIC_URL: 'https://quorum.example' });
    expect(Object.keys(all).sort()).toEqual(
      [...Object.keys(ConfigSchema.properties).map((name) => name.replace(/^QUORUM_/, '').toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())), 'auditKeyFileGiven'].sort(),
    );
  });

  it.each([
    ['PORT', '80.5'],
    ['PORT', '1e3'],
    ['PORT', '080'],
    ['PORT', '-1'],
    ['PORT', ' 80'],
    ['QUORUM_REQUESTER_MAY_APPROVE', 'TRUE'],
    ['QUORUM_REQUESTER_MAY_APPROVE', '1'],
    ['QUORUM_MIN_REPLICAS', '10'],
  ])('refuses %s=%s rather than rounding or guessing it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^${name} must be `));
  });

  it('names every refused variable in one line, the first in full', () => {
    expect(() => loadConfig({ PORT: 'x', LOG_LEVEL: 'loud', QUORUM_ADMIN_PASSWORD: 'short' })).toThrow(
      /^PORT must be a whole number from 0 to 65535 \(got "x"\); fix it, or unset it for the default \(8080\)\. Also invalid: QUORUM_ADMIN_PASSWORD, LOG_LEVEL$/,
    );
  });

  it('docs/configuration.md is the one generated from the schema (npm run docs:config)', () => {
    const file = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'configuration.md'), 'utf8');
    expect(file).toBe(configurationDoc());
    for (const name of Object.keys(ConfigSchema.properties)) expect(file).toContain(`| \`${name}\` |`);
  });
});
