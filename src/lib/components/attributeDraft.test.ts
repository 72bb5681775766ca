import { describe, expect, it } from 'vitest';
import { AttributeSpecSchema, type AttributeSpec } from '../../../shared/schema/attributes';
import { fromDraft, newDraft, toDraft } from './attributeDraft';

describe('attribute definitions through the project page form', () => {
  it('come back as they were: required, and the default and step the form does not show', () => {
    const specs: AttributeSpec[] = [
      { name: 'weather', type: 'select', options: ['clear', 'rain'], default: 'rain', required: true },
      { name: 'doors', type: 'number', min: 2, max: 5, step: 1, default: 4 },
      { name: 'night', type: 'checkbox', default: true },
      { name: 'plate', type: 'text', required: true },
    ];
    expect(specs.map((s) => fromDraft(toDraft(s)))).toEqual(specs);
  });

  it('drop a default that no longer fits the edited definition, and a new row requires nothing', () => {
    const select = toDraft({ name: 'weather', type: 'select', options: ['clear', 'rain'], default: 'rain' });
    select.options = 'clear, snow';
    expect(fromDraft(select)).toEqual({ name: 'weather', type: 'select', options: ['clear', 'snow'] });
    const num = toDraft({ name: 'doors', type: 'number', min: 2, max: 5, default: 4 });
    num.max = '3';
    expect(fromDraft(num)).toEqual({ name: 'doors', type: 'number', min: 2, max: 3 });
    const retyped = toDraft({ name: 'night', type: 'checkbox', default: true, required: true });
    retyped.type = 'text';
    expect(fromDraft(retyped)).toEqual({ name: 'night', type: 'text', required: true });
    const fresh = fromDraft(newDraft(1));
    expect(fresh).toEqual({ name: 'attribute 1', type: 'checkbox' });
    for (const s of [fromDraft(select), fromDraft(num), fromDraft(retyped), fresh]) expect(AttributeSpecSchema.safeParse(s).success).toBe(true);
  });
});
