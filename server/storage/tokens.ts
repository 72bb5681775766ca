// Bearer tokens: 32 random bytes, base64url (43 characters). Stores keep only the SHA-256 hash, so
// a leaked database does not leak working tokens; a hash lookup is constant-work per request.
import crypto from 'node:crypto';

/** `bytes` random bytes, base64url, redrawn while the first character is '-': a token is pasted
 *  after a command-line flag (`npm run worker -- --token <token>`), and node's parseArgs refuses a
 *  value that starts like an option (1 token in 64 did). */
export function generateToken(bytes = 32): string {
  for (;;) {
    const t = crypto.randomBytes(bytes).toString('base64url');
    if (t[0] !== '-') return t;
  }
}

/** Hex SHA-256 of the token's UTF-8 bytes: what every backend stores and looks up. */
export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}
