// The engines a worker offers: always the two classical CPU engines, plus every model of
// models/manifest.json that loads (a model that fails to load is logged and skipped, so a broken
// file never takes the CPU answer away).
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../logger';
import { GrabCutEngine, GraphCutEngine } from '../engines/classical';
import type { Detector } from '../engines/detect/OnnxDetector';
import type { Engine } from '../engines/types';

export interface EngineOptions {
  modelsDir: string;
  providers: ReadonlyArray<'cpu' | 'cuda' | 'webgpu'>;
  threads: number;
  log: Logger;
  /** Only these model ids (the eval CLI loads one); all when absent. */
  only?: string[];
}

export async function createEngines(opts: EngineOptions): Promise<Map<string, Engine>> {
  const engines = new Map<string, Engine>();
  const want = (id: string) => !opts.only || opts.only.includes(id);
  for (const e of [new GraphCutEngine(), new GrabCutEngine()]) if (want(e.info.id)) engines.set(e.info.id, e);
  // Loaded only when there is a manifest: onnxruntime-node is a large native module.
  const manifestFile = path.join(opts.modelsDir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) return engines;
  const { loadManifest, OnnxEngine } = await import('../engines/onnx/OnnxEngine');
  const entries = () => loadManifest(manifestFile).filter((e) => want(e.id));
  await loadEach(opts, 'model', 'models/manifest.json is invalid; serving the classical engines only', entries, (e) => OnnxEngine.create(e, onnxOptions(opts)), engines);
  return engines;
}

/** The manifest's object detectors (`detectors`, kind detector-v1); one that fails to load is logged and skipped. */
export async function createDetectors(opts: EngineOptions): Promise<Map<string, Detector>> {
  const out = new Map<string, Detector>();
  const manifestFile = path.join(opts.modelsDir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) return out;
  const { loadDetectorEntries } = await import('../engines/detect/manifest');
  const { OnnxDetector } = await import('../engines/detect/OnnxDetector');
  const entries = () => loadDetectorEntries(manifestFile);
  await loadEach(opts, 'detector', "the manifest's detectors are invalid; none served", entries, (e) => OnnxDetector.create(e, onnxOptions(opts)), out);
  return out;
}

function onnxOptions(opts: EngineOptions) {
  return { dir: opts.modelsDir, providers: opts.providers, threads: opts.threads, log: opts.log };
}

/** Each entry `read` lists, made by `create` into `into`: an invalid manifest is logged once, an entry that fails to load is logged and skipped. */
async function loadEach<E extends { id: string }, T>(opts: EngineOptions, kind: 'model' | 'detector', invalid: string, read: () => E[], create: (entry: E) => Promise<T>, into: Map<string, T>): Promise<void> {
  let entries: E[];
  try {
    entries = read();
  } catch (e) {
    opts.log.error({ err: e, manifestFile: path.join(opts.modelsDir, 'manifest.json') }, invalid);
    return;
  }
  for (const entry of entries) {
    try {
      into.set(entry.id, await create(entry));
    } catch (e) {
      opts.log.error({ err: e, [kind]: entry.id }, `${kind} failed to load; skipped`);
    }
  }
}
