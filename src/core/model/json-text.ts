/**
 * JSON text of event data without recursion.
 *
 * Events are attacker-shaped: one whose requestParameters nest 10,000 levels deep parses fine
 * (JSON.parse is iterative) but makes `JSON.stringify` throw "Maximum call stack size exceeded",
 * which used to abort a whole `ctinv query` and drop the record from exports. `jsonText` walks
 * with its own stack and gives, for any value JSON.parse can return, exactly the text
 * `JSON.stringify(value, null, indent)` gives where that does not overflow (held to it in
 * test/unit/hostile/json-text.test.ts).
 *
 * - `maxLength`: stop once the text is at least this long (the caller slices); work stays
 *   bounded by the length wanted, not by the size of the value.
 * - `indent`: pretty-printing as JSON.stringify's third argument. Nesting deeper than
 *   `MAX_INDENT_DEPTH` is written compactly (still valid JSON, the same value), so a deep value
 *   does not turn into gigabytes of indentation.
 */

/** Levels of nesting that get their own indentation; deeper levels are written compactly. */
export const MAX_INDENT_DEPTH = 64;

type Frame =
  | { kind: 'array'; items: unknown[]; next: number; depth: number }
  | { kind: 'object'; object: Record<string, unknown>; keys: string[]; next: number; wrote: boolean; depth: number };

/** The text JSON.stringify gives a leaf, or undefined for what it leaves out (undefined, functions, symbols). */
function leafText(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      // As JSON.stringify does.
      throw new TypeError('Do not know how to serialize a BigInt');
    case 'object':
      return value === null ? 'null' : undefined;
    default:
      return undefined;
  }
}

function isContainer(value: unknown): value is object {
  return value !== null && typeof value === 'object';
}

/** What JSON.stringify serialises in place of a value: its toJSON(key) result when it has one (a Date). */
function prepared(value: unknown, key: string): unknown {
  return isContainer(value) && typeof (value as { toJSON?: unknown }).toJSON === 'function' ? (value as { toJSON(key: string): unknown }).toJSON(key) : value;
}

/** JSON.stringify(value, null, indent) for JSON data, iteratively; undefined where JSON.stringify gives undefined. */
export function jsonText(value: unknown, options: { indent?: number; maxLength?: number } = {}): string | undefined {
  const indentUnit = ' '.repeat(Math.max(0, Math.min(10, options.indent ?? 0)));
  const maxLength = options.maxLength ?? Infinity;
  value = prepared(value, '');
  if (!isContainer(value)) return leafText(value);
  const parts: string[] = [];
  let length = 0;
  const put = (text: string): void => {
    parts.push(text);
    length += text.length;
  };
  const pretty = (depth: number): boolean => indentUnit.length > 0 && depth < MAX_INDENT_DEPTH;
  const newline = (depth: number): string => `\n${indentUnit.repeat(depth)}`;
  const stack: Frame[] = [];
  /** Writes a leaf, or opens a container (pushing its frame). */
  const start = (item: object, depth: number): void => {
    if (Array.isArray(item)) {
      put('[');
      stack.push({ kind: 'array', items: item, next: 0, depth });
    } else {
      put('{');
      stack.push({ kind: 'object', object: item as Record<string, unknown>, keys: Object.keys(item), next: 0, wrote: false, depth });
    }
  };
  start(value, 0);
  while (stack.length > 0 && length < maxLength) {
    const frame = stack[stack.length - 1];
    const inner = frame.depth + 1;
    if (frame.kind === 'array') {
      if (frame.next === frame.items.length) {
        stack.pop();
        put(frame.items.length > 0 && pretty(frame.depth) ? `${newline(frame.depth)}]` : ']');
        continue;
      }
      const item = prepared(frame.items[frame.next], String(frame.next));
      put(`${frame.next > 0 ? ',' : ''}${pretty(frame.depth) ? newline(inner) : ''}`);
      frame.next++;
      if (isContainer(item)) start(item, inner);
      else put(leafText(item) ?? 'null');
      continue;
    }
    if (frame.next === frame.keys.length) {
      stack.pop();
      put(frame.wrote && pretty(frame.depth) ? `${newline(frame.depth)}}` : '}');
      continue;
    }
    const key = frame.keys[frame.next++];
    const item = prepared(frame.object[key], key);
    const leaf = isContainer(item) ? undefined : leafText(item);
    if (!isContainer(item) && leaf === undefined) continue;
    put(`${frame.wrote ? ',' : ''}${pretty(frame.depth) ? newline(inner) : ''}${JSON.stringify(key)}:${pretty(frame.depth) ? ' ' : ''}`);
    frame.wrote = true;
    if (leaf !== undefined) put(leaf);
    else start(item as object, inner);
  }
  return parts.join('');
}
