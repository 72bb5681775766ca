// YOLO import (a zip of Ultralytics label files) against real SQLite storage, and through the HTTP
// API: Tandem's own YOLO export comes back as the same polygons, boxes become rectangles, class
// names come from data.yaml or classes.txt, and a bad archive or line imports nothing.
import { strToU8, zipSync } from 'fflate';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { toYolo } from '../../server/dataset/export/yolo';
import { importArchive } from '../../server/dataset/import/importArchive';
import { MAX_YOLO_UNPACKED_BYTES } from '../../server/dataset/import/planYoloImport';
import { loadExportInput } from '../../server/dataset/loadExportInput';
import { storageRooms, type LiveRooms } from '../../server/dataset/rooms';
import type { Storage } from '../../server/storage/types';
import type { ProjectId } from '../../shared/schema/ids';
import { decodeRle } from '../../shared/codecs/rle';
import { sampleInput, sampleTasks } from '../fixtures/dataset/sampleProject';
import { sampleStorage, type StorageFixture } from '../fixtures/dataset/storageFixture';
import { makeImage } from '../helpers/images';
import { rejected } from '../helpers/rejected';
import { startTestServer, type TestServer } from '../helpers/testServer';

/** The zip import of YOLO labels, as the HTTP route calls it with format=yolo. */
const importYolo = (storage: Storage, rooms: LiveRooms, projectId: ProjectId, bytes: Uint8Array, by: string, opts?: { unknownLabels?: 'add' | 'reject' }) =>
  importArchive(storage, rooms, projectId, bytes, by, 'yolo', opts);

let fx: StorageFixture | null = null;
afterEach(async () => {
  await fx?.close();
  fx = null;
});

const zip = (files: Record<string, string | Uint8Array>) => zipSync(Object.fromEntries(Object.entries(files).map(([p, v]) => [p, typeof v === 'string' ? strToU8(v) : v])));
const exportYolo = async (f: StorageFixture) => toYolo(await loadExportInput(f.storage, storageRooms(f.storage), f.project.id));
const asText = (files: ReturnType<typeof toYolo>) => Object.fromEntries(files.map((f) => [f.path, new TextDecoder().decode(f.bytes)]));
const pixels = (mask: Parameters<typeof decodeRle>[0] | null) => decodeRle(mask!).data;
const count = (m: Uint8Array) => m.reduce((a, v) => a + v, 0);


describe('YOLO import', () => {
  it("brings Tandem's own YOLO export back: the same polygons, a two-part object as one (objects.csv), holes filled", async () => {
    const first = toYolo(sampleInput());
    fx = await sampleStorage();
    const report = await importYolo(fx.storage, storageRooms(fx.storage), fx.project.id, zip(asText(first)), 'importer');
    expect(report.imported).toBe(5); // the two-part dog is two lines, one object by objects.csv
    expect(report.newLabels).toEqual(['bird']);
    expect(report.unmatchedImages).toEqual([]);
    // Exported again, the label files say exactly what they said (objects of one image in any order),
    // and objects.csv groups the same lines: per image, each object's label and how many lines it has.
    const again = asText(await exportYolo(fx));
    const lines = (text: string) => text.split('\n').sort();
    for (const [path, text] of Object.entries(asText(first))) if (path !== 'objects.csv') expect(lines(again[path]), path).toEqual(lines(text));
    const objectsOf = (csv: string) => {
      const parts = new Map<string, number>();
      for (const [file, , object, label] of csv.trimEnd().split('\n').slice(1).map((r) => r.split(','))) parts.set(`${file} ${object} ${label}`, (parts.get(`${file} ${object} ${label}`) ?? 0) + 1);
      return [...parts].map(([k, n]) => `${k.split(' ')[0]} ${k.split(' ')[2]} ${n}`).sort();
    };
    expect(objectsOf(again['objects.csv'])).toEqual(objectsOf(asText(first)['objects.csv']));
    expect(objectsOf(again['objects.csv'])).toContain('labels/a.txt dog 2');

    const loaded = await loadExportInput(fx.storage, storageRooms(fx.storage), fx.project.id);
    const drawn = new Map(sampleTasks().flatMap((t) => t.drawn.map((d) => [`${t.task.name}|${d.object.label}`, d.pixels])));
    for (const t of loaded.tasks) {
      for (const label of ['tree', 'bird']) {
        for (const o of t.objects.filter((x) => x.label === label)) expect(Buffer.from(pixels(o.mask)).equals(Buffer.from(drawn.get(`${t.task.name}|${label}`)!))).toBe(true);
      }
      if (t.task.name !== 'photos/a.jpg') continue;
      // The dog's two parts, one object again, cover exactly the dog.
      const dogs = t.objects.filter((o) => o.label === 'dog').map((o) => pixels(o.mask));
      expect(dogs).toHaveLength(1);
      expect(Buffer.from(dogs[0]).equals(Buffer.from(drawn.get('photos/a.jpg|dog')!))).toBe(true);
      // The ring comes back as a disk: every ring pixel, and the hole (YOLO has no holes).
      const ring = drawn.get('photos/a.jpg|cat')!;
      const cat = pixels(t.objects.find((o) => o.label === 'cat')!.mask);
      expect(ring.every((v, i) => !v || cat[i] === 1)).toBe(true);
      expect(count(cat)).toBeGreaterThan(count(ring));
    }
  });

  it("without objects.csv (another tool's labels) each line is an object", async () => {
    const files = asText(toYolo(sampleInput()));
    delete files['objects.csv'];
    fx = await sampleStorage();
    const report = await importYolo(fx.storage, storageRooms(fx.storage), fx.project.id, zip(files), 'importer');
    expect(report.imported).toBe(6);
  });

  it("carries the objects' attribute values both ways: each object's onto it, a value that does not fit counted, a row naming no line counted", async () => {
    const labels = [
      { name: 'cat', color: '#ff0000', attributes: [{ name: 'occluded', type: 'checkbox' as const }, { name: 'colour', type: 'select' as const, options: ['black', 'white, grey'] }] },
      { name: 'dog', color: '#00ff00', attributes: [{ name: 'breed', type: 'text' as const }] },
      { name: 'tree', color: '#0000ff' },
    ];
    const base = sampleInput();
    const input = {
      project: { ...base.project, labels },
      tasks: base.tasks.map((t) => ({ ...t, objects: t.objects.map((o) => (o.label === 'cat' ? { ...o, attributes: { occluded: true, colour: 'white, grey' } } : o.label === 'dog' ? { ...o, attributes: { breed: 'collie "Lassie"' } } : o)) })),
    };
    const files = asText(toYolo(input));
    // Read without the importer's code: a row per line, the dog's two lines one object.
    const rows = files['objects.csv'].trimEnd().split('\n');
    expect(rows[0]).toBe('label_file,line,object,label,attributes');
    const dogRows = rows.filter((r) => r.includes(',dog,'));
    expect(dogRows).toHaveLength(2);
    expect(new Set(dogRows.map((r) => r.split(',')[2])).size).toBe(1);
    expect(rows.find((r) => r.includes(',cat,'))).toContain('"{""occluded"":true,""colour"":""white, grey""}"');
    // A row for a line that is not there, and a value the project's definition refuses (the first cat's).
    files['objects.csv'] += 'labels/a.txt,99,9,cat,"{""occluded"":true}"\n';
    files['objects.csv'] = files['objects.csv'].replace('""colour"":""white, grey""', '""colour"":""purple""');
    fx = await sampleStorage({ labels });
    const report = await importYolo(fx.storage, storageRooms(fx.storage), fx.project.id, zip(files), 'importer');
    expect(report).toMatchObject({ imported: 5, unmatchedObjects: 1, invalidAttributes: 1 }); // the first cat's colour
    const loaded = await loadExportInput(fx.storage, storageRooms(fx.storage), fx.project.id);
    const all = loaded.tasks.flatMap((t) => t.objects);
    expect(all.filter((o) => o.label === 'cat').map((o) => o.attributes)).toEqual([{ occluded: true }, { occluded: true, colour: 'white, grey' }]);
    expect(all.filter((o) => o.label === 'dog').map((o) => o.attributes)).toEqual([{ breed: 'collie "Lassie"' }]);
    expect(all.filter((o) => o.label === 'tree').map((o) => o.attributes)).toEqual([{}]);
  });

  it('refuses an objects.csv it cannot read, naming the row, and writes nothing', async () => {
    const files = asText(toYolo(sampleInput()));
    fx = await sampleStorage();
    const bad = { ...files, 'objects.csv': files['objects.csv'] + 'labels/a.txt,2,1,cat,{not json\n' };
    const err = await rejected(importYolo(fx.storage, storageRooms(fx.storage), fx.project.id, zip(bad), 'importer'));
    expect(err).toMatchObject({ code: 'validation_failed' });
    expect(err.message).toMatch(/objects\.csv row \d+: the attributes are not JSON/);
    const headless = { ...files, 'objects.csv': 'a,b\n1,2\n' };
    expect(await rejected(importYolo(fx.storage, storageRooms(fx.storage), fx.project.id, zip(headless), 'importer'))).toMatchObject({ code: 'validation_failed' });
    const loaded = await loadExportInput(fx.storage, storageRooms(fx.storage), fx.project.id);
    expect(loaded.tasks.flatMap((t) => t.objects)).toEqual([]);
  });

  it('reads boxes as rectangles, names from data.yaml (a list or an id map), and adds new classes as labels', async () => {
    fx = await sampleStorage();
    const archive = zip({
      'ds/data.yaml': 'path: .\nnames:\n  1: dog\n  0: fox\n',
      'ds/labels/train/a.txt': '# predictions\n0 0.5 0.5 0.5 0.2\n\n1 0.25 0.5 0.1 0.4\n',
      'ds/labels/train/b.txt': '',
      'ds/labels/train/unknown.txt': '0 0.5 0.5 0.1 0.1\n',
      'ds/train.txt': 'images/a.jpg\n',
    });
    const report = await importYolo(fx.storage, storageRooms(fx.storage), fx.project.id, archive, 'importer');
    expect(report.imported).toBe(2);
    expect(report.newLabels).toEqual(['fox']);
    expect(report.unmatchedImages).toEqual(['ds/labels/train/unknown.txt']);
    const loaded = await loadExportInput(fx.storage, storageRooms(fx.storage), fx.project.id);
    const a = loaded.tasks.find((t) => t.task.name === 'photos/a.jpg')!;
    // 40x30 image: the fox box is 20 x 6 px centred at (20, 15), the dog box 4 x 12 at (10, 15).
    const fox = pixels(a.objects.find((o) => o.label === 'fox')!.mask);
    expect(count(fox)).toBe(20 * 6);
    expect(fox[15 * 40 + 20]).toBe(1);
    expect(fox[11 * 40 + 20]).toBe(0);
    expect(count(pixels(a.objects.find((o) => o.label === 'dog')!.mask))).toBe(4 * 12);

    // The same lines with names from classes.txt, in a fresh project that refuses new labels.
    await fx.close();
    fx = await sampleStorage();
    const refused = await rejected(
      importYolo(fx.storage, storageRooms(fx.storage), fx.project.id, zip({ 'classes.txt': 'fox\ndog\n', 'labels/a.txt': '1 0.5 0.5 0.1 0.1\n' }), 'x', { unknownLabels: 'reject' }),
    );
    expect(refused.message).toMatch(/"fox" is not a label/);
    const list = await importYolo(fx.storage, storageRooms(fx.storage), fx.project.id, zip({ 'data.yaml': 'names: [fox, dog]\n', 'labels/a.txt': '1 0.5 0.5 0.1 0.1\n' }), 'x');
    expect([list.imported, list.newLabels]).toEqual([1, ['fox']]);
  });

  it('rejects a wrong line, naming the file and the line, and writes nothing', async () => {
    fx = await sampleStorage();
    const bad: Array<[string, RegExp]> = [
      ['0 0.5 0.5 0.1 0.1\n7 0.5 0.5 0.1 0.1\n', /labels\/a\.txt line 2: class 7 has no name/],
      ['0 0.1 0.1 0.2 0.2 0.3\n', /line 1: 5 coordinates/],
      ['0 0.1 0.1 0.2 x 0.3 0.3\n', /line 1: a coordinate is not a number/],
      ['0 0.5 0.5 0.1 1.5\n', /outside/],
      ['cat 0.5 0.5 0.1 0.1\n', /class id "cat" is not a whole number/],
    ];
    for (const [text, message] of bad) {
      const err = await rejected(importYolo(fx.storage, storageRooms(fx.storage), fx.project.id, zip({ 'classes.txt': 'cat\n', 'labels/b.txt': '0 0.5 0.5 0.2 0.2\n', 'labels/a.txt': text }), 'x'));
      expect(err.code).toBe('validation_failed');
      expect(err.message).toMatch(message);
    }
    const loaded = await loadExportInput(fx.storage, storageRooms(fx.storage), fx.project.id);
    expect(loaded.tasks.every((t) => t.objects.length === 0)).toBe(true);
    expect((await fx.storage.meta.getProject(fx.project.id))!.labels.map((l) => l.name)).toEqual(['cat', 'dog', 'tree']);
  });

  it('refuses what is not an archive of labels: not a zip, no label files, no matching task, a zip bomb', async () => {
    fx = await sampleStorage();
    const run = (bytes: Uint8Array) => rejected(importYolo(fx!.storage, storageRooms(fx!.storage), fx!.project.id, bytes, 'x'));
    expect((await run(strToU8('{"images": []}'))).code).toBe('bad_request');
    expect((await run(zip({ 'data.yaml': 'names: [a]\n' }))).message).toMatch(/no YOLO label files/);
    expect((await run(zip({ 'labels/zebra.txt': '0 0.5 0.5 0.1 0.1\n' }))).message).toMatch(/no label file of the archive matches a task/);
    // Spaces compress a thousandfold: the limit is checked before anything is inflated.
    const bomb = zipSync({ 'labels/a.txt': new Uint8Array(MAX_YOLO_UNPACKED_BYTES + 1).fill(32) }, { level: 9 });
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    expect((await run(bomb)).code).toBe('payload_too_large');
  });
});

describe('POST /api/projects/:id/import?format=yolo', () => {
  let s: TestServer;
  afterAll(async () => s?.close());

  it('imports a zip for owners and annotators, not for viewers, and answers a bad archive with its code', async () => {
    s = await startTestServer();
    const { projectId, taskId } = await s.createProjectWithTask({ image: await makeImage(64, 48), taskName: 'street.png', labels: [{ name: 'car', color: '#ff0000' }] });
    const viewer = await s.addMember(projectId, 'viewer');
    const archive = Buffer.from(zip({ 'classes.txt': 'car\n', 'labels/street.txt': '0 0.5 0.5 0.25 0.5\n' }));
    const post = (body: Buffer, token?: string) => s.api('POST', `/api/projects/${projectId}/import?format=yolo`, body, token, { 'content-type': 'application/zip' });
    expect((await post(archive, viewer.token)).status).toBe(403);
    const r = await post(archive);
    expect([r.status, r.body.imported, r.body.tasks[0].taskId]).toEqual([200, 1, taskId]);
    const bad = await post(Buffer.from('not a zip'));
    expect([bad.status, bad.body.error.code]).toEqual([400, 'bad_request']);
    const coco = await s.api('GET', `/api/tasks/${taskId}/export?format=coco`);
    expect(coco.body.annotations[0].bbox).toEqual([24, 12, 16, 24]);
  });
});
