/** Branded identifiers: a TaskId cannot be passed where a ProjectId is expected. */
export type UserId = string & { readonly __brand: 'UserId' };
/** A project's id. */
export type ProjectId = string & { readonly __brand: 'ProjectId' };
/** A task's id (one image). */
export type TaskId = string & { readonly __brand: 'TaskId' };
/** An annotation object's id inside a task document. */
export type ObjectId = string & { readonly __brand: 'ObjectId' };

/** A random URL-safe id of `len` characters (crypto-strength; works in browsers and Node). */
export function newId(len = 16): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = new Uint8Array(len);
  globalThis.crypto.getRandomValues(bytes);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}
