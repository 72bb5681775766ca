// CVAT for video 1.1: the format CVAT exports a video task in (its "interpolation" mode). There
// are no <image>s: each object is a <track label> whose shapes carry the `frame` they lie on, one
// per frame from where it appears to where it leaves (the frames between two keyframes as CVAT
// interpolated them, `keyframe="0"`), and `outside="1"` where it left the view. Every shape not
// outside is what CVAT shows on that frame, so each becomes an object of that frame's image, as
// a "CVAT for images" export of the same task would have listed it. The frames are given to the
// images loop of planCvatImport.ts as <image>s named as CVAT names a video's frames when it
// exports them (`frame_000012`), of the video's `original_size`.
//
// Which image is frame N: the project's image named frame_00000N (CVAT's export "with images"
// stores the frames so; any extension and folder), else, where the project holds no such names
// and exactly as many images as the video has frames, the Nth in file-name order with numbers
// read as numbers (frames a team extracted itself, `out0001.png`…, whose numbering may start at
// 1 where CVAT's starts at 0: the order is what they share).
import type { Task } from '../../storage/types';
import { fileStem } from '../types';

type Node = Record<string, unknown>;
const list = (v: unknown): Node[] => (Array.isArray(v) ? (v as Node[]) : []);
const text = (v: unknown): string => (typeof v === 'string' ? v : v && typeof v === 'object' && typeof (v as Node)['#text'] === 'string' ? ((v as Node)['#text'] as string) : '');

/** What a track's frames can hold (CVAT writes one element per frame). */
export const TRACK_SHAPES = ['polygon', 'mask', 'ellipse', 'box', 'polyline', 'points', 'cuboid', 'skeleton'] as const;

/** Frame N's image name as CVAT writes a video's frames. */
export const frameName = (frame: number) => `frame_${String(frame).padStart(6, '0')}`;

export interface TrackFrames {
  /** One <image>-like node per frame with a shape on it, in frame order. */
  images: Node[];
  /** How many tracks the file has (the report says so). */
  tracks: number;
  /** The video's frame count (<meta> <size>), when the file says it. */
  size: number | null;
  /** Shapes whose `frame` is no frame number. */
  badFrames: number;
}

/** The video's frames with what its tracks show on them; no tracks: no frames. */
export function framesOfTracks(root: Node, meta: Node | undefined): TrackFrames {
  const tracks = list(root.track);
  const original = (meta?.original_size ?? {}) as Node;
  const width = text(original.width);
  const height = text(original.height);
  const sizeText = text(meta?.size);
  const size = /^\d+$/.test(sizeText) ? Number(sizeText) : null;
  const frames = new Map<number, Node>();
  let badFrames = 0;
  tracks.forEach((track, t) => {
    const label = text(track['@_label']);
    for (const kind of TRACK_SHAPES) {
      for (const shape of list(track[kind])) {
        if (shape['@_outside'] === '1') continue;
        const f = text(shape['@_frame']);
        if (!/^\d+$/.test(f)) {
          badFrames++;
          continue;
        }
        const frame = Number(f);
        let image = frames.get(frame);
        if (!image) frames.set(frame, (image = { '@_name': frameName(frame), ...(width && height ? { '@_width': width, '@_height': height } : {}), '@_frame': frame }));
        // The track's label on each shape; its place in the file's order is the track's.
        ((image[kind] ??= []) as Node[]).push({ ...shape, '@_label': label, '@_track': String(track['@_id'] ?? t) });
      }
    }
  });
  return { images: [...frames.keys()].sort((a, b) => a - b).map((f) => frames.get(f)!), tracks: tracks.length, size, badFrames };
}

/**
 * The other name a frame's image goes by in the project (imageMatcher's `alsoTry`): frame_N's
 * task by that stem, else the Nth image in file-name order when the project has no frame_ names
 * and exactly `size` images. Names that are not a frame's are given back as they are.
 */
export function frameNames(tasks: readonly Task[], size: number | null): (name: string) => string {
  const byStem = new Map<string, Task>();
  for (const t of tasks) if (/^frame_\d+$/.test(fileStem(t.name))) byStem.set(fileStem(t.name), t);
  const collator = new Intl.Collator(undefined, { numeric: true });
  const inOrder = !byStem.size && size !== null && tasks.length === size ? [...tasks].sort((a, b) => collator.compare(a.name, b.name)) : null;
  return (name) => {
    const m = /^frame_(\d+)$/.exec(name);
    if (!m) return name;
    return byStem.get(name)?.name ?? inOrder?.[Number(m[1])]?.name ?? name;
  };
}
