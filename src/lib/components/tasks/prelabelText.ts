// What the project page says of a pre-labelling run (the detector's, a withdrawal, or the masks
// of an import's boxes): one line, from its status as the server answers it.
import type { PrelabelStatus } from '../../sync/api';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The model a run waits for when its worker went away. */
const waitsFor = (s: PrelabelStatus) => (s.mode === 'boxes' ? 'the click model' : 'the detector');

/** The run in one line: where it stands, how far it got, what it did. */
export function prelabelStatusLine(s: PrelabelStatus): string {
  const running = s.state === 'running';
  const state = s.paused
    ? `Paused, no worker runs ${waitsFor(s)} (it carries on when one does):`
    : running ? 'Working:' : s.state === 'done' ? 'Done:' : s.state === 'stopped' ? 'Stopped:' : 'Failed:';
  const objects = s.objects ?? 0;
  const did =
    s.mode === 'withdraw' ? `${plural(objects, s.withdrawing === 'imports' ? 'untouched imported object' : 'untouched pre-label')} removed`
    : s.mode === 'boxes' ? `${plural(objects, 'mask')} of ${plural(s.boxes ?? 0, 'imported box', 'imported boxes')} made${s.rectangles ? ` (${s.rectangles} kept as ${s.rectangles === 1 ? 'its rectangle' : 'their rectangles'}: the model failed on ${s.rectangles === 1 ? 'it' : 'them'})` : ''}`
    : `${plural(objects, 'object')} added`;
  return [
    s.auto ? 'New uploads: ' : '',
    `${state} ${s.done ?? 0} / ${s.total ?? 0} images, ${did}`,
    s.skipped ? `, ${s.skipped} passed over (they have objects)` : '',
    s.failedTasks ? `, ${s.failedTasks} failed (${s.lastError})` : s.state === 'failed' && s.lastError ? ` (${s.lastError})` : '',
    s.resumed ? ` (carried on after a pause${s.resumed > 1 ? `, ${s.resumed} times` : ''})` : '',
  ].join('');
}

/** The panel's summary while a run goes on. */
export function prelabelSummary(s: PrelabelStatus): string {
  const what = s.mode === 'boxes' ? 'imported boxes' : s.mode === 'withdraw' ? 'removing' : 'working';
  return `${s.paused ? `paused, no worker runs ${waitsFor(s)}` : what}: ${s.done} / ${s.total}`;
}
