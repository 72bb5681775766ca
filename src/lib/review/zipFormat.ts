// Which import a zip is, from its file names alone (the project page reads only the zip's
// directory): CVAT's export (annotations.xml, whatever images lie beside it), Pascal VOC masks
// (SegmentationObject/ or SegmentationClass/ PNGs), PNG masks (PNGs and no label text), Kili's raw
// export (labels/<asset>.json or data.json, where YOLO's labels are .txt), Label Studio's JSON
// export zipped with its labelling config (a .json and an .xml), else YOLO label files.
export type ZipImportFormat = 'yolo' | 'masks' | 'voc' | 'cvat' | 'kili' | 'labelstudio';

export function zipFormatOf(names: readonly string[]): ZipImportFormat {
  if (names.some((n) => /(^|\/)annotations\.xml$/i.test(n))) return 'cvat';
  if (names.some((n) => /(^|\/)(labels\/[^/]+\.json|data\.json|README\.kili\.txt)$/i.test(n))) return 'kili';
  if (names.some((n) => /\.json$/i.test(n)) && names.some((n) => /\.xml$/i.test(n))) return 'labelstudio';
  if (names.some((n) => /(^|\/)Segmentation(Object|Class)\/[^/]+\.png$/i.test(n))) return 'voc';
  if (names.some((n) => /\.png$/i.test(n)) && !names.some((n) => /\.txt$/i.test(n))) return 'masks';
  return 'yolo';
}

/** Which import a JSON file is, from its first few KB: Kili's assets name their image `externalId`;
 *  else Label Studio's export is a list of tasks and COCO's an object. */
export function jsonFormatOf(head: string): 'coco' | 'labelstudio' | 'kili' {
  const text = head.trimStart();
  return /"(externalId|jsonResponse)"\s*:/.test(text) ? 'kili' : text.startsWith('[') ? 'labelstudio' : 'coco';
}
