// The detectors the server lists, asked again while it lists none: right after a server start its
// worker is still loading, and a GPU worker may join later, so the editor's "Find objects" and the
// project page's pre-labelling panel would otherwise stay hidden until a reload.
import type { Api, DetectorInfo } from './api';

/** While none is listed: asked again this often, this many times (two minutes). */
const RETRY_MS = 3000;
const TRIES = 40;

/**
 * `got` receives every answer until one lists a detector (or the tries run out); a failed request
 * goes to `failed` and ends the watch. Returns what stops it (a component going away).
 */
export function watchDetectors(api: Pick<Api, 'detectors'>, got: (ds: DetectorInfo[]) => void, failed: (e: unknown) => void = () => {}): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const ask = (tries: number) =>
    api.detectors().then(
      (ds) => {
        if (stopped) return;
        got(ds);
        if (!ds.length && tries + 1 < TRIES) timer = setTimeout(() => void ask(tries + 1), RETRY_MS);
      },
      (e: unknown) => !stopped && failed(e),
    );
  void ask(0);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
