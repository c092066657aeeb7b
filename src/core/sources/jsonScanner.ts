/**
 * A tokenizer-level scanner over Buffers: it tracks strings, escapes and bracket depth
 * (never parsing values itself) and hands back the byte range of each record so the
 * caller can `JSON.parse` records one at a time. It keeps at most one record (or one
 * top-level object still being looked at) in memory, whatever the size of the file.
 *
 * Records are the elements of a `Records`, `Events` or `events` array in a top-level object
 * (a trail object, LookupEvents output, CloudWatch Logs' filter-log-events / get-log-events), the
 * elements of a top-level array, or top-level objects that hold neither (a single event,
 * or one event per document in a concatenated stream).
 */

export type RecordContainer = 'Records' | 'Events' | 'events' | 'array' | 'top';

/** Top-level keys whose array holds the records. */
const CONTAINER_KEYS: ReadonlyMap<string, Exclude<RecordContainer, 'array' | 'top'>> = new Map([
  ['Records', 'Records'],
  ['Events', 'Events'],
  ['events', 'events'],
] as const);

export interface ScanHandlers {
  /**
   * The bytes of one complete record candidate, starting at `start` in the content.
   * Returns false when they do not parse: the scanner then looks inside them for records
   * a broken string may have swallowed.
   */
  record(bytes: Buffer, start: number, container: RecordContainer): boolean;
  /** A `Records` / `Events` array or a top-level array was entered. */
  containerOpened(container: Exclude<RecordContainer, 'top'>, offset: number): void;
  /** A record too large to hold was skipped; the scan goes on. */
  oversized(start: number, length: number): void;
  /** The structure is broken at `offset`; the reason says whether and where reading went on. */
  broken(reason: string, offset: number): void;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** Bytes of a value being held across chunks. */
class Capture {
  readonly parts: Buffer[] = [];
  heldBytes = 0;
  tooLarge = false;
  /** Index in the current chunk where this capture's bytes start (0 for captures begun earlier). */
  startIndex: number;

  constructor(
    readonly start: number,
    startIndex: number,
  ) {
    this.startIndex = startIndex;
  }
}

interface PendingBreak {
  reason: string;
  offset: number;
}

interface ResyncPlan {
  anchor: Buffer;
  /** Only accept an anchor that follows a `,` (array elements); top-level objects follow anything. */
  afterComma: boolean;
  stack: number[];
  recordsDepth: number;
  container: RecordContainer;
  inTopObject: boolean;
  /** Bytes searched so far that might hold the start of an anchor split across chunks. */
  carry: Buffer;
  carryStart: number;
}

const ANCHOR_SAMPLE = 8;
const MIN_ANCHOR_BYTES = 4;
/** How much of what came before an anchor is kept to check for the comma across chunks. */
const RESYNC_CARRY_BYTES = 256;
const TOP_LEVEL_RESYNC_ANCHOR = Buffer.from('\n{');

export class JsonRecordScanner {
  private stack: number[] = [];
  private inString = false;
  private escapeNext = false;
  private stopped = false;

  private inTopObject = false;
  private topCapture: Capture | undefined;
  private expectKey = false;
  private collectingKey = false;
  private keyStartIndex = 0;
  private keyText = '';
  private lastKey: string | undefined;
  private awaitingValueFor: string | undefined;

  /** Depth just inside the records array (2 for Records/Events, 1 for a top-level array); 0 when outside. */
  private recordsDepth = 0;
  private container: RecordContainer = 'top';
  private recordsStack: number[] = [];
  private element: Capture | undefined;
  private elementEnd = 0;

  private anchorSamples: Buffer[] = [];
  private elementAnchor: Buffer | undefined;
  private resync: ResyncPlan | undefined;
  private pending: PendingBreak | undefined;

  private chunk: Buffer = Buffer.alloc(0);
  private base = 0;

  constructor(
    private readonly handlers: ScanHandlers,
    private readonly maxRecordBytes: number,
  ) {}

  get finished(): boolean {
    return this.stopped;
  }

  push(chunk: Buffer, base: number): void {
    if (this.stopped || chunk.length === 0) return;
    if (this.resync) this.searchResync(chunk, base);
    else this.scan(chunk, base, 0);
  }

  end(endOffset: number): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.resync) {
      this.reportPending(undefined);
      return;
    }
    if (this.stack.length > 0 || this.inString) {
      const where = this.element
        ? `inside the record that starts at byte ${this.element.start}`
        : this.stack.length > 0
          ? 'before its brackets were closed'
          : 'inside a string';
      this.handlers.broken(`content ends ${where} (truncated?)`, endOffset);
    }
  }

  private scan(chunk: Buffer, base: number, from: number): void {
    this.chunk = chunk;
    this.base = base;
    if (this.element) this.element.startIndex = from;
    if (this.topCapture) this.topCapture.startIndex = from;
    if (this.collectingKey) this.keyStartIndex = from;
    const length = chunk.length;
    let i = from;
    while (i < length) {
      if (this.inString) {
        if (this.escapeNext) {
          this.escapeNext = false;
          i++;
          continue;
        }
        const quote = chunk.indexOf(QUOTE, i);
        if (quote === -1) {
          let run = 0;
          for (let b = length - 1; b >= i && chunk[b] === BACKSLASH; b--) run++;
          this.escapeNext = run % 2 === 1;
          break;
        }
        let run = 0;
        for (let b = quote - 1; b >= i && chunk[b] === BACKSLASH; b--) run++;
        if (run % 2 === 1) {
          i = quote + 1;
          continue;
        }
        this.inString = false;
        if (this.collectingKey) {
          this.collectingKey = false;
          this.lastKey = this.keyText + chunk.toString('latin1', this.keyStartIndex, quote);
        }
        if (this.element && this.stack.length === this.recordsDepth) this.elementEnd = base + quote + 1;
        i = quote + 1;
        continue;
      }

      const byte = chunk[i];
      if (isWhitespace(byte)) {
        i++;
        continue;
      }
      const depth = this.stack.length;
      const offset = base + i;
      switch (byte) {
        case QUOTE:
          if (depth === 0) return this.break(`unexpected text at the top level (byte 0x22)`, offset);
          this.valueStarts(depth, offset, i);
          if (this.inTopObject && depth === 1 && this.expectKey) {
            this.collectingKey = true;
            this.keyStartIndex = i + 1;
            this.keyText = '';
            this.expectKey = false;
          }
          this.inString = true;
          i++;
          continue;
        case OPEN_OBJECT:
        case OPEN_ARRAY:
          if (depth === 0) {
            this.startTopLevel(byte, offset, i);
            if (this.stopped) return;
            i++;
            continue;
          }
          if (depth === 1 && this.inTopObject && this.pendingKeyIsRecords(byte)) {
            this.stack.push(byte);
            this.enterRecords(CONTAINER_KEYS.get(this.lastKey ?? '') ?? 'Records', offset);
            i++;
            continue;
          }
          this.valueStarts(depth, offset, i);
          this.stack.push(byte);
          i++;
          continue;
        case CLOSE_OBJECT:
        case CLOSE_ARRAY: {
          if (depth === 0) return this.break(`unexpected '${String.fromCharCode(byte)}' at the top level`, offset);
          const open = this.stack[depth - 1];
          if ((open === OPEN_OBJECT) !== (byte === CLOSE_OBJECT)) {
            return this.break(`'${String.fromCharCode(byte)}' does not match the open '${String.fromCharCode(open)}'`, offset);
          }
          this.stack.pop();
          const newDepth = depth - 1;
          if (this.recordsDepth > 0) {
            if (newDepth === this.recordsDepth && this.element) {
              this.elementEnd = offset + 1;
            } else if (newDepth === this.recordsDepth - 1) {
              if (this.element && this.finishElement(i)) return;
              this.recordsDepth = 0;
            }
          }
          if (newDepth === 0) {
            this.finishTopLevel(i);
            i++;
            continue;
          }
          i++;
          continue;
        }
        case COMMA:
          if (this.recordsDepth > 0 && depth === this.recordsDepth) {
            if (this.element && this.finishElement(i)) return;
          } else if (depth === 1 && this.inTopObject) {
            this.expectKey = true;
            this.awaitingValueFor = undefined;
          } else if (depth === 0) {
            return this.break(`unexpected ',' at the top level`, offset);
          }
          i++;
          continue;
        case COLON:
          if (depth === 1 && this.inTopObject) this.awaitingValueFor = this.lastKey;
          i++;
          continue;
        default:
          if (depth === 0) return this.break(`unexpected text at the top level (byte 0x${byte.toString(16).padStart(2, '0')})`, offset);
          this.valueStarts(depth, offset, i);
          if (this.element && depth === this.recordsDepth) this.elementEnd = offset + 1;
          i++;
          continue;
      }
    }
    this.holdChunkTail();
  }

  private pendingKeyIsRecords(byte: number): boolean {
    const key = this.awaitingValueFor;
    this.awaitingValueFor = undefined;
    return byte === OPEN_ARRAY && this.recordsDepth === 0 && key !== undefined && CONTAINER_KEYS.has(key);
  }

  /** A value begins at `offset`: the start of a record when we are directly inside a records array. */
  private valueStarts(depth: number, offset: number, index: number): void {
    if (depth === 1) this.awaitingValueFor = undefined;
    if (this.recordsDepth > 0 && depth === this.recordsDepth && !this.element) {
      this.element = new Capture(offset, index);
      this.elementEnd = offset + 1;
    }
  }

  private startTopLevel(byte: number, offset: number, index: number): void {
    this.stack.push(byte);
    if (byte === OPEN_ARRAY) {
      this.inTopObject = false;
      this.enterRecords('array', offset);
      return;
    }
    this.inTopObject = true;
    this.expectKey = true;
    this.lastKey = undefined;
    this.awaitingValueFor = undefined;
    this.topCapture = new Capture(offset, index);
  }

  private enterRecords(container: Exclude<RecordContainer, 'top'>, offset: number): void {
    this.recordsDepth = this.stack.length;
    this.container = container;
    this.recordsStack = this.stack.slice();
    this.topCapture = undefined;
    this.handlers.containerOpened(container, offset);
  }

  private finishTopLevel(index: number): void {
    const capture = this.topCapture;
    this.topCapture = undefined;
    this.inTopObject = false;
    this.expectKey = false;
    this.container = 'top';
    if (!capture) return;
    const bytes = this.collect(capture, this.base + index + 1, index + 1);
    if (bytes) this.handlers.record(bytes, capture.start, 'top');
  }

  /** Hands over the record that ends before `index`; true when the rest of the chunk was scanned again from inside it. */
  private finishElement(index: number): boolean {
    const element = this.element;
    if (!element) return false;
    this.element = undefined;
    const bytes = this.collect(element, this.elementEnd, index);
    if (!bytes) {
      this.handlers.oversized(element.start, this.elementEnd - element.start);
      return false;
    }
    if (this.handlers.record(bytes, element.start, this.container)) {
      this.learnAnchor(bytes);
      return false;
    }
    return this.rescanInside(bytes, element.start, index);
  }

  /**
   * A record that does not parse may be one whose string lost its closing quote and swallowed
   * the records after it. If the record anchor appears inside it after a comma, scanning starts
   * again there, with the bracket state of the records array.
   */
  private rescanInside(bytes: Buffer, start: number, index: number): boolean {
    const anchor = this.elementAnchor;
    if (!anchor) return false;
    for (let hit = bytes.indexOf(anchor, 1); hit > 0; hit = bytes.indexOf(anchor, hit + 1)) {
      if (!this.precededByComma(bytes, hit)) continue;
      const rest = Buffer.concat([bytes.subarray(hit), this.chunk.subarray(index)]);
      const base = start + hit;
      this.stack = this.recordsStack.slice();
      this.inString = false;
      this.escapeNext = false;
      this.scan(rest, base, 0);
      return true;
    }
    return false;
  }

  /** The bytes [capture.start, end) of a capture, or undefined when it grew past the limit. */
  private collect(capture: Capture, end: number, indexLimit: number): Buffer | undefined {
    const length = end - capture.start;
    if (capture.tooLarge || length > this.maxRecordBytes) return undefined;
    if (capture.parts.length === 0) return this.chunk.subarray(capture.startIndex, end - this.base);
    const tail = this.chunk.subarray(0, Math.max(0, Math.min(indexLimit, end - this.base)));
    const joined = Buffer.concat([...capture.parts, tail]);
    return joined.length > length ? joined.subarray(0, length) : joined;
  }

  /** At the end of a chunk, keep the bytes of whatever record is still open. */
  private holdChunkTail(): void {
    for (const capture of [this.element, this.topCapture]) {
      if (!capture || capture.tooLarge) continue;
      const part = this.chunk.subarray(capture.startIndex);
      capture.heldBytes += part.length;
      if (capture.heldBytes > this.maxRecordBytes) {
        capture.tooLarge = true;
        capture.parts.length = 0;
        if (capture === this.topCapture) {
          this.break(
            `a top-level JSON object larger than ${this.maxRecordBytes} bytes without a Records or Events array before that point`,
            capture.start,
          );
          return;
        }
      } else {
        capture.parts.push(part);
      }
      capture.startIndex = 0;
    }
    if (this.collectingKey) {
      this.keyText += this.chunk.toString('latin1', this.keyStartIndex, Math.min(this.chunk.length, this.keyStartIndex + 64));
    }
  }

  /**
   * Records of one file usually begin with the same bytes up to their first key
   * (`{"eventVersion":` in S3 trail files); that prefix is the anchor used to find
   * the next record safely after a break.
   */
  private learnAnchor(bytes: Buffer): void {
    if (this.anchorSamples.length >= ANCHOR_SAMPLE || bytes[0] !== OPEN_OBJECT) return;
    const firstQuote = bytes.indexOf(QUOTE, 1);
    if (firstQuote < 0) return;
    let keyEnd = firstQuote + 1;
    while (keyEnd < bytes.length && bytes[keyEnd] !== QUOTE) keyEnd += bytes[keyEnd] === BACKSLASH ? 2 : 1;
    const prefix = Buffer.from(bytes.subarray(0, Math.min(bytes.length, keyEnd + 1)));
    this.anchorSamples.push(prefix);
    let common = this.anchorSamples[0].length;
    for (const sample of this.anchorSamples) {
      let n = 0;
      while (n < common && n < sample.length && sample[n] === this.anchorSamples[0][n]) n++;
      common = n;
    }
    this.elementAnchor = common >= MIN_ANCHOR_BYTES ? this.anchorSamples[0].subarray(0, common) : undefined;
  }

  /** The structure broke at `offset`: look for a safe place to go on, or stop. */
  private break(reason: string, offset: number): void {
    const inRecords = this.recordsDepth > 0 && this.stack.length >= this.recordsDepth - 1;
    const anchor = inRecords ? this.elementAnchor : this.topCapture || this.stack.length === 0 ? TOP_LEVEL_RESYNC_ANCHOR : undefined;
    const searchFrom = (inRecords ? this.element?.start : this.topCapture?.start) ?? offset;
    const element = inRecords ? this.element : this.topCapture;
    const held = element && !element.tooLarge ? element.parts : [];
    this.element = undefined;
    this.topCapture = undefined;
    this.collectingKey = false;
    this.inString = false;
    this.escapeNext = false;
    if (!anchor) {
      this.stopped = true;
      this.handlers.broken(`${reason}; the rest of the file could not be read safely`, offset);
      return;
    }
    this.pending = { reason, offset };
    const resumeStack = inRecords ? this.recordsStack.slice() : [];
    this.resync = {
      anchor,
      afterComma: inRecords,
      stack: resumeStack,
      recordsDepth: inRecords ? this.recordsDepth : 0,
      container: inRecords ? this.container : 'top',
      inTopObject: inRecords && this.container !== 'array',
      carry: Buffer.alloc(0),
      carryStart: searchFrom + 1,
    };
    // Search again from just after the start of the broken record: the next record may hide inside what it swallowed.
    const heldBytes = Buffer.concat(held);
    const chunkFrom = Math.max(0, (element ? element.start : offset) - this.base + (held.length > 0 ? 0 : 1));
    const current = this.chunk.subarray(held.length > 0 ? 0 : chunkFrom);
    const window = Buffer.concat([heldBytes, current]);
    const windowStart = held.length > 0 ? (element ? element.start : offset) : this.base + chunkFrom;
    this.stack = [];
    this.searchResync(window.subarray(Math.max(0, searchFrom + 1 - windowStart)), Math.max(windowStart, searchFrom + 1));
  }

  private searchResync(chunk: Buffer, base: number): void {
    const plan = this.resync;
    if (!plan) return;
    const window = plan.carry.length > 0 ? Buffer.concat([plan.carry, chunk]) : chunk;
    const windowStart = plan.carry.length > 0 ? plan.carryStart : base;
    let from = 0;
    while (from < window.length) {
      const hit = window.indexOf(plan.anchor, from);
      if (hit < 0) break;
      if (!plan.afterComma || this.precededByComma(window, hit)) {
        this.resume(plan, windowStart + hit);
        this.scan(window.subarray(hit), windowStart + hit, 0);
        return;
      }
      from = hit + 1;
    }
    const keep = Math.min(window.length, RESYNC_CARRY_BYTES + plan.anchor.length);
    plan.carry = Buffer.from(window.subarray(window.length - keep));
    plan.carryStart = windowStart + window.length - keep;
  }

  private precededByComma(window: Buffer, index: number): boolean {
    let i = index - 1;
    while (i >= 0 && isWhitespace(window[i])) i--;
    return i >= 0 && window[i] === COMMA;
  }

  private resume(plan: ResyncPlan, at: number): void {
    this.resync = undefined;
    this.reportPending(at);
    this.stack = plan.stack;
    this.recordsDepth = plan.recordsDepth;
    this.container = plan.container;
    this.inTopObject = plan.inTopObject;
    this.expectKey = false;
    this.awaitingValueFor = undefined;
    this.inString = false;
    this.escapeNext = false;
  }

  private reportPending(resumedAt: number | undefined): void {
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) return;
    const outcome =
      resumedAt === undefined
        ? 'no later record could be found safely, the rest of the file was not read'
        : `reading resumed at the next record, byte ${resumedAt}`;
    this.handlers.broken(`${pending.reason}; ${outcome}`, pending.offset);
  }
}
