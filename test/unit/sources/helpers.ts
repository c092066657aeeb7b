import * as path from 'node:path';
import { JsonObject } from '../../../src/core/model/event';
import { ReadEvidenceOptions, readEvidenceFile } from '../../../src/core/sources/read';
import { ReadResult, RecordLocation } from '../../../src/core/sources/types';

/** The repository root, from out/test/unit/sources. */
export const REPO_ROOT = path.resolve(__dirname, '../../../..');
export const FORMATS = path.join(REPO_ROOT, 'fixtures', 'formats');
export { DATASETS } from '../../datasets';

export function fixture(name: string): string {
  return path.join(FORMATS, name);
}

export interface ReadAll {
  result: ReadResult;
  events: JsonObject[];
  locations: RecordLocation[];
}

export async function readAll(file: string, options: ReadEvidenceOptions = {}): Promise<ReadAll> {
  const events: JsonObject[] = [];
  const locations: RecordLocation[] = [];
  const result = await readEvidenceFile(
    file,
    (event, location) => {
      events.push(event);
      locations.push(location);
    },
    options,
  );
  return { result, events, locations };
}

/** Both ways through the reader: whole-document (default) and the streaming readers (limit 0). */
export const READ_MODES: ReadonlyArray<{ name: string; options: ReadEvidenceOptions }> = [
  { name: 'whole document', options: {} },
  { name: 'streaming', options: { wholeDocumentLimit: 0 } },
];

export function names(events: JsonObject[]): unknown[] {
  return events.map((event) => event.eventName);
}
