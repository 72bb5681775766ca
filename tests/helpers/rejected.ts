// The TandemError a promise rejects with (the test fails when it resolves, or rejects otherwise).
import { expect } from 'vitest';
import { isTandemError } from '../../shared/protocol/errors';

export async function rejected(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isTandemError(err), `expected a TandemError, got ${String(err)}`).toBe(true);
  return err as { code: string; message: string };
}
