// The project's annotation guide as the editor and the project page show it: plain text as typed
// (lines, blank lines, indented lists), with web addresses made into links. No markup language:
// what the owner types is what annotators read, and nothing in it can run.

export type Piece = { text: string } | { href: string };

// An address ends before whitespace, quotes and angle brackets; punctuation that ends a sentence
// after it ("see https://x.org/a.") is not part of it.
const URL_RE = /https?:\/\/[^\s<>"']+/g;
const TRAILING = /[.,;:!?)\]]+$/;

/** The text cut into plain runs and links, in order. */
export function linkify(text: string): Piece[] {
  const out: Piece[] = [];
  let at = 0;
  for (const m of text.matchAll(URL_RE)) {
    const href = m[0].replace(TRAILING, '');
    if (m.index > at) out.push({ text: text.slice(at, m.index) });
    out.push({ href });
    at = m.index + href.length;
  }
  if (at < text.length) out.push({ text: text.slice(at) });
  return out;
}

/** A short fingerprint of what a member should have read (the guide and the label descriptions),
 *  to open the guide by itself once after it changes (FNV-1a, 32 bits: no security here). */
export function guideFingerprint(guide: string, labels: ReadonlyArray<{ name: string; description?: string }>): string {
  const s = JSON.stringify([guide, labels.map((l) => [l.name, l.description ?? ''])]);
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16);
}

/** Is there anything to read: a guide or a label description. */
export function hasGuide(guide: string, labels: ReadonlyArray<{ description?: string }>): boolean {
  return guide.trim() !== '' || labels.some((l) => (l.description ?? '').trim() !== '');
}
