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
  const manifestFile = path.join(opts.modelsDir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) return engines;
  // Loaded only when there is a manifest: onnxruntime-node is a large native module.
  const { loadManifest, OnnxEngine } = await import('../engines/onnx/OnnxEngine');
  let entries;
  try {
    entries = loadManifest(manifestFile);
  } catch (e) {
    opts.log.error({ err: e, manifestFile }, 'models/manifest.json is invalid; serving the classical engines only');
    return engines;
  }
  for (const entry of entries) {
    if (!want(entry.id)) continue;
    try {
      const engine = await OnnxEngine.create(entry, { dir: opts.modelsDir, providers: opts.providers, threads: opts.threads, log: opts.log });
      engines.set(entry.id, engine);
    } catch (e) {
      opts.log.error({ err: e, model: entry.id }, 'model failed to load; skipped');
    }
  }
  return engines;
}

/** The manifest's object detectors (`detectors`, kind detector-v1); one that fails to load is logged and skipped. */
export async function createDetectors(opts: EngineOptions): Promise<Map<string, Detector>> {
  const out = new Map<string, Detector>();
  const manifestFile = path.join(opts.modelsDir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) return out;
  const { loadDetectorEntries } = await import('../engines/detect/manifest');
  const { OnnxDetector } = await import('../engines/detect/OnnxDetector');
  let entries;
  try {
    entries = loadDetectorEntries(manifestFile);
  } catch (e) {
    opts.log.error({ err: e, manifestFile }, 'the manifest\'s detectors are invalid; none served');
    return out;
  }
  for (const entry of entries) {
    try {
      out.set(entry.id, await OnnxDetector.create(entry, { dir: opts.modelsDir, providers: opts.providers, threads: opts.threads, log: opts.log }));
    } catch (e) {
      opts.log.error({ err: e, detector: entry.id }, 'detector failed to load; skipped');
    }
  }
  return out;
}
