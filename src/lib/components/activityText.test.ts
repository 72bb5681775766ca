import { describe, expect, it } from 'vitest';
import { activityLines, activityText, type ActivityEntry } from './activityText';

const names = { u1: 'Rita', u2: 'Ana' };
let id = 100;
const entry = (action: string, detail: Record<string, unknown> = {}, userId = 'u1', at = 1_000_000): ActivityEntry => ({ id: id--, at, userId, action, detail });

describe('the activity log in words', () => {
  it('says what each action did, naming the members it was about', () => {
    expect(activityText(entry('flag', { tasks: 40, flag: 'blurry', changed: 40 }), names)).toBe('flagged 40 images as Blurry');
    expect(activityText(entry('flag', { tasks: 1, flag: null }), names)).toBe('took the flag off 1 image');
    expect(activityText(entry('members.role', { userId: 'u2', role: 'reviewer' }), names)).toBe('made Ana reviewer');
    expect(activityText(entry('members.remove', { userId: 'gone' }), names)).toBe('removed someone no longer known from the project');
    expect(activityText(entry('assign', { tasks: 3, to: 'u2' }), names)).toBe('assigned 3 tasks to Ana');
    expect(activityText(entry('assign', { tasks: 3, to: null }), names)).toBe('assigned 3 tasks to nobody');
    expect(activityText(entry('task.delete', { task: 'b.png', objects: 2 }), names)).toBe('deleted b.png with its 2 objects');
    expect(activityText(entry('labels.rename', { renames: [{ from: 'hedge', to: 'shrub' }] }), names)).toBe('renamed “hedge” to “shrub”');
    expect(activityText(entry('settings', { noOverlap: true, checks: {} }), names)).toBe('changed the settings (No overlap on; the checks)');
    expect(activityText(entry('object-attributes', { tasks: 12, label: 'car', values: { occluded: false }, objects: 30 }), names)).toBe('filled occluded: false on 30 car objects of 12 images');
    expect(activityText(entry('webhooks.add', { host: 'https://hooks.slack.com' }), names)).toBe('added a webhook to https://hooks.slack.com');
    expect(activityText(entry('export', { format: 'voc', images: true }), names)).toBe('exported the dataset as VOC with the images');
    expect(activityText(entry('export', { format: 'coco', images: false, shown: true }), names)).toBe('exported the tasks shown as COCO');
    expect(activityText(entry('import', { format: 'labelstudio', imported: 12, tasks: 3 }), names)).toBe('imported 12 objects from Label Studio into 3 images');
    expect(activityText(entry('import', { format: 'cvat', imported: 1, tasks: 1, boxes: 40, boxesAs: 'segment' }), names)).toBe('imported 1 object from CVAT into 1 image and gave 40 boxes to the click model');
    expect(activityText(entry('import', { format: 'yolo', imported: 3, tasks: 1, boxes: 2, boxesAs: 'rectangle' }), names)).toBe('imported 3 objects from YOLO into 1 image');
    expect(activityText(entry('prelabel.withdraw', { what: 'imports' }), names)).toBe('removed the untouched imported objects of every image');
    expect(activityText(entry('prelabel.withdraw', { tasks: 3 }), names)).toBe('removed the untouched pre-labels of 3 images');
    expect(activityText(entry('something.new'), names)).toBe('something.new'); // a newer server's action
  });

  it("makes one line of one person's uploads (or deletions) in a row, and keeps the others apart", () => {
    const h = 3_600_000;
    const lines = activityLines(
      [
        entry('flag', { tasks: 2, flag: 'blurry' }, 'u1', 10 * h),
        entry('upload', { name: 'c.png' }, 'u2', 9 * h),
        entry('upload', { name: 'b.png' }, 'u2', 9 * h - 60_000),
        entry('upload', { name: 'a.png' }, 'u2', 9 * h - 120_000),
        entry('upload', { name: 'z.png' }, 'u2', 9 * h - 120_000),
        entry('upload', { name: 'old.png' }, 'u2', 5 * h), // hours before: another batch
        entry('upload', { name: 'r.png' }, 'u1', 5 * h - 1),
        entry('task.delete', { task: 'x.png', objects: 2 }, 'u1', 4 * h),
        entry('task.delete', { task: 'y.png', objects: 0 }, 'u1', 4 * h - 1000),
      ],
      names,
    );
    expect(lines.map((l) => `${l.who} ${l.text}`)).toEqual([
      'Rita flagged 2 images as Blurry',
      'Ana uploaded 4 images (c.png, b.png, a.png, …)',
      'Ana uploaded old.png',
      'Rita uploaded r.png',
      'Rita deleted 2 tasks (x.png, y.png)',
    ]);
    expect(lines[1].at).toBe(9 * h - 120_000); // the run's first upload
  });
});
