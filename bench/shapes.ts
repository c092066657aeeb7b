/**
 * Trails shaped like the ones people really have (issue 13). CloudTrail delivers a file about
 * every five minutes per account and region: the busy regions of an account give files of
 * tens of events, the quiet ones files of one to a few, a burst (a scripted enumeration, a
 * deployment) one file of thousands. An organisation trail multiplies that by every account.
 *
 *   skewed  300,000 events, sizes skewed (median about 30, a few files of thousands), AWSLogs/ layout
 *   small   10,000 events in about 6,000 files (a quiet organisation trail), AWSLogs/ layout
 *   flat    50,000 events downloaded from the console: one folder, files side by side,
 *           some still .json.gz, some .json (the browser unpacked them)
 *   3m      3,000,000 events, skewed like `skewed` (time and memory)
 *
 * Each shape is written once into bench/data/<shape>-<events>/ with a marker, and reused
 * while the marker matches (generator version, seed, events) and the files on disk are the
 * ones it lists (count and bytes). Deterministic for a seed.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Identity, benchRecord, deliveryKey, makeIdentities } from './generate';
import { CloudTrailRecord, random } from './records';

export type ShapeName = 'skewed' | 'small' | 'flat' | '3m';
export const SHAPE_NAMES: readonly ShapeName[] = ['skewed', 'small', 'flat', '3m'];

type SizePlan = 'skewed' | 'tiny';

interface ShapeSpec {
  title: string;
  events: number;
  sizes: SizePlan;
  layout: 'awslogs' | 'flat';
}

export const SHAPES: Record<ShapeName, ShapeSpec> = {
  skewed: { title: 'skewed trail (AWSLogs/, file sizes skewed, median about 30 events)', events: 300_000, sizes: 'skewed', layout: 'awslogs' },
  small: { title: 'small files (AWSLogs/, about 1.7 events a file)', events: 10_000, sizes: 'tiny', layout: 'awslogs' },
  flat: { title: 'flat downloads (one folder, .json and .json.gz side by side)', events: 50_000, sizes: 'skewed', layout: 'flat' },
  '3m': { title: '3,000,000 events, skewed (time and memory)', events: 3_000_000, sizes: 'skewed', layout: 'awslogs' },
};

/** Bumped whenever what a seed generates changes, so stale data is written again. */
const GENERATOR_VERSION = 1;
const MARKER = 'generated.json';

/** The accounts of the organisation trail. */
export const ORG_ACCOUNTS = ['111122223333', '222233334444', '333344445555', '444455556666', '555566667777', '666677778888'];
export const ALL_REGIONS = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'sa-east-1', 'eu-west-1', 'eu-west-2',
  'eu-west-3', 'eu-central-1', 'eu-north-1', 'ap-south-1', 'ap-southeast-1', 'ap-southeast-2', 'ap-northeast-1', 'ap-northeast-2',
];
/** Each account works in us-east-1 (global services) and one home region; the other regions are quiet. */
export const HOME_REGIONS = ['eu-west-1', 'us-west-2', 'eu-central-1', 'ap-southeast-2', 'us-east-2', 'eu-west-2'];
const START = Date.UTC(2026, 2, 4);
const SLOT_MS = 5 * 60_000;
const SLOTS_PER_DAY = 288;
/** Services that call quietly in every region (config recorders, health checks, scanners). */
const QUIET_SERVICES = ['config.amazonaws.com', 'trustedadvisor.amazonaws.com', 'securityhub.amazonaws.com', 'access-analyzer.amazonaws.com'];

export type FileKind = 'quiet' | 'busy' | 'burst';

export interface PlannedFile {
  events: number;
  kind: FileKind;
}

/** A standard normal draw (Box–Muller). */
function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/**
 * File sizes of a real trail: a burst of 1,000 to 5,000 events for every 75,000 events (at
 * least one, at most a fifth of the whole); then 35% quiet-region files of 1 to 10 events
 * (mostly 1 or 2) and 65% busy-region files, log-normal around 45 (5 to 400). The median
 * comes out near 30 and the mean near 37, as on the trail of issue 13.
 */
export function skewedSizes(rand: () => number, events: number): PlannedFile[] {
  const out: PlannedFile[] = [];
  let left = events;
  const bursts = Math.max(1, Math.round(events / 75_000));
  for (let b = 0; b < bursts && left > 0; b++) {
    const size = Math.min(left, Math.max(1, Math.min(1000 + Math.floor(rand() * 4000), Math.floor(events / 5))));
    out.push({ events: size, kind: 'burst' });
    left -= size;
  }
  while (left > 0) {
    const quiet = rand() < 0.35;
    const drawn = quiet ? 1 + Math.floor(Math.pow(rand(), 3) * 10) : Math.min(400, Math.max(5, Math.round(45 * Math.exp(0.6 * gaussian(rand)))));
    const size = Math.min(left, drawn);
    out.push({ events: size, kind: quiet ? 'quiet' : 'busy' });
    left -= size;
  }
  return out;
}

/** A quiet organisation trail: 62% of files hold one event, 24% two, 9% three, 5% four to ten (mean about 1.7). */
export function tinySizes(rand: () => number, events: number): PlannedFile[] {
  const out: PlannedFile[] = [];
  let left = events;
  while (left > 0) {
    const r = rand();
    const drawn = r < 0.62 ? 1 : r < 0.86 ? 2 : r < 0.95 ? 3 : 4 + Math.floor(rand() * 7);
    const size = Math.min(left, drawn);
    out.push({ events: size, kind: 'quiet' });
    left -= size;
  }
  return out;
}

export interface GeneratedShape {
  shape: ShapeName;
  version: number;
  seed: number;
  events: number;
  /** What to give the engine: the AWSLogs/ folder or the folder of downloads. */
  root: string;
  files: number;
  gzFiles: number;
  jsonFiles: number;
  /** Bytes on disk (compressed where the file is). */
  bytes: number;
  /** Events per file, in the order written (the size distribution). */
  sizes: number[];
  days: number;
  /** A key present in the trail for the pivot benchmark, and how many events carry it. */
  pivotKey: string;
  pivotHits: number;
}

/** Every entry under a folder that is not a folder itself, in the order the walk finds them. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full));
    else out.push(full);
  }
  return out;
}

/** Every evidence file under a folder (the shapes write nothing else there). */
export function listEvidence(dir: string): string[] {
  return filesUnder(dir).filter((file) => file.endsWith('.json.gz') || file.endsWith('.json'));
}

/**
 * What the data folder holds: every file counts, not only trail files, so that anything left
 * beside them (a profiler's `isolate-*.log`, an editor's backup) is seen and the shape written
 * again: the CLI would read it and the baselines would not.
 */
function onDisk(root: string): { files: number; bytes: number } {
  if (!existsSync(root)) return { files: -1, bytes: -1 };
  const files = filesUnder(root);
  return { files: files.length, bytes: files.reduce((sum, file) => sum + lstatSync(file).size, 0) };
}

/** The shape's data, written when absent or not what the marker says. */
export function generateShape(dataDir: string, shape: ShapeName, scale = 1, seed = 13): GeneratedShape {
  const spec = SHAPES[shape];
  const events = Math.max(1, Math.round(spec.events * scale));
  const dir = path.join(dataDir, `${shape}-${events}`);
  const root = evidenceRoot(dir, shape);
  const markerPath = path.join(dir, MARKER);
  if (existsSync(markerPath)) {
    try {
      const marker = JSON.parse(readFileSync(markerPath, 'utf8')) as GeneratedShape;
      if (marker.version === GENERATOR_VERSION && marker.seed === seed && marker.events === events && marker.shape === shape) {
        const found = onDisk(root);
        if (found.files === marker.files && found.bytes === marker.bytes) return { ...marker, root };
      }
    } catch {
      // An unreadable marker: write the data again.
    }
  }
  rmSync(dir, { recursive: true, force: true });
  const result = writeShape(dir, shape, events, seed);
  writeFileSync(markerPath, JSON.stringify(result));
  return result;
}

/** The folder given to the engine: the downloads, or AWSLogs/ (the marker sits beside it, outside the evidence). */
function evidenceRoot(dir: string, shape: ShapeName): string {
  return path.join(dir, SHAPES[shape].layout === 'flat' ? 'downloads' : 'AWSLogs');
}

interface Stream {
  account: string;
  region: string;
}

/** Writes the shape into `dir` (which must not exist or be empty) and describes it. */
export function writeShape(dir: string, shape: ShapeName, events: number, seed: number): GeneratedShape {
  const spec = SHAPES[shape];
  const rand = random(seed);
  const identities = makeIdentities(rand, ORG_ACCOUNTS);
  const byAccount = new Map<string, Identity[]>(ORG_ACCOUNTS.map((a) => [a, identities.filter((i) => i.account === a)]));
  const services = identities.filter((i) => i.userIdentity.type === 'AWSService');
  const busy: Stream[] = [];
  const quiet: Stream[] = [];
  ORG_ACCOUNTS.forEach((account, a) => {
    for (const region of ALL_REGIONS) (region === 'us-east-1' || region === HOME_REGIONS[a] ? busy : quiet).push({ account, region });
  });
  const plan = spec.sizes === 'skewed' ? skewedSizes(rand, events) : tinySizes(rand, events);
  const days = Math.min(31, Math.max(2, Math.ceil(events / 100_000)));
  const root = evidenceRoot(dir, shape);
  mkdirSync(root, { recursive: true });
  const keyCounts = new Map<string, number>();
  const made = new Set<string>();
  let gzFiles = 0;
  let jsonFiles = 0;
  let bytes = 0;
  for (const file of plan) {
    const streams = file.kind === 'quiet' && spec.sizes === 'skewed' ? quiet : file.kind === 'quiet' ? [...busy, ...quiet] : busy;
    const { account, region } = streams[Math.floor(rand() * streams.length)];
    const fileTime = START + Math.floor(rand() * days * SLOTS_PER_DAY) * SLOT_MS;
    const cast = byAccount.get(account)!;
    const records: CloudTrailRecord[] = [];
    for (let i = 0; i < file.events; i++) {
      // In a quiet region most calls come from AWS services; elsewhere a few identities are very active.
      const identity = file.kind === 'quiet' && rand() < 0.7 ? services[0] : cast[Math.floor(Math.pow(rand(), 2) * cast.length)];
      const record = benchRecord(rand, identity, account, region, fileTime);
      if (identity.userIdentity.type === 'AWSService') {
        const service = QUIET_SERVICES[Math.floor(rand() * QUIET_SERVICES.length)];
        record.userIdentity = { type: 'AWSService', invokedBy: service };
        record.sourceIPAddress = service;
      }
      const accessKey = (record.userIdentity as { accessKeyId?: string }).accessKeyId;
      if (accessKey) keyCounts.set(accessKey, (keyCounts.get(accessKey) ?? 0) + 1);
      records.push(record);
    }
    const key = deliveryKey(rand, account, region, fileTime);
    const text = JSON.stringify({ Records: records });
    // Downloads from the console: about a third unpacked by the browser on the way.
    const unpacked = spec.layout === 'flat' && rand() < 0.35;
    const folder = spec.layout === 'flat' ? root : path.join(dir, key.folder);
    const name = unpacked ? key.name.replace(/\.gz$/, '') : key.name;
    if (!made.has(folder)) {
      mkdirSync(folder, { recursive: true });
      made.add(folder);
    }
    const body = unpacked ? Buffer.from(text) : gzipSync(text, { level: 6 });
    writeFileSync(path.join(folder, name), body);
    bytes += body.length;
    if (unpacked) jsonFiles++;
    else gzFiles++;
  }
  const [pivotKey, pivotHits] = pivotKeyOf(keyCounts, events);
  return {
    shape,
    version: GENERATOR_VERSION,
    seed,
    events,
    root,
    files: plan.length,
    gzFiles,
    jsonFiles,
    bytes,
    sizes: plan.map((f) => f.events),
    days,
    pivotKey,
    pivotHits,
  };
}

/** The key whose events come closest to 0.1% of the trail: what an investigator pivots on, neither the noisiest nor a single call. */
function pivotKeyOf(counts: Map<string, number>, events: number): [string, number] {
  const want = Math.max(1, events / 1000);
  let best: [string, number] = ['', 0];
  for (const [key, hits] of [...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (!best[0] || Math.abs(Math.log(hits / want)) < Math.abs(Math.log(best[1] / want))) best = [key, hits];
  }
  return best;
}

export function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)];
}
