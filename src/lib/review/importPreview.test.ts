import { describe, expect, it } from 'vitest';
import { ImportReportSchema } from './reviewApi';
import { worthAsking } from './importPreview';

const report = (r: object) => ImportReportSchema.parse({ imported: 3, tasks: [{ taskId: 't', name: 'a.jpg', objects: 3 }], newLabels: [], unmatchedImages: [], emptyMasks: 0, ...r });

describe('an import\'s dry run', () => {
  it('lets a file that fits go in at once', () => {
    expect(worthAsking(report({}))).toBe(false);
    expect(worthAsking(report({ imported: 0, tasks: [], boxes: 4, boxesAs: 'segment', unsupportedShapes: 2, emptyMasks: 1 }))).toBe(false);
  });

  it('asks first when it would add labels or image attributes, leave images out, drop values, or import nothing', () => {
    for (const r of [{ newLabels: ['Car'] }, { newImageAttributes: ['night'] }, { unmatchedImages: ['b.jpg'] }, { unknownImageAttributes: ['weather'] }, { invalidAttributes: 2 }, { imported: 0, tasks: [] }]) {
      expect(worthAsking(report(r)), JSON.stringify(r)).toBe(true);
    }
  });
});
