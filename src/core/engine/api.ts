/**
 * The engine's public surface: what the extension, the CLI and the intelligence
 * features use. Implemented by `Investigation` (investigation.ts). No vscode here.
 */
import * as path from 'node:path';
import { FileProblem } from '../sources/types';

// The index's types live with the index (core/index/api.ts); the engine's callers keep importing them from here.
export type { EventId, EventIndexApi, EventRow, Histogram, Selection, ValueCount } from '../index/api';

export interface LoadProgress {
  filesDone: number;
  filesTotal: number;
  events: number;
  bytesDone: number;
  bytesTotal: number;
  currentPath?: string;
}

export interface LoadOptions {
  signal?: AbortSignal;
  onProgress?: (progress: LoadProgress) => void;
  /** Folder for the on-disk index cache; never inside the evidence. Omit to disable. */
  cacheDir?: string;
  /**
   * Parse workers, 0 to MAX_WORKERS (64); default: the number of cores, at most 8. 0 parses on
   * the calling thread. 'auto' (the CLI's default, for a process that has nothing else to keep
   * responsive): the default count, started only once the walk has found enough to parse
   * (AUTO_THREADS_FROM_BYTES); below that, the calling thread parses, sparing the workers' start.
   */
  workers?: number | 'auto';
  /**
   * Paranoid mode for evidence work: before a cache is trusted, every file's content is hashed
   * again (SHA-256) and compared with the hashes stored when it was written.
   */
  verify?: boolean;
  /**
   * A source found in the cache, loaded into an empty investigation, reports its summary at once
   * and reads its columns on the index's first use (`Investigation.index`): the CLI, whose
   * `stats` needs only the summary. A part of the cache found damaged then throws
   * CacheDamagedError (a RecordChangedError: read the evidence again) and the cache is deleted.
   */
  deferIndex?: boolean;
  /**
   * The walk stats each folder's files by name with the working folder moved into it
   * (WalkOptions.statInFolder): only for a process that owns its working folder (the CLI),
   * never the extension host.
   */
  statInFolder?: boolean;
  /**
   * The caller will use the index, not only the summary: the cache file last used for these
   * paths is read on the thread pool while the evidence is walked (prefetchCache), and used
   * only if the walk's key is its own.
   */
  readAhead?: boolean;
  /**
   * Without a cache to ask first, the files the walk finds go to the parse workers as it finds
   * them (ParsePool.early, at most 8 MB of them). For a process that exits once it has answered
   * (the CLI): in a long-lived host, loads of 3,000,000 events kept about 13 bytes an event more
   * resident with it, and the skewed trail's cold build measured no faster.
   */
  feedWhileWalking?: boolean;
}

/** Where one record is: its file, and its place in the file's (decompressed) content. */
export interface RecordPlace {
  path: string;
  /** 1-based position among the file's records, when the reader located it that way. */
  record?: number;
  /** Offset of the record's first byte, when the reader located it that way. */
  byte?: number;
}

/** Two records with one eventID and different content: both are kept. */
export interface EventIdConflict {
  eventId: string;
  /** The record held first (possibly of another source). */
  first: RecordPlace;
  second: RecordPlace;
}

/** "path record 3" / "path at byte 1024", for messages. */
export function describePlace(place: RecordPlace): string {
  if (place.record !== undefined) return `${place.path} record ${place.record}`;
  if (place.byte !== undefined) return `${place.path} at byte ${place.byte}`;
  return place.path;
}

/** One thing the user added: a folder, a set of files, or a live fetch. */
/** Evidence read from files and folders, or a live fetch (LookupEvents, Athena, Lake) spilled to NDJSON. */
export type SourceKind = 'evidence' | 'live';

/** The name a source is shown by: the label given, else the one path's base name, else how many paths. */
export function sourceLabel(paths: readonly string[], label?: string): string {
  if (label !== undefined) return label;
  const resolved = paths.map((p) => path.resolve(p));
  return resolved.length === 1 ? path.basename(resolved[0]) || resolved[0] : `${resolved.length} paths`;
}

export interface SourceSummary {
  id: string;
  kind: SourceKind;
  label: string;
  paths: string[];
  /** Unique events this source contributed (a duplicate eventID is counted once overall). */
  events: number;
  files: number;
  digests: number;
  skipped: FileProblem[];
  /** Events whose time could not be read: kept, and reported here. */
  eventsWithoutTime: number;
  /** Records seen again (same eventID, time, name and content: a re-delivery) and counted once. */
  duplicates: number;
  /**
   * Records kept although an earlier record has the same eventID: their content differs, so
   * neither is dropped (see index/content-hash.ts for what "the same" means).
   */
  conflicts: number;
  /** The first MAX_CONFLICTS_LISTED of them, with both sides. */
  conflictList: EventIdConflict[];
  first?: number;
  last?: number;
  /** True when this load came from the on-disk cache. */
  fromCache: boolean;
  /** How the load went, for the user: e.g. why a cache was not used and the evidence read again. */
  notes?: string[];
}

