// Request bodies with byte caps: JSON (validated with zod) and raw uploads. The cap is enforced
// while streaming, so an oversized body is refused without being buffered whole.
import { noteBody } from './requestFacts';
import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { ErrorCode, TandemError } from '../../shared/protocol/errors';

/**
 * Reads the whole body, failing with `code` (413) as soon as it passes `maxBytes`. A declared
 * Content-Length over the cap is refused before reading anything.
 */
export async function readBody(req: IncomingMessage, maxBytes: number, code: ErrorCode = ErrorCode.PayloadTooLarge): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    drain(req);
    throw new TandemError(code, `body is ${declared} bytes; the limit is ${maxBytes}`);
  }
  // Not `for await`: leaving that loop early destroys the request and with it the socket, so the
  // client would see a reset instead of our 413.
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      total += chunk.length;
      if (total > maxBytes) {
        over = true;
        chunks.length = 0;
        reject(new TandemError(code, `body is over the limit of ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks, total));
    });
    req.on('error', (e) => {
      if (!over) reject(new TandemError(ErrorCode.BadRequest, 'request body aborted', { cause: e }));
    });
  });
}

/** Reads a JSON body (content type application/json) and validates it. */
export async function readJson<S extends z.ZodType>(req: IncomingMessage, maxBytes: number, schema: S): Promise<z.infer<S>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json' && !type.endsWith('+json')) {
    drain(req);
    throw new TandemError(ErrorCode.UnsupportedMediaType, 'expected content-type application/json');
  }
  const bytes = await readBody(req, maxBytes);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new TandemError(ErrorCode.InvalidJson, 'body is not valid JSON');
  }
  const valid = validate(schema, value);
  noteBody(req, valid);
  return valid;
}

/** A request's query parameters, without the sign-in `token` a link carries: what a route validates. */
export const queryParams = (q: URLSearchParams): Record<string, string> => Object.fromEntries([...q.entries()].filter(([k]) => k !== 'token'));

/** Validates a value, throwing `validation_failed` with every problem listed. */
export function validate<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
    throw new TandemError(ErrorCode.ValidationFailed, problems.join('; '));
  }
  return r.data;
}

/**
 * Discards the rest of a refused body so the error response can still be read by the client
 * (closing the socket mid-upload makes most clients report a reset instead of our 413).
 */
function drain(req: IncomingMessage): void {
  req.resume();
}
