// For the store contracts (tests/integration/*Contract.ts): within a describe, `project()` opens a
// fresh backend (closed after the test) and makes an owner and a project in it.
import { afterEach } from 'vitest';
import type { MetaStore } from '../../server/storage/types';

export function backendProjects<B extends { meta: MetaStore; cleanup(): Promise<void> }>(factory: () => Promise<B>) {
  let b: B | null = null;
  afterEach(async () => {
    await b?.cleanup();
    b = null;
  });
  return async () => {
    b = await factory();
    const owner = await b.meta.createUser({ name: 'Olga' });
    const p = await b.meta.createProject({ name: 'p', labels: [], createdBy: owner.id });
    return { ...b, owner, projectId: p.id };
  };
}
