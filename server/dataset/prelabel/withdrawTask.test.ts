import { describe, expect, it } from 'vitest';
import type { AnnotationObject } from '../../../shared/schema/annotation';
import type { ObjectId } from '../../../shared/schema/ids';
import { untouchedPrelabel } from './withdrawTask';

const obj = (over: Partial<AnnotationObject>): AnnotationObject => ({ id: 'o' as ObjectId, label: 'car', mask: null, clicks: [], createdBy: 'ana', createdAt: 5, updatedBy: 'ana', updatedAt: 5, ...over });

describe('what a withdrawal takes', () => {
  it('the detector\'s pre-labels as made, nothing else', () => {
    expect(untouchedPrelabel(obj({ source: 'detector', createdFrom: 'detector' }))).toBe(true);
    expect(untouchedPrelabel(obj({ source: 'detector', createdFrom: 'detector', updatedAt: 6 }))).toBe(false); // relabelled, locked, given values
    expect(untouchedPrelabel(obj({ source: 'model', createdFrom: 'detector', updatedAt: 6 }))).toBe(false); // redrawn
    expect(untouchedPrelabel(obj({ source: 'import', createdFrom: 'import' }))).toBe(false);
  });

  it('for an import undone: its objects and box masks as they came, and those of imports from before createdFrom', () => {
    for (const createdFrom of ['import', 'box', undefined]) expect(untouchedPrelabel(obj({ source: 'import', createdFrom }), 'imports'), String(createdFrom)).toBe(true);
    expect(untouchedPrelabel(obj({ source: 'import', createdFrom: 'import', updatedAt: 9 }), 'imports')).toBe(false);
    expect(untouchedPrelabel(obj({ source: 'model', createdFrom: undefined }), 'imports')).toBe(false); // drawn by a person
    expect(untouchedPrelabel(obj({ source: 'detector', createdFrom: 'detector' }), 'imports')).toBe(false);
  });
});
