// The dataset thread's entry: a worker thread does not take its parent's `--import tsx`, so it
// registers tsx's loader itself, then runs the TypeScript (thread.ts).
import { register } from 'tsx/esm/api';

register();
await import('./thread.ts');
