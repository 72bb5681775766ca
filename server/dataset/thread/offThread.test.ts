// A large export or import plan runs on a thread of its own and gives what the calling thread
// would have given, byte for byte, while that thread goes on running timers, and its refusals
// with their codes and words; a small one stays on it.
import { describe, expect, it } from 'vitest';
import { sampleInput } from '../../../tests/fixtures/dataset/sampleProject';
import { exportDataset } from '../export/exportDataset';
import { strToU8 } from 'fflate';
import { planFile, type PlanJob } from '../import/planFile';
import { sampleStorage } from '../../../tests/fixtures/dataset/storageFixture';
import { exportOffThread, exportPixels, INLINE_PIXELS, planOffThread, zipFilesOffThread } from './offThread';
import { zipFormatFiles } from '../export/exportDataset';

describe('exports off the server thread', () => {
  it('gives the same bytes from its thread, with the calling thread free meanwhile', async () => {
    const input = sampleInput();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      for (const format of ['masks', 'labelstudio-brush', 'cvat'] as const) {
        const before = ticks;
        const out = await exportOffThread(input, format, 'sample', 0);
        expect(ticks).toBeGreaterThan(before); // timers ran while it worked
        const here = exportDataset(input, format, 'sample');
        expect([out.fileName, out.contentType, Buffer.from(out.bytes).equals(Buffer.from(here.bytes))]).toEqual([here.fileName, here.contentType, true]);
      }
      const files = await zipFilesOffThread(input, 'voc', 0);
      expect(files.map((f) => [f.path, Buffer.from(f.bytes).toString('base64')])).toEqual(zipFormatFiles(input, 'voc').map((f) => [f.path, Buffer.from(f.bytes).toString('base64')]));
    } finally {
      clearInterval(timer);
    }
  }, 60_000);

  it('keeps a small export on the calling thread', async () => {
    const input = sampleInput();
    expect(exportPixels(input)).toBeLessThan(INLINE_PIXELS);
    let ticked = false;
    const timer = setTimeout(() => (ticked = true), 0);
    await exportOffThread(input, 'masks', 'sample');
    clearTimeout(timer);
    expect(ticked).toBe(false); // done before any timer could run: no thread was started
  });

  it("plans an import file on its thread as on the calling one, and says the file's faults the same way", async () => {
    const fx = await sampleStorage();
    try {
      const project = (await fx.storage.meta.getProject(fx.project.id))!;
      const tasks = await fx.storage.meta.listTasks(fx.project.id);
      // Tandem's own Label Studio export of the sample project's objects: a real file to plan.
      const bytes = exportDataset(sampleInput(), 'labelstudio-brush', 'x').bytes;
      const job: PlanJob = { format: 'labelstudio', bytes, project, tasks, opts: { unknownLabels: 'add' } };
      const here = planFile(job);
      expect(here.byTask.size).toBe(2);
      expect(await planOffThread(job, 0)).toEqual(here);
      await expect(planOffThread({ ...job, bytes: strToU8('{ nope') }, 0)).rejects.toMatchObject({ code: 'invalid_json', message: expect.stringContaining('the Label Studio export is not valid JSON') });
      await expect(planOffThread({ ...job, format: 'cvat', bytes: strToU8('<annotations><image name="zz.jpg" width="1" height="1"/></annotations>') }, 0)).rejects.toMatchObject({ code: 'validation_failed' });
    } finally {
      await fx.close();
    }
  }, 60_000);
});
