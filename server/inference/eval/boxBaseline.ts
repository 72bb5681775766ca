// What an imported box is worth before the click model sees it: each object's true box filled as
// its mask (what an import with `boxes=rectangle` makes), scored as the clicks are. `--box`
// prints it beside the model's answer to the box alone (mIoU@1), the gain of `boxes=segment`.
import { gtBox, maskIou } from './clickSimulator';
import { loadGroundTruth, type Instance } from './runEval';

export interface BoxBaseline {
  /** Mean IoU of the filled true box with the object, and the share of objects at 0.9 or more. */
  meanIou: number;
  at90: number;
}

export async function boxBaseline(instances: Instance[], upscale = 1): Promise<BoxBaseline> {
  const ious: number[] = [];
  for (const inst of instances) {
    const t = await loadGroundTruth(inst.maskFile, upscale);
    const box = gtBox(t);
    const filled = new Uint8Array(t.gt.length);
    if (box) for (let y = box[1]; y < box[3]; y++) filled.fill(1, y * t.width + box[0], y * t.width + box[2]);
    ious.push(maskIou(t, filled));
  }
  const n = ious.length;
  return { meanIou: n ? ious.reduce((a, b) => a + b, 0) / n : 0, at90: n ? ious.filter((v) => v >= 0.9).length / n : 0 };
}
