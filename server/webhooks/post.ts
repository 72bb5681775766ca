// One delivery attempt over node:http(s) rather than fetch: the connection's address goes through
// server/net/privateAddress.ts's lookup, so a receiver's name that now resolves to a private address is
// refused before anything is sent (fetch takes no lookup without an extra dependency).
import { guardedRequest, type Reach } from '../net/privateAddress';

/** POSTs `body` and resolves the answer's status (its body is read and dropped). Rejects with
 *  the socket's error (its `code`: ECONNREFUSED, ENOTFOUND, EPRIVATE, …) or the signal's reason. */
export function post(url: string, headers: Record<string, string>, body: string, opts: { signal: AbortSignal; reach: Reach }): Promise<number> {
  return new Promise((resolve, reject) => {
    // guardedRequest opens one connection per attempt: attempts are seconds apart, to many receivers.
    const req = guardedRequest(new URL(url), opts.reach, { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) } });
    const abort = () => req.destroy(opts.signal.reason as Error);
    if (opts.signal.aborted) return abort();
    opts.signal.addEventListener('abort', abort, { once: true });
    req.on('response', (res) => {
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
      res.resume();
    });
    req.on('error', reject);
    req.on('close', () => opts.signal.removeEventListener('abort', abort));
    req.end(body);
  });
}
