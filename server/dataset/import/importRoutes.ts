// POST /api/projects/:id/import: a file's annotations as pre-labels (owners and annotators, those
// who create objects), in any of the formats the import reads; `dryRun=true` answers what it would
// do, and with `keep=true` keeps the file for the import that follows (`preview=<id>`, no second
// upload: importPreviews.ts). DELETE .../import/previews/:id drops a kept file (a preview cancelled).
import { z } from 'zod';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import type { ProjectId, UserId } from '../../../shared/schema/ids';
import { queryParams, readBody, validate } from '../../http/body';
import { requireUser, type HttpDeps } from '../../http/context';
import { sendJson, type Router } from '../../http/router';
import type { Storage } from '../../storage/types';
import type { Prelabeller } from '../prelabel/prelabel';
import type { LiveRooms } from '../rooms';
import type { BoxRunner, ImportReport } from './applyImportPlan';
import { importArchive } from './importArchive';
import { importCoco } from './importCoco';
import { importCvat, importKili, importLabelStudio } from './importOtherTools';
import { PREVIEW_ID, type ImportPreviews } from './importPreviews';
import { LabelMapSchema } from './labelMap';

const ImportQuery = z.object({
  format: z.enum(['coco', 'yolo', 'masks', 'voc', 'cvat', 'labelstudio', 'kili']).default('coco'),
  unknownLabels: z.enum(['add', 'reject']).default('add'),
  /** The label of PNG masks outside a label folder (format=masks). */
  label: z.string().trim().min(1).max(100).optional(),
  /** What the file's boxes become (import/importBoxes.ts); the format's own default when absent. */
  boxes: z.enum(['segment', 'rectangle', 'skip']).optional(),
  /** `true`: what the import would do, nothing written (a preview before a large import). */
  dryRun: z.enum(['true', 'false']).default('false'),
  /** With `dryRun`: keep the file for the import that follows (the answer's `preview`). */
  keep: z.enum(['true', 'false']).default('false'),
  /** The file a preview kept, instead of a body. */
  preview: z.string().regex(PREVIEW_ID, 'preview is not an id a preview answered').optional(),
  /** JSON `{"<file label>": "<project label>"}`: the file's names taken as the project's own (import/labelMap.ts). */
  labelMap: z
    .string()
    .max(200_000)
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      try {
        const parsed = LabelMapSchema.safeParse(JSON.parse(v));
        if (parsed.success) return parsed.data;
        ctx.addIssue({ code: 'custom', message: `labelMap: ${parsed.error.issues[0]?.message}` });
      } catch {
        ctx.addIssue({ code: 'custom', message: 'labelMap is not JSON' });
      }
      return z.NEVER;
    }),
});


export interface ImportRouteDeps {
  storage: Storage;
  rooms: LiveRooms;
  prelabel: Prelabeller;
  previews: ImportPreviews;
}

export function importRoutes(router: Router, deps: HttpDeps, { storage, rooms, prelabel, previews }: ImportRouteDeps): void {
  /** The user, when their role in the project creates objects. */
  const importer = async (req: Parameters<typeof requireUser>[1], q: URLSearchParams, projectId: ProjectId) => {
    const user = await requireUser(deps, req, q);
    const role = await deps.auth.projectRole(user, projectId);
    if (role !== 'owner' && role !== 'annotator') throw new TandemError(ErrorCode.Forbidden, `a ${role} cannot import annotations`);
    return user;
  };

  // The file can be far larger than an API JSON body, so it gets the image upload cap.
  router.add('POST', '/api/projects/:projectId/import', async ({ req, res, query: q, params }) => {
    const projectId = params.projectId as ProjectId;
    const user = await importer(req, q, projectId);
    const opts = validate(ImportQuery, queryParams(q));
    const body = await readBody(req, deps.config.limits.maxImageBytes);
    if (opts.preview && body.length) throw new TandemError(ErrorCode.ValidationFailed, 'send the file or name its preview, not both');
    const bytes = opts.preview ? await previews.file(projectId, user.id, opts.preview) : new Uint8Array(body);
    const dryRun = opts.dryRun === 'true';
    // Boxes for the click model: a run of the pre-labeller's (the project page follows it there).
    const boxRunner: BoxRunner = (id, by, boxes, after) => prelabel.segmentBoxesOrWait(id, by as UserId, boxes, after);
    const common = { unknownLabels: opts.unknownLabels, boxes: opts.boxes, boxRunner, dryRun, labelMap: opts.labelMap };
    const report: ImportReport =
      opts.format === 'coco'
        ? await importCoco(storage, rooms, projectId, bytes, user.id, common)
        : opts.format === 'cvat' || opts.format === 'labelstudio' || opts.format === 'kili'
          ? await { cvat: importCvat, labelstudio: importLabelStudio, kili: importKili }[opts.format](storage, rooms, projectId, bytes, user.id, common)
          : await importArchive(storage, rooms, projectId, bytes, user.id, opts.format, { ...common, label: opts.label });
    // A preview the file passed: kept for its import (a dry run again with another label map reuses it).
    if (dryRun && opts.keep === 'true') report.preview = opts.preview ?? (await previews.keep(projectId, user.id, bytes));
    // The import is written: a failure to drop its file (swept within the hour) must not answer it as failed, or it is sent again.
    if (!dryRun && opts.preview) await previews.drop(projectId, user.id, opts.preview).catch((err: unknown) => deps.log.warn({ err, projectId }, 'could not drop an import preview'));
    sendJson(res, 200, report);
  });

  router.add('DELETE', '/api/projects/:projectId/import/previews/:previewId', async ({ req, res, query: q, params }) => {
    const projectId = params.projectId as ProjectId;
    const user = await importer(req, q, projectId);
    if (!(await previews.drop(projectId, user.id, params.previewId))) throw new TandemError(ErrorCode.NotFound, 'no such import preview');
    sendJson(res, 200, { dropped: params.previewId });
  });
}
