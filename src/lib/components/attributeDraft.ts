// Attribute definitions as the project page's forms edit them (a label's, or the image's own):
// select options as one comma-separated line, number bounds as text. The server validates what
// the form sends (shared/schema/attributes.ts: unique names, options, bounds).
import type { AttributeSpec, AttributeType } from '../../../shared/schema/attributes';

export interface DraftAttr {
  name: string;
  type: AttributeType;
  options: string;
  min: string;
  max: string;
  /** Must be set before the task goes to review. */
  required: boolean;
  /** What the form does not edit (a default, a number's step, set through the API), kept while it still fits. */
  kept?: AttributeSpec;
}

export const ATTRIBUTE_TYPES: Array<{ id: AttributeType; name: string }> = [
  { id: 'checkbox', name: 'checkbox' },
  { id: 'select', name: 'one of' },
  { id: 'text', name: 'text' },
  { id: 'number', name: 'number' },
];

export function toDraft(a: AttributeSpec): DraftAttr {
  return {
    name: a.name,
    type: a.type,
    options: a.type === 'select' ? a.options.join(', ') : '',
    min: a.type === 'number' && a.min !== undefined ? String(a.min) : '',
    max: a.type === 'number' && a.max !== undefined ? String(a.max) : '',
    required: a.required === true,
    kept: a,
  };
}

/** The definition the API takes. */
export function fromDraft(a: DraftAttr): AttributeSpec {
  const name = a.name.trim();
  const required = a.required ? { required: true } : {};
  const kept = a.kept?.type === a.type ? a.kept : undefined;
  if (a.type === 'select') {
    const options = a.options.split(',').map((o) => o.trim()).filter(Boolean);
    const dflt = kept?.type === 'select' && kept.default !== undefined && options.includes(kept.default) ? { default: kept.default } : {};
    return { name, type: 'select', options, ...dflt, ...required };
  }
  if (a.type === 'number') {
    const num = (t: string) => (t.trim() === '' ? undefined : Number(t));
    const [min, max] = [num(a.min), num(a.max)];
    const k = kept?.type === 'number' ? kept : undefined;
    const fits = k?.default !== undefined && (min === undefined || k.default >= min) && (max === undefined || k.default <= max);
    return { name, type: 'number', min, max, ...(k?.step !== undefined ? { step: k.step } : {}), ...(fits ? { default: k!.default } : {}), ...required };
  }
  const dflt = kept && (kept.type === 'checkbox' || kept.type === 'text') && kept.default !== undefined ? { default: kept.default } : {};
  return { name, type: a.type, ...dflt, ...required } as AttributeSpec;
}

export const newDraft = (n: number): DraftAttr => ({ name: `attribute ${n}`, type: 'checkbox', options: '', min: '', max: '', required: false });
