/**
 * What the index offers its readers: event ids, selections, rows, counts and raw records.
 * The filter language is evaluated over this by core/query (`queryIndex`), which sits above
 * the index; nothing here imports the query layer or the engine. No vscode here.
 */
import { IdentityType, JsonObject } from '../model/event';
import { RawRecord } from '../model/raw-record';
import { FileFormat } from '../sources/types';
import { PivotField } from './fields';

/** Event ids are dense integers 0..size-1 in the order the index received them. */
export type EventId = number;

/** A set of event ids, sorted ascending, no duplicates. */
export type Selection = Int32Array;

/** The projection of one event that lists, trees and the timeline show. */
export interface EventRow {
  id: EventId;
  time: number;
  eventName?: string;
  eventSource?: string;
  region?: string;
  account?: string;
  principal: string;
  principalType: IdentityType;
  session?: string;
  accessKey?: string;
  ip?: string;
  userAgent?: string;
  error?: string;
  readOnly?: boolean;
  eventId?: string;
}

export interface ValueCount {
  value: string;
  count: number;
  first: number;
  last: number;
}

export interface Histogram {
  start: number;
  bucketMs: number;
  counts: Uint32Array;
}

export interface EventIndexApi {
  readonly size: number;
  all(): Selection;
  /** Value of a single-valued field for one event (the first value for `resource`). */
  value(field: PivotField, id: EventId): string | undefined;
  values(field: PivotField, id: EventId): string[];
  time(id: EventId): number;
  row(id: EventId): EventRow;
  /** Counts of each value of a field within a selection (all events when omitted). */
  top(field: PivotField, selection?: Selection, limit?: number): ValueCount[];
  /** Events in a selection ordered by time (stable for equal times). */
  sortByTime(selection: Selection, order: 'asc' | 'desc'): Int32Array;
  histogram(selection: Selection | undefined, bucketMs: number, range?: { start: number; end: number }): Histogram;
  /** Selection of events whose field equals the value exactly. */
  postings(field: PivotField, value: string): Selection;
  /** The raw event JSON, read lazily from its file (or the live spill file). */
  raw(id: EventId): Promise<JsonObject>;
  rawMany(ids: readonly EventId[]): Promise<JsonObject[]>;
  /** The events with their JSON text as the file holds it (one line each): what ndjson output and exports write. */
  rawRecords(ids: readonly EventId[]): Promise<RawRecord[]>;
  /** Where an event came from, for "open the file" and evidence provenance. */
  origin(id: EventId): { path: string; format?: FileFormat };
}
