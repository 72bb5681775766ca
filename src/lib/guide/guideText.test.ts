import { describe, expect, it } from 'vitest';
import { guideFingerprint, hasGuide, linkify } from './guideText';

describe('the annotation guide as shown', () => {
  it('makes web addresses links, leaves the rest as typed, and keeps sentence punctuation out of the link', () => {
    expect(linkify('Examples: https://wiki.example.org/cars?x=1#a.\n- mirrors (see http://a.b/c).')).toEqual([
      { text: 'Examples: ' },
      { href: 'https://wiki.example.org/cars?x=1#a' },
      { text: '.\n- mirrors (see ' },
      { href: 'http://a.b/c' },
      { text: ').' },
    ]);
    expect(linkify('no links, javascript:alert(1) stays text')).toEqual([{ text: 'no links, javascript:alert(1) stays text' }]);
    expect(linkify('')).toEqual([]);
  });

  it('changes its fingerprint when the guide or a description changes, not otherwise', () => {
    const labels = [{ name: 'car', description: 'vans too' }, { name: 'bus' }];
    const f = guideFingerprint('Outline cars.', labels);
    expect(guideFingerprint('Outline cars.', [{ name: 'car', description: 'vans too' }, { name: 'bus', description: '' }])).toBe(f);
    expect(guideFingerprint('Outline cars!', labels)).not.toBe(f);
    expect(guideFingerprint('Outline cars.', [{ name: 'car', description: 'not vans' }, { name: 'bus' }])).not.toBe(f);
    expect(hasGuide('  ', [{ description: ' ' }])).toBe(false);
    expect(hasGuide('', labels)).toBe(true);
  });
});
