// The 8-connected parts of a mask read off its COCO runs, without decoding it: the task list's
// checks (shared/schema/objectChecks.ts) count an object's specks on the server after every edit,
// where decoding each mask of a 24 MP photo to label its components would cost ~50 ms an object.
// COCO runs are column-major and may wrap from one column's bottom into the next column's top, so
// each run of ones is cut into per-column segments; a segment joins those of the column before
// whose rows reach one row above or below it (corners count, as in removeSpecks), by union-find.

/** The areas of the 8-connected parts of the mask whose run lengths are `counts` (column-major,
 *  starting with zeros), `height` rows high; in no particular order. */
export function rleParts(counts: readonly number[], height: number): number[] {
  if (height <= 0) return [];
  // Segments, column by column: column, first row, last row. Counted first, then filled (typed
  // arrays: a ragged 24 MP mask has tens of thousands).
  let n = 0;
  for (let i = 1, pos = counts[0] ?? 0; i < counts.length; pos += counts[i] + (counts[i + 1] ?? 0), i += 2) {
    if (counts[i] > 0) n += Math.floor((pos + counts[i] - 1) / height) - Math.floor(pos / height) + 1;
  }
  const col = new Int32Array(n);
  const y0 = new Int32Array(n);
  const y1 = new Int32Array(n);
  let k = 0;
  for (let i = 1, pos = counts[0] ?? 0; i < counts.length; pos += counts[i] + (counts[i + 1] ?? 0), i += 2) {
    for (let p = pos, end = pos + counts[i]; p < end; ) {
      const c = Math.floor(p / height);
      const top = p - c * height;
      const take = Math.min(end - p, height - top);
      col[k] = c;
      y0[k] = top;
      y1[k] = top + take - 1;
      k++;
      p += take;
    }
  }
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  // Segments are in column order, each column's top to bottom: two pointers over a column and the one before.
  let prevStart = 0;
  let prevEnd = 0; // segments of the previous column: [prevStart, prevEnd)
  for (let s = 0; s < n; ) {
    let e = s;
    while (e < n && col[e] === col[s]) e++;
    if (prevEnd > prevStart && col[prevStart] === col[s] - 1) {
      let j = prevStart;
      for (let i = s; i < e; i++) {
        while (j < prevEnd && y1[j] < y0[i] - 1) j++;
        for (let k = j; k < prevEnd && y0[k] <= y1[i] + 1; k++) {
          const a = find(i);
          const b = find(k);
          if (a !== b) parent[a] = b;
        }
      }
    }
    prevStart = s;
    prevEnd = e;
    s = e;
  }
  const areas = new Float64Array(n);
  for (let i = 0; i < n; i++) areas[find(i)] += y1[i] - y0[i] + 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (parent[i] === i) out.push(areas[i]);
  return out;
}
