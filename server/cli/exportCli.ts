// npm run export -- --project <id> --format coco|coco-polygons|voc|yolo|masks|cvat|labelstudio|labelstudio-brush|labelstudio-config --out <dir>
//                   [--task <id> ...] [--status done,in_review] [--label <name> ...] [--images] [--include-flagged] [--data-dir <dir>]
// Exports from the same storage the server uses (DATA_DIR, or DATABASE_URL for PostgreSQL) into a
// directory: annotations.json for the COCO formats, the format's files for VOC, YOLO and masks (with
// `--images`, the images too, where the format's lists name them).
// Safe while the server runs: it only reads (SQLite in WAL mode lets readers in beside the
// writer); what clients changed in the last batch window may not be on disk yet.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, loadConfigWith } from '../config';
import { exportDataset } from '../dataset/export/exportDataset';
import { canIncludeImages, imageEntries } from '../dataset/export/withImages';
import { loadExportInput } from '../dataset/loadExportInput';
import { storageRooms } from '../dataset/rooms';
import { ExportFormats, ExportStatusesSchema } from '../dataset/types';
import { createLogger } from '../logger';
import { openStorage } from '../storage/openStorage';
import type { ProjectId, TaskId } from '../../shared/schema/ids';
import { isTandemError } from '../../shared/protocol/errors';

const ArgsSchema = z.object({
  project: z.string().min(1, '--project <id> is required'),
  format: z.enum(ExportFormats),
  out: z.string().min(1, '--out <dir> is required'),
  task: z.array(z.string().min(1)).optional(),
  /** Only these labels' objects and classes (repeatable). */
  label: z.array(z.string().min(1)).optional(),
  /** Only tasks whose review status is one of these (comma-separated). */
  status: ExportStatusesSchema.optional(),
  'data-dir': z.string().optional(),
  images: z.boolean().optional(),
  /** Keep flagged images (blurry, duplicates), left out of a project export by default. */
  'include-flagged': z.boolean().optional(),
});

const USAGE = 'usage: npm run export -- --project <id> --format coco|coco-polygons|voc|yolo|masks|cvat|labelstudio|labelstudio-brush|labelstudio-config --out <dir> [--task <id> ...] [--status todo,in_progress,in_review,done] [--label <name> ...] [--images] [--include-flagged] [--data-dir <dir>]';

async function main(argv: string[]): Promise<number> {
  let args: z.infer<typeof ArgsSchema>;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        project: { type: 'string' },
        format: { type: 'string', default: 'coco' },
        out: { type: 'string' },
        task: { type: 'string', multiple: true },
        label: { type: 'string', multiple: true },
        status: { type: 'string' },
        'data-dir': { type: 'string' },
        images: { type: 'boolean' },
        'include-flagged': { type: 'boolean' },
        help: { type: 'boolean' },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    const parsed = ArgsSchema.safeParse(values);
    if (!parsed.success) {
      console.error(parsed.error.issues.map((i) => `${i.path.length ? `--${i.path.join('.')}: ` : ''}${i.message}`).join('\n'));
      console.error(USAGE);
      return 2;
    }
    args = parsed.data;
  } catch (e) {
    console.error((e as Error).message);
    console.error(USAGE);
    return 2;
  }

  let config;
  try {
    config = loadConfigWith(args['data-dir'] ? { DATA_DIR: args['data-dir'] } : {});
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      return 1;
    }
    throw e;
  }
  const log = createLogger({ level: 'warn' });
  if (!config.shared.databaseUrl && !fs.existsSync(path.join(config.dataDir, 'tandem.db'))) {
    console.error(`no Tandem data in ${config.dataDir} (use --data-dir or DATA_DIR)`);
    return 1;
  }
  const storage = await openStorage(config, log);
  try {
    // A project's flagged images stay out unless asked for; tasks named with --task are always in.
    const skipFlagged = !args.task && !args['include-flagged'];
    const input = await loadExportInput(storage, storageRooms(storage), args.project as ProjectId, args.task as TaskId[] | undefined, { statuses: args.status, skipFlagged, labels: args.label });
    if (args.images && !canIncludeImages(args.format)) {
      console.error(`--images is for voc, yolo and masks, not ${args.format}`);
      return 2;
    }
    const result = exportDataset(input, args.format, input.project.name);
    const outDir = path.resolve(args.out);
    const write = (rel: string, bytes: Uint8Array) => {
      const target = path.join(outDir, rel);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, bytes);
    };
    for (const f of result.files) write(f.path, f.bytes);
    // One image in memory at a time.
    if (args.images && canIncludeImages(args.format)) for (const img of imageEntries(input, args.format)) write(img.path, await storage.images.get(img.key));
    const objects = input.tasks.reduce((n, t) => n + t.objects.length, 0);
    console.log(`exported ${input.tasks.length} image(s), ${objects} object(s) of project "${input.project.name}" as ${args.format} to ${outDir} (${result.files.length} file(s))`);
    return 0;
  } catch (e) {
    if (isTandemError(e)) {
      console.error(`${e.code}: ${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    await storage.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
