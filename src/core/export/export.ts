/**
 * Evidence export: the current filter or a selection, written as JSON lines and
 * CSV into a new folder, with a provenance record and a SHA-256 manifest.
 *
 *   <outDir>/cloudtrail-export-YYYYMMDDTHHMMSSZ[-N]/
 *     events.jsonl      line 1: {"_provenance": {...}}; then one record per line: its text in the evidence
 *                       file (line breaks dropped), or compact JSON for one unwrapped from a wrapper
 *     events.csv        header row + one row per record (fixed columns, formula-safe); no comments,
 *                       so any CSV reader takes it as it is; its provenance is in provenance.json
 *     provenance.json   {"_provenance": {...}}: sources, filter, time of export, tool version
 *     manifest.json     provenance, events written, records skipped and why, sha256 + size per file
 *     MANIFEST.sha256   `sha256sum -c` compatible: "<hex>  <name>" for every file above
 *
 * Records stream through: one pass over the input, each line written as it is
 * made, hashed as it is written; nothing holds the whole export in memory.
 * Files are created exclusively (never overwriting); the folder is new. An export
 * that fails or is cancelled removes the files it created, so a folder without a
 * manifest is never left behind looking complete.
 */
import { createHash, Hash } from 'crypto';
import { once } from 'events';
import { createWriteStream, promises as fs, WriteStream } from 'fs';
import * as path from 'path';
import type { EventIdConflict, SourceSummary } from '../engine/api';
import { JsonObject } from '../model/event';
import { jsonText } from '../model/json-text';
import { RawRecord } from '../model/raw-record';
import { csvHeader, csvRecord } from './csv';
import { evidenceContaining } from '../sources/evidence-guard';

export type ExportFormat = 'jsonl' | 'csv';

export interface ExportProvenanceInput {
  /** The evidence the events came from: folders, files, `s3://` prefixes, live queries. */
  sources: string[];
  /** The filter expression (empty for "everything"), or a description of the selection. */
  filter: string;
  exportedAt: Date;
  toolVersion: string;
  /** Events the caller expects to write (the size of the selection), when known. */
  eventCount?: number;
  /** Records of the loaded evidence that share an eventID but differ (see conflictProvenance). */
  eventIdConflicts?: EventIdConflicts;
}

/** What the provenance says about eventID conflicts in the loaded evidence. */
export interface EventIdConflicts {
  count: number;
  note: string;
  /** The first MAX_PROVENANCE_CONFLICTS, with both sides. */
  conflicts: EventIdConflict[];
}

const MAX_PROVENANCE_CONFLICTS = 100;

/** The eventID conflicts of the loaded sources, for the provenance; undefined when there are none. */
export function conflictProvenance(summaries: readonly SourceSummary[]): EventIdConflicts | undefined {
  const count = summaries.reduce((sum, s) => sum + s.conflicts, 0);
  if (count === 0) return undefined;
  return {
    count,
    note: 'records of the loaded evidence that share an eventID but differ in content; every one was kept (whether or not it is in this export), none was taken for the other',
    conflicts: summaries.flatMap((s) => s.conflictList).slice(0, MAX_PROVENANCE_CONFLICTS),
  };
}

/** The provenance header as written (first line of events.jsonl, and provenance.json). */
export interface ExportProvenance {
  tool: string;
  toolVersion: string;
  exportedAt: string;
  sources: string[];
  filter: string;
  eventCount?: number;
  /** Present when the loaded evidence holds records that share an eventID but differ. */
  eventIdConflicts?: EventIdConflicts;
  format: string;
}

export interface ManifestFile {
  name: string;
  sha256: string;
  size: number;
}

export interface SkippedRecord {
  /** 0-based position in the input. */
  index: number;
  reason: string;
}

export interface ExportProgress {
  events: number;
  bytes: number;
}

export interface ExportOptions {
  /** The folder the user chose; the export goes into a new folder inside it. */
  outDir: string;
  formats?: readonly ExportFormat[];
  /** Name of the new folder; default `cloudtrail-export-<exportedAt, basic ISO>`. A suffix -2, -3... makes it unique. */
  folderName?: string;
  signal?: AbortSignal;
  onProgress?: (progress: ExportProgress) => void;
}

export interface ExportResult {
  folder: string;
  /** Data files and provenance.json, then manifest.json: everything MANIFEST.sha256 lists. */
  files: ManifestFile[];
  eventsWritten: number;
  skipped: SkippedRecord[];
  warnings: string[];
  manifestPath: string;
  checksumPath: string;
}

export const PROVENANCE_KEY = '_provenance';
const FLUSH_BYTES = 256 * 1024;

/** A new file (never an existing one) whose bytes are hashed as they are written. */
class HashingWriter {
  private readonly hash: Hash = createHash('sha256');
  private readonly stream: WriteStream;
  private pending: string[] = [];
  private pendingLength = 0;
  size = 0;

  private constructor(
    readonly file: string,
    stream: WriteStream,
  ) {
    this.stream = stream;
  }

  static async create(file: string): Promise<HashingWriter> {
    const stream = createWriteStream(file, { flags: 'wx' });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
    return new HashingWriter(file, stream);
  }

  async write(text: string): Promise<void> {
    this.pending.push(text);
    this.pendingLength += text.length;
    if (this.pendingLength >= FLUSH_BYTES) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const buffer = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingLength = 0;
    this.hash.update(buffer);
    this.size += buffer.length;
    if (!this.stream.write(buffer)) await once(this.stream, 'drain');
  }

  async close(): Promise<ManifestFile> {
    await this.flush();
    await new Promise<void>((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(() => resolve());
    });
    return { name: path.basename(this.file), sha256: this.hash.digest('hex'), size: this.size };
  }

  destroy(): void {
    this.stream.destroy();
  }
}

/**
 * True when `child` is `parent` or below it once symbolic links are resolved (see guard.ts):
 * an export must never be written into the evidence.
 */
export function isInside(child: string, parent: string): boolean {
  return evidenceContaining(child, [parent]) !== undefined;
}

function basicIso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** Creates a new, empty folder under `parent`: `name`, else `name-2`, `name-3`... */
async function newFolder(parent: string, name: string): Promise<string> {
  await fs.mkdir(parent, { recursive: true });
  for (let n = 1; n < 10_000; n++) {
    const candidate = path.join(parent, n === 1 ? name : `${name}-${n}`);
    try {
      await fs.mkdir(candidate);
      return candidate;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new Error(`${candidate}: cannot create the export folder (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
      }
    }
  }
  throw new Error(`${parent}: no free export folder name for "${name}"`);
}

export function buildProvenance(input: ExportProvenanceInput): ExportProvenance {
  return {
    tool: 'CloudTrail Investigator',
    toolVersion: input.toolVersion,
    exportedAt: input.exportedAt.toISOString(),
    sources: [...input.sources],
    filter: input.filter,
    ...(input.eventCount !== undefined ? { eventCount: input.eventCount } : {}),
    ...(input.eventIdConflicts && input.eventIdConflicts.count > 0 ? { eventIdConflicts: input.eventIdConflicts } : {}),
    format:
      'events.jsonl: this header, then one CloudTrail record per line as received; events.csv: fixed columns, RFC 4180, cells starting with = + - @ TAB CR LF NUL prefixed with \'',
  };
}

function isRecord(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Writes the export; see the module comment for the layout. */
export async function exportEvents(
  records: AsyncIterable<unknown> | Iterable<unknown>,
  provenanceInput: ExportProvenanceInput,
  options: ExportOptions,
): Promise<ExportResult> {
  const { signal, onProgress } = options;
  signal?.throwIfAborted();
  const formats = options.formats ?? ['jsonl', 'csv'];
  if (formats.length === 0) throw new Error('no export format chosen');
  const provenance = buildProvenance(provenanceInput);
  const folder = await newFolder(options.outDir, options.folderName ?? `cloudtrail-export-${basicIso(provenanceInput.exportedAt)}`);
  const created: HashingWriter[] = [];
  const open = async (name: string) => {
    const writer = await HashingWriter.create(path.join(folder, name));
    created.push(writer);
    return writer;
  };
  try {
    const jsonl = formats.includes('jsonl') ? await open('events.jsonl') : undefined;
    const csv = formats.includes('csv') ? await open('events.csv') : undefined;
    await jsonl?.write(JSON.stringify({ [PROVENANCE_KEY]: provenance }) + '\n');
    await csv?.write(csvHeader());

    let index = 0;
    let written = 0;
    const skipped: SkippedRecord[] = [];
    for await (const record of records as AsyncIterable<unknown>) {
      if ((index & 1023) === 0) signal?.throwIfAborted();
      const at = index++;
      const event = record instanceof RawRecord ? record.event : record;
      if (!isRecord(event)) {
        skipped.push({ index: at, reason: `not a JSON object (${event === null ? 'null' : Array.isArray(event) ? 'array' : typeof event})` });
        continue;
      }
      let line: string;
      let row: string | undefined;
      try {
        // The record's own text from the file when it came with it; otherwise serialised without recursion.
        line = record instanceof RawRecord ? record.text : (jsonText(event) ?? '{}');
        row = csv ? csvRecord(event) : undefined;
      } catch (error) {
        skipped.push({ index: at, reason: `cannot be serialised: ${error instanceof Error ? error.message : String(error)}` });
        continue;
      }
      await jsonl?.write(line + '\n');
      if (row !== undefined) await csv?.write(row);
      written++;
      if (onProgress && (written & 8191) === 0) onProgress({ events: written, bytes: (jsonl?.size ?? 0) + (csv?.size ?? 0) });
    }
    signal?.throwIfAborted();

    const files: ManifestFile[] = [];
    if (jsonl) files.push(await jsonl.close());
    if (csv) files.push(await csv.close());
    const provenanceWriter = await open('provenance.json');
    await provenanceWriter.write(JSON.stringify({ [PROVENANCE_KEY]: provenance }, null, 2) + '\n');
    files.push(await provenanceWriter.close());

    const warnings: string[] = [];
    if (provenanceInput.eventCount !== undefined && provenanceInput.eventCount !== written) {
      warnings.push(`expected ${provenanceInput.eventCount} events, wrote ${written}`);
    }
    if (skipped.length > 0) warnings.push(`${skipped.length} record(s) skipped, see "skipped"`);
    const manifestWriter = await open('manifest.json');
    await manifestWriter.write(
      JSON.stringify(
        { [PROVENANCE_KEY]: provenance, eventsWritten: written, skipped, warnings, hashAlgorithm: 'SHA-256', files },
        null,
        2,
      ) + '\n',
    );
    const manifestFile = await manifestWriter.close();
    const all = [...files, manifestFile];
    const checksums = await open('MANIFEST.sha256');
    await checksums.write(all.map((f) => `${f.sha256}  ${f.name}\n`).join(''));
    await checksums.close();
    onProgress?.({ events: written, bytes: all.reduce((sum, f) => sum + f.size, 0) });
    return {
      folder,
      files: all,
      eventsWritten: written,
      skipped,
      warnings,
      manifestPath: manifestWriter.file,
      checksumPath: checksums.file,
    };
  } catch (error) {
    // Remove only what this export created: the files, then its own new folder.
    for (const writer of created) writer.destroy();
    await Promise.all(created.map((w) => fs.rm(w.file, { force: true })));
    await fs.rmdir(folder).catch(() => undefined);
    throw error;
  }
}

/**
 * Streams records fetched in batches, e.g. `inBatches(selection, (ids) => index.rawRecords(ids))`,
 * so an export of a million events never holds them all: one batch at a time.
 */
export async function* inBatches<T>(
  ids: ArrayLike<number>,
  fetchMany: (ids: number[]) => Promise<T[]>,
  options: { batchSize?: number; signal?: AbortSignal } = {},
): AsyncGenerator<T> {
  const size = Math.max(1, options.batchSize ?? 1000);
  for (let start = 0; start < ids.length; start += size) {
    options.signal?.throwIfAborted();
    const batch: number[] = [];
    for (let i = start; i < Math.min(ids.length, start + size); i++) batch.push(ids[i]);
    const records = await fetchMany(batch);
    if (records.length !== batch.length) {
      throw new Error(`fetching events ${batch[0]}..${batch[batch.length - 1]} returned ${records.length} records for ${batch.length} ids`);
    }
    yield* records;
  }
}
