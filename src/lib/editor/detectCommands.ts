// Pre-labelling with an object detector: what it found on the image, which project label each of
// its classes becomes, and the chosen detections added as objects in one undo step, each mask the
// click model's answer to the detection's box (the same request as the box tool's). Objects the
// image already has (same label, boxes overlapping by IoU >= 0.5) are not proposed again, so
// running it twice adds nothing twice.
import { rleArea } from '../../../shared/codecs/rle';
import { mapLimit } from '../../../shared/async/mapLimit';
import { DrawnBoxes } from '../../../shared/geometry/drawnBoxes';
import { newId, type ObjectId } from '../../../shared/schema/ids';
import type { DocModel, ObjectView } from './docModel';
import type { History } from './history';
import type { Detection, DetectAck, SegmentTransport } from './inferenceClient';
import type { MaskPolicy } from './overlap';
import { READ_ONLY_MESSAGE } from './tools';

/** Box requests in flight at once (a worker takes a few at a time; the rest would be `busy`). */
const PARALLEL = 2;

/** Names that mean the same class (COCO's word first). */
const SYNONYMS: Record<string, string[]> = {
  person: ['people', 'pedestrian', 'human', 'man', 'woman'],
  motorcycle: ['motorbike'],
  airplane: ['aeroplane', 'plane', 'aircraft'],
  couch: ['sofa'],
  tv: ['television', 'monitor', 'tvmonitor', 'screen'],
  'dining table': ['table'],
  'cell phone': ['phone', 'mobile phone', 'smartphone'],
  'potted plant': ['plant', 'pottedplant'],
  bicycle: ['bike'],
  car: ['vehicle'],
  'sports ball': ['ball'],
};

function norm(name: string): string {
  const n = name.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
  // plural to singular for the common forms (cars, buses, boxes); "glasses" and friends rarely matter
  return n.replace(/(ses|xes|ches|shes)$/, (m) => m.slice(0, -2)).replace(/([^s])s$/, '$1');
}

/** The project label a detector class becomes: the same name (case, spacing and plural aside) or a known synonym; null when none. */
export function matchLabel(cls: string, labels: readonly string[]): string | null {
  const want = [cls, ...(SYNONYMS[cls] ?? [])].map(norm);
  for (const w of want) {
    const hit = labels.find((l) => norm(l) === w);
    if (hit) return hit;
  }
  return null;
}

export interface Proposal {
  detection: Detection;
  /** The project label it would get (null: its class maps to none, so it is left out). */
  label: string | null;
  /** An object of that label already covers it. */
  existing: boolean;
}

/** The detections scoring at least `minScore`, each with its label and whether the image has it already. */
export function propose(detections: readonly Detection[], labelOf: (cls: string) => string | null, objects: readonly ObjectView[], minScore: number): Proposal[] {
  const drawn = new DrawnBoxes(objects);
  return detections
    .filter((d) => d.score >= minScore)
    .map((d) => {
      const label = labelOf(d.label);
      return { detection: d, label, existing: label !== null && drawn.has(label, d.box) };
    });
}

/** What these commands need of the session. */
export interface DetectHost {
  readonly model: DocModel;
  readonly history: History;
  readonly masks: MaskPolicy;
  readonly transport: SegmentTransport | null;
  readonly user: { id: string };
  readonly taskId: string;
  readonly canEdit: boolean;
  readonly segmentModel: string | undefined;
  notify(text: string): void;
  selectMany(ids: readonly ObjectId[], add: boolean): void;
}

/** Asks the server's detector for this image's objects (scores from `threshold` up). */
export async function findObjects(s: DetectHost, threshold: number): Promise<DetectAck> {
  if (!s.transport?.detect) return { ok: false, error: { code: 'unavailable', message: 'no connection to the inference service' } };
  return s.transport.detect({ taskId: s.taskId, threshold });
}

/**
 * The proposals as objects: each box through the click model (as the box tool asks), then every
 * mask that came back created in one transaction (one undo step), best score first so that with
 * masks kept apart the surer object keeps the contested pixels. Resolves the new ids (selected);
 * `progress(done, total)` after each answer.
 */
export async function addProposals(s: DetectHost, chosen: ReadonlyArray<{ box: Detection['box']; label: string; score: number }>, progress?: (done: number, total: number) => void): Promise<ObjectId[]> {
  if (!s.canEdit) {
    s.notify(READ_ONLY_MESSAGE);
    return [];
  }
  const transport = s.transport;
  if (!transport) {
    s.notify('Adding the objects needs the smart tools (no inference connection).');
    return [];
  }
  const order = [...chosen].sort((a, b) => b.score - a.score);
  const ids = order.map(() => newId() as ObjectId);
  let done = 0;
  const masks = await mapLimit(order, PARALLEL, async (p, i) => {
    // Its own object id: requests of one (user, object) replace each other on the server.
    const req = { taskId: s.taskId, objectId: ids[i], clicks: [], box: p.box, ...(s.segmentModel ? { model: s.segmentModel } : {}) };
    const ack = await segmentPatiently(transport, req);
    progress?.(++done, order.length);
    return ack;
  });
  const made: ObjectId[] = [];
  let failed = 0;
  let covered = 0;
  s.history.boundary();
  s.model.doc.transact(() => {
    order.forEach((p, i) => {
      const ack = masks[i];
      if (!ack?.ok) return void failed++;
      const mask = s.masks.fit(null, ack.data.mask);
      if (rleArea(mask) === 0) return void covered++;
      s.model.create({ id: ids[i], label: p.label, mask, by: s.user.id, source: 'detector', model: ack.data.model, createdFrom: 'detector' });
      made.push(ids[i]);
    });
  }, s.model.origin);
  s.history.boundary();
  if (made.length) s.selectMany(made, false);
  const notes = [`Added ${made.length} object${made.length === 1 ? '' : 's'}.`];
  if (failed) notes.push(`${failed} could not be segmented (${firstError(masks) ?? 'no answer'}).`);
  if (covered) notes.push(`${covered} lay wholly on objects already here (No overlap).`);
  s.notify(notes.join(' '));
  return made;
}

/** Answers the server gives when asked too fast (the per-user rate, every worker full): wait and ask again. */
const AGAIN = new Set(['rate_limited', 'busy']);
/** How long to wait before asking again, and how often at most (about 6 s in all). */
const AGAIN_MS = 250;
const AGAIN_TIMES = 24;

/**
 * One box request, asked again while the server says "too fast": forty detections on a street
 * scene are forty requests, twice the default per-user rate of a second (INFERENCE_RATE_PER_SEC).
 */
async function segmentPatiently(transport: SegmentTransport, req: Parameters<SegmentTransport['segment']>[0]): Promise<Awaited<ReturnType<SegmentTransport['segment']>> | null> {
  for (let attempt = 0; ; attempt++) {
    const ack = await transport.segment(req).catch(() => null);
    if (ack && !ack.ok && AGAIN.has(ack.error.code) && attempt < AGAIN_TIMES) {
      await new Promise((r) => setTimeout(r, AGAIN_MS));
      continue;
    }
    return ack;
  }
}

function firstError(acks: ReadonlyArray<Awaited<ReturnType<SegmentTransport['segment']>> | null>): string | null {
  for (const a of acks) if (a && !a.ok) return a.error.message;
  return null;
}
