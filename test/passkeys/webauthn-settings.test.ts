import { ConfigError, loadConfig } from '@quorumd/config';

/** QUORUM_WEBAUTHN_RP_ID and QUORUM_WEBAUTHN_ORIGIN: defaults that work on localhost, and every wrong value refused at start-up. */
describe('WebAuthn settings', () => {
  it('defaults to localhost and the listen port, so that npm start works on one machine', () => {
    expect(loadConfig({})).toMatchObject({ webauthnRpId: 'localhost', webauthnOrigin: 'http://localhost:8080', requirePasskey: false });
    expect(loadConfig({ HOST: '0.0.0.0', PORT: '9090' })).toMatchObject({ webauthnRpId: 'localhost', webauthnOrigin: 'http://localhost:9090' });
    expect(loadConfig({ HOST: 'quorum.example.com', QUORUM_WEBAUTHN_ORIGIN: 'https://quorum.example.com' })).toMatchObject({ webauthnRpId: 'quorum.example.com', webauthnOrigin: 'https://quorum.example.com' });
  });

  it('takes an origin below its RP ID', () => {
    expect(loadConfig({ QUORUM_WEBAUTHN_RP_ID: 'example.com', QUORUM_WEBAUTHN_ORIGIN: 'https://quorum.example.com:8443' })).toMatchObject({ webauthnRpId: 'example.com', webauthnOrigin: 'https://quorum.example.com:8443' });
  });

  it.each([
    [{ QUORUM_WEBAUTHN_RP_ID: '127.0.0.1' }, /QUORUM_WEBAUTHN_RP_ID \(127\.0\.0\.1\) is an address/],
    [{ QUORUM_WEBAUTHN_RP_ID: 'Not A Domain' }, /QUORUM_WEBAUTHN_RP_ID .* is not a domain name/],
    [{ QUORUM_WEBAUTHN_RP_ID: 'example.com', QUORUM_WEBAUTHN_ORIGIN: 'https://evil.com' }, /is not on QUORUM_WEBAUTHN_RP_ID/],
    [{ QUORUM_WEBAUTHN_RP_ID: 'example.com', QUORUM_WEBAUTHN_ORIGIN: 'http://quorum.example.com' }, /must be https/],
    [{ QUORUM_WEBAUTHN_ORIGIN: 'localhost:8080' }, /QUORUM_WEBAUTHN_ORIGIN must be/],
    [{ QUORUM_REQUIRE_PASSKEY: 'yes' }, /QUORUM_REQUIRE_PASSKEY must be/],
  ])('refuses %j at start-up', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
