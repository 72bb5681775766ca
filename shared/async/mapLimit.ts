// `fn` over a list with at most `limit` calls in flight, the results in the list's order: box
// requests to the click model (the editor's "Find objects", the server's pre-labelling) and URL
// fetches (the URL import), where all at once would queue on the workers or the remote servers.
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i], i);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return out;
}
