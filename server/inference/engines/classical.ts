// The two CPU engines that need no model file, so the pool always has an answer.
// Prompt routing between them (documented in server/inference/CONTEXT.md):
// - graphcut with a box → GrabCut on that box (clicks inside become seeds);
// - grabcut without a box → the previous mask's padded bounding box, and with no previous mask
//   either, plain graph cut on the clicks.
import type { ModelInfo } from '../../../shared/protocol/inference';
import { segmentGrabCut, maskBox } from './grabcut';
import { segmentGraphCut } from './graphcut';
import type { Engine, SegmentInput, SegmentOutput } from './types';

export const GRAPHCUT_INFO: ModelInfo = {
  id: 'graphcut',
  engine: 'graphcut',
  description: 'Graph cut on colour models (CPU, no model file): clicks and scribbles as seeds, starts from the previous mask; a box goes to GrabCut.',
  inputs: ['clicks', 'scribbles', 'prevMask', 'box'],
  default: false,
};

export const GRABCUT_INFO: ModelInfo = {
  id: 'grabcut',
  engine: 'grabcut',
  description: 'GrabCut (CPU, no model file): a box with iterated colour models; clicks inside the box refine it.',
  inputs: ['box', 'clicks', 'scribbles', 'prevMask'],
  default: false,
};

export class GraphCutEngine implements Engine {
  readonly info = GRAPHCUT_INFO;
  readonly provider = 'cpu';
  async segment(input: SegmentInput): Promise<SegmentOutput> {
    if (input.box) return segmentGrabCut({ ...input, box: input.box });
    return segmentGraphCut(input);
  }
}

export class GrabCutEngine implements Engine {
  readonly info = GRABCUT_INFO;
  readonly provider = 'cpu';
  async segment(input: SegmentInput): Promise<SegmentOutput> {
    const box = input.box ?? (input.prevMask ? maskBox(input.prevMask, input.image.width, input.image.height, input.prevBox) : null);
    if (box) return segmentGrabCut({ ...input, box });
    return segmentGraphCut(input);
  }
}
