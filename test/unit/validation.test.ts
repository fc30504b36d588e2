import { BadInputError, DomainError, NotFoundError } from '../../services/shared/errors';
import {
  assertFingerprint,
  assertHost,
  assertId,
  assertNodeName,
  assertNotBlank,
  assertPassword,
  assertPort,
  assertTimeZone,
  assertUsername,
} from '../../services/shared/validation';

/** Runs `check` and returns what it threw, failing the test when it threw nothing. */
function thrownBy(check: () => void): unknown {
  try {
    check();
  } catch (error) {
    return error;
  }
  throw new Error('expected the check to throw, but it did not');
}

function expectBadInput(check: () => void, field: string): BadInputError {
  const error = thrownBy(check);
  expect(error).toBeInstanceOf(BadInputError);
  expect(error).toBeInstanceOf(DomainError);
  expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field, name: 'BadInputError' });
  return error as BadInputError;
}

const GOOD_FINGERPRINT = `SHA256:${'A'.repeat(20)}+/${'z9'.repeat(10)}x`;

describe('assertHost', () => {
  it.each([
    'localhost',
    'web-01',
    'web-01.example.com',
    'WEB-01.Example.COM',
    'a.b.c.d.e',
    'xn--bcher-kva.example',
    '123abc.example.com',
    `${'a'.repeat(63)}.com`,
    '127.0.0.1',
    '0.0.0.0',
    '10.0.0.255',
    '255.255.255.255',
    '::1',
    '::',
    '2001:db8::1',
    'fe80::1%eth0',
    '2001:0db8:85a3:0000:0000:8a2e:0370:7334',
  ])('accepts %p', (host) => {
    expect(() => assertHost(host)).not.toThrow();
  });

  it.each([
    '',
    'bad host',
    '300.1.1.1',
    '256.0.0.1',
    '1.2.3',
    '1.2.3.4.5',
    '01.2.3.4',
    '-a.com',
    'a-.com',
    'a..com',
    '.a.com',
    'a.com.',
    'a_b.com',
    'host;rm -rf /',
    '$(reboot)',
    'web-01.example.com:22',
    `${'a'.repeat(64)}.com`,
    `${'a.'.repeat(127)}ab`,
    '2001:db8::g',
    '[::1]',
  ])('refuses %p', (host) => {
    const error = expectBadInput(() => assertHost(host), 'host');
    expect(error.message).toBe(`"${host}" is not a valid host name or IP address`);
  });
});

describe('assertPort', () => {
  it.each([1, 22, 2222, 65535])('accepts %p', (port) => {
    expect(() => assertPort(port)).not.toThrow();
  });

  it.each([0, -1, 65536, 22.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses %p', (port) => {
    const error = expectBadInput(() => assertPort(port), 'port');
    expect(error.message).toContain('outside 1–65535');
  });
});

describe('assertUsername', () => {
  it.each(['root', 'deploy', '_svc', 'Admin', 'web.user-1', 'a', `a${'b'.repeat(31)}`])('accepts %p', (username) => {
    expect(() => assertUsername(username)).not.toThrow();
  });

  it.each([
    '',
    '1user',
    '-user',
    '.user',
    'bad user',
    'user;id',
    'user:x',
    'user/../root',
    'üser',
    `a${'b'.repeat(32)}`,
  ])('refuses %p', (username) => {
    const error = expectBadInput(() => assertUsername(username), 'username');
    expect(error.message).toMatch(/^A username is 1–32 characters/);
  });
});

describe('assertFingerprint', () => {
  it.each([GOOD_FINGERPRINT, `SHA256:${'0'.repeat(43)}`])('accepts %p', (fingerprint) => {
    expect(fingerprint).toHaveLength(50);
    expect(() => assertFingerprint(fingerprint)).not.toThrow();
  });

  it.each([
    '',
    'A'.repeat(43),
    `SHA256:${'A'.repeat(42)}`,
    `SHA256:${'A'.repeat(44)}`,
    `sha256:${'A'.repeat(43)}`,
    `MD5:${'A'.repeat(43)}`,
    `SHA256:${'A'.repeat(42)}=`,
    `SHA256:${'A'.repeat(42)}-`,
    ` SHA256:${'A'.repeat(43)}`,
    `SHA256:${'A'.repeat(43)}\n`,
    '256 SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s root@host (ED25519)',
    'MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48',
  ])('refuses %p', (fingerprint) => {
    expectBadInput(() => assertFingerprint(fingerprint), 'hostKeyFingerprint');
  });
});

describe('assertTimeZone', () => {
  it.each(['Europe/Berlin', 'America/New_York', 'UTC', 'Asia/Kolkata', 'Etc/GMT+5'])('accepts %p', (timeZone) => {
    expect(() => assertTimeZone(timeZone)).not.toThrow();
  });

  it.each(['Mars/Base', 'Europe/Atlantis', 'not a zone', 'GMT+25', ''])('refuses %p', (timeZone) => {
    const error = expectBadInput(() => assertTimeZone(timeZone), 'timeZone');
    expect(error.message).toBe(`"${timeZone}" is not a known IANA time zone`);
  });
});

describe('assertNodeName', () => {
  it.each(['local', 'node-1', '1node', 'a', 'a'.repeat(63)])('accepts %p', (nodeName) => {
    expect(() => assertNodeName(nodeName)).not.toThrow();
  });

  it.each(['', 'Local', '-node', 'node_1', 'node.1', 'node 1', 'a'.repeat(64), 'nöde'])('refuses %p', (nodeName) => {
    expectBadInput(() => assertNodeName(nodeName), 'executionNode');
  });
});

describe('assertNotBlank', () => {
  it('accepts text with non-space characters', () => {
    expect(() => assertNotBlank(' x ', 'name')).not.toThrow();
  });

  it.each(['', '   ', '\t\n'])('refuses %p and names the field', (value) => {
    const error = expectBadInput(() => assertNotBlank(value, 'name'), 'name');
    expect(error.message).toBe('name must not be empty');
  });
});

describe('assertId', () => {
  it.each(['0b6f2c1e-2f55-4d1e-9a53-6a0c3f0f5a11', '0B6F2C1E-2F55-4D1E-9A53-6A0C3F0F5A11', '00000000-0000-0000-0000-000000000000'])(
    'accepts %p',
    (id) => {
      expect(() => assertId(id, 'Record')).not.toThrow();
    },
  );

  it.each([
    'not-a-uuid',
    '',
    '0b6f2c1e2f554d1e9a536a0c3f0f5a11',
    '0b6f2c1e-2f55-4d1e-9a53-6a0c3f0f5a1',
    '0b6f2c1e-2f55-4d1e-9a53-6a0c3f0f5a11x',
    '{0b6f2c1e-2f55-4d1e-9a53-6a0c3f0f5a11}',
    "0b6f2c1e-2f55-4d1e-9a53-6a0c3f0f5a11' OR 1=1",
  ])('treats %p as not found', (id) => {
    const error = thrownBy(() => assertId(id, 'Record'));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).not.toBeInstanceOf(BadInputError);
    expect(error).toMatchObject({ code: 'NOT_FOUND', name: 'NotFoundError', message: `Record ${id} was not found` });
    expect((error as NotFoundError).field).toBeUndefined();
  });
});

describe('assertPassword', () => {
  it.each(['correct horse battery staple', 'p@ss"w\'o$rd`;|&', 'pässwörd ✓', '~!@#%^*()_+{}[]<>?,./'])('accepts %p', (password) => {
    expect(() => assertPassword(password)).not.toThrow();
  });

  it.each(['', 'line\nbreak', 'carriage\rreturn', 'tab\there', 'nul\0byte', 'escape\x1b[0m', 'delete\x7f', '\n'])('refuses %p as BAD_USER_INPUT on the field', (password) => {
    expectBadInput(() => assertPassword(password), 'password');
  });
});
