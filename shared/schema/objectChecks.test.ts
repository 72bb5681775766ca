import { describe, expect, it } from 'vitest';
import { encodeRle } from '../codecs/rle';
import { rectRle } from '../../tests/helpers/rectRle';
import { applyRules, checkTotal, CheckRulesSchema, countChecks, describeChecks, describeSpeckRule, groupIssues, issuesUnder, labelsOutside, ObjectChecker, rowChecks, speckRuleOf, type CheckedObject, type CheckRules } from './objectChecks';

const W = 200;
const H = 100; // 20,000 px: tiny under 16 px
const rect = (x0: number, y0: number, x1: number, y1: number) => rectRle(W, H, x0, y0, x1, y1);
const obj = (id: string, label: string, mask = rect(0, 0, 10, 10)): CheckedObject => ({ id, label, mask });

describe('object checks', () => {
  it('finds the same thing drawn twice (any labels), or one inside another of its label', () => {
    const objects = [
      obj('a', 'car', rect(0, 0, 40, 40)),
      obj('b', 'truck', rect(0, 0, 40, 38)), // IoU 0.95 with a: drawn twice, called two things
      obj('c', 'car', rect(100, 0, 140, 40)),
      obj('d', 'car', rect(110, 10, 120, 20)), // inside c (IoU 0.06), same label
      obj('e', 'wheel', rect(105, 30, 115, 40)), // inside c too, another label: a part, fine
      obj('f', 'car', rect(60, 0, 80, 40)),
      obj('g', 'car', rect(70, 0, 90, 40)), // half over f: two cars side by side, fine
    ];
    const issues = new ObjectChecker().check(objects);
    const dup = issuesUnder(issues, objects, null).map((i) => i.kind === 'duplicate' && [i.objectId, i.other, i.inside]);
    expect(dup).toEqual([
      ['a', 'b', false],
      ['b', 'a', false],
      ['c', 'd', true],
      ['d', 'c', true],
    ]);
    // The row: those two pairs, and every pair a project's thresholds could flag (f and g: half inside).
    expect(countChecks(issues)).toEqual({ duplicate: 2, specks: 0, tiny: 0, byLabel: {}, pairs: [[0.95, 1, 0], [0.0625, 1, 1], [0.3333, 0.5, 1]], small: {}, pieces: {} });
  });

  it("flags at the project's thresholds, in the editor and from the row's candidates alike", () => {
    const objects = [
      obj('a', 'car', rect(0, 0, 40, 40)),
      obj('b', 'truck', rect(0, 0, 40, 35)), // IoU 0.875, called another thing
      obj('f', 'car', rect(60, 0, 80, 40)),
      obj('g', 'car', rect(66, 0, 86, 40)), // 70% over f (IoU 0.54)
      obj('small', 'bird', rect(150, 80, 154, 84)), // 16 px: 0.08% of the image
      obj('dot', 'bird', rect(150, 50, 153, 53)), // 9 px
    ];
    const issues = new ObjectChecker().check(objects);
    const row = countChecks(issues, objects);
    const flagged = (rules: CheckRules | null) => issuesUnder(issues, objects, rules).map((i) => `${i.kind}:${i.objectId}`);
    expect(flagged(null)).toEqual(['duplicate:a', 'duplicate:b', 'tiny:dot']);
    expect(applyRules(row, null)).toEqual({ duplicate: 1, specks: 0, tiny: 1 });
    // A set of crowds: only IoU 0.9 is a duplicate; inside from 60%; tiny under 0.1% of the image.
    const strict: CheckRules = { thresholds: { duplicateIou: 0.9, insideShare: 0.6, tinyShare: 0.001 } };
    expect(flagged(strict)).toEqual(['duplicate:f', 'duplicate:g', 'tiny:small', 'tiny:dot']);
    expect(issuesUnder(issues, objects, strict).find((i) => i.objectId === 'f')).toMatchObject({ inside: true });
    expect(applyRules(row, strict)).toEqual({ duplicate: 1, specks: 0, tiny: 2 });
    expect(applyRules(row, { ...strict, smallOk: ['bird'] })).toEqual({ duplicate: 1, specks: 0, tiny: 0 });
    // A row counted before thresholds could be set keeps its counts.
    expect(applyRules({ duplicate: 1, specks: 0, tiny: 1 }, strict)).toEqual({ duplicate: 1, specks: 0, tiny: 1 });
    expect(CheckRulesSchema.safeParse({ thresholds: { duplicateIou: 0.3 } }).success).toBe(false);
    expect(CheckRulesSchema.safeParse({ thresholds: { tinyShare: 0.01 } }).success).toBe(false);
    expect(CheckRulesSchema.safeParse({ thresholds: { size: 1 } }).success).toBe(false);
  });

  it('counts the parts "Remove specks" would remove, and tiny objects', () => {
    const d = new Uint8Array(W * H);
    for (let y = 0; y < 40; y++) for (let x = 0; x < 40; x++) d[y * W + x] = 1; // 1,600 px
    d[50 * W + 50] = 1; // a speck
    for (let y = 60; y < 63; y++) for (let x = 60; x < 63; x++) d[y * W + x] = 1; // 9 px: another
    for (let y = 80; y < 90; y++) for (let x = 80; x < 90; x++) d[y * W + x] = 1; // 100 px: a part, not a speck
    const objects = [
      { id: 'brushed', label: 'car', mask: encodeRle(d, W, H) },
      obj('dot', 'bird', rect(150, 50, 153, 53)), // 9 px
      obj('small', 'car', rect(150, 80, 154, 84)), // 16 px: small, not tiny
      { id: 'drawing', label: 'car' }, // no mask yet: nothing to check
    ];
    const issues = new ObjectChecker().check(objects);
    // The parts a project's rule could call specks come along (the 100 px one too: under 10% of the object).
    expect(issuesUnder(issues, objects, null)).toEqual([
      { kind: 'specks', objectId: 'brushed', specks: 2, area: 1710, parts: expect.arrayContaining([1, 9, 100]) },
      { kind: 'tiny', objectId: 'dot', area: 9, pixels: W * H },
    ]);
    // Per label too, for the project's rules (applied where the counts are read), and the small ones and parts a threshold could flag.
    expect(countChecks(issues, objects)).toEqual({
      duplicate: 0, specks: 1, tiny: 1, byLabel: { car: { specks: 1, tiny: 0 }, bird: { specks: 0, tiny: 1 } }, pairs: [], small: { bird: [[9, W * H]], car: [[16, W * H]] }, pieces: { car: [[1710, 1]] },
    });
    expect(checkTotal(countChecks(issues))).toBe(2);
    expect(checkTotal(countChecks([]))).toBe(0);
  });

  it("calls specks what the project's rule says, in the editor and from the row's candidates alike", () => {
    // Two objects of the same three parts, side by side.
    const pieces = (dx: number) => {
      const d = new Uint8Array(W * H);
      for (let y = 0; y < 40; y++) for (let x = 0; x < 50; x++) d[y * W + x + dx] = 1; // 2,000 px
      for (let y = 60; y < 65; y++) for (let x = 60; x < 65; x++) d[y * W + x + dx] = 1; // 25 px: over 1% of the object
      for (let y = 80; y < 90; y++) for (let x = 80; x < 98; x++) d[y * W + x + dx] = 1; // 180 px
      return encodeRle(d, W, H);
    };
    const objects = [
      { id: 'road', label: 'road', mask: pieces(0) },
      { id: 'hedge', label: 'hedge', mask: pieces(100) },
      obj('car', 'car', rect(0, 45, 20, 58)), // one piece
    ];
    const issues = new ObjectChecker().check(objects);
    const row = countChecks(issues, objects);
    const specks = (rules: CheckRules | null) => issuesUnder(issues, objects, rules).flatMap((i) => (i.kind === 'specks' ? [i.specks] : []));
    // The default (under 1% or 10 px): none; the row agrees.
    expect([specks(null), applyRules(row, null)?.specks]).toEqual([[], 0]);
    // Under 5% of the object: the 25 px part (the 180 px one is 8%).
    const five: CheckRules = { thresholds: { speckShare: 0.05 } };
    expect([specks(five), applyRules(row, five)?.specks]).toEqual([[1, 1], 2]);
    // Or 200 px: both; a label allowed in pieces is still left out.
    const px: CheckRules = { thresholds: { speckShare: 0, speckPixels: 200 }, piecesOk: ['hedge'] };
    expect([specks(px), applyRules(row, px)?.specks]).toEqual([[2], 1]);
    // Nothing is a speck at 0 and 0; a row counted before the rule could be set keeps its count.
    expect([specks({ thresholds: { speckShare: 0, speckPixels: 0 } }), applyRules(row, { thresholds: { speckShare: 0, speckPixels: 0 } })?.specks]).toEqual([[], 0]);
    expect(applyRules({ ...row, specks: 3, pieces: undefined }, five)?.specks).toBe(3);
    expect(CheckRulesSchema.safeParse({ thresholds: { speckShare: 0.2 } }).success).toBe(false);
    expect(CheckRulesSchema.safeParse({ thresholds: { speckPixels: 2.5 } }).success).toBe(false);
    expect(CheckRulesSchema.safeParse({ thresholds: { speckPixels: 1001 } }).success).toBe(false);
    expect(describeSpeckRule(speckRuleOf(null))).toBe('under 1% of this mask or 10 px');
    expect(describeSpeckRule(speckRuleOf(px))).toBe('under 200 px');
  });

  it('reads a mask again only when it changed, and forgets objects gone', () => {
    const checker = new ObjectChecker();
    const a = obj('a', 'car', rect(0, 0, 40, 40));
    expect(checker.check([a, obj('b', 'car', rect(0, 0, 40, 39))])).toHaveLength(2);
    // b moved off a: the new mask is read, no longer a duplicate.
    expect(checker.check([a, obj('b', 'car', rect(100, 0, 140, 39))])).toEqual([]);
    expect(checker.check([obj('a', 'car', rect(0, 0, 3, 3))])).toEqual([{ kind: 'tiny', objectId: 'a', area: 9, pixels: W * H }]);
  });

  it('adds the objects whose label the project does not define, once the labels are known', () => {
    const objects = [obj('a', 'car', rect(0, 0, 40, 40)), obj('b', 'vehcle', rect(100, 0, 140, 40)), { id: 'c', label: 'vehcle' }];
    const grouped = groupIssues(new ObjectChecker().check(objects), objects, ['car', 'person']);
    expect([...grouped]).toEqual([['b', [{ kind: 'label', objectId: 'b', label: 'vehcle' }]]]);
    expect(groupIssues([], objects, []).size).toBe(0); // labels not read yet: nothing said
    const outside = labelsOutside({ car: 3, vehcle: 2, person: 0 }, ['car']);
    expect(outside).toEqual({ vehcle: 2 });
    expect(checkTotal({ duplicate: 1, specks: 0, tiny: 0 }, outside)).toBe(3);
    expect(describeChecks({ duplicate: 1, specks: 0, tiny: 0 }, outside)).toBe('1 object drawn twice? · 2 labelled vehcle, not a label of the project');
  });

  it("applies the project's rules where the counts are read: kinds off, labels allowed in pieces or small", () => {
    const d = new Uint8Array(W * H);
    for (let y = 0; y < 40; y++) for (let x = 0; x < 40; x++) d[y * W + x] = 1;
    d[50 * W + 50] = 1; // a speck of the hedge
    const objects = [
      { id: 'hedge', label: 'vegetation', mask: encodeRle(d, W, H) },
      obj('gull', 'bird', rect(150, 50, 153, 53)), // 9 px: tiny
      obj('car1', 'car', rect(100, 60, 140, 99)),
      obj('car2', 'car', rect(100, 60, 140, 98)), // drawn twice
      obj('v', 'vehcle', rect(60, 60, 80, 80)),
    ];
    const issues = new ObjectChecker().check(objects);
    const row = countChecks(issues, objects);
    expect(applyRules(row, null)).toEqual({ duplicate: 1, specks: 1, tiny: 1 });
    expect(applyRules(row, { piecesOk: ['vegetation'] })).toEqual({ duplicate: 1, specks: 0, tiny: 1 });
    expect(applyRules(row, { smallOk: ['bird'], off: ['duplicate'] })).toEqual({ duplicate: 0, specks: 1, tiny: 0 });
    expect(applyRules(row, { off: ['specks', 'tiny'], piecesOk: ['car'] })).toEqual({ duplicate: 1, specks: 0, tiny: 0 });
    // A row counted before per-label counts keeps its specks and tiny under label rules.
    expect(applyRules({ duplicate: 0, specks: 2, tiny: 1 }, { piecesOk: ['vegetation'] })).toEqual({ duplicate: 0, specks: 2, tiny: 1 });
    expect(applyRules(null, { off: ['tiny'] })).toBeNull();
    // The editor's list: the same rules, per object; the label check off leaves vehcle alone.
    const labels = ['vegetation', 'bird', 'car'];
    const flagged = (rules: CheckRules | null) => [...groupIssues(issues, objects, labels, rules).keys()].sort();
    expect(flagged(null)).toEqual(['car1', 'car2', 'gull', 'hedge', 'v']);
    expect(flagged({ piecesOk: ['vegetation'], smallOk: ['bird'] })).toEqual(['car1', 'car2', 'v']);
    expect(flagged({ off: ['duplicate', 'label'] })).toEqual(['gull', 'hedge']);
    // The list's row: the same, with the label check.
    const r = { objectChecks: row, labelCounts: { vegetation: 1, bird: 1, car: 2, vehcle: 1 } };
    expect(rowChecks(r, labels, { piecesOk: ['vegetation'] })).toEqual({ counts: { duplicate: 1, specks: 0, tiny: 1 }, outside: { vehcle: 1 } });
    expect(rowChecks(r, labels, { off: ['label'] }).outside).toEqual({});
    expect(CheckRulesSchema.safeParse({ off: ['everything'] }).success).toBe(false);
    expect(CheckRulesSchema.safeParse({ piecesOk: [''] }).success).toBe(false);
  });

  it('warm() reads the masks a slice at a time, giving the thread back between, for the same issues', async () => {
    const objects = [obj('a', 'car', rect(0, 0, 40, 40)), obj('b', 'car', rect(0, 0, 40, 39)), obj('c', 'car', rect(100, 0, 102, 2))];
    const warmed = new ObjectChecker();
    let ranMeanwhile = false;
    // Queued before the reading starts: it runs at the reading's first pause, or not before it ends
    // (a 1 ms timer raced the reading of three small masks and lost now and then).
    setImmediate(() => (ranMeanwhile = true));
    await warmed.warm(objects, 0);
    expect(ranMeanwhile).toBe(true); // work queued meanwhile ran before the reading finished
    expect(warmed.check(objects)).toEqual(new ObjectChecker().check(objects));
  });

  it('takes a noisy mask of 250,000 parts (more than a call takes arguments), and accounts the runs it keeps', () => {
    const w = 1000;
    const h = 1000;
    const d = new Uint8Array(w * h);
    for (let y = 0; y < h; y += 2) for (let x = 0; x < w; x += 2) d[y * w + x] = 1; // isolated dots
    const checker = new ObjectChecker();
    const [noise, ...others] = checker.check([{ id: 'noise', label: 'car', mask: encodeRle(d, w, h) }]);
    expect([noise, others]).toMatchObject([{ kind: 'specks', objectId: 'noise', specks: 249_999, area: 250_000 }, []]);
    expect(countChecks([noise], [{ id: 'noise', label: 'car' }]).pieces).toEqual({ car: [[250_000, 1]] });
    expect(checker.runs).toBe(500_001);
    checker.check([]);
    expect(checker.runs).toBe(0);
  });
});

