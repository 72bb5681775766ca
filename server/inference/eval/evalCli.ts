// `npm run eval -- --dataset <dir> [--model <id>] [--max-clicks 20] [--limit N] [--half select|report] [--box] [--upscale k] [--json] [--details <file>] [--baseline <file>]`
// (contract 7). Runs the model through WorkerRuntime, the code path of the workers, on a dataset
// laid out as images/<id>.(jpg|png) + masks/<id>.png or masks/<id>_<k>.png (255 object,
// 0 background, 128 ignored). Prints NoC@85, NoC@90, NoF@90, mIoU after 1..5 clicks and ms per
// click; with --json the last line is one JSON object with those figures. --details writes one JSON
// line per object (id, IoU after each click, NoC, the clicks as [x, y, 1 positive | 0 negative]) to
// find the objects a model fails on and where its clicks went. --half keeps
// every other object (select: even positions, report: odd), so a choice tuned on one half can be
// checked on the other. --box makes the first interaction the ground truth's tight box for any
// model (grabcut always starts so), as an annotator who draws a box and then clicks, and prints
// the box filled as the mask beside it (boxBaseline.ts: an import's boxes as rectangles). --upscale k
// resizes every image (bilinear) and mask (nearest) to k times its size first: the dev set as
// camera-size photos (k = 8 makes its 512 px images 4096 px), for the masks and the time per click
// there.
// NoC@90 comes with a 95% bootstrap interval over the objects; --baseline <details file of an
// earlier run> adds this run's NoC minus that run's, object by object, with its own interval
// (compare.ts): whether a change is more than the noise of which objects happen to be in the set.
// --refit <fraction> runs the re-fit protocol instead of clicks (refitEval.ts): each mask shifted by
// that fraction of its object's size, then fitted back with one request, as the editor's re-fit of
// a mask pasted from the previous frame. --prelabel <score> runs the pre-labelling protocol
// (prelabelEval.ts): the detector's boxes through the click model, each object's best IoU with one
// of them, before any click.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config';
import { createLogger } from '../../logger';
import { createDetectors, createEngines } from '../worker/createEngines';
import { WorkerRuntime } from '../worker/WorkerRuntime';
import { bootstrapMean, describeVs, pairedVs, readDetails, type Details } from './compare';
import { boxBaseline } from './boxBaseline';
import { runPrelabelEval } from './prelabelEval';
import { refitInstance, summarizeRefit, type RefitResult } from './refitEval';
import { half, listInstances, runEval, spread, type Half, type Instance, type InstanceResult } from './runEval';
import { decodeRgb } from '../../storage/images/validateImage';

const USAGE =
  'usage: npm run eval -- --dataset <dir> [--model <id>] [--max-clicks 20] [--limit N] [--half select|report] [--box] [--upscale k] [--json] [--details <file>] [--baseline <details file>] [--refit <fraction>] [--prelabel <score>]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dataset: { type: 'string' },
      model: { type: 'string' },
      'max-clicks': { type: 'string', default: '20' },
      limit: { type: 'string' },
      half: { type: 'string' },
      box: { type: 'boolean', default: false },
      upscale: { type: 'string', default: '1' },
      json: { type: 'boolean', default: false },
      details: { type: 'string' },
      baseline: { type: 'string' },
      refit: { type: 'string' },
      prelabel: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help || !values.dataset) {
    console.error(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const maxClicks = Number(values['max-clicks']);
  const limit = values.limit ? Number(values.limit) : undefined;
  if (!Number.isInteger(maxClicks) || maxClicks < 1 || (limit !== undefined && (!Number.isInteger(limit) || limit < 1))) {
    console.error(`--max-clicks and --limit must be positive integers\n${USAGE}`);
    process.exit(2);
  }
  const upscale = Number(values.upscale);
  if (!(upscale >= 1 && upscale <= 16)) {
    console.error(`--upscale must be a number from 1 to 16\n${USAGE}`);
    process.exit(2);
  }
  if (values.half !== undefined && values.half !== 'select' && values.half !== 'report') {
    console.error(`--half must be select or report\n${USAGE}`);
    process.exit(2);
  }
  const refit = values.refit === undefined ? undefined : Number(values.refit);
  if (refit !== undefined && !(refit >= 0 && refit <= 1)) {
    console.error(`--refit must be a fraction from 0 to 1\n${USAGE}`);
    process.exit(2);
  }
  let baseline: Details | undefined;
  try {
    baseline = values.baseline ? readDetails(values.baseline) : undefined;
  } catch (e) {
    console.error(`--baseline: ${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const config = loadConfig();
  // Logs go to stderr so stdout stays the table (and the JSON line).
  const log = createLogger({ level: config.logLevel === 'info' ? 'warn' : config.logLevel });
  const model = values.model ?? config.inference.defaultModel ?? 'graphcut';
  const engines = await createEngines({ modelsDir: config.inference.modelsDir, providers: config.inference.providers, threads: config.inference.threads, log, only: [model] });
  if (!engines.has(model)) {
    console.error(`unknown model ${model}; available: graphcut, grabcut and the models of ${config.inference.modelsDir}/manifest.json`);
    process.exit(2);
  }
  const prelabel = values.prelabel === undefined ? undefined : Number(values.prelabel);
  if (prelabel !== undefined && !(prelabel >= 0.05 && prelabel <= 1)) {
    console.error(`--prelabel must be a score from 0.05 to 1\n${USAGE}`);
    process.exit(2);
  }
  // The detector only for the pre-labelling protocol (it is not part of a click model's run).
  const detectors = prelabel === undefined ? undefined : await createDetectors({ modelsDir: config.inference.modelsDir, providers: config.inference.providers, threads: config.inference.threads, log });
  const runtime = new WorkerRuntime(engines, config.inference.cacheBytes, log, detectors);
  const all = listInstances(values.dataset!);
  const instances = spread(values.half ? half(all, values.half as Half) : all, limit);
  const progress = !values.json && process.stderr.isTTY;
  if (refit !== undefined) return refitMain(values.dataset!, instances, refit, model, runtime, values.json!);
  if (prelabel !== undefined) return prelabelMain(values.dataset!, instances, prelabel, model, runtime, values.json!);
  if (values.details) fs.writeFileSync(values.details, '');
  const results: InstanceResult[] = [];
  const summary = await runEval(values.dataset!, instances, {
    model,
    maxClicks,
    boxFirst: values.box,
    upscale,
    runtime,
    log,
    onInstance: (r, i, n) => {
      results.push(r);
      if (progress) process.stderr.write(`\r${i + 1}/${n} ${r.id} NoC@90=${r.noc90}          `);
      if (values.details) {
        const clicks = r.clicks.map((c) => [c.x, c.y, c.positive ? 1 : 0]);
        fs.appendFileSync(values.details, `${JSON.stringify({ id: r.id, noc85: r.noc85, noc90: r.noc90, ious: r.ious.map((v) => +v.toFixed(4)), clicks })}\n`);
      }
    },
  });
  if (progress) process.stderr.write('\n');
  const f = (v: number) => v.toFixed(2);
  console.log(`dataset ${summary.dataset}  model ${summary.model}${values.box ? ' (box first)' : ''}${upscale !== 1 ? ` (images x${upscale})` : ''}  objects ${summary.n}  max clicks ${maxClicks}`);
  console.log('NoC@85  NoC@90  NoF@90  mIoU@1  mIoU@2  mIoU@3  mIoU@4  mIoU@5  ms/click');
  console.log(
    [f(summary.noc85), f(summary.noc90), String(summary.nof90), f(summary.iou1), f(summary.iou2), f(summary.iou3), f(summary.iou4), f(summary.iou5), summary.msPerClick.toFixed(1)]
      .map((s, i) => s.padEnd(i === 8 ? 0 : 6))
      .join('  '),
  );
  const ci = bootstrapMean(results.map((r) => r.noc90));
  console.log(`NoC@90 95% interval ${f(ci.lo)}-${f(ci.hi)} (bootstrap over the ${summary.n} objects)`);
  if (values.box && !values.json) {
    // The import's choice for a file's boxes: the model's mask of each (the first answer here) or the box filled.
    const rect = await boxBaseline(instances, upscale);
    const at90 = results.filter((r) => (r.ious[0] ?? 0) >= 0.9).length / Math.max(1, results.length);
    console.log(`the box alone: mIoU ${f(summary.iou1)}, ${(100 * at90).toFixed(0)}% of objects at IoU 0.9; the box filled (an import's boxes=rectangle): mIoU ${f(rect.meanIou)}, ${(100 * rect.at90).toFixed(0)}%`);
  }
  const vs = baseline && pairedVs(baseline, results);
  if (vs) for (const line of describeVs(values.baseline!, vs)) console.log(line);
  // The JSON line keeps exactly contract 7's keys unless --baseline asks for the comparison.
  if (values.json) console.log(JSON.stringify(vs ? { ...summary, noc90Interval: [ci.lo, ci.hi], vsBaseline: vs } : summary));
  await runtime.dispose();
}

async function refitMain(dataset: string, instances: Instance[], shift: number, model: string, runtime: WorkerRuntime, json: boolean): Promise<void> {
  const results: RefitResult[] = [];
  for (const [i, inst] of instances.entries()) {
    const r = await refitInstance(inst, i, shift, model, runtime, async () => decodeRgb(fs.readFileSync(inst.imageFile)));
    if (r) results.push(r);
  }
  const s = summarizeRefit(results, shift);
  const f = (v: number) => v.toFixed(3);
  console.log(`dataset ${dataset}  model ${model}  re-fit of masks shifted by ${shift} of their object's size  objects ${s.n}`);
  console.log(`mIoU pasted as it is ${f(s.pasted)}, re-fitted ${f(s.refit)}; re-fit better on ${s.better}, worse on ${s.worse} (by more than 0.01); ${s.msPerRefit.toFixed(1)} ms per re-fit`);
  if (json) console.log(JSON.stringify({ dataset, model, ...s }));
  await runtime.dispose();
}

async function prelabelMain(dataset: string, instances: Instance[], threshold: number, model: string, runtime: WorkerRuntime, json: boolean): Promise<void> {
  const detector = runtime.detectors()[0];
  if (!detector) {
    console.error('--prelabel needs a detector in the manifest (models/manifest.json `detectors`)');
    process.exit(2);
  }
  const { summary: s } = await runPrelabelEval(instances, { model, detector: detector.id, threshold, runtime, image: (inst) => async () => decodeRgb(fs.readFileSync(inst.imageFile)) });
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  console.log(`dataset ${dataset}  model ${model}  pre-labelled by ${detector.id} (every class, score >= ${threshold})  objects ${s.n} on ${s.images} images`);
  console.log(`objects arriving segmented: IoU >= 0.5 ${pct(s.at50)}, >= 0.85 ${pct(s.at85)}, >= 0.9 ${pct(s.at90)}; mean best IoU ${s.meanBest.toFixed(3)}; ${s.preLabelsPerImage.toFixed(1)} pre-labels per image, ${s.msPerImage.toFixed(0)} ms per image`);
  if (json) console.log(JSON.stringify({ dataset, model, detector: detector.id, ...s }));
  await runtime.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
