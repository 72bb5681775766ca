// Which task cards are on screen (or about to be), in a Svelte action: the task list watches the
// review rooms of those, so whatever card you scroll to shows its live status and who has it open,
// while the number of open rooms stays bounded (TaskStatuses.MAX_WATCHED).

/** `use:card={taskId}` on each card; `onChange` gets the visible ids, settled for `settleMs`. */
export function trackVisibleCards(onChange: (ids: ReadonlySet<string>) => void, settleMs = 250) {
  const visible = new Set<string>();
  const ids = new WeakMap<Element, string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Scrolling past a hundred cards must not open and close a hundred sockets: report once it rests.
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(() => onChange(new Set(visible)), settleMs);
  };
  const observer = new IntersectionObserver(
    (entries) => {
      for (const e of entries) {
        const id = ids.get(e.target);
        if (id === undefined) continue;
        if (e.isIntersecting) visible.add(id);
        else visible.delete(id);
      }
      changed();
    },
    { rootMargin: '300px 0px' },
  );
  function card(node: HTMLElement, taskId: string) {
    ids.set(node, taskId);
    observer.observe(node);
    return {
      update(next: string) {
        if (visible.delete(ids.get(node)!)) changed();
        ids.set(node, next);
        // Re-observing reports the card's state again, under its new id.
        observer.unobserve(node);
        observer.observe(node);
      },
      destroy() {
        observer.unobserve(node);
        if (visible.delete(ids.get(node)!)) changed();
      },
    };
  }
  return {
    card,
    destroy() {
      clearTimeout(timer);
      observer.disconnect();
    },
  };
}
