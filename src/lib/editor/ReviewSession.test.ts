import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { ObjectId } from '../../../shared/schema/ids';
import { LocalOrigin } from '../../../shared/schema/origins';
import { ReviewSession } from './ReviewSession';

describe('ReviewSession', () => {
  it('records status, verdicts and threads, and a read-only session changes nothing', () => {
    const doc = new Y.Doc();
    const qa = new ReviewSession(doc, new LocalOrigin('q'), 'q', true);
    let changes = 0;
    const off = qa.observe(() => changes++);
    qa.setStatus('in_review');
    qa.verdict('o1' as ObjectId, 'changes_requested', 'the tail is missing', { x: 10, y: 20 });
    expect(qa.status()).toBe('in_review');
    expect(qa.verdicts().o1.verdict).toBe('changes_requested');
    const [t] = qa.threads('o1' as ObjectId);
    expect(t.messages[0].text).toBe('the tail is missing');
    qa.reply(t.id, 'fixed');
    qa.resolve(t.id);
    expect(qa.threads('o1' as ObjectId)[0]).toMatchObject({ resolved: true });
    expect(changes).toBeGreaterThanOrEqual(4);
    const viewer = new ReviewSession(doc, new LocalOrigin('v'), 'v', false);
    const sv = Y.encodeStateVector(doc);
    viewer.setStatus('done');
    viewer.comment(null, 'hello', { x: 1, y: 1 });
    expect(Y.encodeStateVector(doc)).toEqual(sv);
    off();
  });
});
