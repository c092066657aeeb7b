/** Shared fixtures for the intel tests: the bundled sample trail and the public datasets. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { sortEventsByTime } from '../../../src/core/detect/engine';
import { JsonObject } from '../../../src/core/model/event';

/** Repository root (tests run from out/test/unit/intel). */
export const REPO = path.resolve(__dirname, '..', '..', '..', '..');
export const SAMPLE_TRAIL = path.join(REPO, 'fixtures', 'sample-trail');

export { DATASETS, requireDataset } from '../../datasets';

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir).sort()) {
    const p = path.join(dir, entry);
    if (fs.statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

function readJson(file: string): unknown {
  const buffer = fs.readFileSync(file);
  return JSON.parse((file.endsWith('.gz') ? zlib.gunzipSync(buffer) : buffer).toString('utf8')) as unknown;
}

/** Records of every log file under a folder ({"Records":[...]} or a top-level array), in time order. */
export function readRecords(dir: string, options: { dedupeById?: boolean } = {}): JsonObject[] {
  const events: JsonObject[] = [];
  const seen = new Set<string>();
  const files = fs.statSync(dir).isDirectory() ? walk(dir) : [dir];
  for (const file of files) {
    if (!/\.json(\.gz)?$/.test(file) || file.includes('CloudTrail-Digest')) continue;
    const doc = readJson(file);
    const records = Array.isArray(doc) ? doc : ((doc as { Records?: unknown[] }).Records ?? []);
    for (const record of records as JsonObject[]) {
      if (options.dedupeById) {
        const key = `${String(record.eventID)}|${String(record.eventTime)}|${String(record.eventName)}`;
        if (seen.has(key)) continue;
        seen.add(key);
      }
      events.push(record);
    }
  }
  return sortEventsByTime(events);
}

/** The sample trail's unique events, in time order. */
export function sampleTrailEvents(): JsonObject[] {
  return readRecords(path.join(SAMPLE_TRAIL, 'AWSLogs'), { dedupeById: true });
}

export interface PantherCase {
  rule_id: string;
  test_name: string;
  expected_result: boolean;
  has_mocks: boolean;
  event: JsonObject;
}

export function pantherCases(file: string): PantherCase[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as PantherCase);
}

// ---------------------------------------------------------------- in-memory index

import { BatchBuilder } from '../../../src/core/index/batch';
import { EventIndex } from '../../../src/core/index/event-index';

const memoryFiles = new Map<string, JsonObject[]>();

/** The engine's index over records held in memory (one pseudo-file), raw events served from memory. */
export function memoryIndexOf(records: JsonObject[]): EventIndex {
  const index = new EventIndex(async (file, _format, locations) => locations.map((l) => memoryFiles.get(file)![l.offset]));
  const builder = new BatchBuilder();
  const filePath = `/memory/intel-${memoryFiles.size}.json`;
  memoryFiles.set(filePath, records);
  const file = builder.addFile({ path: filePath, format: 'array', size: 0, mtimeMs: 0, records: records.length, problems: [] });
  records.forEach((r, i) => builder.addRecord(r, file, { offset: i, length: 0 }));
  index.merge(builder.take(), index.sources.code('intel'));
  return index;
}
