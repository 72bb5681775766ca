// @mentions in review messages: parsed once, by the writer, against the project's member names.

/**
 * The members mentioned in `text` as `@name`, matched case-insensitively against
 * `memberNames` (names may contain spaces; the longest name that fits wins, and it must end at a
 * word boundary). Returns each name once, spelled as in `memberNames`, in order of appearance.
 */
export function parseMentions(text: string, memberNames: readonly string[]): string[] {
  const names = [...new Set(memberNames.filter((n) => n.trim().length > 0))].sort((a, b) => b.length - a.length);
  const found: string[] = [];
  const lower = text.toLowerCase();
  for (let i = lower.indexOf('@'); i >= 0; i = lower.indexOf('@', i + 1)) {
    // An '@' inside a word (an e-mail address) is not a mention.
    if (i > 0 && /[\p{L}\p{N}_.]/u.test(text[i - 1])) continue;
    for (const name of names) {
      const n = name.toLowerCase();
      if (!lower.startsWith(n, i + 1)) continue;
      const after = text[i + 1 + n.length];
      if (after !== undefined && /[\p{L}\p{N}_]/u.test(after)) continue;
      if (!found.includes(name)) found.push(name);
      break;
    }
  }
  return found;
}
