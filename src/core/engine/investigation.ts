/**
 * An investigation: the sources the user added and the one index they feed.
 * Sources load in parallel workers (or from the cache) and can be removed or reloaded;
 * live fetches append as their pages arrive.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { EventBatch, BatchBuilder, combineBatches, copyBatch, swapPlaces } from '../index/batch';
import { EventIndex, KnownMerge, MAX_CONFLICTS_LISTED, MergeResult } from '../index/event-index';
import { JsonObject } from '../model/event';
import { evidenceContaining } from '../sources/evidence-guard';
import { IndexedFile } from '../index/event-index';
import { jsonText } from '../model/json-text';
import { walkEvidence } from '../sources/index';
import { FileIdentities } from '../sources/walk';
import { readRawRecordsAt, readRecordsAt } from '../index/read-back';
import { EvidenceFile, FileProblem } from '../sources/types';
import { compareText } from '../model/text-order';
import { EventId, EventIdConflict, LoadOptions, LoadProgress, RecordPlace, SourceKind, SourceSummary, describePlace, sourceLabel } from './api';
import { CACHE_FORMAT, CacheIdentity, CachedSource, CachedSummary, OpenCache, cacheIdentity, cacheRoots, contentHashes, inKeyOrder, discardCacheSync, prefetchCache, readCache, ReadAhead, writeCache } from './cache';
import { ParsePool, checkWorkerCount, defaultWorkerCount } from './pool';

/**
 * With `workers: 'auto'`, evidence of fewer bytes (as stored: mostly gzip) is parsed on the
 * calling thread. Measured on 2 cores, whole CLI process: 10,000 events in 5,814 files (6.2 MB)
 * took 0.53 s parsed here against 0.63 s with two workers (0.64 s of CPU against 0.92: each
 * worker costs about 100 ms of CPU to start, and the batches their messages); 300,000 events in
 * 8,060 files (45 MB) 2.3 s here against 1.7 s. Parsing here costs about 45 ms a MB of gzip and
 * 9 µs a file, so threads win from about 10 MB on. Counting files does not change that: the
 * same 5,814 files parsed here and by one worker at once (the worker given 45% of them once the
 * walk was done, this thread taking its batches between runs of 128 files) took 0.47 s of wall
 * and 0.80 s of CPU, against 0.38 s and 0.54 s here alone (the worker's start, Node's built-in
 * modules loaded again in it, and its code as cold as this thread's).
 */
export const AUTO_THREADS_FROM_BYTES = 8 * 1024 * 1024;

interface SourceState {
  summary: SourceSummary;
  code: number;
  live?: LiveSource;
  /** The cache file this source was loaded from or written to, discarded when a record read back does not match it. */
  cache?: { dir: string; key: string };
}

export type ChangeListener = () => void;

export class Investigation {
  private current = this.newIndex();
  /** Fills the index from a source opened lazily from the cache (LoadOptions.deferIndex), on its first use. */
  private pending?: () => void;
  private readonly sources: SourceState[] = [];
  private readonly listeners = new Set<ChangeListener>();
  private nextId = 1;

  constructor(private readonly defaults: Pick<LoadOptions, 'cacheDir' | 'workers' | 'verify' | 'deferIndex' | 'statInFolder' | 'readAhead'> = {}) {}

  /**
   * The one index the sources feed. A source opened lazily from the cache is read into it here,
   * on first use: a damaged part of its cache throws CacheDamagedError (the cache is deleted).
   */
  get index(): EventIndex {
    const pending = this.pending;
    if (pending) {
      this.pending = undefined;
      pending();
    }
    return this.current;
  }

  private newIndex(): EventIndex {
    return new EventIndex(readRecordsAt, readRawRecordsAt, (file) => this.recordChanged(file));
  }

  /**
   * A record read back from `file` is not what the index holds for it: the file changed since
   * it was indexed. Its source's cache is deleted, so that the next load reads the evidence again.
   */
  private recordChanged(file: IndexedFile): void {
    for (const state of this.sources) {
      if (state.code !== file.sourceCode || !state.cache) continue;
      discardCacheSync(state.cache.dir, state.cache.key);
      state.cache = undefined;
    }
  }

  /** Loads paths into a fresh investigation: the CLI's entry point. */
  static async open(paths: string[], options: LoadOptions = {}): Promise<{ investigation: Investigation; summary: SourceSummary }> {
    const investigation = new Investigation(options);
    const summary = await investigation.addSource(paths, options).loaded;
    return { investigation, summary };
  }

  onDidChange(listener: ChangeListener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private fire(): void {
    for (const listener of [...this.listeners]) listener();
  }

  summaries(): SourceSummary[] {
    return this.sources.map((s) => s.summary);
  }

  /**
   * Adds a folder or a set of files as one source. The source is registered at once:
   * `summary` (its id, kind and label, and counts that grow as it loads) is there before
   * `loaded` settles. Cancel keeps what was already indexed.
   */
  addSource(paths: string[], options: LoadOptions = {}, label?: string): { summary: SourceSummary; loaded: Promise<SourceSummary> } {
    const id = `source-${this.nextId++}`;
    const resolved = paths.map((p) => path.resolve(p));
    const summary = emptySummary(id, 'evidence', sourceLabel(resolved, label), resolved);
    const state: SourceState = { summary, code: this.index.sources.code(id) };
    this.sources.push(state);
    const loaded = (async () => {
      try {
        await this.load(state, { ...this.defaults, ...options });
      } finally {
        // Not `index`: a source opened lazily stays so.
        this.current.trim();
        this.fire();
      }
      return summary;
    })();
    return { summary, loaded };
  }

  private async load(state: SourceState, options: LoadOptions): Promise<void> {
    // Without a cache the parse workers boot while the evidence is walked; with one, only once
    // the cache has not answered (each costs about 45 ms of CPU to start).
    // 'auto': the workers start once the walk has found enough to parse, else the files are
    // parsed here. Without a cache to ask first, the files the walk finds can go to the workers
    // as it finds them (feedWhileWalking).
    const auto = options.workers === 'auto';
    const workers = typeof options.workers === 'number' ? options.workers : defaultWorkerCount();
    checkWorkerCount(workers);
    let pool: ParsePool | undefined = options.cacheDir || auto ? undefined : new ParsePool(workers);
    const onWalked = options.cacheDir
      ? undefined
      : (bytes: number, slice: readonly EvidenceFile[]) => {
          if (auto && bytes >= AUTO_THREADS_FROM_BYTES) pool ??= new ParsePool(workers);
          if (options.feedWhileWalking) pool?.early(slice);
        };
    try {
      await this.loadWith((bytes) => (pool ??= new ParsePool(auto && bytes < AUTO_THREADS_FROM_BYTES ? 0 : workers)), state, options, onWalked);
    } finally {
      await pool?.close();
    }
  }

  private async loadWith(parsePool: (bytes: number) => ParsePool, state: SourceState, options: LoadOptions, onWalked?: (bytes: number, slice: readonly EvidenceFile[]) => void): Promise<void> {
    const { summary } = state;
    const signal = options.signal;
    const walkProblems: FileProblem[] = [];
    const files: EvidenceFile[] = [];
    const note = (text: string) => (summary.notes ??= []).push(text);
    const cacheDir = usableCacheDir(options.cacheDir, summary.paths, note);
    const identities = cacheDir ? new FileIdentities() : undefined;
    let walked = 0;
    // The cache last used for these paths is read on the thread pool while they are walked
    // here; it is used only if the walk's key is its own (readCache checks it as any other).
    // Held in an object, so that the bytes of a cache that was not this one can be let go before the evidence is read again.
    const ahead: { read?: Promise<ReadAhead | undefined> } = { read: cacheDir && options.readAhead && !options.verify ? prefetchCache(cacheDir, cacheRoots(summary.paths)) : undefined };
    try {
      for await (const slice of walkEvidence(summary.paths, { signal, onProblem: (p) => walkProblems.push(p), identities, statInFolder: options.statInFolder === true })) {
        for (const file of slice) {
          files.push(file);
          walked += file.size;
        }
        onWalked?.(walked, slice);
      }
    } catch (error) {
      await ahead.read;
      throw error;
    }
    summary.skipped.push(...walkProblems);
    signal?.throwIfAborted();

    let identity: CacheIdentity | undefined;
    let hashes: string[] | undefined;
    if (cacheDir) {
      // Key order: the cache names its files by their place in it.
      const sorted = inKeyOrder(files, identities);
      identity = cacheIdentity(summary.paths, sorted, identities);
      state.cache = { dir: cacheDir, key: identity.key };
      // Lazily (the columns read on the index's first use) only into an empty index, with the summary to report.
      const lazy = options.deferIndex === true && !options.verify && !this.pending && this.current.size === 0 && this.current.files.length === 0;
      const lookup = readCache(cacheDir, identity, sorted, { lazy, readAhead: await takeReadAhead(ahead, identity.key) });
      if (lookup.kind === 'refused') note(lookup.note);
      const stored = lookup.kind === 'hit' ? lookup.cache.summary : undefined;
      if (lookup.kind === 'hit' && lazy && stored) {
        this.deferLoad(state, lookup.cache, stored);
        return;
      }
      let cached = lookup.kind === 'hit' ? (lookup.value ?? (lazy ? this.readNow(lookup.cache, note) : undefined)) : undefined;
      if (cached && options.verify) {
        // Paranoid mode: the files' contents, hashed again, must be what was indexed.
        hashes = await contentHashes(files, signal);
        const stored = cached.contentHashes;
        const changed = stored && stored.length === hashes.length ? hashes.findIndex((h, i) => h !== stored[i]) : -2;
        if (changed === -2) note('verify: the index cache holds no content hashes to check against; the evidence was read again');
        else if (changed >= 0) note(`verify: ${[...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))[changed].path} changed since it was indexed (its SHA-256 differs); the evidence was read again`);
        if (changed !== -1) cached = undefined;
      }
      if (cached) {
        summary.skipped.splice(0, summary.skipped.length, ...cached.walkProblems);
        // Into an empty index, the batch is adopted as the load that wrote it merged it.
        const adopted = cached.merged && cached.batches.length === 1 ? this.index.adopt(cached.batches[0], state.code, cached.merged, cached.facts?.[0]) : undefined;
        if (adopted) {
          this.account(state, cached.batches[0], adopted);
        } else {
          this.index.reserve(cached.batches.reduce((sum, b) => sum + b.count, 0));
          const conflicts: [EventId, EventId][] = [];
          for (const batch of cached.batches) for (const pair of this.mergeBatch(state, batch).conflictPairs) conflicts.push(pair);
          this.listConflicts(summary, conflicts);
        }
        inSettledOrder(summary, files);
        summary.fromCache = true;
        return;
      }
    }

    const progress: LoadProgress = {
      filesDone: 0,
      filesTotal: files.length,
      events: 0,
      bytesDone: 0,
      bytesTotal: files.reduce((sum, f) => sum + f.size, 0),
    };
    options.onProgress?.({ ...progress });
    const batches: EventBatch[] = [];
    // What the merges do, for the cache, while this source alone fills an empty index.
    const index = this.index;
    let known: (KnownMerge & { rows: number; relocated: [EventId, number][] }) | undefined =
      index.size === 0 && index.files.length === 0 ? { dropped: [], conflicts: 0, conflictPairs: [], rows: 0, relocated: [] } : undefined;
    let lastReport = 0;
    /** Events the index's columns were last sized for. */
    let reserved = 0;
    /** Every conflict of this load, [first held, other] (account() lists the first few to arrive). */
    const conflicts: [EventId, EventId][] = [];
    await parsePool(progress.bytesTotal).parse(
      files,
      (batch) => {
        if (cacheDir) batches.push(copyBatch(batch));
        const bytesSeen = progress.bytesDone + batchBytes(batch);
        if (batch.count > 0 && summary.events + batch.count > reserved && bytesSeen > 0) {
          // Size the columns from the events per byte seen so far, generously: room reserved
          // and never written costs address space, not resident memory, while growing copies
          // every column and leaves the old ones to the allocator. Sized again (at least a
          // quarter more, so it stays rare) only when the events outgrow it.
          const foretold = ((summary.events + batch.count) / bytesSeen) * Math.max(0, progress.bytesTotal - bytesSeen);
          const total = Math.max(summary.events + batch.count + Math.ceil(foretold * 1.25), Math.ceil(reserved * 1.25));
          this.index.reserve(total - summary.events);
          reserved = total;
        }
        if (known && (this.index !== index || index.size !== known.rows - known.dropped.length)) known = undefined;
        const dropped: number[] | undefined = known ? [] : undefined;
        const result = this.mergeBatch(state, batch, dropped);
        for (const pair of result.conflictPairs) conflicts.push(pair);
        if (known && dropped) {
          for (const row of dropped) known.dropped.push(known.rows + row);
          for (const [id, row] of result.relocated) known.relocated.push([id, known.rows + row]);
          known.rows += batch.count;
          known.conflicts += result.conflicts;
        }
        for (const file of batch.files) {
          if (file.continuation) continue;
          progress.filesDone++;
          progress.bytesDone += file.size;
          progress.currentPath = file.path;
        }
        progress.events = summary.events;
        const now = Date.now();
        if (options.onProgress && now - lastReport > 100) {
          lastReport = now;
          options.onProgress({ ...progress });
        }
      },
      signal,
    );
    options.onProgress?.({ ...progress });
    const listed = this.listConflicts(summary, conflicts);
    // The cache's merge facts hold ids in rising order; a reopen lists them the same (inSettledOrder).
    if (known) known.conflictPairs = listed.map(([a, b]) => (a < b ? [a, b] : [b, a]));
    inSettledOrder(summary, files);
    if (cacheDir && identity && !signal?.aborted) {
      if (options.verify) hashes ??= await contentHashes(files, signal);
      // A file that changed while it was read must not be cached under the identity it had before.
      if (cacheIdentity(summary.paths, files).key !== identity.key) {
        note('some evidence files changed while they were read: the index cache was not written');
        state.cache = undefined;
        return;
      }
      const merged = known ? { dropped: known.dropped, conflicts: known.conflicts, conflictPairs: known.conflictPairs } : undefined;
      const combined = batches.length ? combineBatches(batches) : undefined;
      if (combined && known) relocateKept(combined, known);
      const value = { format: CACHE_FORMAT, identity, batches: combined ? [combined] : [], walkProblems, contentHashes: hashes, merged };
      // What a reopen into an empty index reports is what this load did, which started from one.
      const reported: CachedSummary | undefined = merged ? { events: summary.events, files: summary.files, digests: summary.digests, skipped: [...summary.skipped], eventsWithoutTime: summary.eventsWithoutTime, duplicates: summary.duplicates, conflicts: summary.conflicts, conflictList: summary.conflictList, first: summary.first, last: summary.last } : undefined;
      await writeCache(cacheDir, value, files, reported).catch((error: unknown) => {
        state.cache = undefined;
        summary.skipped.push({
          path: cacheDir,
          reason: `the index cache could not be written: ${error instanceof Error ? error.message : String(error)}`,
        });
      });
    }
  }

  /**
   * A source found in the cache, into an empty index: its summary is the one the cache stores;
   * its columns are read (and checked) on the index's first use.
   */
  private deferLoad(state: SourceState, cache: OpenCache, stored: CachedSummary): void {
    const { summary } = state;
    Object.assign(summary, { ...stored, skipped: [...stored.skipped], conflictList: [...stored.conflictList], fromCache: true });
    this.pending = () => {
      let cached: CachedSource;
      try {
        cached = cache.load();
      } catch (error) {
        state.cache = undefined;
        // Every later use throws too: never an empty index under a summary that counts events.
        this.pending = () => {
          throw error;
        };
        throw error;
      }
      const index = this.current;
      const adopted = cached.merged && cached.batches.length === 1 ? index.adopt(cached.batches[0], state.code, cached.merged, cached.facts?.[0]) : undefined;
      // Into an empty index a merge does what the load that wrote the cache did: the summary stands.
      if (!adopted) for (const batch of cached.batches) index.merge(batch, state.code);
      index.trim();
    };
  }

  /** An opened cache read now (a lazy lookup whose summary is missing); undefined, with a note, when damaged. */
  private readNow(cache: OpenCache, note: (text: string) => void): CachedSource | undefined {
    try {
      return cache.load();
    } catch (error) {
      note(`${error instanceof Error ? error.message : String(error)}; the evidence was read again`);
      return undefined;
    }
  }

  private mergeBatch(state: SourceState, batch: EventBatch, dropped?: number[]): MergeResult {
    const result = this.index.merge(batch, state.code, dropped);
    this.account(state, batch, result);
    return result;
  }

  /**
   * At the end of a load, lists the conflicts firstConflicts picks, at the places their records
   * have now: which are listed, and where, must not depend on which arrived first (account()
   * listed the first to arrive, where they were then). Returns them.
   */
  private listConflicts(summary: SourceSummary, conflicts: readonly [EventId, EventId][]): [EventId, EventId][] {
    const listed = this.firstConflicts(conflicts);
    summary.conflictList = listed.map(([first, second]) => ({ eventId: this.index.value('eventId', second) ?? '', first: this.place(first), second: this.place(second) }));
    return listed;
  }

  /**
   * The conflicts to list, of `pairs` ([first held, other] of one load): those of the eventIDs
   * first in code-unit order, each eventID's records as its earliest place and each other one,
   * in place order, MAX_CONFLICTS_LISTED in all. A record of an earlier source stays first.
   */
  private firstConflicts(pairs: readonly [EventId, EventId][]): [EventId, EventId][] {
    const groups = new Map<EventId, EventId[]>();
    for (const [first, other] of pairs) {
      const group = groups.get(first);
      if (group) group.push(other);
      else groups.set(first, [other]);
    }
    // The groups of the smallest eventIDs, at most as many as pairs are listed (each gives one or more).
    const smallest: Array<{ eventId: string; first: EventId }> = [];
    for (const first of groups.keys()) {
      const eventId = this.index.value('eventId', first) ?? '';
      if (smallest.length === MAX_CONFLICTS_LISTED && compareText(eventId, smallest[smallest.length - 1].eventId) >= 0) continue;
      let at = smallest.length;
      while (at > 0 && compareText(eventId, smallest[at - 1].eventId) < 0) at--;
      smallest.splice(at, 0, { eventId, first });
      if (smallest.length > MAX_CONFLICTS_LISTED) smallest.pop();
    }
    const listed: [EventId, EventId][] = [];
    const byPlace = (a: EventId, b: EventId) => comparePlaces(this.place(a), this.place(b)) || a - b;
    for (const { first } of smallest) {
      const others = groups.get(first)!;
      const ownFirst = this.index.value('source', first) === this.index.value('source', others[0]);
      const members = ownFirst ? [first, ...others].sort(byPlace) : [first, ...others.sort(byPlace)];
      for (const other of members.slice(1)) {
        if (listed.length === MAX_CONFLICTS_LISTED) return listed;
        listed.push([members[0], other]);
      }
    }
    return listed;
  }

  /** Adds what merging `batch` did to its source's summary. */
  private account(state: SourceState, batch: EventBatch, result: MergeResult): void {
    const { summary } = state;
    summary.events += result.added;
    summary.duplicates += result.duplicates;
    summary.conflicts += result.conflicts;
    for (const [first, second] of result.conflictPairs) {
      if (summary.conflictList.length >= MAX_CONFLICTS_LISTED) break;
      summary.conflictList.push({ eventId: this.index.value('eventId', second) ?? '', first: this.place(first), second: this.place(second) });
    }
    summary.eventsWithoutTime += result.withoutTime;
    if (result.added > result.withoutTime) {
      summary.first = Math.min(summary.first ?? Infinity, result.first);
      summary.last = Math.max(summary.last ?? -Infinity, result.last);
    }
    for (const file of batch.files) {
      // Most files have no problem: no spread call for them (thousands a batch of small files).
      if (file.problems.length > 0) summary.skipped.push(...file.problems);
      if (file.continuation) continue;
      if (file.format === 'digest') summary.digests++;
      else if (file.format === 'digest-signature') continue;
      else if (file.records > 0) summary.files++;
      else if (file.problems.length === 0 && file.format) {
        // A readable file with no records, e.g. an empty Records array: say so.
        summary.skipped.push({ path: file.path, reason: 'no CloudTrail events in this file' });
      }
    }
  }

  private place(id: EventId): RecordPlace {
    const { path: file } = this.index.origin(id);
    const { offset, length } = this.index.location(id);
    return length === 0 ? { path: file, record: offset + 1 } : { path: file, byte: offset };
  }

  /** Removes a source; the index is rebuilt from the remaining ones (from the cache when enabled). */
  async removeSource(id: string, options: LoadOptions = {}): Promise<void> {
    const position = this.sources.findIndex((s) => s.summary.id === id);
    if (position === -1) return;
    this.sources.splice(position, 1);
    await this.rebuild(options);
  }

  async reloadSource(id: string, options: LoadOptions = {}): Promise<SourceSummary | undefined> {
    const state = this.sources.find((s) => s.summary.id === id);
    if (!state) return undefined;
    await this.rebuild(options);
    return state.summary;
  }

  private async rebuild(options: LoadOptions): Promise<void> {
    const remaining = this.sources.splice(0);
    this.pending = undefined;
    this.current = this.newIndex();
    try {
      for (const state of remaining) {
        const summary = state.summary;
        const fresh: SourceSummary = { ...summary, events: 0, files: 0, digests: 0, skipped: [], eventsWithoutTime: 0, duplicates: 0, conflicts: 0, conflictList: [], first: undefined, last: undefined, fromCache: false, notes: undefined };
        const next: SourceState = { summary: fresh, code: this.index.sources.code(summary.id), live: state.live };
        this.sources.push(next);
        if (state.live) {
          state.live.rebind(this, next);
          await state.live.replay();
        } else {
          await this.load(next, { ...this.defaults, ...options });
        }
        Object.assign(summary, fresh);
        next.summary = summary;
      }
    } finally {
      this.index.trim();
      this.fire();
    }
  }

  /**
   * A source fed by a live fetch (LookupEvents, Athena, Lake): each appended page is
   * written to an NDJSON spill file (so raw events can be fetched again) and indexed.
   */
  async createLiveSource(label: string, spillDir: string): Promise<LiveSource> {
    const id = `source-${this.nextId++}`;
    await fs.mkdir(spillDir, { recursive: true });
    const spillPath = path.join(spillDir, `${id}-${Date.now()}.jsonl`);
    await fs.writeFile(spillPath, '', { flag: 'wx' });
    const summary = { ...emptySummary(id, 'live', label, [spillPath]), files: 1 };
    const state: SourceState = { summary, code: this.index.sources.code(id) };
    const live = new LiveSource(this, state, spillPath);
    state.live = live;
    this.sources.push(state);
    this.fire();
    return live;
  }

  /** @internal used by LiveSource */
  appendLive(state: SourceState, batch: EventBatch): void {
    this.mergeBatch(state, batch);
    state.summary.files = 1;
    this.fire();
  }
}

export class LiveSource {
  private written = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private investigation: Investigation,
    private state: SourceState,
    readonly spillPath: string,
  ) {}

  get summary(): SourceSummary {
    return this.state.summary;
  }

  /** @internal */
  rebind(investigation: Investigation, state: SourceState): void {
    this.investigation = investigation;
    this.state = state;
  }

  /** Appends raw CloudTrail records; resolves once they are on disk and indexed. */
  append(events: readonly JsonObject[]): Promise<void> {
    const run = this.queue.then(async () => {
      if (events.length === 0) return;
      const builder = new BatchBuilder();
      const fileIndex = builder.addFile({ path: this.spillPath, format: 'jsonl', size: 0, mtimeMs: 0, records: events.length, problems: [] });
      const lines: string[] = [];
      let offset = this.written;
      for (const event of events) {
        const line = jsonText(event) ?? '{}';
        const length = Buffer.byteLength(line);
        builder.addRecord(event, fileIndex, { offset, length });
        lines.push(line);
        offset += length + 1;
      }
      await fs.appendFile(this.spillPath, lines.join('\n') + '\n');
      this.written = offset;
      this.investigation.appendLive(this.state, builder.take());
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** @internal re-indexes the spill file after a rebuild. */
  async replay(): Promise<void> {
    const text = await fs.readFile(this.spillPath, 'utf8');
    const builder = new BatchBuilder();
    const fileIndex = builder.addFile({ path: this.spillPath, format: 'jsonl', size: 0, mtimeMs: 0, records: 0, problems: [] });
    let offset = 0;
    for (const line of text.split('\n')) {
      const length = Buffer.byteLength(line);
      if (line.length > 0) {
        builder.addRecord(JSON.parse(line) as JsonObject, fileIndex, { offset, length });
        builder.file(fileIndex).records++;
      }
      offset += length + 1;
    }
    this.investigation.appendLive(this.state, builder.take());
  }
}

/** The cache read ahead if it is the one for `key`; the holder lets go of it either way. */
async function takeReadAhead(ahead: { read?: Promise<ReadAhead | undefined> }, key: string): Promise<ReadAhead | undefined> {
  const read = await ahead.read;
  ahead.read = undefined;
  return read?.key === key ? read : undefined;
}

/**
 * The skipped files and the eventID conflicts of a load in an order of their own (by path and
 * place; by eventID), not the order in which the workers happened to finish their chunks: the
 * same lists at every worker count, in the summary and in the cache. Of two conflicting
 * records of this load's own files, `first` is the one at the earlier place (which of them
 * was held first is down to the workers); a record of an earlier source stays `first`.
 */
function inSettledOrder(summary: SourceSummary, files: readonly EvidenceFile[]): void {
  summary.skipped.sort((a, b) => compareText(a.path, b.path) || (a.offset ?? -1) - (b.offset ?? -1) || compareText(a.reason, b.reason));
  if (summary.conflictList.length === 0) return;
  const own = new Set(files.map((file) => file.path));
  const byId = new Map<string, EventIdConflict[]>();
  for (const conflict of summary.conflictList) {
    const group = byId.get(conflict.eventId);
    if (group) group.push(conflict);
    else byId.set(conflict.eventId, [conflict]);
  }
  const settled: EventIdConflict[] = [];
  for (const [eventId, group] of byId) {
    // n records of one eventID, all different and all of this load, were listed as n − 1
    // pairs whose shape depends on which came first: listed instead as the earliest (by
    // place) and each of the others.
    const places = new Map<string, RecordPlace>();
    for (const c of group) for (const place of [c.first, c.second]) places.set(describePlace(place), place);
    const ordered = [...places.values()].sort(comparePlaces);
    if (ordered.length !== group.length + 1 || !ordered.every((place) => own.has(place.path))) {
      settled.push(...group);
      continue;
    }
    for (const place of ordered.slice(1)) settled.push({ eventId, first: ordered[0], second: place });
  }
  summary.conflictList = settled.sort((a, b) => compareText(a.eventId, b.eventId) || comparePlaces(a.first, b.first) || comparePlaces(a.second, b.second));
}

/**
 * Gives the cached batch the places the index's merges gave (MergeResult.relocated): event id
 * k is the k-th row not dropped, and takes the place of the row it was relocated to.
 */
function relocateKept(batch: EventBatch, known: KnownMerge & { relocated: [EventId, number][] }): void {
  if (known.relocated.length === 0) return;
  const rowOfId: number[] = [];
  for (let row = 0, d = 0; row < batch.count; row++) {
    if (d < known.dropped.length && known.dropped[d] === row) d++;
    else rowOfId.push(row);
  }
  for (const [id, row] of known.relocated) swapPlaces(batch, rowOfId[id], row);
}

function comparePlaces(a: RecordPlace, b: RecordPlace): number {
  return compareText(a.path, b.path) || (a.record ?? -1) - (b.record ?? -1) || (a.byte ?? -1) - (b.byte ?? -1);
}

function batchBytes(batch: EventBatch): number {
  return batch.files.reduce((sum, file) => sum + (file.continuation ? 0 : file.size), 0);
}

/** A source's summary before anything is loaded. */
function emptySummary(id: string, kind: SourceKind, label: string, paths: string[]): SourceSummary {
  return { id, kind, label, paths, events: 0, files: 0, digests: 0, skipped: [], eventsWithoutTime: 0, duplicates: 0, conflicts: 0, conflictList: [], fromCache: false };
}

/**
 * The cache must never sit inside the evidence it indexes (compared as real paths, every link
 * resolved, so a link into the evidence does not pass): such a folder is not used, with a note.
 */
function usableCacheDir(cacheDir: string | undefined, evidence: readonly string[], note: (text: string) => void): string | undefined {
  if (!cacheDir) return undefined;
  const resolved = path.resolve(cacheDir);
  let inside;
  try {
    inside = evidenceContaining(resolved, evidence);
  } catch (error) {
    note(`the index cache folder ${resolved} cannot be used (${error instanceof Error ? error.message : String(error)}); the evidence was read without it`);
    return undefined;
  }
  if (inside) {
    note(`the index cache folder ${resolved}${inside.realTarget !== resolved ? ` (really ${inside.realTarget})` : ''} is inside the evidence ${inside.evidence}: not used, since evidence is kept read-only`);
    return undefined;
  }
  return resolved;
}
