/**
 * Sigma rules (https://sigmahq.io) evaluated against raw CloudTrail events.
 *
 * Supported: detection maps (AND of fields) and lists of maps (OR), value lists (OR, or AND
 * with `all`), `null` values, keyword lists; modifiers `contains`, `startswith`, `endswith`,
 * `all`, `re` (with `i`, `m`, `s`), `cidr`, `fieldref`, `exists`, `cased`, `gt`/`gte`/`lt`/`lte`;
 * conditions with `and`, `or`, `not`, parentheses, `1 of`/`all of`/`N of` with patterns or `them`.
 * Anything else (aggregations, correlations, encoding modifiers…) makes the rule fail to load
 * with a reason naming the construct: it is reported, never silently ignored.
 *
 * Semantics: plain string values match the whole field value, case-insensitively, with `*` and
 * `?` wildcards (`\*`, `\?`, `\\` escape them). A dotted field name is a JSON path; arrays on
 * the way are searched element by element. An object or array value is matched as its JSON text
 * (so `requestParameters|contains: 'Suspended'` works as in SigmaHQ's CloudTrail rules).
 * Regular expressions are unanchored searches, run on at most MAX_REGEX_INPUT characters of the
 * value, on RE2 (re2js): linear time in the text whatever the expression, since events are
 * attacker-supplied (`^.*a.*a.*a.*a.*b$` ran for minutes on a backtracking engine against one
 * 1,000-character user agent). The syntax is JavaScript's (as before); what RE2 cannot run
 * (backreferences, lookahead, lookbehind) makes the rule unusable, reported with the reason.
 */
import { RE2JS } from 're2js';
import { JsonObject, NormalizedEvent } from '../../model/event';
import { jsonText } from '../../model/json-text';
import { DetectionRule, MitreTechnique, Prefilter, RuleHit, RuleRun, Severity } from '../types';
import { MAX_TEXT, quote } from '../util';
import { Condition, parseCondition, resolveCondition, SigmaSyntaxError, SigmaUnsupportedError } from './condition';

export { SigmaSyntaxError, SigmaUnsupportedError } from './condition';

/** Regexes from rules run on at most this many characters of an event value. */
export const MAX_REGEX_INPUT = 4096;

type Json = unknown;
type Predicate = (event: JsonObject) => boolean;

// ---------------------------------------------------------------- values of a field

const MISSING: unique symbol = Symbol('missing');

/** Leaf values at a dotted path, searching arrays element by element; [] when the path is absent. */
export function fieldValues(event: JsonObject, field: string): Json[] {
  if (Object.prototype.hasOwnProperty.call(event, field)) return flatten(event[field]);
  const out: Json[] = [];
  const walk = (value: Json, parts: string[], i: number): void => {
    if (out.length > 1000) return;
    if (i === parts.length) {
      out.push(...flatten(value));
      return;
    }
    if (Array.isArray(value)) {
      for (const v of value.slice(0, 1000)) walk(v, parts, i);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const o = value as JsonObject;
    // Keys may themselves contain dots: try the longest key first.
    for (let j = parts.length; j > i; j--) {
      const key = parts.slice(i, j).join('.');
      if (Object.prototype.hasOwnProperty.call(o, key)) walk(o[key], parts, j);
    }
  };
  walk(event, field.split('.'), 0);
  return out;
}

function flatten(value: Json): Json[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.length === 0 ? [value] : value.slice(0, 1000);
  return [value];
}

function textOf(value: Json): string | typeof MISSING {
  if (value === null || value === undefined) return MISSING;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  // Bounded and without recursion: the value may nest thousands of levels deep.
  const text = jsonText(value, { maxLength: MAX_TEXT }) ?? '';
  return text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text;
}

// ---------------------------------------------------------------- wildcard patterns

type Glob = Array<string | '*' | '?'>;

/** Splits a Sigma string value into literal runs and wildcards (`\*`, `\?`, `\\` escape). */
function parseGlob(value: string): { glob: Glob; plain: boolean } {
  const glob: Glob = [];
  let literal = '';
  let plain = true;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && (value[i + 1] === '*' || value[i + 1] === '?' || value[i + 1] === '\\')) {
      literal += value[++i];
    } else if (c === '*' || c === '?') {
      if (literal) glob.push(literal);
      literal = '';
      glob.push(c);
      plain = false;
    } else {
      literal += c;
    }
  }
  if (literal) glob.push(literal);
  return { glob, plain };
}

/** Wildcard match without regular expressions: greedy with backtracking to the last `*`, O(n·m) worst case. */
function globMatch(glob: Glob, text: string): boolean {
  // Expand literals to single characters for the classic two-pointer algorithm.
  const pattern: string[] = [];
  for (const part of glob) {
    if (part === '*' || part === '?') pattern.push(part);
    else for (const ch of part) pattern.push(`=${ch}`);
  }
  let t = 0;
  let p = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    const token = pattern[p];
    if (token !== undefined && (token === '?' || (token !== '*' && token.slice(1) === text[t]))) {
      t++;
      p++;
    } else if (token === '*') {
      star = p++;
      mark = t;
    } else if (star !== -1) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/**
 * The first construct of a JavaScript regular expression that RE2 cannot run (it has no
 * backtracking, so nothing that needs it), named for the report; undefined when there is none.
 */
function backtrackingConstruct(source: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      const next = source[i + 1];
      if (!inClass && next !== undefined && next >= '1' && next <= '9') return `a backreference (\\${next})`;
      if (!inClass && next === 'k' && source[i + 2] === '<') return 'a named backreference (\\k<…>)';
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(' && source[i + 1] === '?') {
      const kind = source.startsWith('(?=', i) ? 'a lookahead (?=…)' : source.startsWith('(?!', i) ? 'a negative lookahead (?!…)' : source.startsWith('(?<=', i) ? 'a lookbehind (?<=…)' : source.startsWith('(?<!', i) ? 'a negative lookbehind (?<!…)' : undefined;
      if (kind) return kind;
    }
  }
  return undefined;
}

/**
 * Compiles a rule's regular expression for RE2 (linear time). Throws SigmaSyntaxError when it is
 * not a valid regular expression, SigmaUnsupportedError when it is one RE2 cannot run.
 */
function compileLinearRegex(source: string, flags: { i: boolean; m: boolean; s: boolean }, where: string): RE2JS {
  const construct = backtrackingConstruct(source);
  if (construct) throw new SigmaUnsupportedError(`${where}: regular expression /${source}/ uses ${construct}, which needs a backtracking engine; rules run on a linear-time one (RE2) because events are attacker-supplied`);
  const mask = (flags.i ? RE2JS.CASE_INSENSITIVE : 0) | (flags.m ? RE2JS.MULTILINE : 0) | (flags.s ? RE2JS.DOTALL : 0);
  try {
    return RE2JS.compile(RE2JS.translateRegExp(source), mask);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    try {
      new RegExp(source, `${flags.i ? 'i' : ''}${flags.m ? 'm' : ''}${flags.s ? 's' : ''}`);
    } catch (jsError) {
      throw new SigmaSyntaxError(`${where}: invalid regular expression /${source}/: ${jsError instanceof Error ? jsError.message : String(jsError)}`);
    }
    throw new SigmaUnsupportedError(`${where}: regular expression /${source}/ cannot run on the linear-time engine (RE2): ${reason}`);
  }
}

// ---------------------------------------------------------------- IP ranges

function parseIp(text: string): { v: 4 | 6; bits: bigint } | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.some((n) => n > 255)) return undefined;
    return { v: 4, bits: parts.reduce((acc, n) => (acc << 8n) | BigInt(n), 0n) };
  }
  if (!text.includes(':') || text.length > 45) return undefined;
  let address = text;
  let tail: bigint[] = [];
  const embedded = /:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(address);
  if (embedded) {
    const ip4 = parseIp(embedded[1]);
    if (!ip4) return undefined;
    tail = [ip4.bits >> 16n, ip4.bits & 0xffffn];
    address = `${address.slice(0, embedded.index)}:0:0`;
  }
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const parse = (s: string): bigint[] | undefined => {
    if (s === '') return [];
    const groups = s.split(':');
    if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
    return groups.map((g) => BigInt(parseInt(g, 16)));
  };
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  if (!head || !rest) return undefined;
  let groups: bigint[];
  if (halves.length === 2) {
    const fill = 8 - head.length - rest.length;
    if (fill < 1) return undefined;
    groups = [...head, ...new Array<bigint>(fill).fill(0n), ...rest];
  } else {
    groups = head;
  }
  if (embedded) groups = [...groups.slice(0, 6), ...tail];
  if (groups.length !== 8) return undefined;
  return { v: 6, bits: groups.reduce((acc, g) => (acc << 16n) | g, 0n) };
}

function cidrMatcher(cidr: string): (text: string) => boolean {
  const [address, prefixText] = cidr.split('/');
  const base = parseIp(address);
  const width = base?.v === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? width : Number(prefixText);
  if (!base || !/^\d+$/.test(prefixText ?? String(width)) || prefix > width) throw new SigmaSyntaxError(`invalid CIDR "${cidr}"`);
  const shift = BigInt(width - prefix);
  const network = base.bits >> shift;
  return (text) => {
    const ip = parseIp(text.trim());
    return ip !== undefined && ip.v === base.v && ip.bits >> shift === network;
  };
}

// ---------------------------------------------------------------- field matchers

const SUPPORTED_MODIFIERS = new Set(['contains', 'startswith', 'endswith', 'all', 're', 'i', 'm', 's', 'cidr', 'fieldref', 'exists', 'cased', 'gt', 'gte', 'lt', 'lte']);
const KNOWN_UNSUPPORTED = new Set(['base64', 'base64offset', 'utf16le', 'utf16be', 'utf16', 'wide', 'windash', 'expand', 'minute', 'hour', 'day', 'week', 'month', 'year']);

type ValueTest = (value: Json, event: JsonObject) => boolean;

function compileValue(raw: Json, modifiers: Set<string>, where: string): ValueTest {
  const cased = modifiers.has('cased');
  const fold = (s: string): string => (cased ? s : s.toLowerCase());

  if (modifiers.has('exists')) {
    if (typeof raw !== 'boolean') throw new SigmaSyntaxError(`${where}: "exists" takes true or false, not ${JSON.stringify(raw)}`);
    // Handled by the field matcher (it needs to know whether the field is present).
    return () => raw;
  }
  if (raw === null) return (value) => value === null || value === undefined;
  if (typeof raw === 'object') throw new SigmaUnsupportedError(`${where}: nested maps or lists as values`);
  const rawText = String(raw);

  if (modifiers.has('fieldref')) {
    const position = modifiers.has('startswith') ? 'start' : modifiers.has('endswith') ? 'end' : modifiers.has('contains') ? 'contains' : 'equal';
    return (value, event) => {
      const text = textOf(value);
      if (text === MISSING) return false;
      const mine = fold(text);
      return fieldValues(event, rawText).some((other) => {
        const o = textOf(other);
        if (o === MISSING) return false;
        const theirs = fold(o);
        switch (position) {
          case 'start':
            return mine.startsWith(theirs);
          case 'end':
            return mine.endsWith(theirs);
          case 'contains':
            return mine.includes(theirs);
          case 'equal':
            return mine === theirs;
        }
      });
    };
  }
  if (modifiers.has('re')) {
    const re = compileLinearRegex(rawText, { i: modifiers.has('i'), m: modifiers.has('m'), s: modifiers.has('s') }, where);
    return (value) => {
      const text = textOf(value);
      return text !== MISSING && re.test(text.length > MAX_REGEX_INPUT ? text.slice(0, MAX_REGEX_INPUT) : text);
    };
  }
  if (modifiers.has('cidr')) {
    const inRange = cidrMatcher(rawText);
    return (value) => typeof value === 'string' && inRange(value);
  }
  for (const op of ['gt', 'gte', 'lt', 'lte'] as const) {
    if (!modifiers.has(op)) continue;
    const limit = Number(raw);
    if (!Number.isFinite(limit)) throw new SigmaSyntaxError(`${where}: "${op}" needs a number, not ${JSON.stringify(raw)}`);
    return (value) => {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      if (!Number.isFinite(n)) return false;
      return op === 'gt' ? n > limit : op === 'gte' ? n >= limit : op === 'lt' ? n < limit : n <= limit;
    };
  }
  let pattern = rawText;
  if (typeof raw === 'string') {
    if (modifiers.has('contains')) pattern = `*${pattern}*`;
    else if (modifiers.has('startswith')) pattern = `${pattern}*`;
    else if (modifiers.has('endswith')) pattern = `*${pattern}`;
  }
  const { glob, plain } = parseGlob(fold(pattern));
  if (plain) {
    const literal = glob.join('');
    return (value) => {
      const text = textOf(value);
      return text !== MISSING && fold(text) === literal;
    };
  }
  return (value) => {
    const text = textOf(value);
    return text !== MISSING && globMatch(glob, fold(text));
  };
}

function splitKey(key: string, where: string): { field: string; modifiers: Set<string> } {
  const [field, ...mods] = key.split('|');
  const modifiers = new Set<string>();
  for (const m of mods) {
    const mod = m.trim().toLowerCase();
    if (KNOWN_UNSUPPORTED.has(mod)) throw new SigmaUnsupportedError(`${where}: modifier "${mod}" (field "${field}") is not supported`);
    if (!SUPPORTED_MODIFIERS.has(mod)) throw new SigmaUnsupportedError(`${where}: unknown modifier "${mod}" (field "${field}")`);
    modifiers.add(mod);
  }
  const position = ['contains', 'startswith', 'endswith'].filter((m) => modifiers.has(m));
  if (position.length > 1) throw new SigmaSyntaxError(`${where}: modifiers ${position.join(', ')} cannot be combined`);
  if (modifiers.has('re') && (position.length > 0 || modifiers.has('cidr'))) throw new SigmaSyntaxError(`${where}: "re" cannot be combined with ${[...position, 'cidr'].filter((m) => modifiers.has(m)).join(', ')}`);
  for (const flag of ['i', 'm', 's']) if (modifiers.has(flag) && !modifiers.has('re')) throw new SigmaSyntaxError(`${where}: "${flag}" is a flag of "re"`);
  return { field: field.trim(), modifiers };
}

/** Keyword search: any leaf string or number in the event contains the keyword (case-insensitive, wildcards allowed). */
function keywordTest(raw: Json, where: string): Predicate {
  if (raw === null || typeof raw === 'object') throw new SigmaUnsupportedError(`${where}: keyword lists may only hold strings and numbers`);
  const { glob } = parseGlob(`*${String(raw).toLowerCase()}*`);
  return (event) => {
    // Depth first, in document order, over at most 10,000 values; with an explicit stack, since
    // the event may nest deeper than the call stack goes.
    let budget = 10_000;
    const stack: Json[] = [event];
    while (stack.length > 0) {
      if (budget-- <= 0) return false;
      const value = stack.pop();
      if (typeof value === 'string' || typeof value === 'number') {
        const text = String(value);
        if (globMatch(glob, (text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text).toLowerCase())) return true;
      } else if (value !== null && typeof value === 'object') {
        const children = Array.isArray(value) ? value : Object.values(value);
        for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
      }
    }
    return false;
  };
}

function compileFieldMap(map: Record<string, Json>, where: string): { test: Predicate; fields: Array<{ field: string; modifiers: Set<string>; values: Json[] }> } {
  const tests: Predicate[] = [];
  const fields: Array<{ field: string; modifiers: Set<string>; values: Json[] }> = [];
  for (const [key, rawValue] of Object.entries(map)) {
    const { field, modifiers } = splitKey(key, where);
    const values = Array.isArray(rawValue) ? rawValue : [rawValue];
    fields.push({ field, modifiers, values });
    if (field === '') {
      const keywordTests = values.map((v) => keywordTest(v, where));
      tests.push(modifiers.has('all') ? (e) => keywordTests.every((t) => t(e)) : (e) => keywordTests.some((t) => t(e)));
      continue;
    }
    if (values.length === 0) throw new SigmaSyntaxError(`${where}: field "${field}" has an empty value list`);
    const valueTests = values.map((v) => compileValue(v, modifiers, `${where}, field "${field}"`));
    if (modifiers.has('exists')) {
      const want = values[0] === true;
      tests.push((event) => {
        const present = fieldValues(event, field).some((v) => v !== null && v !== undefined);
        return present === want;
      });
      continue;
    }
    const nullOnly = values.every((v) => v === null);
    tests.push((event) => {
      const found = fieldValues(event, field);
      const candidates: Json[] = found.length === 0 ? [undefined] : found;
      const one = (t: ValueTest): boolean => candidates.some((v) => t(v, event));
      if (nullOnly) return found.length === 0 || found.every((v) => v === null);
      return modifiers.has('all') ? valueTests.every(one) : valueTests.some(one);
    });
  }
  return { test: (event) => tests.every((t) => t(event)), fields };
}

interface CompiledItem {
  test: Predicate;
  /** Events this item can only match, when it is an equality on eventName/eventSource. */
  prefilter?: Prefilter[];
}

const PREFILTER_FIELDS = ['eventName', 'eventSource'] as const;

function equalityPrefilter(fields: Array<{ field: string; modifiers: Set<string>; values: Json[] }>): Prefilter[] | undefined {
  for (const wanted of PREFILTER_FIELDS) {
    const f = fields.find((x) => x.field === wanted);
    if (!f || f.modifiers.size > 0 || f.values.length === 0) continue;
    if (!f.values.every((v) => typeof v === 'string' && parseGlob(v).plain)) continue;
    return [{ field: wanted, values: f.values as string[] }];
  }
  return undefined;
}

function compileItem(name: string, definition: Json): CompiledItem {
  const where = `detection "${name}"`;
  if (definition === null || definition === undefined) throw new SigmaSyntaxError(`${where} is empty`);
  if (Array.isArray(definition)) {
    if (definition.length === 0) throw new SigmaSyntaxError(`${where} is an empty list`);
    if (definition.every((d) => d !== null && typeof d === 'object' && !Array.isArray(d))) {
      const maps = definition.map((d, i) => compileFieldMap(d as Record<string, Json>, `${where}[${i}]`));
      const pre = maps.map((m) => equalityPrefilter(m.fields));
      return {
        test: (event) => maps.some((m) => m.test(event)),
        prefilter: pre.every((p) => p !== undefined) ? pre.flat() : undefined,
      };
    }
    if (definition.some((d) => d !== null && typeof d === 'object')) throw new SigmaUnsupportedError(`${where}: lists mixing maps and keywords`);
    const keywords = definition.map((d) => keywordTest(d, where));
    return { test: (event) => keywords.some((k) => k(event)) };
  }
  if (typeof definition === 'object') {
    const map = compileFieldMap(definition as Record<string, Json>, where);
    return { test: map.test, prefilter: equalityPrefilter(map.fields) };
  }
  return { test: keywordTest(definition, where) };
}

// ---------------------------------------------------------------- conditions

function evaluate(condition: Condition, items: Map<string, CompiledItem>, event: JsonObject): boolean {
  switch (condition.kind) {
    case 'and':
      return condition.items.every((c) => evaluate(c, items, event));
    case 'or':
      return condition.items.some((c) => evaluate(c, items, event));
    case 'not':
      return !evaluate(condition.item, items, event);
    case 'id':
      return items.get(condition.name)!.test(event);
    case 'of': {
      const names = condition.pattern.split('\u0000');
      let count = 0;
      for (const name of names) if (items.get(name)!.test(event) && ++count >= (condition.quantifier as number)) return true;
      return false;
    }
  }
}

function total(p: Prefilter[]): number {
  return p.reduce((n, x) => n + x.values.length, 0);
}

/** A set every matching event must fall in, when the condition's structure guarantees one. */
function conditionPrefilter(condition: Condition, items: Map<string, CompiledItem>): Prefilter[] | undefined {
  switch (condition.kind) {
    case 'id':
      return items.get(condition.name)!.prefilter;
    case 'not':
      return undefined;
    case 'and': {
      const options = condition.items.map((c) => conditionPrefilter(c, items)).filter((p): p is Prefilter[] => p !== undefined);
      if (options.length === 0) return undefined;
      const byName = options.filter((o) => o.every((p) => p.field === 'eventName'));
      return (byName.length > 0 ? byName : options).sort((a, b) => total(a) - total(b))[0];
    }
    case 'or':
    case 'of': {
      const children: Condition[] = condition.kind === 'or' ? condition.items : condition.pattern.split('\u0000').map((name) => ({ kind: 'id', name }));
      const parts = children.map((c) => conditionPrefilter(c, items));
      if (parts.some((p) => p === undefined)) return undefined;
      const merged = new Map<Prefilter['field'], Set<string>>();
      for (const p of parts.flat() as Prefilter[]) {
        const set = merged.get(p.field) ?? new Set<string>();
        p.values.forEach((v) => set.add(v));
        merged.set(p.field, set);
      }
      return [...merged].map(([field, values]) => ({ field, values: [...values] }));
    }
  }
}

// ---------------------------------------------------------------- rules

const LEVELS: Record<string, Severity> = { critical: 'critical', high: 'high', medium: 'medium', low: 'low', informational: 'info', info: 'info' };

export interface SigmaRule extends DetectionRule {
  origin: 'sigma';
  file: string;
  /** True when this event matches the rule's detection. */
  matches(event: JsonObject): boolean;
  /** The Sigma rule's own id (a UUID), when it has one. */
  sigmaId?: string;
}

/** Parses one Sigma rule (YAML already loaded). Throws SigmaUnsupportedError / SigmaSyntaxError. */
export function compileSigmaRule(document: Json, file: string): SigmaRule {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) throw new SigmaSyntaxError('not a YAML map');
  const doc = document as Record<string, Json>;
  if (doc.correlation !== undefined || doc.type === 'correlation') throw new SigmaUnsupportedError('correlation rules are not supported');
  if (doc.action !== undefined) throw new SigmaUnsupportedError(`rule collections ("action: ${String(doc.action)}") are not supported`);
  const title = typeof doc.title === 'string' ? doc.title : undefined;
  if (!title) throw new SigmaSyntaxError('missing "title"');
  const logsource = (doc.logsource ?? {}) as Record<string, Json>;
  const product = typeof logsource.product === 'string' ? logsource.product.toLowerCase() : undefined;
  const service = typeof logsource.service === 'string' ? logsource.service.toLowerCase() : undefined;
  if (product !== 'aws' || (service !== undefined && service !== 'cloudtrail')) {
    throw new SigmaUnsupportedError(`logsource product "${product ?? '-'}" service "${service ?? '-'}" is not AWS CloudTrail`);
  }
  const detection = doc.detection as Record<string, Json> | undefined;
  if (!detection || typeof detection !== 'object' || Array.isArray(detection)) throw new SigmaSyntaxError('missing "detection" map');
  if (detection.timeframe !== undefined) throw new SigmaUnsupportedError('"timeframe" (only meaningful with aggregations) is not supported');
  const rawCondition = detection.condition;
  let conditionText: string;
  if (typeof rawCondition === 'string') conditionText = rawCondition;
  else if (Array.isArray(rawCondition) && rawCondition.every((c) => typeof c === 'string') && rawCondition.length > 0) conditionText = rawCondition.map((c) => `(${c as string})`).join(' or ');
  else throw new SigmaSyntaxError('missing or invalid "detection.condition"');

  const items = new Map<string, CompiledItem>();
  for (const [name, definition] of Object.entries(detection)) {
    if (name === 'condition') continue;
    items.set(name, compileItem(name, definition));
  }
  const condition = resolveCondition(parseCondition(conditionText), [...items.keys()]);

  const tags = Array.isArray(doc.tags) ? doc.tags.filter((t): t is string => typeof t === 'string') : [];
  const tactics = tags.filter((t) => /^attack\.[a-z][a-z-]+$/.test(t)).map((t) => t.slice(7));
  const mitre: MitreTechnique[] = tags
    .filter((t) => /^attack\.t\d{4}(\.\d{3})?$/i.test(t))
    .map((t) => ({ id: t.slice(7).toUpperCase(), name: t.slice(7).toUpperCase(), tactic: tactics[0] }));
  const level = typeof doc.level === 'string' ? doc.level.toLowerCase() : 'medium';
  const severity = LEVELS[level] ?? 'medium';
  const sigmaId = typeof doc.id === 'string' ? doc.id : undefined;
  const baseName = file.split(/[\\/]/).pop() ?? file;
  const description = typeof doc.description === 'string' ? doc.description.trim() : title;
  const matches = (event: JsonObject): boolean => evaluate(condition, items, event);

  return {
    id: `sigma:${sigmaId ?? baseName}`,
    sigmaId,
    title,
    severity,
    description,
    mitre,
    origin: 'sigma',
    file,
    prefilter: conditionPrefilter(condition, items),
    matches,
    start(): RuleRun {
      const hits: RuleHit[] = [];
      return {
        event(event: JsonObject, normalized: NormalizedEvent, ref) {
          if (matches(event)) hits.push({ events: [ref], principal: normalized.principal, detail: `${normalized.eventName ?? '?'} by ${quote(normalized.principal, 100)}` });
        },
        finish: () => hits,
      };
    },
  };
}
