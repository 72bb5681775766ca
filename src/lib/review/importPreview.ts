// Whether an import's dry run asks the user before anything is written: the file would add
// labels or image attributes (a "Car" beside the project's "car" is a typo that splits a class),
// leave images without their annotations, drop values that do not fit, or import nothing at all.
// A file that simply fits goes in at once.
import type { ImportReport } from './reviewApi';

export function worthAsking(r: ImportReport): boolean {
  return r.newLabels.length > 0 || r.newImageAttributes.length > 0 || r.unmatchedImages.length > 0 || r.unknownImageAttributes.length > 0 || r.invalidAttributes > 0 || r.imported + r.boxes === 0;
}
