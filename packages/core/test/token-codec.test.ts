import { createHash } from 'node:crypto';
import { canonicalJson, newTokenDocument, normalizeOperation, operationDigest, parseTokenBytes, tokenBytes } from '../src';

const operation = normalizeOperation({ command: 'createUser', args: { type: 'CU', name: 'alice' } });
const doc = newTokenDocument({
  service: 'USER_MGMT',
  operation,
  requester: { kind: 'user', id: 1, name: 'admin' },
  m: 2,
  issuer: 'quorumd-a',
  now: Date.UTC(2026, 10, 29, 12, 0, 0),
  ttlSeconds: 600,
});

describe('token bytes', () => {
  it('are RFC 8785 canonical JSON: sorted keys, no whitespace, no trailing newline', () => {
    const text = tokenBytes(doc).toString('utf8');
    expect(text.startsWith('{"expiresAt":"2026-11-29T12:10:00.000Z","id":"')).toBe(true);
    expect(text).not.toMatch(/\s/);
    expect(text).toContain('"operation":{"args":{"name":"alice","type":"CU"},"command":"createUser"}');
    expect(JSON.parse(text)).toEqual(doc);
  });

  it('carry the SHA-256 of the canonical operation', () => {
    const expected = createHash('sha256').update('{"args":{"name":"alice","type":"CU"},"command":"createUser"}').digest('hex');
    expect(doc.operationDigest).toBe(expected);
    expect(operationDigest(operation)).toBe(expected);
  });

  it('have a fresh 32-byte nonce and id per token', () => {
    const other = newTokenDocument({ ...doc, now: Date.now(), ttlSeconds: 1, service: 'USER_MGMT', requester: doc.requester, operation });
    expect(Buffer.from(doc.nonce, 'base64url')).toHaveLength(32);
    expect(other.nonce).not.toBe(doc.nonce);
    expect(other.id).not.toBe(doc.id);
    // Nonces come from a pool refilled every 128 tokens: no byte is handed out twice across refills.
    const many = Array.from({ length: 300 }, () => newTokenDocument({ ...doc, now: Date.now(), ttlSeconds: 1, service: 'USER_MGMT', requester: doc.requester, operation }).nonce);
    expect(new Set(many).size).toBe(300);
    expect(many.every((n) => Buffer.from(n, 'base64url').length === 32)).toBe(true);
  });

  it('parse back only from their canonical form', () => {
    expect(parseTokenBytes(tokenBytes(doc))).toEqual(doc);
    const spaced = Buffer.from(JSON.stringify(doc, null, 1));
    expect(() => parseTokenBytes(spaced)).toThrow(/canonical/);
    const tampered = Buffer.from(canonicalJson({ ...doc, operation: { command: 'createUser', args: { type: 'CO', name: 'alice' } } }));
    expect(() => parseTokenBytes(tampered)).toThrow(/not a quorum token/);
  });

  it('canonicalise numbers and unicode as RFC 8785 does', () => {
    expect(canonicalJson({ b: 1e21, a: 0.1, c: 'é\u2028', d: [true, null] })).toBe('{"a":0.1,"b":1e+21,"c":"é\u2028","d":[true,null]}');
  });
});

describe('operations', () => {
  it('normalise quorumd commands and keep others as given', () => {
    expect(normalizeOperation({ command: 'setMValue', args: { service: 'user', m: 3 } })).toEqual({
      command: 'setMValue',
      args: { service: 'USER_MGMT', m: 3 },
    });
    expect(normalizeOperation({ command: 'setMValue', args: { service: 4, m: 2 } }).args.service).toBe('QUORUM_MGMT');
    expect(normalizeOperation({ command: 'rotateKey', args: { slot: 7 } })).toEqual({ command: 'rotateKey', args: { slot: 7 } });
    expect(normalizeOperation({ command: 'deleteUser', args: { id: 5 } })).toEqual({ command: 'deleteUser', args: { id: 5 } });
  });

  it.each([
    [{ command: 'createUser', args: { type: 'XX', name: 'a' } }, /type/],
    [{ command: 'createUser', args: { type: 'CU', name: 'bad name' } }, /name/],
    [{ command: 'createUser', args: { type: 'CU', name: 'a', password: 'x' } }, /Unexpected/],
    [{ command: 'deleteUser', args: { id: '5' } }, /positive integer/],
    [{ command: 'setMValue', args: { service: 'USER_MGMT', m: 9 } }, /M must be/],
    [{ command: 'setMValue', args: { service: 'NOPE', m: 2 } }, /Unknown quorum service/],
    [{ command: '', args: {} }, /command/],
    [{ command: 'x', args: [] }, /args/],
    [{ command: 'x', args: { a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } } }, /nested deeper than 8 levels/],
  ])('refuse %j', (input, message) => {
    expect(() => normalizeOperation(input)).toThrow(message);
  });
});
