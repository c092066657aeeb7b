/**
 * `*` / `?` wildcards of the filter language, matched in O(n·m) in the worst case.
 *
 * Values are attacker-controlled: a pattern compiled to one regular expression (`^.*a.*a.*b$`)
 * backtracks, and `userAgent:*a*a*a*b` against a 1,000-character user agent ran for over a
 * minute. Here the pattern is cut at its stars into segments that hold no quantifier (each
 * matches exactly its own length); the first must match at the start, the last at the end, and
 * each one between at its leftmost place after the previous one. Taking the leftmost place is
 * never wrong (it leaves the most room to what follows), so there is no backtracking: each
 * segment is searched once, O(text × segment) at worst.
 *
 * Each segment is still a regular expression with the flags the single expression had
 * (`i`: case-insensitive, `s`: `?` also matches a line break; no `u`: one UTF-16 code unit
 * per character), so what matches is exactly what matched before. Nothing escapes a wildcard:
 * `\` is a literal character.
 */

/** What a compiled wildcard offers; a RegExp has the same shape. */
export interface TextMatcher {
  test(text: string): boolean;
}

function segmentSource(segment: string): string {
  return segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\?/g, '.');
}

class WildcardMatcher implements TextMatcher {
  private readonly first: RegExp;
  private readonly last: RegExp;
  private readonly middle: Array<{ re: RegExp; length: number }>;
  private readonly firstLength: number;
  private readonly lastLength: number;

  constructor(segments: string[]) {
    const head = segments[0];
    const tail = segments[segments.length - 1];
    this.first = new RegExp(segmentSource(head), 'isy');
    this.last = new RegExp(segmentSource(tail), 'isy');
    this.firstLength = head.length;
    this.lastLength = tail.length;
    this.middle = segments
      .slice(1, -1)
      .filter((s) => s.length > 0)
      .map((s) => ({ re: new RegExp(segmentSource(s), 'isg'), length: s.length }));
  }

  test(text: string): boolean {
    const end = text.length - this.lastLength;
    if (end < this.firstLength) return false;
    this.first.lastIndex = 0;
    if (this.firstLength > 0 && !this.first.test(text)) return false;
    this.last.lastIndex = end;
    if (this.lastLength > 0 && !this.last.test(text)) return false;
    let position = this.firstLength;
    for (const { re, length } of this.middle) {
      re.lastIndex = position;
      const found = re.exec(text);
      if (!found || found.index + length > end) return false;
      position = found.index + length;
    }
    return true;
  }
}

/** Compiles a `*`/`?` wildcard into an anchored, case-insensitive matcher. */
export function compileWildcard(pattern: string): TextMatcher {
  const segments = pattern.split('*');
  if (segments.length === 1) return new RegExp(`^${segmentSource(pattern)}$`, 'is');
  return new WildcardMatcher(segments);
}
