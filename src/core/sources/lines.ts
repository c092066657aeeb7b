/** Splits content into lines at the byte level, holding at most one line across chunks. */

const NEWLINE = 0x0a;

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0d || byte === 0x0a;
}

export interface LineHandlers {
  /** A non-blank line without its surrounding whitespace, starting at `start` in the content. */
  line(bytes: Buffer, start: number): void;
  oversized(start: number, length: number): void;
}

export class LineSplitter {
  private held: Buffer[] = [];
  private heldBytes = 0;
  private lineStart = 0;
  private tooLong = false;

  constructor(
    private readonly handlers: LineHandlers,
    private readonly maxLineBytes: number,
  ) {}

  push(chunk: Buffer, base: number): void {
    let from = 0;
    while (from < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, from);
      if (newline < 0) {
        this.hold(chunk.subarray(from), base + from);
        return;
      }
      if (this.heldBytes === 0 && !this.tooLong) {
        this.emit(chunk.subarray(from, newline), base + from);
      } else {
        this.hold(chunk.subarray(from, newline), base + from);
        this.flushHeld();
      }
      from = newline + 1;
    }
  }

  end(): void {
    if (this.heldBytes > 0 || this.tooLong) this.flushHeld();
  }

  private hold(part: Buffer, start: number): void {
    if (this.heldBytes === 0 && !this.tooLong) this.lineStart = start;
    if (this.tooLong) {
      this.heldBytes += part.length;
      return;
    }
    this.held.push(part);
    this.heldBytes += part.length;
    if (this.heldBytes > this.maxLineBytes) {
      this.tooLong = true;
      this.held = [];
    }
  }

  private flushHeld(): void {
    if (this.tooLong) {
      this.handlers.oversized(this.lineStart, this.heldBytes);
    } else {
      this.emit(this.held.length === 1 ? this.held[0] : Buffer.concat(this.held), this.lineStart);
    }
    this.held = [];
    this.heldBytes = 0;
    this.tooLong = false;
  }

  private emit(line: Buffer, start: number): void {
    let first = 0;
    let last = line.length;
    while (first < last && isSpace(line[first])) first++;
    while (last > first && isSpace(line[last - 1])) last--;
    if (first === last) return;
    this.handlers.line(line.subarray(first, last), start + first);
  }
}
