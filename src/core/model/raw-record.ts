/**
 * An event together with its JSON text as the evidence holds it: what `ctinv query` prints as
 * ndjson and what an export writes to events.jsonl. Printing the bytes read from the file,
 * rather than serialising the parsed object again, keeps the record exactly as received
 * (number spellings, key order, escapes) and cannot overflow on attacker-shaped nesting.
 */
import { JsonObject } from './event';
import { jsonText } from './json-text';

export class RawRecord {
  private serialisedText?: string;

  constructor(
    readonly event: JsonObject,
    /** The file's own text for the record, when the bytes at its location are the record itself. */
    private readonly fileText?: string,
  ) {}

  /**
   * One line of JSON: the file's text for the record, or (when the reader parsed the file whole,
   * or unwrapped the event from LookupEvents, CloudWatch Logs or CSV) the event serialised,
   * without recursion.
   */
  get text(): string {
    if (this.fileText !== undefined) return this.fileText;
    this.serialisedText ??= jsonText(this.event) ?? '{}';
    return this.serialisedText;
  }

  /** True when `text` is the file's own bytes for the record. */
  get fromFile(): boolean {
    return this.fileText !== undefined;
  }
}

/**
 * The file's text of one JSON value as a single line. JSON strings cannot hold a raw line break,
 * so every CR or LF in valid JSON text is white space between tokens and can go: a record
 * pretty-printed over several lines stays the same JSON, byte for byte otherwise.
 */
export function oneLine(text: string): string {
  return /[\r\n]/.test(text) ? text.replace(/[\r\n]+/g, '') : text;
}
