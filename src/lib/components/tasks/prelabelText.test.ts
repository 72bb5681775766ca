import { describe, expect, it } from 'vitest';
import type { PrelabelStatus } from '../../sync/api';
import { prelabelStatusLine, prelabelSummary } from './prelabelText';

const run = (s: Partial<PrelabelStatus>): PrelabelStatus => ({ state: 'running', total: 10, done: 3, skipped: 0, objects: 5, failedTasks: 0, lastError: null, resumed: 0, ...s });

describe('what the project page says of a pre-labelling run', () => {
  it('a detector run: objects added, passed over, failures and pauses', () => {
    expect(prelabelStatusLine(run({ skipped: 1 }))).toBe('Working: 3 / 10 images, 5 objects added, 1 passed over (they have objects)');
    expect(prelabelStatusLine(run({ state: 'done', done: 10, objects: 1, failedTasks: 2, lastError: 'b.jpg: timeout', resumed: 2, auto: true }))).toBe(
      'New uploads: Done: 10 / 10 images, 1 object added, 2 failed (b.jpg: timeout) (carried on after a pause, 2 times)',
    );
    expect(prelabelStatusLine(run({ paused: 'no_worker' }))).toMatch(/^Paused, no worker runs the detector/);
  });

  it('a withdrawal: pre-labels removed', () => {
    expect(prelabelStatusLine(run({ mode: 'withdraw', state: 'stopped', objects: 1 }))).toBe('Stopped: 3 / 10 images, 1 untouched pre-label removed');
    expect(prelabelStatusLine(run({ mode: 'withdraw', withdrawing: 'imports', state: 'done', objects: 12 }))).toBe('Done: 3 / 10 images, 12 untouched imported objects removed');
  });

  it('an import\'s boxes: masks of how many boxes, those kept as rectangles, and the click model awaited', () => {
    expect(prelabelStatusLine(run({ mode: 'boxes', boxes: 40, objects: 12, rectangles: 2 }))).toBe(
      'Working: 3 / 10 images, 12 masks of 40 imported boxes made (2 kept as their rectangles: the model failed on them)',
    );
    expect(prelabelStatusLine(run({ mode: 'boxes', boxes: 1, objects: 1, state: 'done' }))).toBe('Done: 3 / 10 images, 1 mask of 1 imported box made');
    expect(prelabelStatusLine(run({ mode: 'boxes', state: 'failed', objects: 0, lastError: 'the import that brought the boxes failed' }))).toBe(
      'Failed: 3 / 10 images, 0 masks of 0 imported boxes made (the import that brought the boxes failed)',
    );
    expect(prelabelSummary(run({ mode: 'boxes', paused: 'no_worker' }))).toBe('paused, no worker runs the click model: 3 / 10');
    expect(prelabelSummary(run({ mode: 'boxes' }))).toBe('imported boxes: 3 / 10');
  });
});
