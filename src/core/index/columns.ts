/**
 * Compact growable columns. Dictionary-coded columns start one byte wide and widen only
 * when their dictionary outgrows the width, so low-cardinality fields (region, event
 * category, identity type) cost one byte per event.
 */

type CodeArray = Uint8Array | Uint16Array | Int32Array;

export class StringDictionary {
  /** Code 0 means "absent"; real values start at 1. */
  readonly values: string[] = [''];
  private readonly codes = new Map<string, number>();
  private lowerCase?: Map<string, number[]>;

  get size(): number {
    return this.values.length;
  }

  code(value: string): number {
    let code = this.codes.get(value);
    if (code === undefined) {
      code = this.values.length;
      this.values.push(value);
      this.codes.set(value, code);
      this.lowerCase = undefined;
    }
    return code;
  }

  find(value: string): number | undefined {
    return this.codes.get(value);
  }

  /** Codes whose value equals `value` ignoring case. */
  findIgnoringCase(value: string): number[] {
    if (!this.lowerCase) {
      this.lowerCase = new Map();
      for (let code = 1; code < this.values.length; code++) {
        const key = this.values[code].toLowerCase();
        const list = this.lowerCase.get(key);
        if (list) list.push(code);
        else this.lowerCase.set(key, [code]);
      }
    }
    return this.lowerCase.get(value.toLowerCase()) ?? [];
  }
}

export class CodeColumn {
  private data: CodeArray = new Uint8Array(1024);
  private length = 0;

  get size(): number {
    return this.length;
  }

  get(index: number): number {
    return this.data[index];
  }

  /** The backing array, valid for indices below `size`; widened arrays replace it. */
  get array(): CodeArray {
    return this.data;
  }

  push(code: number): void {
    if (this.length === this.data.length) this.grow(this.data.length * 2);
    if (code > maxOf(this.data)) this.widen(code);
    this.data[this.length++] = code;
  }

  set(index: number, code: number): void {
    if (code > maxOf(this.data)) this.widen(code);
    this.data[index] = code;
  }

  /** Drops spare capacity once loading is over. */
  trim(): void {
    if (this.data.length > this.length + 1024) this.data = this.data.slice(0, this.length);
  }

  truncate(length: number): void {
    this.length = Math.min(length, this.length);
  }

  get byteLength(): number {
    return this.data.byteLength;
  }

  private widen(code: number): void {
    const next: CodeArray =
      code <= 0xffff ? new Uint16Array(this.data.length) : new Int32Array(this.data.length);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }

  private grow(capacity: number): void {
    const next = new (this.data.constructor as { new (n: number): CodeArray })(capacity);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
}

function maxOf(array: CodeArray): number {
  return array instanceof Uint8Array ? 0xff : array instanceof Uint16Array ? 0xffff : 0x7fffffff;
}

export class Float64Column {
  private data = new Float64Array(1024);
  private length = 0;

  get size(): number {
    return this.length;
  }

  get array(): Float64Array {
    return this.data;
  }

  get(index: number): number {
    return this.data[index];
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }

  trim(): void {
    if (this.data.length > this.length + 1024) this.data = this.data.slice(0, this.length);
  }

  truncate(length: number): void {
    this.length = Math.min(length, this.length);
  }

  get byteLength(): number {
    return this.data.byteLength;
  }
}

export class Uint32Column {
  private data = new Uint32Array(1024);
  private length = 0;

  get size(): number {
    return this.length;
  }

  get(index: number): number {
    return this.data[index];
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Uint32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }

  trim(): void {
    if (this.data.length > this.length + 1024) this.data = this.data.slice(0, this.length);
  }

  truncate(length: number): void {
    this.length = Math.min(length, this.length);
  }

  get byteLength(): number {
    return this.data.byteLength;
  }
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Writes a UUID's 128 bits into four words; false when the text is not a UUID. */
export function packUuid(text: string, words: Uint32Array, at: number): boolean {
  if (text.length !== 36 || !UUID.test(text)) return false;
  const hex = text.replace(/-/g, '');
  for (let i = 0; i < 4; i++) words[at + i] = parseInt(hex.slice(i * 8, i * 8 + 8), 16) >>> 0;
  return true;
}

function unpackUuid(words: Uint32Array, at: number, upper: boolean): string {
  let hex = '';
  for (let i = 0; i < 4; i++) hex += words[at + i].toString(16).padStart(8, '0');
  const text = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return upper ? text.toUpperCase() : text;
}

const ID_ABSENT = 0;
const ID_UUID = 1;
const ID_UUID_UPPER = 2;
const ID_TEXT = 3;

/**
 * A column of mostly-unique identifiers (eventID, requestID). UUIDs are packed into 16
 * bytes; anything else is kept as text in a side map. Interning a million unique strings
 * would cost several times more.
 */
export class UniqueIdColumn {
  private words = new Uint32Array(4096);
  private kinds = new Uint8Array(1024);
  private readonly texts = new Map<number, string>();
  private length = 0;

  get size(): number {
    return this.length;
  }

  push(value: string | undefined): void {
    if (this.length === this.kinds.length) {
      const kinds = new Uint8Array(this.kinds.length * 2);
      kinds.set(this.kinds);
      this.kinds = kinds;
      const words = new Uint32Array(this.words.length * 2);
      words.set(this.words);
      this.words = words;
    }
    const index = this.length++;
    if (value === undefined) {
      this.kinds[index] = ID_ABSENT;
    } else if (packUuid(value, this.words, index * 4)) {
      this.kinds[index] = value === value.toLowerCase() ? ID_UUID : value === value.toUpperCase() ? ID_UUID_UPPER : ID_TEXT;
      if (this.kinds[index] === ID_TEXT) this.texts.set(index, value);
    } else {
      this.kinds[index] = ID_TEXT;
      this.texts.set(index, value);
    }
  }

  get(index: number): string | undefined {
    switch (this.kinds[index]) {
      case ID_UUID:
        return unpackUuid(this.words, index * 4, false);
      case ID_UUID_UPPER:
        return unpackUuid(this.words, index * 4, true);
      case ID_TEXT:
        return this.texts.get(index);
      default:
        return undefined;
    }
  }

  /** A cheap 32-bit hash of the identifier, for duplicate detection. */
  hash(index: number): number {
    const kind = this.kinds[index];
    if (kind === ID_UUID || kind === ID_UUID_UPPER) {
      const at = index * 4;
      return (this.words[at] ^ this.words[at + 1] ^ this.words[at + 2] ^ this.words[at + 3]) >>> 0;
    }
    if (kind === ID_TEXT) return stringHash(this.texts.get(index) ?? '');
    return 0;
  }

  equal(a: number, b: number): boolean {
    const kindA = this.kinds[a];
    if (kindA !== this.kinds[b]) return false;
    if (kindA === ID_TEXT) return this.texts.get(a) === this.texts.get(b);
    if (kindA === ID_ABSENT) return true;
    const x = a * 4;
    const y = b * 4;
    return (
      this.words[x] === this.words[y] &&
      this.words[x + 1] === this.words[y + 1] &&
      this.words[x + 2] === this.words[y + 2] &&
      this.words[x + 3] === this.words[y + 3]
    );
  }

  /** Indices whose identifier equals `value` (ignoring case for UUIDs). */
  find(value: string): number[] {
    const out: number[] = [];
    const probe = new Uint32Array(4);
    if (packUuid(value, probe, 0)) {
      const [p0, p1, p2, p3] = probe;
      const words = this.words;
      for (let i = 0; i < this.length; i++) {
        const at = i * 4;
        if (words[at] === p0 && words[at + 1] === p1 && words[at + 2] === p2 && words[at + 3] === p3) {
          const kind = this.kinds[i];
          if (kind === ID_UUID || kind === ID_UUID_UPPER || this.texts.get(i)?.toLowerCase() === value.toLowerCase()) out.push(i);
        }
      }
      return out.sort((a, b) => a - b);
    }
    for (const [index, text] of this.texts) if (text === value) out.push(index);
    return out.sort((a, b) => a - b);
  }

  /** Every distinct identifier matching a predicate (used by wildcard queries). */
  matching(predicate: (value: string) => boolean): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.length; i++) {
      const value = this.get(i);
      if (value !== undefined && predicate(value)) out.push(i);
    }
    return out;
  }

  trim(): void {
    if (this.kinds.length > this.length + 1024) {
      this.kinds = this.kinds.slice(0, this.length);
      this.words = this.words.slice(0, this.length * 4);
    }
  }

  truncate(length: number): void {
    for (let i = length; i < this.length; i++) this.texts.delete(i);
    this.length = Math.min(length, this.length);
  }

  get byteLength(): number {
    return this.words.byteLength + this.kinds.byteLength + this.texts.size * 64;
  }
}

export function stringHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
