// Masks drawn as text for unit tests: rows of '#' (object) and '.' (background), row-major.

/** A mask from rows of '#' and '.'. */
export function grid(rows: string[]): { mask: Uint8Array; w: number; h: number } {
  const w = rows[0].length;
  const mask = new Uint8Array(w * rows.length);
  rows.forEach((r, y) => [...r].forEach((c, x) => (mask[y * w + x] = c === '#' ? 1 : 0)));
  return { mask, w, h: rows.length };
}

/** A mask `w` wide back as rows of '#' and '.'. */
export function show(mask: Uint8Array, w: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < mask.length; i += w) out.push([...mask.subarray(i, i + w)].map((v) => (v ? '#' : '.')).join(''));
  return out;
}
