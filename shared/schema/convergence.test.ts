import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createObject, initTaskDoc, objectsMap } from './annotation';
import { assertConverged, FUZZ_OPS, runConvergenceFuzz, type FuzzOp } from './fuzz';
import type { ObjectId } from './ids';

// 240 seeds in chunks, so that each test stays well inside the timeout on a loaded 2-core box.
const CHUNK = 40;
const CHUNKS = 6;

describe('task document convergence fuzz (5 clients, reordering, duplicates, partitions, undo/redo)', () => {
  const totals = Object.fromEntries(FUZZ_OPS.map((k) => [k, 0])) as Record<FuzzOp, number>;
  let partitions = 0;
  let duplicated = 0;
  for (let c = 0; c < CHUNKS; c++) {
    const first = 1 + c * CHUNK;
    it(`seeds ${first}..${first + CHUNK - 1} converge with every object valid`, () => {
      for (let seed = first; seed < first + CHUNK; seed++) {
        const r = runConvergenceFuzz(seed, { clients: 5, steps: 80 });
        for (const k of FUZZ_OPS) totals[k] += r.ops[k];
        partitions += r.partitions;
        duplicated += r.duplicated;
      }
    });
  }
  it('exercised every operation, partitions and duplicate deliveries', () => {
    for (const k of FUZZ_OPS) expect(totals[k], k).toBeGreaterThan(50);
    expect(partitions).toBeGreaterThan(50);
    expect(duplicated).toBeGreaterThan(50);
  });
});

describe('assertConverged', () => {
  it('fails on documents that differ and on invalid objects', () => {
    const a = new Y.Doc();
    initTaskDoc(a, { taskId: 't', width: 4, height: 4 });
    const b = new Y.Doc();
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    expect(() => assertConverged([a, b])).not.toThrow();
    createObject(a, { id: 'x' as ObjectId, label: 'cat', by: 'u' });
    expect(() => assertConverged([a, b])).toThrow(/state vector/);
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    expect(() => assertConverged([a, b])).not.toThrow();
    (objectsMap(a) as Y.Map<unknown>).set('junk', 42);
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    expect(() => assertConverged([a, b])).toThrow(/invalid objects/);
  });
});
