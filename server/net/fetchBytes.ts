// GET a member-given URL's bytes, as far as the server may reach (privateAddress.ts: no private
// address unless the admin allows them, checked on the address each connection uses, redirects
// included), with a cap on the size (refused from Content-Length before reading, else cut off at
// the cap) and on the time. For images imported by URL (server/http/urlImport.ts).
import type http from 'node:http';
import { ErrorCode, TandemError } from '../../shared/protocol/errors';
import { guardedRequest, PrivateAddressError, type Reach } from './privateAddress';

export interface FetchOptions {
  reach: Reach;
  maxBytes: number;
  timeoutMs: number;
  /** Redirects followed (each one checked like the first URL). */
  maxRedirects?: number;
}

/** The body of a 200 answer. Rejects with a TandemError whose code says why (timeout,
 *  image_too_large, validation_failed for a private address or a bad scheme, unavailable). */
export async function fetchBytes(url: string, opts: FetchOptions): Promise<{ bytes: Buffer; contentType: string | null }> {
  let at = new URL(url);
  for (let hop = 0; ; hop++) {
    if (!/^https?:$/.test(at.protocol)) throw new TandemError(ErrorCode.ValidationFailed, `${at.protocol} URLs cannot be fetched; http or https only`);
    const answer = await get(at, opts);
    if ('redirect' in answer) {
      if (hop >= (opts.maxRedirects ?? 3)) throw new TandemError(ErrorCode.Unavailable, `more than ${opts.maxRedirects ?? 3} redirects`);
      at = new URL(answer.redirect, at);
      continue;
    }
    return answer;
  }
}

function get(u: URL, opts: FetchOptions): Promise<{ bytes: Buffer; contentType: string | null } | { redirect: string }> {
  return new Promise((resolve, reject) => {
    let req: http.ClientRequest;
    try {
      req = guardedRequest(u, opts.reach, { method: 'GET', headers: { 'user-agent': 'Tandem-Import', accept: 'image/*' } });
    } catch (e) {
      return reject(new TandemError(ErrorCode.ValidationFailed, (e as Error).message));
    }
    req.end();
    const timer = setTimeout(() => req.destroy(new TandemError(ErrorCode.Timeout, `no complete answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('error', (e: Error & { code?: string }) => {
      if (e instanceof TandemError) return reject(e);
      if (e instanceof PrivateAddressError) return reject(new TandemError(ErrorCode.ValidationFailed, e.message));
      reject(new TandemError(ErrorCode.Unavailable, `could not fetch ${u.host}: ${e.code ?? e.message}`));
    });
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        return resolve({ redirect: res.headers.location });
      }
      if (status !== 200) {
        res.resume();
        return req.destroy(new TandemError(ErrorCode.Unavailable, `${u.host} answered HTTP ${status}`));
      }
      const declared = Number(res.headers['content-length'] ?? NaN);
      const tooLarge = (n: number) => new TandemError(ErrorCode.ImageTooLarge, `the image is ${n} bytes or more; the limit is ${opts.maxBytes}`);
      if (declared > opts.maxBytes) return req.destroy(tooLarge(declared));
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.byteLength;
        if (size > opts.maxBytes) return req.destroy(tooLarge(size));
        chunks.push(c);
      });
      res.on('end', () => resolve({ bytes: Buffer.concat(chunks), contentType: res.headers['content-type'] ?? null }));
    });
  });
}
