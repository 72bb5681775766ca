// Bearer tokens: 32 random bytes, base64url (43 characters). Stores keep only the SHA-256 hash, so
// a leaked database does not leak working tokens; a hash lookup is constant-work per request.
import crypto from 'node:crypto';

export function generateToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** Hex SHA-256 of the token's UTF-8 bytes: what every backend stores and looks up. */
export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}
