// Which import a zip is, from its file names alone (the project page reads only the zip's
// directory): CVAT's export (annotations.xml, whatever images lie beside it), Pascal VOC masks
// (SegmentationObject/ or SegmentationClass/ PNGs), PNG masks (PNGs and no label text), else YOLO
// label files.
export type ZipImportFormat = 'yolo' | 'masks' | 'voc' | 'cvat';

export function zipFormatOf(names: readonly string[]): ZipImportFormat {
  if (names.some((n) => /(^|\/)annotations\.xml$/i.test(n))) return 'cvat';
  if (names.some((n) => /(^|\/)Segmentation(Object|Class)\/[^/]+\.png$/i.test(n))) return 'voc';
  if (names.some((n) => /\.png$/i.test(n)) && !names.some((n) => /\.txt$/i.test(n))) return 'masks';
  return 'yolo';
}
