// Step 2 of a COCO import: write a validated plan. Project labels first (so every imported object
// has a known label when clients see it), then one Yjs update per task through the live room or
// the log. Imported objects carry source 'import'; their mask is an ordinary mask, so the editor
// refines it with the model by sending it as prevMask.
import { createObject, initTaskDoc, readMeta } from '../../../shared/schema/annotation';
import { setImageAttributes } from '../../../shared/schema/imageAttributes';
import { ImportOrigin } from '../../../shared/schema/origins';
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';
import type { ProjectId, TaskId } from '../../../shared/schema/ids';
import type { Project, Storage, Task } from '../../storage/types';
import { syncHistory } from '../history/objectHistory';
import { mutateRoom, type LiveRooms } from '../rooms';
import type { BoxMode, PlannedBox } from './importBoxes';
import { renameMapped, withAliases } from './labelMap';
import type { ImportOptions, ImportPlan } from './planCocoImport';
import type { PrelabelStatus } from '../prelabel/prelabelTypes';
import type { BoxesWaiting } from '../prelabel/waitingBoxes';

/**
 * What makes masks of a file's boxes (the Prelabeller's `segmentBoxesOrWait`): it refuses (no
 * worker runs the click model) before the import writes anything, starts their run, or, while
 * another run of the project goes on, stores them to run after it; either waits for `after` (the
 * import's objects written: true; it failed: false).
 */
export type BoxRunner = (projectId: ProjectId, by: string, boxes: Map<string, PlannedBox[]>, after: Promise<boolean>) => Promise<Pick<ImportReport, 'boxRun' | 'boxesWaiting'>>;

export interface ImportReport {
  imported: number;
  tasks: Array<{ taskId: TaskId; name: string; objects: number }>;
  newLabels: string[];
  /** The image attributes the file defined for a project that had none. */
  newImageAttributes: string[];
  unmatchedImages: string[];
  emptyMasks: number;
  invalidAttributes: number;
  /** Images whose own attributes the file set. */
  imagesWithAttributes: number;
  /** Image attributes the file gives values of that the project does not define: not imported. */
  unknownImageAttributes: string[];
  /** Pascal VOC: objects of the XML files that described no instance of the masks (0 for the other formats). */
  unmatchedObjects: number;
  /** Shapes of the file that are not masks and were not imported (lines, points, turned boxes; boxes when `boxes=skip`). */
  unsupportedShapes: number;
  /** Boxes of the file read: filled as rectangles (`boxesAs: 'rectangle'`, counted in `imported`) or given to the click model (`segment`); 0 with `skip`. */
  boxes: number;
  boxesAs: BoxMode;
  /** `segment`: the run making masks of the boxes, as it started (GET /api/projects/:id/prelabel follows it). */
  boxRun?: PrelabelStatus;
  /** `segment` while another run of the project goes on: the boxes wait, stored, and their run starts once it ends. */
  boxesWaiting?: BoxesWaiting;
  /** A dry run: what the import would do; nothing was written. */
  dryRun?: true;
  /** A dry run with `keep=true`: the id of the kept file, which the import sends instead of it (an hour). */
  preview?: string;
}

/** The report of a plan before anything is written (a dry run's whole answer). */
function plannedReport(plan: ImportPlan, tasks: Task[]): ImportReport {
  const objects = tasks.flatMap((t) => {
    const n = plan.byTask.get(t.id)?.length ?? 0;
    return n ? [{ taskId: t.id, name: t.name, objects: n }] : [];
  });
  return {
    imported: objects.reduce((n, t) => n + t.objects, 0),
    tasks: objects,
    newLabels: plan.newLabels.map((l) => l.name),
    newImageAttributes: (plan.newImageAttributes ?? []).map((a) => a.name),
    unmatchedImages: plan.unmatchedImages,
    emptyMasks: plan.emptyMasks,
    invalidAttributes: plan.invalidAttributes,
    imagesWithAttributes: tasks.filter((t) => plan.imageAttributes?.get(t.id)).length,
    unknownImageAttributes: plan.unknownImageAttributes ?? [],
    unmatchedObjects: plan.unmatchedObjects ?? 0,
    unsupportedShapes: plan.unsupportedShapes ?? 0,
    boxes: plan.boxesRead ?? 0,
    boxesAs: plan.boxesAs ?? 'skip',
  };
}

export async function applyImportPlan(
  storage: Storage,
  rooms: LiveRooms,
  project: Project,
  tasks: Task[],
  plan: ImportPlan,
  by: string,
): Promise<ImportReport> {
  if (plan.newLabels.length) {
    await storage.meta.setProjectLabels(project.id as ProjectId, [...project.labels, ...plan.newLabels]);
  }
  if (plan.newImageAttributes) {
    await storage.meta.setProjectSettings(project.id as ProjectId, { ...(project.settings ?? { noOverlap: false }), imageAttributes: plan.newImageAttributes });
  }
  for (const task of tasks) {
    const objects = plan.byTask.get(task.id) ?? [];
    const image = plan.imageAttributes?.get(task.id);
    if (!objects.length && !image) continue;
    await mutateRoom(rooms, `task:${task.id}`, (doc) => {
      // A task nobody opened yet has an empty document: give it its meta first.
      if (!readMeta(doc)) initTaskDoc(doc, { taskId: task.id, width: task.width, height: task.height });
      // A millisecond apart: the file's order is the objects' stacking order (listObjects sorts by
      // creation), not the order of their random ids.
      const at = Date.now();
      doc.transact(() => {
        // `createdFrom`: the file made it, not the importer (the analytics do not count it as their work).
        objects.forEach((o, i) => createObject(doc, { label: o.label, mask: o.mask, attributes: o.attributes, by, source: 'import', createdFrom: 'import', at: at + i }, ImportOrigin));
        if (image) setImageAttributes(doc, image, ImportOrigin, by);
      }, ImportOrigin);
    });
    // The imported state is version 1 of each object's history (what "restore" goes back to).
    if (objects.length) await syncHistory(rooms, task.id);
  }
  return plannedReport(plan, tasks);
}

/** Reads the project and its tasks, plans the import (which throws, writing nothing, on any
 *  problem), starts the run for its boxes if it keeps any for the click model (`boxRunner`; its
 *  refusal too writes nothing), then writes it: the entry of every import format. A dry run
 *  answers the plan's report and writes nothing (no run either). */
export async function planAndApply(
  storage: Storage,
  rooms: LiveRooms,
  projectId: ProjectId,
  by: string,
  plan: (project: Project, tasks: Task[]) => ImportPlan | Promise<ImportPlan>,
  { boxRunner, dryRun = false, labelMap }: Pick<ImportOptions, 'boxRunner' | 'dryRun' | 'labelMap'> = {},
): Promise<ImportReport> {
  const project = await storage.meta.getProject(projectId);
  if (!project) throw new TandemError(ErrorCode.NotFound, `project ${projectId} not found`);
  const tasks = await storage.meta.listTasks(projectId);
  const planned = renameMapped(await plan(withAliases(project, labelMap), tasks), labelMap);
  const boxes = planned.boxes?.size ? planned.boxes : null;
  if (boxes && !boxRunner) throw new TandemError(ErrorCode.NoWorker, 'no click model here makes masks of the boxes: import them as rectangles (boxes=rectangle)');
  if (dryRun) return { ...plannedReport(planned, tasks), dryRun: true };
  let applied = (_ok: boolean) => {};
  const boxRun = boxes ? await boxRunner!(projectId, by, boxes, new Promise<boolean>((r) => (applied = r))) : {};
  try {
    const report = await applyImportPlan(storage, rooms, project, tasks, planned, by);
    applied(true);
    return { ...report, ...boxRun };
  } catch (e) {
    applied(false);
    throw e;
  }
}
