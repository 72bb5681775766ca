// The editor's clipboard for objects (Ctrl/Cmd+C, Ctrl/Cmd+V): kept in localStorage, so a copy
// survives moving to the next task and reaches other tabs of the same browser, and never the
// system clipboard (a mask is no text for other programs). Read back through a schema: another
// build or tab may have written it (one of before multi-selection holds one object, read as a
// list of one).
import { z } from 'zod';
import { RleSchema } from '../../../shared/codecs/rle';
import { AttributeValuesSchema } from '../../../shared/schema/attributes';
import type { CopiedObjects } from '../editor/EditorSession';

const KEY = 'tandem.clipboard';

const ObjectSchema = z.object({ label: z.string(), mask: RleSchema, attributes: AttributeValuesSchema });
const Size = { width: z.number().int().positive(), height: z.number().int().positive() };
const CopiedSchema = z.union([
  z.object({ ...Size, objects: z.array(ObjectSchema).min(1) }),
  ObjectSchema.extend(Size).transform(({ width, height, ...o }) => ({ width, height, objects: [o] })),
]);

export function saveCopied(c: CopiedObjects): boolean {
  try {
    localStorage.setItem(KEY, JSON.stringify(c));
    return true;
  } catch {
    return false; // full (huge masks) or disabled
  }
}

export function loadCopied(): CopiedObjects | null {
  try {
    const parsed = CopiedSchema.safeParse(JSON.parse(localStorage.getItem(KEY) ?? 'null'));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
