/**
 * Sigma condition expressions: `and`, `or`, `not`, parentheses, `1 of pattern*`, `all of them`,
 * `N of pattern`. Precedence: not > and > or. Aggregations (`| count() ...`) are rejected.
 */

export type Condition =
  | { kind: 'and'; items: Condition[] }
  | { kind: 'or'; items: Condition[] }
  | { kind: 'not'; item: Condition }
  | { kind: 'id'; name: string }
  | { kind: 'of'; quantifier: 'all' | number; pattern: string };

/** A rule uses something this engine does not evaluate; the reason names the construct. */
export class SigmaUnsupportedError extends Error {}
/** A rule is malformed (unknown identifier, syntax error, bad regex…). */
export class SigmaSyntaxError extends Error {}

type Token = { type: 'lparen' | 'rparen' | 'word'; text: string; pos: number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(') {
      tokens.push({ type: 'lparen', text: c, pos: i++ });
    } else if (c === ')') {
      tokens.push({ type: 'rparen', text: c, pos: i++ });
    } else if (c === '|') {
      throw new SigmaUnsupportedError(`aggregation in condition ("${text.slice(i).trim()}"): correlation/aggregation expressions are not supported`);
    } else {
      const start = i;
      while (i < text.length && !/[\s()|]/.test(text[i])) i++;
      const word = text.slice(start, i);
      if (!/^[A-Za-z0-9_*?.-]+$/.test(word)) throw new SigmaSyntaxError(`unexpected "${word}" at position ${start} in condition "${text}"`);
      tokens.push({ type: 'word', text: word, pos: start });
    }
  }
  return tokens;
}

export function parseCondition(text: string): Condition {
  const tokens = tokenize(text);
  let p = 0;
  const peekWord = (): string | undefined => (tokens[p]?.type === 'word' ? tokens[p].text.toLowerCase() : undefined);
  const fail = (what: string): never => {
    const at = tokens[p] ? `"${tokens[p].text}" at position ${tokens[p].pos}` : 'the end';
    throw new SigmaSyntaxError(`${what}, found ${at} in condition "${text}"`);
  };

  function parseOr(): Condition {
    const items = [parseAnd()];
    while (peekWord() === 'or') {
      p++;
      items.push(parseAnd());
    }
    return items.length === 1 ? items[0] : { kind: 'or', items };
  }
  function parseAnd(): Condition {
    const items = [parseNot()];
    while (peekWord() === 'and') {
      p++;
      items.push(parseNot());
    }
    return items.length === 1 ? items[0] : { kind: 'and', items };
  }
  function parseNot(): Condition {
    if (peekWord() === 'not') {
      p++;
      return { kind: 'not', item: parseNot() };
    }
    return parsePrimary();
  }
  function parsePrimary(): Condition {
    const token = tokens[p];
    if (!token) return fail('expected an identifier or "("');
    if (token.type === 'lparen') {
      p++;
      const inner = parseOr();
      if (tokens[p]?.type !== 'rparen') fail('expected ")"');
      p++;
      return inner;
    }
    if (token.type === 'rparen') return fail('unexpected ")"');
    const word = token.text.toLowerCase();
    if (['and', 'or', 'of', 'them'].includes(word)) return fail('expected an identifier');
    const next = tokens[p + 1];
    if (next?.type === 'word' && next.text.toLowerCase() === 'of') {
      let quantifier: 'all' | number;
      if (word === 'all') quantifier = 'all';
      else if (/^\d+$/.test(word) && Number(word) >= 1) quantifier = Number(word);
      else return fail('expected "all" or a number before "of"');
      p += 2;
      const target = tokens[p];
      if (!target || target.type !== 'word') return fail('expected a pattern or "them" after "of"');
      p++;
      return { kind: 'of', quantifier, pattern: target.text.toLowerCase() === 'them' ? 'them' : target.text };
    }
    if (word === 'all') return fail('expected "of" after "all"');
    p++;
    return { kind: 'id', name: token.text };
  }

  const result = parseOr();
  if (p < tokens.length) fail('unexpected text after the condition');
  return result;
}

/** Identifier pattern (`selection_*`, `filter?`) to a predicate over identifier names. */
function identifierPattern(pattern: string): (name: string) => boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  const re = new RegExp(`^${source}$`);
  return (name) => re.test(name);
}

/**
 * Replaces every `of` by the identifiers it covers (an `and`/`or` of `id`s) and checks that
 * every identifier exists. `them` covers every identifier not starting with "_".
 */
export function resolveCondition(condition: Condition, identifiers: readonly string[]): Condition {
  switch (condition.kind) {
    case 'and':
    case 'or':
      return { kind: condition.kind, items: condition.items.map((c) => resolveCondition(c, identifiers)) };
    case 'not':
      return { kind: 'not', item: resolveCondition(condition.item, identifiers) };
    case 'id':
      if (!identifiers.includes(condition.name)) throw new SigmaSyntaxError(`condition names "${condition.name}", which the detection does not define`);
      return condition;
    case 'of': {
      const test = condition.pattern === 'them' ? (name: string) => !name.startsWith('_') : identifierPattern(condition.pattern);
      const names = identifiers.filter(test);
      if (names.length === 0) throw new SigmaSyntaxError(`"${condition.quantifier} of ${condition.pattern}" matches no identifier of the detection`);
      const items: Condition[] = names.map((name) => ({ kind: 'id', name }));
      if (condition.quantifier === 'all') return items.length === 1 ? items[0] : { kind: 'and', items };
      if (condition.quantifier === 1) return items.length === 1 ? items[0] : { kind: 'or', items };
      return { kind: 'of', quantifier: condition.quantifier, pattern: names.join('\u0000') };
    }
  }
}
