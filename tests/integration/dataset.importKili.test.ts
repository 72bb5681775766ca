// Kili raw export import (a team's work leaving Kili) against real SQLite storage: semantic
// annotations with their holes and polygons become masks with their labels, their children's
// classifications and transcriptions their attributes (defined from the file for a new label),
// the asset's own classification the image's attribute, rectangles as the import asks, points
// counted; the zip Kili exports (labels/<asset>.json, or data.json) works as the JSON; a
// consensus export takes the newest label; a wrong ring imports nothing.
import { strToU8, zipSync } from 'fflate';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { importKili } from '../../server/dataset/import/importOtherTools';
import { loadExportInput } from '../../server/dataset/loadExportInput';
import { storageRooms } from '../../server/dataset/rooms';
import { decodeRle, rleArea } from '../../shared/codecs/rle';
import { sampleStorage, type StorageFixture } from '../fixtures/dataset/storageFixture';
import { makeImage } from '../helpers/images';
import { rejected } from '../helpers/rejected';
import { startTestServer, type TestServer } from '../helpers/testServer';

let fx: StorageFixture | null = null;
afterEach(async () => {
  await fx?.close();
  fx = null;
});

// The sample project: photos/a.jpg is 40x30, b.png 23x17; labels cat, dog, tree.
const ring = (pts: Array<[number, number]>, w = 40, h = 30) => ({ normalizedVertices: pts.map(([x, y]) => ({ x: x / w, y: y / h })) });
const square = (x0: number, y0: number, x1: number, y1: number) => ring([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]);
const CAR = {
  type: 'semantic',
  mid: 'car-1',
  categories: [{ name: 'CAR', confidence: 100 }],
  // A 20x20 square with a 6x6 hole (a windscreen left out).
  boundingPoly: [square(2, 2, 22, 22), square(8, 8, 14, 14)],
  children: { COLOUR: { categories: [{ name: 'RED', confidence: 100 }] }, PLATE: { text: 'AB-123' } },
};
const asset = (externalId: string, jsonResponse: object) => ({ externalId, content: `https://storage/${externalId}`, latestLabel: { jsonResponse, createdAt: '2025-01-01T00:00:00Z' } });
const SAMPLE = [
  asset('a.jpg', {
    OBJECTS: {
      annotations: [
        CAR,
        { type: 'polygon', mid: 'cat-1', categories: [{ name: 'cat' }], boundingPoly: [square(25, 2, 35, 12)], children: {} },
        { type: 'rectangle', mid: 'box-1', categories: [{ name: 'cat' }], boundingPoly: [square(30, 20, 38, 28)], children: {} },
        { type: 'marker', mid: 'pt-1', categories: [{ name: 'cat' }], point: { x: 0.5, y: 0.5 }, children: {} },
      ],
    },
    WEATHER: { categories: [{ name: 'RAIN', confidence: 100 }] },
  }),
  asset('c.jpg', { OBJECTS: { annotations: [] } }),
];
const run = (f: StorageFixture, body: unknown, opts: Parameters<typeof importKili>[5] = {}) =>
  importKili(f.storage, storageRooms(f.storage), f.project.id, body instanceof Uint8Array ? body : strToU8(JSON.stringify(body)), 'importer', opts);

async function objectsOf(f: StorageFixture, name: string) {
  const loaded = await loadExportInput(f.storage, storageRooms(f.storage), f.project.id);
  return loaded.tasks.find((t) => t.task.name === name)!;
}

describe('Kili raw export import', () => {
  it('makes semantic annotations masks with their holes, children their attributes, the asset\'s classification the image\'s', async () => {
    fx = await sampleStorage();
    const report = await run(fx, SAMPLE, { boxes: 'rectangle' });
    expect([report.imported, report.newLabels, report.unmatchedImages, report.unsupportedShapes, report.boxes]).toEqual([3, ['CAR'], ['c.jpg'], 1, 1]);
    expect([report.newImageAttributes, report.imagesWithAttributes]).toEqual([['WEATHER'], 1]);
    const project = await fx.storage.meta.getProject(fx.project.id);
    expect(project!.labels.find((l) => l.name === 'CAR')!.attributes).toEqual([
      { name: 'COLOUR', type: 'select', options: ['RED'] },
      { name: 'PLATE', type: 'text' },
    ]);
    const a = await objectsOf(fx, 'photos/a.jpg');
    expect(a.objects.map((o) => [o.label, o.attributes])).toEqual([['CAR', { COLOUR: 'RED', PLATE: 'AB-123' }], ['cat', {}], ['cat', {}]]);
    expect(a.imageAttributes).toEqual({ WEATHER: 'RAIN' });
    // The car: its outline less its hole (rasterised as COCO polygons are: within a pixel band).
    const car = decodeRle(a.objects[0].mask!);
    expect(car.data[5 * 40 + 5]).toBe(1);
    expect(car.data[11 * 40 + 11]).toBe(0); // inside the hole
    expect(rleArea(a.objects[0].mask!)).toBeGreaterThan(400 - 36 - 60);
    expect(rleArea(a.objects[0].mask!)).toBeLessThan(441 - 25);
    expect(rleArea(a.objects[2].mask!)).toBe(8 * 8); // the rectangle, filled
  });

  it("reads Kili's zip (labels/<asset>.json, or data.json), pixel vertices, and a consensus export's newest label", async () => {
    fx = await sampleStorage();
    const pixels = { ...asset('b.png', {}), latestLabel: undefined, latestLabels: [
      { createdAt: '2025-01-02T00:00:00Z', jsonResponse: { OBJECTS: { annotations: [{ type: 'semantic', categories: [{ name: 'dog' }], boundingPoly: [{ vertices: [{ x: 1, y: 1 }, { x: 11, y: 1 }, { x: 11, y: 11 }, { x: 1, y: 11 }] }] }] } } },
      { createdAt: '2025-01-01T00:00:00Z', jsonResponse: { OBJECTS: { annotations: [] } } },
    ] };
    const zip = zipSync({ 'export/labels/a.jpg.json': strToU8(JSON.stringify(SAMPLE[0])), 'export/labels/b.png.json': strToU8(JSON.stringify(pixels)), 'export/README.kili.txt': strToU8('kili') });
    const report = await run(fx, zip);
    expect([report.imported, report.tasks.length]).toEqual([3, 2]);
    expect(rleArea((await objectsOf(fx, 'b.png')).objects[0].mask!)).toBe(100);
    await fx.close();
    fx = await sampleStorage();
    expect((await run(fx, zipSync({ 'data.json': strToU8(JSON.stringify([pixels])) }))).imported).toBe(1);
  });

  it('refuses the whole file, writing nothing, for a ring without vertices, an unnamed label or what is no Kili export', async () => {
    fx = await sampleStorage();
    const noRing = [asset('a.jpg', { OBJECTS: { annotations: [{ type: 'semantic', mid: 'x', categories: [{ name: 'cat' }], boundingPoly: [{}], children: {} }, CAR] } })];
    expect((await rejected(run(fx, noRing))).message).toContain('a.jpg: annotation x (cat): its boundingPoly has neither normalizedVertices nor vertices');
    const unnamed = [asset('a.jpg', { OBJECTS: { annotations: [{ ...CAR, categories: [] }] } })];
    expect((await rejected(run(fx, unnamed))).message).toContain('is not a label name');
    expect((await rejected(run(fx, [{ data: { image: 'a.jpg' } }]))).message).toMatch(/not a Kili export: 0\.externalId/);
    expect((await rejected(run(fx, zipSync({ 'x.txt': strToU8('') })))).message).toContain('no labels/<asset>.json nor data.json');
    expect((await loadExportInput(fx.storage, storageRooms(fx.storage), fx.project.id)).tasks.flatMap((t) => t.objects)).toEqual([]);
    expect((await fx.storage.meta.getProject(fx.project.id))!.labels.map((l) => l.name)).toEqual(['cat', 'dog', 'tree']);
  });
});

describe('POST /api/projects/:id/import?format=kili', () => {
  let s: TestServer;
  afterAll(async () => s?.close());

  it('imports the JSON through the API, for owners and annotators only', async () => {
    s = await startTestServer();
    const { projectId, taskId } = await s.createProjectWithTask({ image: await makeImage(40, 30), taskName: 'a.jpg', labels: [{ name: 'cat', color: '#ff0000' }] });
    const viewer = await s.addMember(projectId, 'viewer');
    const post = (token?: string) => s.api('POST', `/api/projects/${projectId}/import?format=kili&boxes=skip`, Buffer.from(JSON.stringify(SAMPLE)), token, { 'content-type': 'application/json' });
    expect((await post(viewer.token)).status).toBe(403);
    const r = await post();
    expect([r.status, r.body.imported, r.body.tasks[0].taskId, r.body.unsupportedShapes, r.body.newLabels]).toEqual([200, 2, taskId, 2, ['CAR']]);
  });
});
