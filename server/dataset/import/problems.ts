// The problems an import finds in a file, collected (up to MAX_PROBLEMS) so the user can fix the
// file in one go; any one of them rejects the whole file before anything is written.
import { ErrorCode, TandemError } from '../../../shared/protocol/errors';

export const MAX_PROBLEMS = 20;

export function problemList() {
  const list: string[] = [];
  return {
    add(p: string): void {
      if (list.length < MAX_PROBLEMS) list.push(p);
    },
    /** Throws validation_failed naming the problems, when there are any. */
    throwIfAny(format: string): void {
      if (list.length) throw new TandemError(ErrorCode.ValidationFailed, `${format} import rejected, nothing was imported: ${list.join('; ')}`);
    },
  };
}
