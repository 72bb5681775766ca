// The detectors the server lists, asked again while it lists none: right after a server start its
// worker is still loading, and a GPU worker may join later, so the editor's "Find objects" and the
// project page's pre-labelling panel would otherwise stay hidden until a reload. A failed or
// unanswered request (the server restarting as the page loads) is asked again too (follow.ts).
import type { Api, DetectorInfo } from './api';
import { follow } from './follow';

/** While none is listed: asked again this often, this many times (two minutes). */
const RETRY_MS = 3000;
const TRIES = 40;

/**
 * `got` receives every answer until one lists a detector (or the tries run out). Returns what
 * stops it (a component going away).
 */
export function watchDetectors(api: Pick<Api, 'detectors'>, got: (ds: DetectorInfo[]) => void): () => void {
  let tries = 0;
  const again = () => (++tries < TRIES ? RETRY_MS : null);
  const f = follow(
    (signal) => api.detectors(signal),
    (ds) => {
      got(ds);
      return ds.length ? null : again();
    },
    // Once listed, not asked again when the page is shown: `got` resets what it feeds (the panel's mapping).
    { retryMs: RETRY_MS, wake: false, failed: () => again() === null && f.stop() },
  );
  return () => f.stop();
}
