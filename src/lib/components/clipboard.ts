// The editor's clipboard for objects (Ctrl/Cmd+C, Ctrl/Cmd+V): kept in localStorage, so a copy
// survives moving to the next task and reaches other tabs of the same browser, and never the
// system clipboard (a mask is no text for other programs). Read back through a schema: another
// build or tab may have written it.
import { z } from 'zod';
import { RleSchema } from '../../../shared/codecs/rle';
import { AttributeValuesSchema } from '../../../shared/schema/attributes';
import type { CopiedObject } from '../editor/EditorSession';

const KEY = 'tandem.clipboard';

const CopiedSchema = z.object({
  label: z.string(),
  mask: RleSchema,
  attributes: AttributeValuesSchema,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});

export function saveCopied(c: CopiedObject): boolean {
  try {
    localStorage.setItem(KEY, JSON.stringify(c));
    return true;
  } catch {
    return false; // full (a huge mask) or disabled
  }
}

export function loadCopied(): CopiedObject | null {
  try {
    const parsed = CopiedSchema.safeParse(JSON.parse(localStorage.getItem(KEY) ?? 'null'));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
