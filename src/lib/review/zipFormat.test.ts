import { describe, expect, it } from 'vitest';
import { zipFormatOf } from './zipFormat';

describe('which import a zip is', () => {
  it('tells VOC, PNG masks and YOLO apart by their file names', () => {
    expect(zipFormatOf(['export/SegmentationClass/a.png', 'export/SegmentationObject/a.png', 'export/labelmap.txt'])).toBe('voc');
    expect(zipFormatOf(['masks/a_1.png', 'masks/car/a_2.png', 'masks.csv'])).toBe('masks');
    expect(zipFormatOf(['data.yaml', 'labels/a.txt'])).toBe('yolo');
    // A YOLO dataset with its images is still YOLO: label text beside the PNGs.
    expect(zipFormatOf(['images/a.png', 'labels/a.txt'])).toBe('yolo');
    // CVAT's export: its XML beside the images (PNGs too), not PNG masks.
    expect(zipFormatOf(['annotations.xml', 'images/a.png', 'images/b.png'])).toBe('cvat');
  });
});
