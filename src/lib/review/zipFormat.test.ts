import { describe, expect, it } from 'vitest';
import { jsonFormatOf, zipFormatOf } from './zipFormat';

describe('which import a zip is', () => {
  it('tells VOC, PNG masks and YOLO apart by their file names', () => {
    expect(zipFormatOf(['export/SegmentationClass/a.png', 'export/SegmentationObject/a.png', 'export/labelmap.txt'])).toBe('voc');
    expect(zipFormatOf(['masks/a_1.png', 'masks/car/a_2.png', 'masks.csv'])).toBe('masks');
    expect(zipFormatOf(['data.yaml', 'labels/a.txt'])).toBe('yolo');
    // A YOLO dataset with its images is still YOLO: label text beside the PNGs.
    expect(zipFormatOf(['images/a.png', 'labels/a.txt'])).toBe('yolo');
    // CVAT's export: its XML beside the images (PNGs too), not PNG masks.
    expect(zipFormatOf(['annotations.xml', 'images/a.png', 'images/b.png'])).toBe('cvat');
    // Kili's raw export: an asset's JSON each, or all in data.json, and its README.
    expect(zipFormatOf(['export/labels/street_1.jpg.json', 'export/README.kili.txt'])).toBe('kili');
    expect(zipFormatOf(['data.json', 'assets/a.jpg'])).toBe('kili');
    // Label Studio's JSON export beside its project's labelling config.
    expect(zipFormatOf(['project-3-at-2026-12-06.json', 'labelling_config.xml'])).toBe('labelstudio');
  });

  it('tells COCO, Label Studio and Kili JSON apart by their first keys', () => {
    expect(jsonFormatOf('{"images": [], "annotations": []}')).toBe('coco');
    expect(jsonFormatOf('\n [{"id": 1, "data": {"image": "a.jpg"}, "annotations": []}]')).toBe('labelstudio');
    // Kili writes its keys sorted: `content` before `externalId`, in a list or one asset.
    expect(jsonFormatOf('[\n    {\n        "content": "https://x/a.jpg",\n        "externalId": "a.jpg",')).toBe('kili');
    expect(jsonFormatOf('{"externalId": "a.jpg", "latestLabel": {}}')).toBe('kili');
  });
});
