// "Same as the last image": the image attributes of the task this browser tab had open before,
// for the next frame of a sequence (the weather and the scene rarely change from one to the next).
// Each editor keeps its image's values here as they change (sessionStorage: per tab, gone with
// it); the next editor reads them before writing its own.
import { isValidAttributeValue, type AttributeSpec, type AttributeValue } from '../../../shared/schema/attributes';

export interface LastImage {
  taskId: string;
  name: string;
  values: Record<string, AttributeValue>;
}

const key = (projectId: string) => `tandem.lastImage.${projectId}`;

/** The image this tab had open before in the project, unless it is `taskId` itself. */
export function readLastImage(projectId: string, taskId: string): LastImage | null {
  try {
    const raw = JSON.parse(sessionStorage.getItem(key(projectId)) ?? 'null') as LastImage | null;
    if (!raw || typeof raw.taskId !== 'string' || raw.taskId === taskId || typeof raw.name !== 'string' || !raw.values || typeof raw.values !== 'object') return null;
    return raw;
  } catch {
    return null;
  }
}

/** Keeps the open image's values for the next editor of this tab. */
export function writeLastImage(projectId: string, last: LastImage): void {
  try {
    sessionStorage.setItem(key(projectId), JSON.stringify(last));
  } catch {
    // Storage full or off: no "same as the last image", nothing else lost.
  }
}

/**
 * What makes this image's values those of `last`, for the attributes the project defines: a value
 * it has that this one lacks or differs in, null where it has none and this one has one (back to
 * the default). Empty when they agree already.
 */
export function valuesToCopy(specs: readonly AttributeSpec[], last: LastImage, current: Readonly<Record<string, AttributeValue>>): Record<string, AttributeValue | null> {
  const out: Record<string, AttributeValue | null> = {};
  for (const s of specs) {
    const want = last.values[s.name];
    const has = current[s.name];
    if (want !== undefined && isValidAttributeValue(s, want)) {
      if (has !== want) out[s.name] = want;
    } else if (has !== undefined) out[s.name] = null;
  }
  return out;
}
