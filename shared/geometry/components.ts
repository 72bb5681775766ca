/**
 * Connected components of a row-major binary mask (`mask[y * width + x]`, nonzero = object).
 */

/** Result of {@link connectedComponents}. */
export interface Components {
  /** Per pixel: 0 for background, else the component label 1..count, numbered in row-major order of first pixel. */
  labels: Int32Array;
  /** Number of components. */
  count: number;
  /** `areas[label]` in pixels; `areas[0]` is the background area. */
  areas: number[];
}

/**
 * Labels the connected components of the object pixels, with 4-connectivity (edge neighbours)
 * or 8-connectivity (edge and corner neighbours).
 */
export function connectedComponents(
  mask: ArrayLike<number>,
  width: number,
  height: number,
  connectivity: 4 | 8 = 4,
): Components {
  const n = width * height;
  const labels = new Int32Array(n);
  const areas = [0];
  const queue = new Int32Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (mask[i] === 0) {
      areas[0]++;
      continue;
    }
    if (labels[i] !== 0) continue;
    count++;
    let head = 0;
    let tail = 0;
    queue[tail++] = i;
    labels[i] = count;
    let area = 0;
    while (head < tail) {
      const p = queue[head++];
      area++;
      const x = p % width;
      const y = (p - x) / width;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          if (dx === 0 && dy === 0) continue;
          if (connectivity === 4 && dx !== 0 && dy !== 0) continue;
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const q = ny * width + nx;
          if (mask[q] !== 0 && labels[q] === 0) {
            labels[q] = count;
            queue[tail++] = q;
          }
        }
      }
    }
    areas.push(area);
  }
  return { labels, count, areas };
}
