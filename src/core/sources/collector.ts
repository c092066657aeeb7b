/**
 * Counts what a reader found in one file and turns it into records and problems:
 * every record goes to the callback, and bad records become at most a handful of
 * problems per file, never one per record.
 */
import { JsonObject } from '../model/event';
import { FileProblem, RecordCallback, RecordLocation, TrailRecordSink } from './types';
import { Unwrapped, unwrapRecord } from './unwrap';

/** Unparseable records reported one by one before the rest are summarised. */
const DETAILED_PROBLEMS_PER_FILE = 10;

export class RecordCollector implements TrailRecordSink {
  records = 0;
  readonly problems: FileProblem[] = [];
  private notEvents = 0;
  private firstNotEvent: string | undefined;
  private firstNotEventOffset: number | undefined;
  private unparseable = 0;
  private rebuilt = 0;

  constructor(
    private readonly path: string,
    private readonly onRecord: RecordCallback,
  ) {}

  problem(reason: string, offset?: number): void {
    const problem: FileProblem = { path: this.path, reason };
    if (offset !== undefined) problem.offset = offset;
    this.problems.push(problem);
  }

  /** A record that could not be parsed at all; `offset` is its first byte. */
  unparseableRecord(reason: string, offset: number): void {
    this.unparseable++;
    if (this.unparseable <= DETAILED_PROBLEMS_PER_FILE) this.problem(reason, offset);
  }

  emit(event: JsonObject, location: RecordLocation): void {
    this.records++;
    this.onRecord(event, location);
  }

  /**
   * Counts a record indexed by its reader's caller directly (a whole trail document); its
   * ordinal location. With generic(), the collector is the TrailRecordSink of a whole document.
   */
  indexed(): RecordLocation {
    return { offset: this.records++, length: 0 };
  }

  /** A Records item of a whole trail document that its reader left to the generic path: located by ordinal. */
  generic(value: unknown): void {
    this.acceptValue(value, { offset: this.records, length: 0 });
  }

  /** One parsed value that should hold a record. */
  acceptValue(value: unknown, location: RecordLocation, byteOffset?: number): void {
    this.acceptUnwrapped(unwrapRecord(value), location, byteOffset);
  }

  acceptUnwrapped(unwrapped: Unwrapped, location: RecordLocation, byteOffset?: number): void {
    if (unwrapped.kind === 'event') {
      if (unwrapped.rebuilt) this.rebuilt++;
      this.emit(unwrapped.event, location);
      return;
    }
    this.notEvent(unwrapped.description, byteOffset);
  }

  notEvent(description: string, byteOffset?: number): void {
    this.notEvents++;
    if (this.firstNotEvent === undefined) {
      this.firstNotEvent = description;
      this.firstNotEventOffset = byteOffset;
    }
  }

  /** The JSON text of one record at bytes [start, end) of the content. */
  acceptText(text: string, start: number, end: number): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      this.unparseableRecord(`record is not valid JSON (${errorText(error)})`, start);
      return;
    }
    this.acceptValue(value, { offset: start, length: end - start }, start);
  }

  get sawNonEvents(): boolean {
    return this.notEvents > 0;
  }

  get firstNonEventDescription(): string | undefined {
    return this.firstNotEvent;
  }

  /** Adds the per-file summaries. `shape` names the container, for the "not CloudTrail" message. */
  finish(shape: string | undefined): void {
    if (this.unparseable > DETAILED_PROBLEMS_PER_FILE) {
      this.problem(`${this.unparseable - DETAILED_PROBLEMS_PER_FILE} more records are not valid JSON (skipped)`);
    }
    if (this.notEvents > 0) {
      if (this.records === 0 && this.unparseable === 0) {
        const what = shape ? `${shape} whose ${plural(this.notEvents, 'item')} ${this.notEvents === 1 ? 'is' : 'are'} not CloudTrail events (first: ${this.firstNotEvent})` : this.firstNotEvent;
        this.problem(`not CloudTrail: ${what}`, shape ? undefined : this.firstNotEventOffset);
      } else {
        this.problem(
          `${plural(this.notEvents, 'record')} ${this.notEvents === 1 ? 'does' : 'do'} not look like CloudTrail events (skipped; first: ${this.firstNotEvent})`,
          this.firstNotEventOffset,
        );
      }
    }
    if (this.rebuilt > 0) {
      this.problem(`${plural(this.rebuilt, 'record')} had no readable full event and ${this.rebuilt === 1 ? 'was' : 'were'} rebuilt from summary fields`);
    }
  }
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

export function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // V8 quotes a slice of the input in some messages: keep the reason short, the input is attacker-controlled.
  return message.length > 160 ? `${message.slice(0, 160)}…` : message;
}
