// Entry point of the inference subsystem, wired by server/main.ts.
// OWNED BY THE INFERENCE WORK: this stub fixes the signature the core server calls.
import type { Server as IoServer } from 'socket.io';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { Auth } from '../auth/types';
import type { Storage } from '../storage/types';
import type { TaskId } from '../../shared/schema/ids';

export interface ModelInfo {
  id: string;
  engine: string; // 'onnx' | 'graphcut' | 'grabcut'
  description: string;
  inputs: string[]; // which prompts it takes: clicks, box, scribbles, prevMask
  default: boolean;
}

export interface InferenceDeps {
  config: Config;
  log: Logger;
  storage: Storage;
  auth: Auth;
  io: IoServer;
}

export interface InferenceService {
  /** Starts local workers and the /inference and /workers namespaces. */
  start(): Promise<void>;
  /** Stops local workers, answers pending requests with `unavailable`. */
  stop(): Promise<void>;
  listModels(): ModelInfo[];
  /** Warms a worker with the task's image (called when a client opens the task). */
  prefetch(taskId: TaskId): void;
  /** The token remote workers present on /workers. */
  readonly workerToken: string;
}

export async function createInference(_deps: InferenceDeps): Promise<InferenceService> {
  throw new Error('not implemented yet');
}
