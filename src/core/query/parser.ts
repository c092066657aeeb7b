/**
 * The filter language:
 *
 *   accessKeyId:AKIA* AND NOT readOnly:true AND time>=2026-03-04T05:00Z
 *
 * - `field:value` matches a value exactly (case-insensitive when no exact match exists);
 *   `*` and `?` are wildcards; `field:*` means "the field is present".
 * - `field=value` is the same as `field:value`; `field!=value` is `NOT field:value`.
 * - `time>=T`, `time>T`, `time<=T`, `time<T` compare times (any ISO-8601 form);
 *   `time:2026-03-04` or `time:2026-03-04T05` matches the whole day or hour.
 * - AND, OR, NOT (also `&&`, `||`, `!`, `-term`), parentheses; juxtaposition means AND.
 * - A bare word searches principals, event names, IPs, access keys, user agents and
 *   resources for that text.
 * - Values with spaces or special characters go in double quotes, with `\"` and `\\`.
 */
import { QueryField, resolveField, PIVOT_FIELDS, FIELD_INFO, PRINCIPAL_NAME_FIELDS } from '../index/fields';
import { parseEventTime } from '../model/time';

export type CompareOp = '>=' | '>' | '<=' | '<';

export type FilterNode =
  | { kind: 'and'; children: FilterNode[] }
  | { kind: 'or'; children: FilterNode[] }
  | { kind: 'not'; child: FilterNode }
  | { kind: 'match'; field: Exclude<QueryField, 'time'>; value: string; wildcard: boolean }
  | { kind: 'time'; op: CompareOp; value: number }
  | { kind: 'text'; value: string }
  | { kind: 'all' };

export class FilterSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} (at character ${position + 1})`);
  }
}

type TokenKind = 'word' | 'string' | 'lparen' | 'rparen' | 'op' | 'end';
interface Token {
  kind: TokenKind;
  text: string;
  position: number;
}

const OPERATORS = ['>=', '<=', '!=', '&&', '||', '>', '<', '=', ':', '!'];

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '(' || ch === ')') {
      tokens.push({ kind: ch === '(' ? 'lparen' : 'rparen', text: ch, position: i });
      i++;
      continue;
    }
    if (ch === '"') {
      const start = i++;
      let text = '';
      while (i < input.length && input[i] !== '"') {
        if (input[i] === '\\' && i + 1 < input.length) i++;
        text += input[i++];
      }
      if (i >= input.length) throw new FilterSyntaxError('unterminated quoted value', start);
      i++;
      tokens.push({ kind: 'string', text, position: start });
      continue;
    }
    const op = OPERATORS.find((o) => input.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'op', text: op, position: i });
      i += op.length;
      continue;
    }
    const start = i;
    // A word runs until white space, a parenthesis, a quote or an operator character;
    // ':' inside values (ARNs, IPv6, times) is kept when a field was already given.
    while (i < input.length && !/[\s()"]/.test(input[i])) {
      if (/[<>=!&|]/.test(input[i])) break;
      if (input[i] === ':' && i > start && tokens.length > 0 && isValuePosition(tokens)) {
        i++;
        continue;
      }
      if (input[i] === ':') break;
      i++;
    }
    tokens.push({ kind: 'word', text: input.slice(start, i), position: start });
  }
  tokens.push({ kind: 'end', text: '', position: input.length });
  return tokens;
}

/** True when the word being read follows `field:` (or another comparison), so ':' is part of the value. */
function isValuePosition(tokens: Token[]): boolean {
  const last = tokens[tokens.length - 1];
  return last.kind === 'op' && [':', '=', '!=', '>=', '<=', '>', '<'].includes(last.text);
}

class Parser {
  private index = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): FilterNode {
    if (this.peek().kind === 'end') return { kind: 'all' };
    const node = this.parseOr();
    const next = this.peek();
    if (next.kind !== 'end') throw new FilterSyntaxError(`unexpected "${next.text}"`, next.position);
    return node;
  }

  private peek(): Token {
    return this.tokens[this.index];
  }

  private next(): Token {
    return this.tokens[this.index++];
  }

  private isKeyword(token: Token, word: string): boolean {
    return token.kind === 'word' && token.text.toUpperCase() === word;
  }

  private parseOr(): FilterNode {
    const children = [this.parseAnd()];
    while (this.isKeyword(this.peek(), 'OR') || (this.peek().kind === 'op' && this.peek().text === '||')) {
      this.next();
      children.push(this.parseAnd());
    }
    return children.length === 1 ? children[0] : { kind: 'or', children };
  }

  private parseAnd(): FilterNode {
    const children = [this.parseUnary()];
    for (;;) {
      const token = this.peek();
      if (this.isKeyword(token, 'AND') || (token.kind === 'op' && token.text === '&&')) {
        this.next();
        children.push(this.parseUnary());
      } else if (
        token.kind === 'word' || token.kind === 'string' || token.kind === 'lparen' ||
        (token.kind === 'op' && token.text === '!')
      ) {
        if (this.isKeyword(token, 'OR')) break;
        children.push(this.parseUnary());
      } else {
        break;
      }
    }
    return children.length === 1 ? children[0] : { kind: 'and', children };
  }

  private parseUnary(): FilterNode {
    const token = this.peek();
    if (this.isKeyword(token, 'NOT') || (token.kind === 'op' && token.text === '!')) {
      this.next();
      return { kind: 'not', child: this.parseUnary() };
    }
    if (token.kind === 'word' && token.text.startsWith('-') && token.text.length > 1) {
      // "-field:value" excludes.
      this.tokens[this.index] = { ...token, text: token.text.slice(1), position: token.position + 1 };
      return { kind: 'not', child: this.parsePrimary() };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): FilterNode {
    const token = this.next();
    if (token.kind === 'lparen') {
      const inner = this.parseOr();
      const close = this.next();
      if (close.kind !== 'rparen') throw new FilterSyntaxError('missing ")"', close.position);
      return inner;
    }
    if (token.kind === 'string') return { kind: 'text', value: token.text };
    if (token.kind !== 'word') {
      throw new FilterSyntaxError(token.kind === 'end' ? 'the filter ends too early' : `unexpected "${token.text}"`, token.position);
    }
    if (['AND', 'OR'].includes(token.text.toUpperCase())) {
      throw new FilterSyntaxError(`"${token.text}" needs a condition before it`, token.position);
    }
    const op = this.peek();
    if (op.kind !== 'op' || op.text === '!' || op.text === '&&' || op.text === '||') {
      return { kind: 'text', value: token.text };
    }
    this.next();
    const valueToken = this.next();
    if (valueToken.kind !== 'word' && valueToken.kind !== 'string') {
      throw new FilterSyntaxError(`a value is missing after "${token.text}${op.text}"`, valueToken.position);
    }
    return this.term(token, op, valueToken);
  }

  private term(fieldToken: Token, op: Token, valueToken: Token): FilterNode {
    const field = resolveField(fieldToken.text);
    if (!field) {
      const known = PIVOT_FIELDS.map((f) => `${f} (${FIELD_INFO[f].jsonPath})`).join(', ');
      throw new FilterSyntaxError(`unknown field "${fieldToken.text}"; fields: time, ${known}`, fieldToken.position);
    }
    const raw = valueToken.text;
    const quoted = valueToken.kind === 'string';
    if (field === 'time') {
      if (op.text === ':' || op.text === '=') return timePrefix(raw, valueToken.position);
      if (op.text === '!=') return { kind: 'not', child: timePrefix(raw, valueToken.position) };
      const value = parseEventTime(raw);
      if (Number.isNaN(value)) throw new FilterSyntaxError(`"${raw}" is not a time`, valueToken.position);
      return { kind: 'time', op: op.text as CompareOp, value };
    }
    if (op.text !== ':' && op.text !== '=' && op.text !== '!=') {
      throw new FilterSyntaxError(`"${op.text}" compares times only; use ${fieldToken.text}:value`, op.position);
    }
    const wildcard = !quoted && /[*?]/.test(raw);
    let match: FilterNode = { kind: 'match', field, value: raw, wildcard };
    if (PRINCIPAL_NAME_FIELDS.has(fieldToken.text.toLowerCase()) && (wildcard || !/[*?]/.test(raw))) {
      // A name: the principal key itself, or its last segment after "/" or ":".
      match = {
        kind: 'or',
        children: [match, { kind: 'match', field, value: `*/${raw}`, wildcard: true }, { kind: 'match', field, value: `*:${raw}`, wildcard: true }],
      };
    }
    return op.text === '!=' ? { kind: 'not', child: match } : match;
  }
}

/** `time:2026-03-04` → that whole day; `time:2026-03-04T05` → that hour, and so on. */
function timePrefix(text: string, position: number): FilterNode {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2})(?::(\d{2}))?)?)?)?Z?$/.exec(text);
  if (!m) {
    const exact = parseEventTime(text);
    if (Number.isNaN(exact)) throw new FilterSyntaxError(`"${text}" is not a time`, position);
    return { kind: 'and', children: [{ kind: 'time', op: '>=', value: exact }, { kind: 'time', op: '<=', value: exact }] };
  }
  const [, y, mo, d, h, mi] = m;
  const start = Date.UTC(+y, mo ? +mo - 1 : 0, d ? +d : 1, h ? +h : 0, mi ? +mi : 0);
  const end = mi
    ? start + 60_000
    : h
      ? start + 3_600_000
      : d
        ? start + 86_400_000
        : mo
          ? Date.UTC(+y, +mo, 1)
          : Date.UTC(+y + 1, 0, 1);
  return { kind: 'and', children: [{ kind: 'time', op: '>=', value: start }, { kind: 'time', op: '<', value: end }] };
}

export function parseFilter(input: string): FilterNode {
  return new Parser(tokenize(input)).parse();
}

/** Quotes a value for the filter language when it needs it. */
export function quoteValue(value: string): string {
  return /^[^\s()"<>=!&|]+$/.test(value) && !/[*?]/.test(value) && !/^(AND|OR|NOT)$/i.test(value)
    ? value
    : `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `field:value` with the value quoted when needed: what "Pivot" and "Add to filter" insert. */
export function termFor(field: string, value: string): string {
  return `${field}:${quoteValue(value)}`;
}
