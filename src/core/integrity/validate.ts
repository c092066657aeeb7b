/**
 * The validation engine: what `aws cloudtrail validate-logs` does, for any
 * EvidenceStore (a folder on disk, or an S3 bucket).
 *
 * 1. List digests and log files.
 * 2. Read each digest, verify its RSA signature with the key its fingerprint
 *    names, and check it sits where it says it was delivered.
 * 3. Walk each chain (account, region, trail) in digestEndTime order: every
 *    digest must name the one before it (previousDigestS3Object) with its
 *    signature (previousDigestSignature); a missing link is a gap. The digest a
 *    chain's first held digest names must be present too when it ends inside the
 *    window (the start given, or the earliest digest or log file of the trail):
 *    otherwise deleting the head of one region's chain would go unnoticed.
 * 4. Hash every log file a trusted digest lists (decompressed, streaming) and
 *    compare with hashValue; log files no digest lists are reported too.
 *
 * With a start or end time (as `validate-logs --start-time/--end-time`), digests
 * whose hour does not meet the window, and log files outside it that no digest in
 * it lists, are left out, and the result says so.
 *
 * Everything a digest says is attacker-controlled text: keys are looked up in
 * the listing we made, never opened as paths.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { isAbort } from '../abort';
import { DigestFormatError, DigestSignature, ParsedDigest, parseDigest, verifyDigestSignature } from './digest';
import { DecompressError, sha256OfDecompressed } from './hash';
import { DigestPublicKey, listCloudTrailPublicKeys } from './keys';
import { awsLogsSuffix, decompressedVariant, parseAwsLogsKey } from './layout';
import { S3Store } from './s3store';
import { EvidenceStore, FolderStore, StoredFile } from './store';
import { checkBounds, DIGEST_PERIOD_MS, digestInWindow, TimeBounds, timeInWindow } from './window';
import {
  ChainFinding,
  DIGEST_VERDICTS,
  DigestResult,
  DigestVerdict,
  IntegrityProblem,
  LOG_VERDICTS,
  LogFileResult,
  LogVerdict,
  ValidationOptions,
  ValidationResult,
  ValidationWindow,
} from './types';

/** Slack around a gap window when matching log delivery times (file names carry minutes only). */
const WINDOW_SLACK_MS = 60_000;
/** Log file names carry minutes: the latest second a log named at a minute may have been delivered. */
const LOG_NAME_PRECISION_MS = 59_000;

interface DigestRecord {
  file: StoredFile;
  parsed?: ParsedDigest;
  signature?: DigestSignature;
  result: DigestResult;
}

interface Hole {
  root: string;
  account: string;
  region: string;
  from: number;
  to: number;
  reason: string;
}

function errorText(error: unknown): string {
  if (error instanceof Error) return (error as NodeJS.ErrnoException).code ? `${(error as NodeJS.ErrnoException).code}: ${error.message}` : error.message;
  return String(error);
}

function time(text: string | undefined): number {
  if (!text) return NaN;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? NaN : ms;
}

function iso(ms: number): string | undefined {
  return Number.isFinite(ms) ? new Date(ms).toISOString().replace('.000Z', 'Z') : undefined;
}

function location(bucket: string | null, key: string | null): string {
  return `s3://${bucket ?? '?'}/${key ?? '?'}`;
}

/** Runs tasks with at most `limit` in flight. */
async function pool<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const item = items[next++];
      await task(item);
    }
  });
  await Promise.all(workers);
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** The hour a digest covers, from its content, else from its file name (which carries the end). */
function digestHours(record: DigestRecord): { start: number; end: number } {
  let end = time(record.parsed?.digestEndTime);
  if (!Number.isFinite(end)) end = record.file.layout.fileTime;
  let start = time(record.parsed?.digestStartTime);
  if (!Number.isFinite(start) && Number.isFinite(end)) start = end - DIGEST_PERIOD_MS;
  return { start, end };
}

/** Digests of one trail (in any region) share a span; digests named outside the documented layout, per account and region. */
function trailGroup(record: DigestRecord): string {
  return `${record.file.root}\0${record.result.trail ?? `${record.result.account ?? '?'}\0${record.result.region ?? '?'}`}`;
}

/**
 * A log file's name gives its delivery time to the minute: it counts as delivered at the end
 * of that minute. Otherwise a log named 14:01, delivered at 14:01:45 and listed by the digest
 * that starts at 14:01:31, would put the span's start before that digest, and the digest
 * before it (which ends at 14:01:31, before anything in the evidence) would be demanded.
 */
function latestDelivery(logNameTime: number): number {
  return logNameTime + LOG_NAME_PRECISION_MS;
}

/**
 * Per trail, the earliest and latest delivery time the evidence shows: digest end times
 * (a digest's file is named by its end) and the delivery times of the log files they list.
 * Delivery times, not digestStartTime: evidence cut by delivery date (a day's folders)
 * then starts every region's chain inside the span, whatever minute each region's hour ends.
 */
function evidenceSpans(records: readonly DigestRecord[]): Map<string, { start: number; end: number }> {
  const spans = new Map<string, { start: number; end: number }>();
  for (const record of records) {
    const group = trailGroup(record);
    const span = spans.get(group) ?? { start: Infinity, end: -Infinity };
    const add = (earliest: number, latest: number): void => {
      if (Number.isFinite(earliest)) span.start = Math.min(span.start, earliest);
      if (Number.isFinite(latest)) span.end = Math.max(span.end, latest);
    };
    const end = digestHours(record).end;
    add(end, end);
    for (const entry of record.parsed?.logFiles ?? []) {
      const named = parseAwsLogsKey(awsLogsSuffix(entry.s3Object) ?? '')?.fileTime ?? NaN;
      // The start counts a log at the end of its minute; the end, no later than its name says.
      add(latestDelivery(named), named);
    }
    spans.set(group, span);
  }
  return spans;
}

export async function validateStore(store: EvidenceStore, options: ValidationOptions = {}): Promise<ValidationResult> {
  const bounds: TimeBounds = checkBounds(options.startTime, options.endTime);
  options.signal?.throwIfAborted();
  // 1. List digests and log files.
  options.onProgress?.({ phase: 'listing', done: 0, total: 0, bytesDone: 0 });
  const listing = await store.list(options.signal, (count) => options.onProgress?.({ phase: 'listing', done: count, total: 0, bytesDone: 0 }));
  const problems: IntegrityProblem[] = [...listing.problems];
  const digestFiles = listing.files.filter((f) => f.layout.kind === 'digest');
  const logFiles = listing.files.filter((f) => f.layout.kind === 'log');

  // 2. Read every digest, keep those in the window, and judge each one's signature and place.
  const read = await readDigests(store, digestFiles, problems, options);
  const { records, digestsOutside, listedOutside } = digestsInWindow(read, bounds);
  const spans = evidenceSpans(records);
  const keys = await publicKeysFor(records, problems, options);
  for (const record of records) judgeDigest(record, keys);

  // 3. Chains.
  const notChecked: string[] = [];
  const chains = walkChains(store, records, bounds, spans, notChecked);

  // 4. Log files: those the digests list, those none lists, then the hashes.
  const { results, seen, toHash } = listedLogFiles(store, records, logFiles);
  const logsOutside = unlistedLogFiles(logFiles, seen, records, chains.holes, listedOutside, bounds, results);
  await hashLogFiles(store, toHash, problems, options);

  return validationResult(store, bounds, {
    records,
    missingDigests: chains.missingDigests,
    results,
    findings: chains.findings,
    problems,
    spans,
    notChecked,
    digestsOutside,
    logsOutside,
  });
}

/** Reads and parses each digest file; one that cannot be read is a problem and its result says why. */
async function readDigests(store: EvidenceStore, digestFiles: readonly StoredFile[], problems: IntegrityProblem[], options: ValidationOptions): Promise<DigestRecord[]> {
  const { signal, onProgress } = options;
  const read: DigestRecord[] = [];
  let done = 0;
  for (const file of digestFiles) {
    signal?.throwIfAborted();
    onProgress?.({ phase: 'digests', done, total: digestFiles.length, bytesDone: 0, currentPath: file.path });
    const record: DigestRecord = {
      file,
      result: {
        path: file.path,
        recordedLocation: file.bucket ? location(file.bucket, file.fullKey ?? null) : file.layout.key,
        verdict: 'not-verifiable',
        account: file.layout.account,
        region: file.layout.region,
        trail: file.layout.trail,
        logFiles: 0,
        backfill: file.layout.backfill,
      },
    };
    try {
      const content = await store.readDigest(file, signal);
      record.parsed = parseDigest(content.body);
      record.signature = content.signature;
      const parsed = record.parsed;
      const recordedKey = awsLogsSuffix(parsed.digestS3Object);
      const recordedLayout = recordedKey ? parseAwsLogsKey(recordedKey) : undefined;
      Object.assign(record.result, {
        recordedLocation: location(parsed.digestS3Bucket, parsed.digestS3Object),
        account: recordedLayout?.account ?? parsed.awsAccountId ?? file.layout.account,
        region: recordedLayout?.region ?? file.layout.region,
        trail: recordedLayout?.trail ?? file.layout.trail,
        backfill: recordedLayout?.backfill ?? file.layout.backfill,
        startTime: parsed.digestStartTime,
        endTime: parsed.digestEndTime,
        fingerprint: parsed.digestPublicKeyFingerprint,
        logFiles: parsed.logFiles.length,
      });
      if (!content.signature) record.result.reason = content.signatureProblem ?? 'signature metadata not found';
    } catch (error) {
      if (isAbort(error, signal)) throw error;
      const reason = error instanceof DigestFormatError ? error.message : errorText(error);
      record.result.reason = `cannot be read: ${reason}`;
      problems.push({ path: file.path, reason: `digest cannot be read: ${reason}` });
    }
    read.push(record);
    done++;
  }
  onProgress?.({ phase: 'digests', done, total: digestFiles.length, bytesDone: 0 });

  return read;
}

/**
 * The digests whose hour meets the window, how many were left out, and the log files those
 * left out list (outside the window too, whatever minute their names say).
 */
function digestsInWindow(read: readonly DigestRecord[], bounds: TimeBounds): { records: DigestRecord[]; digestsOutside: number; listedOutside: Set<string> } {
  const records = read.filter((record) => {
    const hours = digestHours(record);
    return digestInWindow(hours.start, hours.end, bounds);
  });
  const digestsOutside = read.length - records.length;
  // Log files the digests outside the window list are outside it too, whatever minute their names say.
  const listedOutside = new Set<string>();
  const inWindow = new Set(records);
  for (const record of read) {
    if (inWindow.has(record)) continue;
    for (const entry of record.parsed?.logFiles ?? []) {
      const key = awsLogsSuffix(entry.s3Object) ?? entry.s3Object;
      listedOutside.add(`${record.file.root}\0${key}`);
      const variant = decompressedVariant(key);
      if (variant) listedOutside.add(`${record.file.root}\0${variant}`);
    }
  }
  return { records, digestsOutside, listedOutside };
}

/**
 * The keys given, plus those the digests name that we do not hold: fetched from the digest's
 * region first, then from the trail's home region for any still unknown.
 */
async function publicKeysFor(records: readonly DigestRecord[], problems: IntegrityProblem[], options: ValidationOptions): Promise<DigestPublicKey[]> {
  const { signal } = options;
  const keys: DigestPublicKey[] = [...(options.publicKeys ?? [])];
  const fetchPublicKeys = options.fetchPublicKeys;
  if (!fetchPublicKeys) return keys;
  const fetchFor = async (regionOf: (record: DigestRecord) => string | undefined): Promise<void> => {
    const byRegion = new Map<string, { fingerprints: Set<string>; start: number; end: number }>();
    for (const record of records) {
      const parsed = record.parsed;
      if (!parsed || !record.signature) continue;
      if (keys.some((k) => k.fingerprints.includes(parsed.digestPublicKeyFingerprint))) continue;
      const region = regionOf(record);
      if (!region) continue;
      const entry = byRegion.get(region) ?? { fingerprints: new Set<string>(), start: Infinity, end: -Infinity };
      entry.fingerprints.add(parsed.digestPublicKeyFingerprint);
      const start = time(parsed.digestStartTime);
      const end = time(parsed.digestEndTime);
      if (Number.isFinite(start)) entry.start = Math.min(entry.start, start);
      if (Number.isFinite(end)) entry.end = Math.max(entry.end, end);
      byRegion.set(region, entry);
    }
    for (const [region, entry] of byRegion) {
      signal?.throwIfAborted();
      const now = Date.now();
      try {
        keys.push(
          ...(await fetchPublicKeys({
            region,
            fingerprints: [...entry.fingerprints],
            start: new Date(Number.isFinite(entry.start) ? entry.start : now),
            end: new Date(Number.isFinite(entry.end) ? entry.end : now),
            signal,
          })),
        );
      } catch (error) {
        if (isAbort(error, signal)) throw error;
        problems.push({ path: `ListPublicKeys (${region})`, reason: `public keys could not be fetched: ${errorText(error)}` });
      }
    }
  };
  await fetchFor((record) => record.result.region ?? record.file.layout.region);
  await fetchFor((record) => {
    const home = parseAwsLogsKey(awsLogsSuffix(record.parsed?.digestS3Object ?? '') ?? '')?.homeRegion ?? record.file.layout.homeRegion;
    return home && home !== record.result.region ? home : undefined;
  });
  return keys;
}

/** A digest's verdict: its signature checked with `keys`, and whether it sits where it says it was delivered. */
function judgeDigest(record: DigestRecord, keys: readonly DigestPublicKey[]): void {
  const { parsed, signature, result, file } = record;
  if (!parsed) return;
  const recordedKey = awsLogsSuffix(parsed.digestS3Object);
  const moved = file.bucket
    ? parsed.digestS3Bucket !== file.bucket || parsed.digestS3Object !== file.fullKey
    : recordedKey !== file.layout.key;
  const movedText = `found at ${file.path}, but it records its location as ${location(parsed.digestS3Bucket, parsed.digestS3Object)}`;
  if (!signature) {
    result.verdict = 'not-verifiable';
  } else {
    const check = verifyDigestSignature(parsed, signature, keys);
    if (!check.ok) {
      result.verdict = check.verdict;
      result.reason = check.reason;
    } else if (moved) {
      result.verdict = 'moved';
      result.reason = `moved: ${movedText}`;
      return;
    } else {
      result.verdict = 'valid';
      return;
    }
  }
  if (moved) result.reason = `${result.reason}; also moved: ${movedText}`;
}

/**
 * The regular chains (root, account, region, trail; backfill digests are outside them), and
 * the digests by the location they record and by the key they were found at.
 */
function indexChains(records: readonly DigestRecord[]): {
  chains: Map<string, DigestRecord[]>;
  byRecorded: Map<string, DigestRecord>;
  byRecordedAnyRoot: Map<string, DigestRecord>;
  byFoundKey: Map<string, DigestRecord>;
} {
  const chains = new Map<string, DigestRecord[]>();
  const byRecorded = new Map<string, DigestRecord>();
  // A trail that moved to another bucket names a previous digest in the old one: when both
  // buckets sit side by side in the evidence, that digest is found under the other root.
  const byRecordedAnyRoot = new Map<string, DigestRecord>();
  const byFoundKey = new Map<string, DigestRecord>();
  for (const record of records) {
    byFoundKey.set(`${record.file.root}\0${record.file.layout.key}`, record);
    const parsed = record.parsed;
    if (!parsed) continue;
    byRecorded.set(`${record.file.root}\0${parsed.digestS3Bucket}/${parsed.digestS3Object}`, record);
    if (!byRecordedAnyRoot.has(`${parsed.digestS3Bucket}/${parsed.digestS3Object}`)) byRecordedAnyRoot.set(`${parsed.digestS3Bucket}/${parsed.digestS3Object}`, record);
    if (record.result.backfill) continue; // backfill digests are outside the regular chain
    const chainId = `${record.file.root}\0${record.result.account}\0${record.result.region}\0${record.result.trail ?? ''}`;
    const chain = chains.get(chainId) ?? [];
    chain.push(record);
    chains.set(chainId, chain);
  }
  return { chains, byRecorded, byRecordedAnyRoot, byFoundKey };
}

/**
 * The findings of one link whose named previous digest is present: a trusted previous digest
 * whose signature or hash differs from what the link records, and a digest between them that
 * the chain skips.
 */
function linkFindings(
  current: DigestRecord,
  previous: DigestRecord,
  before: DigestRecord | undefined,
  base: { account: string; region: string; trail?: string },
  previousLocation: string,
  namedSignature: string,
): ChainFinding[] {
  const parsed = current.parsed as ParsedDigest;
  const found: ChainFinding[] = [];
  const previousTrusted = previous.result.verdict === 'valid' || previous.result.verdict === 'moved';
  if (previousTrusted) {
    const mismatches: string[] = [];
    if (previous.signature && previous.signature.signature.toLowerCase() !== namedSignature.toLowerCase()) {
      mismatches.push('previousDigestSignature differs from its signature');
    }
    if (parsed.previousDigestHashValue && previous.parsed && parsed.previousDigestHashValue.toLowerCase() !== previous.parsed.sha256) {
      mismatches.push('previousDigestHashValue differs from its SHA-256');
    }
    if (mismatches.length > 0) {
      found.push({
        kind: 'link-mismatch',
        ...base,
        from: previous.parsed?.digestEndTime,
        to: parsed.digestStartTime,
        message: `${current.file.path} names ${previousLocation} as its previous digest, but ${mismatches.join(' and ')}`,
      });
    }
  }
  if (before && before !== previous) {
    found.push({
      kind: 'link-mismatch',
      ...base,
      from: before.parsed?.digestStartTime,
      to: before.parsed?.digestEndTime,
      message: `${before.file.path} is not part of the chain: the next digest (${current.file.path}) names ${previousLocation} as its previous digest`,
    });
  }
  return found;
}

/**
 * Walks each chain (root, account, region, trail) in digestEndTime order: the findings (gaps,
 * links that do not match), the holes they leave (for log files no digest lists), and the
 * digests named as previous that are missing. A chain head whose predecessor ends before the
 * window is noted in `notChecked`.
 */
function walkChains(
  store: EvidenceStore,
  records: readonly DigestRecord[],
  bounds: TimeBounds,
  spans: Map<string, { start: number; end: number }>,
  notChecked: string[],
): { findings: ChainFinding[]; holes: Hole[]; missingDigests: DigestResult[] } {
  const findings: ChainFinding[] = [];
  const holes: Hole[] = [];
  const missingDigests: DigestResult[] = [];
  const { chains, byRecorded, byRecordedAnyRoot, byFoundKey } = indexChains(records);
  for (const chain of chains.values()) {
    chain.sort((a, b) => time(a.parsed?.digestEndTime) - time(b.parsed?.digestEndTime));
    for (let i = 0; i < chain.length; i++) {
      const current = chain[i];
      const parsed = current.parsed as ParsedDigest;
      const before = i > 0 ? chain[i - 1] : undefined;
      const root = current.file.root;
      const base = { account: current.result.account ?? '?', region: current.result.region ?? '?', trail: current.result.trail };
      const from = before ? time(before.parsed?.digestEndTime) : NaN;
      const to = time(parsed.digestStartTime);
      if (parsed.previousDigestSignature === null || parsed.previousDigestS3Object === null) {
        if (before) {
          const reason = `the chain restarts at ${current.file.path} (previousDigestSignature is null): logging or validation was off, or digests were removed`;
          findings.push({ kind: 'gap', ...base, from: iso(from), to: iso(to), message: `gap in the chain from ${iso(from)} to ${iso(to)}: ${reason}` });
          holes.push({ root, account: base.account, region: base.region, from, to, reason: `no digest covers its delivery time: ${reason}` });
        }
        continue;
      }
      const previousLocation = location(parsed.previousDigestS3Bucket, parsed.previousDigestS3Object);
      const previous =
        byRecorded.get(`${root}\0${parsed.previousDigestS3Bucket}/${parsed.previousDigestS3Object}`) ??
        (parsed.previousDigestS3Bucket !== parsed.digestS3Bucket ? byRecordedAnyRoot.get(`${parsed.previousDigestS3Bucket}/${parsed.previousDigestS3Object}`) : undefined);
      if (previous) {
        findings.push(...linkFindings(current, previous, before, base, previousLocation, parsed.previousDigestSignature));
        continue;
      }
      const previousKey = awsLogsSuffix(parsed.previousDigestS3Object);
      const unreadable = previousKey ? byFoundKey.get(`${root}\0${previousKey}`) : undefined;
      // The named previous digest is not here. After a digest we hold that is a gap. Before
      // the first one we hold it must be here too when it ends inside the window: the
      // chain's own start is marked by null previous fields, so a named predecessor
      // inside the span checked was delivered, and its absence is a deletion.
      let inside = '';
      if (!before && !unreadable) {
        let previousEnd = to;
        if (!Number.isFinite(previousEnd)) previousEnd = parseAwsLogsKey(previousKey ?? '')?.fileTime ?? NaN;
        const windowStart = bounds.start ?? spans.get(trailGroup(current))?.start ?? NaN;
        const fromText =
          bounds.start !== undefined
            ? `the start of the window (${iso(windowStart)})`
            : `the span the evidence covers (from ${iso(windowStart)}, the earliest digest or log file of this trail)`;
        if (Number.isFinite(previousEnd) && Number.isFinite(windowStart) && previousEnd < windowStart) {
          notChecked.push(
            `${base.account}/${base.region}${base.trail ? `/${base.trail}` : ''}: checked from ${current.file.path} on; ` +
              `the digest before it (${previousLocation}, ending ${iso(previousEnd)}) is before ${fromText} and was not checked`,
          );
          continue;
        }
        inside =
          bounds.start !== undefined
            ? `; it ends ${iso(previousEnd) ?? '(unknown)'}, inside the window (from ${iso(windowStart)}, the start given)`
            : `; it ends ${iso(previousEnd) ?? '(unknown)'}, inside the span checked (from ${iso(windowStart)}, the earliest digest or log file of this trail)`;
      }
      let reason: string;
      if (unreadable && !unreadable.parsed) {
        reason = `the digest ${unreadable.file.path} that covers it cannot be read`;
      } else {
        reason = `the digest that covers it (${previousLocation}) is missing`;
        missingDigests.push({
          path: undefined,
          recordedLocation: previousLocation,
          verdict: 'missing',
          reason: `named as the previous digest by ${current.file.path}, not found${previousKey ? ` (expected at ${store.expectedPath(root, previousKey)})` : ''}${inside}`,
          account: base.account,
          region: base.region,
          trail: base.trail,
          startTime: iso(from),
          endTime: parsed.digestStartTime,
          logFiles: 0,
          backfill: false,
        });
      }
      const stretch = Number.isFinite(from) ? `from ${iso(from)} to ${iso(to)}` : `up to ${iso(to)}`;
      findings.push({ kind: 'gap', ...base, from: iso(from), to: iso(to), message: `gap in the chain ${stretch}: ${reason}` });
      holes.push({ root, account: base.account, region: base.region, from, to, reason });
    }
  }
  return { findings, holes, missingDigests };
}

interface Listed {
  digest: DigestRecord;
  hashValue: string;
  hashAlgorithm: string;
  s3Object: string;
}

interface ToHash {
  file: StoredFile;
  result: LogFileResult;
  expected: string;
}

/**
 * A result for every log file the digests list, judged by the most trusted digest that lists
 * it; those that can be checked are returned in `toHash`, and `seen` holds the files found.
 */
function listedLogFiles(store: EvidenceStore, records: readonly DigestRecord[], logFiles: readonly StoredFile[]): { results: LogFileResult[]; seen: Set<StoredFile>; toHash: ToHash[] } {
  const logsByKey = new Map<string, StoredFile>();
  for (const file of logFiles) logsByKey.set(`${file.root}\0${file.layout.key}`, file);
  const listed = new Map<string, { key: string; root: string; entries: Listed[] }>();
  for (const record of records) {
    const parsed = record.parsed;
    if (!parsed) continue;
    for (const entry of parsed.logFiles) {
      const key = awsLogsSuffix(entry.s3Object) ?? entry.s3Object;
      const id = `${record.file.root}\0${key}`;
      const slot = listed.get(id) ?? { key, root: record.file.root, entries: [] };
      slot.entries.push({ digest: record, hashValue: entry.hashValue, hashAlgorithm: entry.hashAlgorithm, s3Object: entry.s3Object });
      listed.set(id, slot);
    }
  }

  const results: LogFileResult[] = [];
  const seen = new Set<StoredFile>();
  const toHash: ToHash[] = [];
  const trusted = (r: DigestRecord) => r.result.verdict === 'valid' || r.result.verdict === 'moved';
  for (const slot of listed.values()) {
    const best = slot.entries.find((e) => trusted(e.digest)) ?? slot.entries[0];
    const digestName = best.digest.file.path;
    const file =
      logsByKey.get(`${slot.root}\0${slot.key}`) ??
      (decompressedVariant(slot.key) ? logsByKey.get(`${slot.root}\0${decompressedVariant(slot.key)}`) : undefined);
    const result: LogFileResult = { key: slot.key, verdict: 'not-verifiable', digest: digestName, expectedSha256: best.hashValue };
    results.push(result);
    if (file) {
      seen.add(file);
      result.path = file.path;
    }
    if (!trusted(best.digest)) {
      const why = `${best.digest.result.verdict}${best.digest.result.reason ? `: ${best.digest.result.reason}` : ''}`;
      if (!file) {
        result.verdict = 'missing';
        result.reason = `listed in ${digestName} (a digest that is itself ${why}), not found`;
      } else {
        result.verdict = 'not-verifiable';
        result.reason = `the digest that lists it (${digestName}) is ${why}`;
      }
      continue;
    }
    if (!file) {
      result.verdict = 'missing';
      result.reason = `listed in ${digestName}, not found${awsLogsSuffix(best.s3Object) ? ` (expected at ${store.expectedPath(slot.root, slot.key)})` : ` (key ${best.s3Object} is outside the AWSLogs layout)`}`;
      continue;
    }
    if (best.hashAlgorithm !== 'SHA-256') {
      result.verdict = 'not-verifiable';
      result.reason = `unsupported hash algorithm "${best.hashAlgorithm}" in ${digestName}`;
      continue;
    }
    toHash.push({ file, result, expected: best.hashValue });
  }
  return { results, seen, toHash };
}

/**
 * Adds a result for each log file in the window that no digest lists: in a chain's hole it is
 * not verifiable; otherwise not covered, with the span the digests of its (root, account,
 * region) cover to explain why. Returns how many log files were outside the window.
 */
function unlistedLogFiles(
  logFiles: readonly StoredFile[],
  seen: ReadonlySet<StoredFile>,
  records: readonly DigestRecord[],
  holes: readonly Hole[],
  listedOutside: ReadonlySet<string>,
  bounds: TimeBounds,
  results: LogFileResult[],
): number {
  const coverage = new Map<string, { start: number; end: number }>();
  for (const record of records) {
    if (!record.parsed) continue;
    const id = `${record.file.root}\0${record.result.account}\0${record.result.region}`;
    const span = coverage.get(id) ?? { start: Infinity, end: -Infinity };
    const s = time(record.parsed.digestStartTime);
    const e = time(record.parsed.digestEndTime);
    if (Number.isFinite(s)) span.start = Math.min(span.start, s);
    if (Number.isFinite(e)) span.end = Math.max(span.end, e);
    coverage.set(id, span);
  }
  let logsOutside = 0;
  for (const file of logFiles) {
    if (seen.has(file)) continue;
    const t = file.layout.fileTime;
    if (listedOutside.has(`${file.root}\0${file.layout.key}`) || !timeInWindow(t, bounds)) {
      logsOutside++;
      continue;
    }
    const hole = holes.find(
      (h) =>
        h.root === file.root &&
        h.account === file.layout.account &&
        h.region === file.layout.region &&
        Number.isFinite(t) &&
        (!Number.isFinite(h.from) || t >= h.from - WINDOW_SLACK_MS) &&
        t <= h.to + WINDOW_SLACK_MS,
    );
    if (hole) {
      results.push({ path: file.path, key: file.layout.key, verdict: 'not-verifiable', reason: hole.reason });
    } else {
      const span = coverage.get(`${file.root}\0${file.layout.account}\0${file.layout.region}`);
      let reason = 'no digest in the evidence lists this file';
      if (!span) reason += ` (there is no digest for account ${file.layout.account} in ${file.layout.region})`;
      else if (Number.isFinite(t) && t > span.end) reason += ` (delivered after the newest digest, which ends ${iso(span.end)})`;
      else if (Number.isFinite(t) && t < span.start) reason += ` (delivered before the oldest digest, which starts ${iso(span.start)})`;
      results.push({ path: file.path, key: file.layout.key, verdict: 'not-covered', reason });
    }
  }
  return logsOutside;
}

/** Hashes each log file (decompressed, streaming, a few at a time) and compares with what its digest records. */
async function hashLogFiles(store: EvidenceStore, toHash: readonly ToHash[], problems: IntegrityProblem[], options: ValidationOptions): Promise<void> {
  const { signal, onProgress } = options;
  let bytesDone = 0;
  let hashed = 0;
  await pool(toHash, options.concurrency ?? 4, async ({ file, result, expected }) => {
    signal?.throwIfAborted();
    onProgress?.({ phase: 'logs', done: hashed, total: toHash.length, bytesDone, currentPath: file.path });
    let counted = 0;
    try {
      const stream = await store.openLog(file, signal);
      const hash = await sha256OfDecompressed(stream, {
        signal,
        onBytes: (n) => {
          bytesDone += n - counted;
          counted = n;
          onProgress?.({ phase: 'logs', done: hashed, total: toHash.length, bytesDone, currentPath: file.path });
        },
      });
      result.actualSha256 = hash.sha256;
      if (hash.sha256 === expected) {
        result.verdict = 'valid';
      } else {
        result.verdict = 'changed';
        result.reason = `SHA-256 of the decompressed content is ${hash.sha256}, the digest ${result.digest} records ${expected}`;
      }
    } catch (error) {
      if (isAbort(error, signal)) throw error;
      if (error instanceof DecompressError) {
        result.verdict = 'changed';
        result.reason = `${error.message} (the digest ${result.digest} records the hash of valid content)`;
      } else {
        result.verdict = 'not-verifiable';
        result.reason = `cannot be read: ${errorText(error)}`;
        problems.push({ path: file.path, reason: `cannot be read: ${errorText(error)}` });
      }
    }
    hashed++;
  });
  onProgress?.({ phase: 'logs', done: hashed, total: toHash.length, bytesDone });
}

/** What the phases found, summed up as a ValidationResult. */
function validationResult(
  store: EvidenceStore,
  bounds: TimeBounds,
  found: {
    records: readonly DigestRecord[];
    missingDigests: readonly DigestResult[];
    results: LogFileResult[];
    findings: ChainFinding[];
    problems: IntegrityProblem[];
    spans: Map<string, { start: number; end: number }>;
    notChecked: string[];
    digestsOutside: number;
    logsOutside: number;
  },
): ValidationResult {
  const { records, missingDigests, results, findings, problems, spans, notChecked, digestsOutside, logsOutside } = found;
  const digests = [...records.map((r) => r.result), ...missingDigests];
  results.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  digests.sort((a, b) => (a.recordedLocation < b.recordedLocation ? -1 : a.recordedLocation > b.recordedLocation ? 1 : 0));
  const logCounts = Object.fromEntries(LOG_VERDICTS.map((v) => [v, 0])) as Record<LogVerdict, number>;
  for (const r of results) logCounts[r.verdict]++;
  const digestCounts = Object.fromEntries(DIGEST_VERDICTS.map((v) => [v, 0])) as Record<DigestVerdict, number>;
  for (const d of digests) digestCounts[d.verdict]++;
  let start = Infinity;
  let end = -Infinity;
  for (const record of records) {
    const s = time(record.parsed?.digestStartTime);
    const e = time(record.parsed?.digestEndTime);
    if (Number.isFinite(s)) start = Math.min(start, s);
    if (Number.isFinite(e)) end = Math.max(end, e);
  }
  const window = validationWindow(bounds, spans);
  if (digestsOutside + logsOutside > 0) {
    notChecked.unshift(
      `${plural(digestsOutside, 'digest')} and ${plural(logsOutside, 'log file')} outside the window were not checked` +
        ` (digests whose hour ends before ${window.start ?? 'the start'} or starts after ${window.end ?? 'the end'}, and log files delivered outside it that no digest in it lists)`,
    );
  }
  if (results.length === 0 && digests.length === 0) {
    if (digestsOutside + logsOutside > 0) {
      problems.push({ path: store.target, reason: `no digest or log file in the window ${window.start ?? '…'} to ${window.end ?? '…'} (${plural(digestsOutside + logsOutside, 'file')} outside it)` });
    } else {
      problems.push({ path: store.target, reason: 'no CloudTrail log files or digest files (AWSLogs/.../CloudTrail[-Digest]/...) found' });
    }
  }
  // Nothing found proves nothing: an empty result is not "ok".
  const ok =
    digests.length > 0 &&
    results.every((r) => r.verdict === 'valid') &&
    digests.every((d) => d.verdict === 'valid') &&
    findings.length === 0;
  return {
    target: store.target,
    logFiles: results,
    digests,
    findings,
    problems,
    counts: { logs: logCounts, digests: digestCounts, findings: findings.length },
    range: Number.isFinite(start) && Number.isFinite(end) ? { start: iso(start) as string, end: iso(end) as string } : undefined,
    window,
    notChecked,
    ok,
  };
}

/** The window as reported: each bound given, or else taken from the evidence's spans. */
function validationWindow(bounds: TimeBounds, spans: Map<string, { start: number; end: number }>): ValidationWindow {
  let start = Infinity;
  let end = -Infinity;
  for (const span of spans.values()) {
    start = Math.min(start, span.start);
    end = Math.max(end, span.end);
  }
  const window: ValidationWindow = { given: { start: bounds.start !== undefined, end: bounds.end !== undefined } };
  const startText = iso(bounds.start ?? start);
  const endText = iso(bounds.end ?? end);
  if (startText) window.start = startText;
  if (endText) window.end = endText;
  return window;
}

/** Validates an evidence folder in the S3 layout; the signature of each digest is read from `<digest>.signature.json`. */
export function validateFolder(folder: string, options: ValidationOptions = {}): Promise<ValidationResult> {
  return validateStore(new FolderStore(folder), options);
}

export interface S3ValidationOptions extends ValidationOptions {
  client: S3Client;
  /** When given, keys the digests name and `publicKeys` lacks are fetched with ListPublicKeys (per region). */
  cloudTrailClient?: CloudTrailClient | ((region: string) => CloudTrailClient);
  /** Keys per ListObjectsV2 page; S3's default when omitted. */
  listPageSize?: number;
}

/** Validates the digests and log files under `s3://bucket/prefix/AWSLogs/`. */
export function validateS3(bucket: string, prefix: string | undefined, options: S3ValidationOptions): Promise<ValidationResult> {
  const { client, cloudTrailClient, listPageSize, ...rest } = options;
  const fetchPublicKeys =
    rest.fetchPublicKeys ??
    (cloudTrailClient
      ? (request: { region: string; start: Date; end: Date; signal?: AbortSignal }) =>
          listCloudTrailPublicKeys(
            typeof cloudTrailClient === 'function' ? cloudTrailClient(request.region) : cloudTrailClient,
            { start: request.start, end: request.end },
            request.signal,
          )
      : undefined);
  return validateStore(new S3Store(client, bucket, prefix, listPageSize), { ...rest, fetchPublicKeys });
}
