import { DEFAULT_PASSWORD_POLICY, generatePassword } from '../../services/vault/password-policy';
import { REDACTED, redact } from '../../services/shared/redaction';

describe('redact', () => {
  it('replaces a secret with the redaction marker', () => {
    expect(redact('password is s3cret!', ['s3cret'])).toBe(`password is ${REDACTED}!`);
    expect(REDACTED).toBe('[REDACTED]');
  });

  it('replaces every occurrence of a secret', () => {
    expect(redact('abc abc xabcx', ['abc'])).toBe(`${REDACTED} ${REDACTED} x${REDACTED}x`);
  });

  it('replaces every secret in the list', () => {
    expect(redact('old=Old1 new=New2', ['Old1', 'New2'])).toBe(`old=${REDACTED} new=${REDACTED}`);
  });

  it('redacts overlapping secrets longest first, so no fragment of the longer one survives', () => {
    // Shorter first would leave "[REDACTED]word" and "pass[REDACTED]"-like fragments.
    expect(redact('pw: password', ['pass', 'password'])).toBe(`pw: ${REDACTED}`);
    expect(redact('pw: password', ['word', 'password'])).toBe(`pw: ${REDACTED}`);
    expect(redact('pw: password', ['sswo', 'password', 'pass'])).toBe(`pw: ${REDACTED}`);
  });

  it('still redacts a shorter secret where it occurs on its own', () => {
    const result = redact('new=hunter2x old=hunter2', ['hunter2', 'hunter2x']);
    expect(result).toBe(`new=${REDACTED} old=${REDACTED}`);
    expect(result).not.toContain('hunter2');
  });

  it('does not reorder the caller’s array', () => {
    const secrets = ['a', 'abc', 'ab'];
    redact('abc', secrets);
    expect(secrets).toEqual(['a', 'abc', 'ab']);
  });

  it('ignores an empty secret instead of splicing the marker between every character', () => {
    expect(redact('keep me', [''])).toBe('keep me');
    expect(redact('keep s3cret', ['', 's3cret'])).toBe(`keep ${REDACTED}`);
  });

  it('leaves text without secrets unchanged', () => {
    expect(redact('nothing to hide', ['s3cret'])).toBe('nothing to hide');
    expect(redact('nothing to hide', [])).toBe('nothing to hide');
    expect(redact('', ['s3cret'])).toBe('');
  });

  it('treats secrets literally, not as patterns', () => {
    expect(redact('a.b a+b axb', ['a.b'])).toBe(`${REDACTED} a+b axb`);
    expect(redact('cost $1 (x)', ['$1 (x)'])).toBe(`cost ${REDACTED}`);
  });

  it('redacts secrets that span lines', () => {
    expect(redact('start\nline1\nline2\nend', ['line1\nline2'])).toBe(`start\n${REDACTED}\nend`);
  });
});

describe('generatePassword', () => {
  const LOWER = /[abcdefghijkmnopqrstuvwxyz]/;
  const UPPER = /[ABCDEFGHJKLMNPQRSTUVWXYZ]/;
  const DIGIT = /[23456789]/;
  const SYMBOL = /[#%+\-=?@^_~]/;
  const ONLY_ALLOWED = /^[abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789#%+\-=?@^_~]+$/;

  it('has the default length of 24', () => {
    expect(DEFAULT_PASSWORD_POLICY.length).toBe(24);
    expect(generatePassword()).toHaveLength(24);
  });

  it.each([8, 9, 16, 64, 128])('has the length the policy asks for (%i)', (length) => {
    expect(generatePassword({ length })).toHaveLength(length);
  });

  it('always has a lowercase letter, an uppercase letter, a digit and a symbol, even at the minimum length', () => {
    for (let i = 0; i < 300; i++) {
      const password = generatePassword({ length: 8 });
      expect(password).toMatch(LOWER);
      expect(password).toMatch(UPPER);
      expect(password).toMatch(DIGIT);
      expect(password).toMatch(SYMBOL);
    }
  });

  it('uses only the allowed characters: no look-alikes (l, I, O, 0, 1) and no shell-special symbols', () => {
    for (let i = 0; i < 200; i++) {
      const password = generatePassword({ length: 64 });
      expect(password).toMatch(ONLY_ALLOWED);
      expect(password).not.toMatch(/[lIO01'"`$\\!&|;<>()*{}[\] ,.:/]/);
    }
  });

  it('gives 200 distinct passwords', () => {
    const passwords = Array.from({ length: 200 }, () => generatePassword());
    expect(new Set(passwords).size).toBe(200);
  });

  it('does not always put the guaranteed characters first', () => {
    // Without the shuffle, the first four characters would always be lower, upper, digit, symbol.
    const firstCharacters = new Set(Array.from({ length: 100 }, () => generatePassword({ length: 8 })[0]));
    const classesSeen = [LOWER, UPPER, DIGIT, SYMBOL].filter((set) => [...firstCharacters].some((c) => set.test(c!)));
    expect(classesSeen.length).toBeGreaterThan(1);
  });

  it.each([0, 1, 4, 7])('refuses a policy of %i characters, shorter than 8', (length) => {
    expect(() => generatePassword({ length })).toThrow('a generated password needs at least 8 characters');
  });
});
