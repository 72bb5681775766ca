// The perceptual hash on real photos (six of the dev set beside the checkout, as the eval tests
// read it): what an owner would call the same picture stays within NEAR_DUPLICATE_BITS, other
// photos are far apart. The whole set's figures: `npm run bench -- imageHash`.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { hashDistance, imageHash, mirroredHash, NEAR_DUPLICATE_BITS, orientedHashes, rotatedHash } from './imageHash';

const DIR = path.resolve('../shared/datasets/dev/COCO_MVal_dev/images');
const PHOTOS = ['airplane07_000000504000.jpg', 'apple07_000000429281.jpg', 'bicycle08_000000351530.jpg', 'car08_000000508602.jpg', 'cow07_000000219440.jpg', 'spoon08_000000066841.jpg'];
const LIMIT = 100_000_000;
const photo = (name: string) => fs.readFileSync(path.join(DIR, name));

describe('perceptual image hash', () => {
  it('keeps nearly every bit of a photo re-encoded, resized, brightened or as PNG, and other photos differ in many', async () => {
    const hashes: string[] = [];
    for (const name of PHOTOS) {
      const original = photo(name);
      const h = await imageHash(original, LIMIT);
      expect(h).toMatch(/^[0-9a-f]{32}$/);
      hashes.push(h);
      for (const v of [sharp(original).jpeg({ quality: 40 }), sharp(original).resize(320).webp({ quality: 60 }), sharp(original).modulate({ brightness: 1.1 }).jpeg(), sharp(original).png()]) {
        expect(hashDistance(h, await imageHash(await v.toBuffer(), LIMIT)), name).toBeLessThanOrEqual(NEAR_DUPLICATE_BITS);
      }
    }
    for (let i = 0; i < hashes.length; i++) for (let j = i + 1; j < hashes.length; j++) expect(hashDistance(hashes[i], hashes[j])).toBeGreaterThan(NEAR_DUPLICATE_BITS + 5);
  });

  it("knows a photo's mirror image from its hash alone, and other photos' mirrors stay far", async () => {
    const hashes = await Promise.all(PHOTOS.map((name) => imageHash(photo(name), LIMIT)));
    for (const [i, name] of PHOTOS.entries()) {
      const flopped = await imageHash(await sharp(photo(name)).flop().jpeg({ quality: 85 }).toBuffer(), LIMIT);
      expect(hashDistance(hashes[i], flopped), name).toBeGreaterThan(NEAR_DUPLICATE_BITS); // not the same picture as it is
      expect(hashDistance(mirroredHash(hashes[i]), flopped), name).toBeLessThanOrEqual(NEAR_DUPLICATE_BITS);
      expect(mirroredHash(mirroredHash(hashes[i]))).toBe(hashes[i]);
      for (let j = 0; j < PHOTOS.length; j++) if (j !== i) expect(hashDistance(mirroredHash(hashes[i]), hashes[j])).toBeGreaterThan(NEAR_DUPLICATE_BITS + 5);
    }
  });

  it("knows a photo turned by quarters from its hash alone, and other photos' turns stay far", async () => {
    const hashes = await Promise.all(PHOTOS.map((name) => imageHash(photo(name), LIMIT)));
    for (const [i, name] of PHOTOS.entries()) {
      let turned = hashes[i];
      for (const angle of [90, 180, 270]) {
        turned = rotatedHash(turned);
        const saved = await imageHash(await sharp(photo(name)).rotate(angle).jpeg({ quality: 85 }).toBuffer(), LIMIT);
        expect(hashDistance(hashes[i], saved), `${name} ${angle}`).toBeGreaterThan(NEAR_DUPLICATE_BITS); // not the same picture as it is
        expect(hashDistance(turned, saved), `${name} ${angle}`).toBeLessThanOrEqual(NEAR_DUPLICATE_BITS);
      }
      expect(rotatedHash(turned)).toBe(hashes[i]); // four quarters: back where it was
      expect(new Set(orientedHashes(hashes[i])).size).toBe(8);
      for (let j = 0; j < PHOTOS.length; j++) if (j !== i) for (const o of orientedHashes(hashes[i])) expect(hashDistance(o, hashes[j])).toBeGreaterThan(NEAR_DUPLICATE_BITS);
    }
  });

  it('reads the image as shown (EXIF orientation) and refuses what does not decode', async () => {
    const original = photo(PHOTOS[0]);
    const h = await imageHash(original, LIMIT);
    // Stored rotated with a tag saying "rotate back": the same picture on screen.
    const tagged = await sharp(original).rotate(90).withMetadata({ orientation: 8 }).jpeg({ quality: 90 }).toBuffer();
    expect(hashDistance(h, await imageHash(tagged, LIMIT))).toBeLessThanOrEqual(NEAR_DUPLICATE_BITS);
    expect(hashDistance(h, await imageHash(await sharp(original).rotate(90).jpeg().toBuffer(), LIMIT))).toBeGreaterThan(NEAR_DUPLICATE_BITS);
    await expect(imageHash(new Uint8Array([0xff, 0xd8, 0xff, 0, 1, 2]), LIMIT)).rejects.toMatchObject({ code: 'invalid_image' });
  });
});
