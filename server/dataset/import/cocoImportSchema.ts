// The part of a COCO instances file that an import reads. Extra keys are allowed (COCO files
// carry info, licenses, attributes, ...); what is read is validated strictly.
import { z } from 'zod';
import { MAX_LABEL_LENGTH } from '../../../shared/schema/annotation';

const id = z.union([z.number().int(), z.string().min(1)]);
const side = z.number().int().min(1).max(1 << 15);

export const CocoImportImageSchema = z.looseObject({
  id,
  file_name: z.string().min(1),
  width: side,
  height: side,
});

export const CocoImportCategorySchema = z.looseObject({
  id,
  // Checked here, not at write time, so a long name cannot fail the import half-way.
  name: z.string().min(1).max(MAX_LABEL_LENGTH),
});

/** Compressed RLE (counts string), uncompressed RLE (counts numbers, usually iscrowd 1) or polygons. */
export const CocoSegmentationSchema = z.union([
  z.object({ size: z.tuple([side, side]), counts: z.string() }),
  z.object({ size: z.tuple([side, side]), counts: z.array(z.number().int().min(0)) }),
  // Empty: a detection file's annotation, its bbox the shape (planCocoImport reads it so).
  z.array(z.array(z.number().finite()).min(6, 'a polygon needs at least 3 points')),
]);

export const CocoImportAnnotationSchema = z.looseObject({
  id: id.optional(),
  image_id: id,
  category_id: id,
  /** Absent or empty in a detection file, whose `bbox` is then the shape. */
  segmentation: CocoSegmentationSchema.optional(),
  bbox: z.tuple([z.number().finite(), z.number().finite(), z.number().finite(), z.number().finite()]).optional(),
  iscrowd: z.union([z.literal(0), z.literal(1)]).optional(),
});

export const CocoImportSchema = z.looseObject({
  images: z.array(CocoImportImageSchema),
  categories: z.array(CocoImportCategorySchema),
  annotations: z.array(CocoImportAnnotationSchema),
});

export type CocoImport = z.infer<typeof CocoImportSchema>;
export type CocoSegmentation = z.infer<typeof CocoSegmentationSchema>;
