import { describe, expect, it } from 'vitest';
import { createLogger } from '../../logger';
import type { Engine, RgbImage } from '../engines/types';
import { WorkerRuntime } from './WorkerRuntime';

const MB = 1024 * 1024;
const image = (w: number, h: number): RgbImage => ({ width: w, height: h, data: new Uint8Array(w * h * 3) });

/** An engine whose encoder "features" take `featureBytes` per warmed image. */
function fakeEngine(featureBytes: number): Engine & { warmed: string[] } {
  const held = new Set<string>();
  const warmed: string[] = [];
  return {
    warmed,
    info: { id: 'fake', name: 'fake', engine: 'onnx', inputs: ['clicks'], default: true } as unknown as Engine['info'],
    provider: 'cpu',
    segment: async () => ({ mask: new Uint8Array(0), score: 1 }) as never,
    warm: async (_img, key) => {
      held.add(key);
      warmed.push(key);
    },
    forget: (key) => held.delete(key),
    cachedBytes: (key) => (held.has(key) ? featureBytes : 0),
  };
}

describe('WorkerRuntime.prefetchAhead', () => {
  const log = createLogger({ level: 'silent' });

  it('loads the next image into spare room, and refuses one that would push out the open image', async () => {
    const engine = fakeEngine(1 * MB);
    const rt = new WorkerRuntime(new Map([['fake', engine]]), 10 * MB, log);
    const loads: string[] = [];
    const load = async (taskId: string) => {
      loads.push(taskId);
      return taskId === 'liar' || taskId === 'big' ? image(3000, 1000) : taskId === 'mid' ? image(2000, 1000) : image(1000, 1000);
    };
    await rt.prefetch('open', 'fake', load); // 3 MB of pixels + 1 MB of features
    expect(await rt.prefetchAhead('next', 'fake', load, { width: 1000, height: 1000 })).toBe(true);
    expect(rt.cache.keys()).toEqual(['open', 'next']);
    expect(engine.warmed).toEqual(['open', 'next']);
    // 9 MB of pixels: no room even without 'next' (loaded ahead, so not in use): not even fetched.
    expect(await rt.prefetchAhead('big', 'fake', load, { width: 3000, height: 1000 })).toBe(false);
    // 6 MB would fit in place of 'next', but the server says someone has 'next' open now.
    expect(await rt.prefetchAhead('mid', 'fake', load, { width: 2000, height: 1000 }, ['next'])).toBe(false);
    expect(loads).toEqual(['open', 'next']);
    // Held already: nothing to do, and it says so.
    expect(await rt.prefetchAhead('next', 'fake', load, { width: 1000, height: 1000 })).toBe(true);
    expect(loads).toEqual(['open', 'next']);
    // A size that understates the image: decoded, found not to fit, dropped; what is held stays.
    expect(await rt.prefetchAhead('liar', 'fake', load, { width: 100, height: 100 })).toBe(false);
    expect(rt.cache.keys()).toEqual(['open', 'next']);
  });
});
