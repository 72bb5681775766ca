import { describe, expect, it } from 'vitest';
import { decodeRle, encodeRle } from '../../../shared/codecs/rle';
import { createPrng } from '../../../shared/schema/prng';
import type { AnnotationObject } from '../../../shared/schema/annotation';
import type { ExportInput } from '../types';
import { imageTagLabel, toCvat } from './cvat';

const W = 37;
const H = 23;

describe('CVAT export', () => {
  it("writes each mask's pixels exactly as CVAT's runs inside its box, row by row, background first", () => {
    const prng = createPrng(7);
    const rand = () => prng.next();
    const masks = Array.from({ length: 60 }, () => {
      const m = new Uint8Array(W * H);
      const blobs = 1 + Math.floor(rand() * 3);
      for (let b = 0; b < blobs; b++) {
        const cx = rand() * W;
        const cy = rand() * H;
        const r = 1 + rand() * 6;
        for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r && rand() > 0.1) m[y * W + x] = 1;
      }
      return m;
    });
    const objects = masks.map((m, i) => ({ id: `o${i}`, label: 'car', mask: encodeRle(m, W, H), attributes: {} }) as unknown as AnnotationObject);
    const input = { project: { id: 'p', name: 'p', labels: [{ name: 'car', color: '#ff0000' }] }, tasks: [{ task: { id: 't', name: 'a.jpg', width: W, height: H }, objects }] } as unknown as ExportInput;
    const xml = new TextDecoder().decode(toCvat(input)[0].bytes);
    const shapes = [...xml.matchAll(/<mask [^>]*rle="([^"]*)" left="(\d+)" top="(\d+)" width="(\d+)" height="(\d+)" z_order="(\d+)"/g)];
    const drawn = masks.filter((m) => m.some((v) => v));
    expect(shapes).toHaveLength(drawn.length);
    shapes.forEach((s, k) => {
      const [left, top, w, h] = s.slice(2, 6).map(Number);
      const back = new Uint8Array(W * H);
      let i = 0;
      s[1].split(', ').map(Number).forEach((r, j) => {
        if (j % 2) for (let q = i; q < i + r; q++) back[(top + Math.floor(q / w)) * W + left + (q % w)] = 1;
        i += r;
      });
      expect(i).toBe(w * h);
      expect(back).toEqual(decodeRle(objects[Number(s[6])].mask!).data);
      expect(Number(s[6])).toBe(masks.indexOf(drawn[k]));
    });
  });

  it("writes the image's own attributes as one tag per image, its label clear of the object labels", () => {
    const project = { id: 'p', name: 'p', labels: [{ name: 'image', color: '#ff0000' }], settings: { noOverlap: false, imageAttributes: [{ name: 'night', type: 'checkbox' }, { name: 'weather', type: 'select', options: ['sun', 'rain'] }] } };
    const tasks = [{ task: { id: 't', name: 'a.jpg', width: W, height: H }, objects: [], imageAttributes: { weather: 'rain' } }];
    const xml = new TextDecoder().decode(toCvat({ project, tasks } as unknown as ExportInput)[0].bytes);
    expect(xml).toContain('<label><name>image_2</name><color>#808080</color><type>tag</type><attributes><attribute><name>night</name>');
    expect(xml).toContain('<tag label="image_2" source="manual"><attribute name="night">false</attribute><attribute name="weather">rain</attribute></tag>');
    expect(imageTagLabel([{ name: 'car' }])).toBe('image');
    // No image attributes defined: no tag label, no tags.
    const plain = new TextDecoder().decode(toCvat({ project: { ...project, settings: { noOverlap: false } }, tasks } as unknown as ExportInput)[0].bytes);
    expect(plain).not.toContain('<tag');
    expect(plain).not.toContain('<type>tag</type>');
  });
});
