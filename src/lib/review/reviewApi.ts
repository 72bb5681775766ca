// HTTP client for the review-side routes of server/dataset/datasetRoutes.ts: object history and
// restore, project analytics, dataset import and export. Every answer is validated with zod (the
// UI never trusts network JSON); errors become ApiError with the server's `{code, message}`.
import { z } from 'zod';
import { AttributeValuesSchema } from '../../../shared/schema/attributes';
import { RleSchema } from '../../../shared/codecs/rle';
import { ApiError, readAnswer } from '../sync/api';

const ClickSchema = z.object({ x: z.number(), y: z.number(), positive: z.boolean(), by: z.string(), at: z.number() });

/** One recorded version of an object (server/dataset/history/historyDoc.ts). */
export const VersionSchema = z.object({
  id: z.string(),
  objectId: z.string(),
  /** 1-based: what restore takes. */
  version: z.number().int(),
  at: z.number(),
  by: z.string(),
  kind: z.enum(['created', 'mask', 'label', 'attributes', 'deleted', 'restored']),
  label: z.string(),
  mask: z.object({ size: z.tuple([z.number(), z.number()]), counts: z.string() }).nullable(),
  clicks: z.array(ClickSchema),
  source: z.string().optional(),
  model: z.string().optional(),
  attributes: AttributeValuesSchema.optional(),
  updatedAt: z.number(),
  restoredFrom: z.number().optional(),
});
export type Version = z.infer<typeof VersionSchema>;

const HistorySchema = z.object({ taskId: z.string(), objectId: z.string(), versions: z.array(VersionSchema) });
/** A recorded state of the image's own attribute values (server/dataset/history/imageHistory.ts). */
const ImageVersionSchema = z.object({ id: z.string(), at: z.number(), by: z.string(), values: z.record(z.string(), z.union([z.boolean(), z.string(), z.number()])), changed: z.array(z.string()) });
export type ImageVersion = z.infer<typeof ImageVersionSchema>;

const GroupSchema = z.object({
  objects: z.number(),
  clicks: z.number(),
  clicksPerObject: z.number().nullable(),
  activeMs: z.number(),
  objectsPerHour: z.number().nullable(),
  meanTimeToAcceptMs: z.number().nullable(),
  medianTimeToAcceptMs: z.number().nullable(),
  reviewed: z.number(),
  approvedFirstTime: z.number(),
  reviewPassRate: z.number().nullable(),
  corrections: z.number(),
  meanKeptIou: z.number().nullable().default(null),
});
export type GroupFigures = z.infer<typeof GroupSchema>;

const ObjectFiguresSchema = z.object({
  taskId: z.string(),
  taskName: z.string(),
  objectId: z.string(),
  label: z.string(),
  createdBy: z.string(),
  clicks: z.number(),
  timeToAcceptMs: z.number().nullable(),
  firstVerdict: z.enum(['approved', 'changes_requested']).nullable(),
  verdict: z.enum(['approved', 'changes_requested']).nullable(),
  corrections: z.number(),
  keptIou: z.number().nullable().default(null),
});
export type ObjectFigures = z.infer<typeof ObjectFiguresSchema>;

const PrelabelCountsSchema = z.object({ added: z.number(), untouched: z.number(), redrawn: z.number(), relabelled: z.number(), deleted: z.number(), meanIouRedrawn: z.number().nullable() });
const PrelabelFiguresSchema = PrelabelCountsSchema.extend({ byLabel: z.array(PrelabelCountsSchema.extend({ label: z.string() })) });
export type PrelabelFigures = z.infer<typeof PrelabelFiguresSchema>;

/** A submission's or an annotator's tally against reference tasks (server/analytics/referenceFigures.ts). */
const ReferenceTallySchema = z.object({ objects: z.number(), found: z.number(), wrongLabel: z.number(), missed: z.number(), extra: z.number(), attributesCompared: z.number(), attributesAgreed: z.number() });

/** This browser's time zone, minutes east of UTC (the analytics' progress days). */
export const tzOffsetMinutes = () => -new Date().getTimezoneOffset();

/** GET /api/projects/:id/analytics (server/analytics/computeAnalytics.ts). */
export const AnalyticsSchema = z.object({
  definitions: z.record(z.string(), z.string()),
  project: GroupSchema,
  annotators: z.array(GroupSchema.extend({ userId: z.string(), name: z.string() })),
  objects: z.array(ObjectFiguresSchema),
  reviewers: z
    .array(z.object({ userId: z.string(), name: z.string(), verdicts: z.number(), approved: z.number(), changesRequested: z.number(), requestRate: z.number().nullable(), threadsRaised: z.number() }))
    .default([]),
  threads: z.array(z.object({ taskId: z.string(), threadId: z.string(), objectId: z.string().nullable(), resolved: z.boolean() })).default([]),
  prelabels: PrelabelFiguresSchema.optional(),
  /** The click model's masks of imported boxes, and an import's objects: the same figures. */
  boxMasks: PrelabelFiguresSchema.optional(),
  imports: PrelabelFiguresSchema.optional(),
  attributes: z
    .array(z.object({ label: z.string(), attribute: z.string(), value: z.union([z.boolean(), z.string(), z.number()]), objects: z.number(), share: z.number().nullable(), images: z.number(), unset: z.number() }))
    .default([]),
  references: z
    .object({ tasks: z.number(), byLabel: z.array(z.object({ label: z.string(), objects: z.number(), found: z.number(), wrongLabel: z.number(), missed: z.number(), extra: z.number(), meanIou: z.number().nullable() })).default([]), annotators: z.array(ReferenceTallySchema.extend({ userId: z.string(), name: z.string(), tasks: z.number(), meanIou: z.number().nullable(), quality: z.number().nullable(), attributeAgreement: z.number().nullable() })), submissions: z.array(ReferenceTallySchema.extend({ taskId: z.string(), taskName: z.string(), by: z.string(), name: z.string(), at: z.number(), first: z.boolean(), with: z.array(z.string()).default([]), meanIou: z.number().nullable(), quality: z.number().nullable() })) })
    .default({ tasks: 0, byLabel: [], annotators: [], submissions: [] }),
  progress: z
    .object({
      tzOffsetMinutes: z.number(),
      days: z.array(z.object({ day: z.string(), submitted: z.number(), done: z.number(), objects: z.number() })),
      tasks: z.number(),
      done: z.number(),
      left: z.number(),
      pacePerDay: z.number().nullable(),
      daysLeft: z.number().nullable(),
      members: z.array(z.object({ userId: z.string(), name: z.string(), submitted: z.number(), done: z.number(), objects: z.number() })).default([]),
    })
    .nullable()
    .default(null),
});
export type Analytics = z.infer<typeof AnalyticsSchema>;

/** GET /api/tasks/:id/reference: the answer the owner kept for a reference task. */
export const ReferenceAnswerSchema = z.object({
  taskId: z.string(),
  by: z.string(),
  at: z.number(),
  answer: z.array(z.object({ id: z.string(), label: z.string(), mask: RleSchema, attributes: AttributeValuesSchema })),
  image: AttributeValuesSchema,
});
export type ReferenceAnswer = z.infer<typeof ReferenceAnswerSchema>;

export type ImportFormat = 'coco' | 'yolo' | 'masks' | 'voc' | 'cvat' | 'labelstudio' | 'kili';

/** What an import makes of a file's boxes. */
export const BoxChoices = [
  { id: 'segment', name: 'Boxes → masks (click model)' },
  { id: 'rectangle', name: 'Boxes → rectangles' },
  { id: 'skip', name: 'Boxes left out' },
] as const;
export type BoxChoice = (typeof BoxChoices)[number]['id'];

/** What POST /api/projects/:id/import answers. */
export const ImportReportSchema = z.object({
  imported: z.number(),
  tasks: z.array(z.object({ taskId: z.string(), name: z.string(), objects: z.number() })),
  newLabels: z.array(z.string()),
  newImageAttributes: z.array(z.string()).default([]),
  unmatchedImages: z.array(z.string()),
  emptyMasks: z.number(),
  invalidAttributes: z.number().default(0),
  imagesWithAttributes: z.number().default(0),
  unknownImageAttributes: z.array(z.string()).default([]),
  unmatchedObjects: z.number().default(0),
  unsupportedShapes: z.number().default(0),
  /** Boxes of the file read, and what they became: rectangles (in `imported`) or the click model's masks (`boxRun`). */
  boxes: z.number().default(0),
  boxesAs: z.enum(['segment', 'rectangle', 'skip']).default('skip'),
  boxRun: z.object({ total: z.number(), boxes: z.number().optional() }).loose().optional(),
  /** The boxes wait for the project's run going on to end (no run started yet). */
  boxesWaiting: z.object({ boxes: z.number(), images: z.number() }).optional(),
  dryRun: z.boolean().optional(),
  /** A dry run with `keep`: the id of the file the server kept, which the import sends instead of it. */
  preview: z.string().optional(),
});
export type ImportReport = z.infer<typeof ImportReportSchema>;

/** Export formats of GET /api/projects/:id/export. */
export const ExportFormats = [
  { id: 'coco', name: 'COCO (RLE)' },
  { id: 'coco-polygons', name: 'COCO (polygons)' },
  { id: 'voc', name: 'Pascal VOC masks' },
  { id: 'yolo', name: 'YOLO segmentation' },
  { id: 'masks', name: 'PNG masks (one per object)' },
  { id: 'cvat', name: 'CVAT for images (XML masks)' },
  { id: 'labelstudio', name: 'Label Studio (JSON polygons)' },
  { id: 'labelstudio-brush', name: 'Label Studio (JSON brush masks, holes kept)' },
  { id: 'labelstudio-config', name: 'Label Studio labelling config (XML for either)' },
] as const;
export type ExportFormat = (typeof ExportFormats)[number]['id'];

const enc = encodeURIComponent;

export class ReviewApi {
  constructor(
    private token: string,
    private base = '',
  ) {}

  private async call<T>(method: string, path: string, schema: z.ZodType<T>, body?: BodyInit, contentType?: string): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (contentType) headers['content-type'] = contentType;
    let res: Response;
    try {
      res = await fetch(this.base + path, { method, headers, body });
    } catch {
      throw new ApiError(0, 'unavailable', 'The server cannot be reached.');
    }
    return readAnswer(res, path, schema);
  }

  /** A reference task's answer (owners and QA leads); null when the task is not one. */
  async reference(taskId: string): Promise<ReferenceAnswer | null> {
    try {
      return await this.call('GET', `/api/tasks/${enc(taskId)}/reference`, ReferenceAnswerSchema);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'not_found') return null;
      throw e;
    }
  }

  /** The recorded versions of an object, oldest first. */
  async history(taskId: string, objectId: string): Promise<Version[]> {
    return (await this.call('GET', `/api/tasks/${enc(taskId)}/objects/${enc(objectId)}/history`, HistorySchema)).versions;
  }

  /** The image's own attribute values through time, oldest first. */
  async imageHistory(taskId: string): Promise<ImageVersion[]> {
    return (await this.call('GET', `/api/tasks/${enc(taskId)}/image/history`, z.object({ versions: z.array(ImageVersionSchema) }))).versions;
  }

  /** Restores `version` (1-based); answers the new version that records the restore. */
  restore(taskId: string, objectId: string, version: number): Promise<Version> {
    return this.call('POST', `/api/tasks/${enc(taskId)}/objects/${enc(objectId)}/restore`, VersionSchema, JSON.stringify({ version }), 'application/json');
  }

  /** The figures, with the progress days in this browser's time zone. */
  analytics(projectId: string): Promise<Analytics> {
    return this.call('GET', `/api/projects/${enc(projectId)}/analytics?tz=${tzOffsetMinutes()}`, AnalyticsSchema);
  }

  /**
   * Imports pre-labels (unknown categories are added to the labels): a COCO JSON file, a zip of
   * YOLO label files (labels/<image name>.txt with data.yaml or classes.txt), or a zip of PNG
   * masks (masks/<image name>_<k>.png, a label folder optional), CVAT for images XML (alone, or
   * CVAT's zip), or a Label Studio JSON export. `boxes`: what the file's boxes become (masks the
   * click model makes of them, rectangles, or nothing); `dryRun`: the report only, nothing written;
   * `labelMap`: file label → project label, instead of a new label.
   */
  /**
   * Undoes imports (owners): a run removing from the tasks named (all when absent) the objects
   * imports brought and nobody touched since, nor judged; followed as a pre-labelling run.
   */
  withdrawImports(projectId: string, taskIds?: string[]): Promise<{ state: string; total: number }> {
    const body = JSON.stringify({ what: 'imports', ...(taskIds ? { taskIds } : {}) });
    return this.call('POST', `/api/projects/${enc(projectId)}/prelabel/withdraw`, z.object({ state: z.string(), total: z.number() }).loose(), body, 'application/json');
  }

  importAnnotations(projectId: string, file: Blob, format: ImportFormat, opts: { zip?: boolean; boxes?: BoxChoice; dryRun?: boolean; keep?: boolean; preview?: string; labelMap?: Record<string, string> } = {}): Promise<ImportReport> {
    const { zip = format !== 'coco' && format !== 'cvat' && format !== 'labelstudio' && format !== 'kili', boxes = 'segment', dryRun = false, keep = false, preview, labelMap } = opts;
    const type = zip ? 'application/zip' : format === 'cvat' ? 'application/xml' : 'application/json';
    const q = new URLSearchParams({ format, boxes, ...(dryRun && { dryRun: 'true' }), ...(keep && { keep: 'true' }), ...(preview && { preview }), ...(labelMap && Object.keys(labelMap).length && { labelMap: JSON.stringify(labelMap) }) });
    // A kept preview: the server has the file, nothing is uploaded again.
    return this.call('POST', `/api/projects/${enc(projectId)}/import?${q}`, ImportReportSchema, preview ? undefined : file, type);
  }

  /** Drops the file a preview kept (the import was cancelled). */
  dropImportPreview(projectId: string, previewId: string): Promise<unknown> {
    return this.call('DELETE', `/api/projects/${enc(projectId)}/import/previews/${enc(previewId)}`, z.unknown());
  }

  // Links the browser opens or downloads itself: an <a> cannot send headers, so the token rides
  // in the query (the server accepts it there for these read-only routes).

  analyticsUrl(projectId: string, format: 'json' | 'csv', table: 'annotators' | 'objects' | 'reviewers' | 'threads' | 'prelabels' | 'boxes' | 'imports' | 'attributes' | 'references' | 'progress' = 'annotators'): string {
    return `${this.base}/api/projects/${enc(projectId)}/analytics?format=${format}&table=${table}&tz=${tzOffsetMinutes()}&token=${enc(this.token)}`;
  }

  /** A project export's address. `status`: only tasks with one of these review statuses
   *  (comma-separated), all when empty; `images`: VOC and YOLO zips with the images in them
   *  (streamed by the server); `flagged`: keep flagged images (left out by default). */
  exportUrl(projectId: string, format: ExportFormat, status = '', images = false, flagged = false, labels: readonly string[] = []): string {
    const only = labels.map((l) => `&label=${enc(l)}`).join('');
    return `${this.base}/api/projects/${enc(projectId)}/export?format=${format}${status ? `&status=${enc(status)}` : ''}${images ? '&images=true' : ''}${flagged ? '&flagged=include' : ''}${only}&token=${enc(this.token)}`;
  }

  taskExportUrl(taskId: string, format: ExportFormat): string {
    return `${this.base}/api/tasks/${enc(taskId)}/export?format=${format}&token=${enc(this.token)}`;
  }
}
