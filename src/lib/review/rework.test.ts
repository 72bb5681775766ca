import { describe, expect, it } from 'vitest';
import type { Thread, Verdict } from '../../../shared/schema/review';
import { reworkOf, staleVerdicts } from './rework';

const asked = (at: number): Verdict => ({ verdict: 'changes_requested', by: 'rita', at });
const approved = (at: number): Verdict => ({ verdict: 'approved', by: 'rita', at });

describe('rework', () => {
  it('tells the objects still to fix from those changed since the request, in list order', () => {
    const objects = [
      { id: 'a', updatedAt: 100 },
      { id: 'b', updatedAt: 300 },
      { id: 'c', updatedAt: 100 },
      { id: 'd', updatedAt: 100 },
      { id: 'e', updatedAt: 200 },
    ];
    const verdicts = { e: asked(200), b: asked(200), a: asked(200), c: approved(200) };
    expect(reworkOf(objects, verdicts)).toEqual({ pending: ['a', 'e'], changed: ['b'], notes: [] });
    expect(reworkOf(objects, {})).toEqual({ pending: [], changed: [], notes: [] });
  });

  it("counts a reviewer's open requests on the image, not threads on an object, resolved ones or questions", () => {
    const thread = (id: string, objectId: string | null, resolved = false, request = true): Thread => ({ id, objectId, x: 0, y: 0, createdBy: 'rita', createdAt: 1, resolved, messages: [], request });
    const threads = [thread('t1', null), thread('t2', 'a'), thread('t3', null, true), thread('t4', null), thread('t5', null, false, false)];
    expect(reworkOf([], {}, threads).notes).toEqual(['t1', 't4']);
  });

  it('finds the verdicts whose object was deleted', () => {
    const verdicts = { a: asked(1), gone: asked(1), old: approved(1) };
    expect(staleVerdicts(new Set(['a', 'b']), verdicts)).toEqual(['gone', 'old']);
  });
});
