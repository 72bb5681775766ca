// Where the open task sits in its project's list (the project page's order), for the editor's
// previous / next buttons: annotators go through a project image after image without going back
// to the list.
export interface NavTask {
  id: string;
  status: string;
}

export interface TaskPosition {
  /** 1-based position of the open task, 0 when it is not in the list. */
  index: number;
  count: number;
  prev: string | null;
  next: string | null;
  /** The first task after this one (wrapping around) that is not done, if any. */
  nextOpen: string | null;
}

export function taskPosition(tasks: readonly NavTask[], id: string): TaskPosition {
  const i = tasks.findIndex((t) => t.id === id);
  const n = tasks.length;
  let nextOpen: string | null = null;
  for (let k = 1; k < n && i >= 0; k++) {
    const t = tasks[(i + k) % n];
    if (t.status !== 'done') {
      nextOpen = t.id;
      break;
    }
  }
  return {
    index: i + 1,
    count: n,
    prev: i > 0 ? tasks[i - 1].id : null,
    next: i >= 0 && i < n - 1 ? tasks[i + 1].id : null,
    nextOpen,
  };
}
