// CVAT for video 1.1 import (a team's tracked video leaving CVAT) against real SQLite storage:
// each track's shapes become objects of the frames they lie on (interpolated frames too, none
// where the object is outside), frames matched to images named as CVAT exports them or, for
// frames extracted by the team, by their place in file-name order; a file whose frames match
// nothing, or of another frame size, imports nothing.
import { strToU8 } from 'fflate';
import { afterEach, describe, expect, it } from 'vitest';
import { importCvat } from '../../server/dataset/import/importOtherTools';
import { loadExportInput } from '../../server/dataset/loadExportInput';
import { storageRooms } from '../../server/dataset/rooms';
import { decodeRle } from '../../shared/codecs/rle';
import type { TaskId } from '../../shared/schema/ids';
import { sampleStorage, type StorageFixture } from '../fixtures/dataset/storageFixture';
import { rejected } from '../helpers/rejected';

let fx: StorageFixture | null = null;
afterEach(async () => {
  await fx?.close();
  fx = null;
});

/** The sample project with these frames added (40x30 each). */
async function withFrames(names: string[]): Promise<StorageFixture> {
  const f = await sampleStorage();
  for (const name of names) {
    await f.storage.meta.createTask({ projectId: f.project.id, name, width: 40, height: 30, imageKey: `${name}.png`, mime: 'image/png', id: `t${Math.random().toString(36).slice(2, 10)}` as TaskId });
  }
  return f;
}

const META = (size: number, w = 40, h = 30) => `<meta><task><name>clip</name><size>${size}</size><mode>interpolation</mode><start_frame>0</start_frame><stop_frame>${size - 1}</stop_frame>
  <labels><label><name>car</name><attributes><attribute><name>parked</name><mutable>True</mutable><input_type>checkbox</input_type><default_value>false</default_value><values>false
true</values></attribute></attributes></label><label><name>lane</name><attributes></attributes></label></labels>
  <original_size><width>${w}</width><height>${h}</height></original_size></task></meta>`;
const video = (size: number, tracks: string, w = 40, h = 30) => `<?xml version="1.0" encoding="utf-8"?>\n<annotations><version>1.1</version>${META(size, w, h)}${tracks}</annotations>`;
const square = (x: number, frame: number, extra = 'keyframe="1" outside="0"') => `<polygon frame="${frame}" ${extra} occluded="0" points="${x},2;${x + 10},2;${x + 10},12;${x},12" z_order="0"><attribute name="parked">${frame === 0}</attribute></polygon>`;
// A car moving right 5 px a frame: a keyframe at 0, interpolated at 1, gone (outside) at 2;
// a mask track on frame 1 only (a 4x3 brush); a lane drawn as a line (no mask: counted).
const TRACKS =
  `<track id="0" label="car" source="manual">${square(2, 0)}${square(7, 1, 'keyframe="0" outside="0"')}${square(7, 2, 'keyframe="1" outside="1"')}</track>` +
  '<track id="1" label="car" source="manual"><mask frame="1" outside="0" occluded="0" keyframe="1" rle="1, 2, 3, 2, 2, 2" left="20" top="5" width="4" height="3" z_order="1"></mask><mask frame="2" outside="1" occluded="0" keyframe="1" rle="12" left="20" top="5" width="4" height="3" z_order="1"></mask></track>' +
  '<track id="2" label="lane" source="manual"><polyline frame="0" outside="0" occluded="0" keyframe="1" points="0,20;39,20" z_order="0"></polyline></track>';

const run = (f: StorageFixture, body: string, opts: Parameters<typeof importCvat>[5] = {}) => importCvat(f.storage, storageRooms(f.storage), f.project.id, strToU8(body), 'importer', opts);

async function objectsOf(f: StorageFixture, name: string) {
  const loaded = await loadExportInput(f.storage, storageRooms(f.storage), f.project.id);
  return loaded.tasks.find((t) => t.task.name === name)!.objects;
}

/** The columns a mask covers on row `y`. */
function columns(mask: Parameters<typeof decodeRle>[0], y: number): number[] {
  const m = decodeRle(mask);
  const out: number[] = [];
  for (let x = 0; x < m.width; x++) if (m.data[y * m.width + x]) out.push(x);
  return out;
}

describe('CVAT for video XML import', () => {
  it("makes each track's shapes objects of their frames, interpolated ones too, none where it is outside", async () => {
    fx = await withFrames(['clip/frame_000000.jpg', 'clip/frame_000001.jpg', 'clip/frame_000002.jpg']);
    const report = await run(fx, video(3, TRACKS));
    expect([report.imported, report.newLabels, report.unmatchedImages, report.unsupportedShapes]).toEqual([3, ['car'], [], 1]);
    const [f0, f1, f2] = await Promise.all(['clip/frame_000000.jpg', 'clip/frame_000001.jpg', 'clip/frame_000002.jpg'].map((n) => objectsOf(fx!, n)));
    expect(f0.map((o) => [o.label, o.attributes])).toEqual([['car', { parked: true }]]);
    expect(columns(f0[0].mask!, 6)[0]).toBe(2);
    // Frame 1: the car CVAT interpolated, moved 5 px, under the mask track (z_order 1).
    expect(f1.map((o) => [o.label, o.attributes])).toEqual([['car', { parked: false }], ['car', {}]]);
    expect(columns(f1[0].mask!, 6)[0]).toBe(7);
    expect(columns(f1[1].mask!, 6)).toEqual([22, 23]);
    expect(f2).toEqual([]); // both tracks are outside on frame 2
  });

  it("takes frames a team extracted itself in file-name order when the project holds exactly the video's frames", async () => {
    // The sample project's own two images would make five: a project of the video alone.
    fx = await sampleStorage();
    for (const t of await fx.storage.meta.listTasks(fx.project.id)) await fx.storage.meta.deleteTask(t.id);
    for (const name of ['out10.png', 'out2.png', 'out1.png']) {
      await fx.storage.meta.createTask({ projectId: fx.project.id, name, width: 40, height: 30, imageKey: `${name}.png`, mime: 'image/png', id: `t${Math.random().toString(36).slice(2, 10)}` as TaskId });
    }
    const report = await run(fx, video(3, TRACKS));
    expect([report.imported, report.unmatchedImages]).toEqual([3, []]);
    // Frame 0 is out1 (numbers read as numbers: out1, out2, out10), frame 1 out2.
    expect((await objectsOf(fx, 'out1.png')).length).toBe(1);
    expect((await objectsOf(fx, 'out2.png')).length).toBe(2);
    expect(await objectsOf(fx, 'out10.png')).toEqual([]);
  });

  it('makes the boxes of a track what the import asks, frame by frame', async () => {
    fx = await withFrames(['frame_000000.png', 'frame_000001.png']);
    const box = (frame: number, x: number) => `<box frame="${frame}" outside="0" occluded="0" keyframe="1" xtl="${x}" ytl="4" xbr="${x + 6}" ybr="8" z_order="0"></box>`;
    const report = await run(fx, video(2, `<track id="5" label="car">${box(0, 1)}${box(1, 11)}</track>`), { boxes: 'rectangle' });
    expect(report.imported).toBe(2);
    expect(columns((await objectsOf(fx, 'frame_000001.png'))[0].mask!, 5)).toEqual([11, 12, 13, 14, 15, 16]);
  });

  it('imports nothing from a video whose frames match no image, or of another frame size', async () => {
    fx = await withFrames(['frame_000000.jpg', 'frame_000001.jpg', 'frame_000002.jpg']);
    expect((await rejected(run(fx, video(3, TRACKS, 41, 30)))).message).toContain('frame_000000 is 41x30 in the file but 40x30 in the project');
    const bad = TRACKS.replace('<polygon frame="0"', '<polygon frame="first"');
    expect((await rejected(run(fx, video(3, bad)))).message).toContain('1 shapes of its tracks have no frame number');
    await fx.close();
    fx = await sampleStorage(); // photos/a.jpg, b.png: neither frame names nor three images
    const e = await rejected(run(fx, video(3, TRACKS)));
    expect([e.code, e.message]).toEqual(['validation_failed', expect.stringContaining('no frame of the video matches an image of project')]);
    expect((await loadExportInput(fx.storage, storageRooms(fx.storage), fx.project.id)).tasks.flatMap((t) => t.objects)).toEqual([]);
  });
});
