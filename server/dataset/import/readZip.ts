// The entries of an uploaded zip that an import reads, their unpacked size checked before each is
// inflated (a zip bomb is refused, not unpacked), without macOS' and hidden folders' clutter.
import { unzipSync } from 'fflate';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';

/**
 * The files whose path `accept` takes, by path. Throws payload_too_large past `maxBytes` unpacked,
 * bad_request for what is not a zip (`what` names what was expected).
 */
export function readZip(bytes: Uint8Array, accept: (path: string) => boolean, maxBytes: number, what: string): Record<string, Uint8Array> {
  let total = 0;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (f) => {
        if (!accept(f.name)) return false;
        total += f.originalSize;
        if (total > maxBytes) throw new TandemError(ErrorCode.PayloadTooLarge, `the archive's ${what} unpack to more than ${maxBytes >> 20} MiB`);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof TandemError) throw e;
    throw new TandemError(ErrorCode.BadRequest, `not a zip archive of ${what}: ${(e as Error).message}`);
  }
  const out: Record<string, Uint8Array> = {};
  for (const [path, data] of Object.entries(files)) {
    if (path.endsWith('/') || path.split('/').some((s) => s.startsWith('.') || s === '__MACOSX')) continue;
    out[path] = data;
  }
  return out;
}
