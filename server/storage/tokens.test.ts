import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { generateToken, hashToken } from './tokens';

describe('tokens', () => {
  it('are base64url of the requested size and never start with a dash, so they pass as a CLI argument', () => {
    const tokens = Array.from({ length: 2000 }, () => generateToken(24));
    for (const t of tokens) {
      expect(t).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{31}$/);
      const { values } = parseArgs({ args: ['--token', t], options: { token: { type: 'string' } }, strict: true });
      expect(values.token).toBe(t);
    }
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(generateToken()).toHaveLength(43);
  });

  it('are stored as their SHA-256', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
