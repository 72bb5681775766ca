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
  };
}

/** The definition the API takes. */
export function fromDraft(a: DraftAttr): AttributeSpec {
  const name = a.name.trim();
  if (a.type === 'select') return { name, type: 'select', options: a.options.split(',').map((o) => o.trim()).filter(Boolean) };
  if (a.type === 'number') {
    const num = (t: string) => (t.trim() === '' ? undefined : Number(t));
    return { name, type: 'number', min: num(a.min), max: num(a.max) };
  }
  return { name, type: a.type };
}

export const newDraft = (n: number): DraftAttr => ({ name: `attribute ${n}`, type: 'checkbox', options: '', min: '', max: '' });
