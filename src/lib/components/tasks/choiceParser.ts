// The task list's filter choices that carry JSON after a prefix (an image attribute's, an object
// attribute's). The list filters thousands of tasks with one choice: it is parsed once, not once
// per task.

/** A parser of `prefix + JSON` choices that keeps the last one parsed; null when `accept` refuses it. */
export function choiceParser<T>(prefix: string, accept: (v: unknown) => boolean): (choice: string) => T | null {
  let lastChoice = '';
  let lastParsed: T | null = null;
  return (choice) => {
    if (choice === lastChoice) return lastParsed;
    lastChoice = choice;
    try {
      const p = JSON.parse(choice.slice(prefix.length)) as unknown;
      lastParsed = accept(p) ? (p as T) : null;
    } catch {
      lastParsed = null;
    }
    return lastParsed;
  };
}
