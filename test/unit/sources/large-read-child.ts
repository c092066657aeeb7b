/**
 * Child process for large.test.ts: reads one file and prints what it found and how much
 * memory the reading took, as JSON on stdout.
 */
import { readEvidenceFile } from '../../../src/core/sources/read';
import { RecordLocation } from '../../../src/core/sources/types';

async function main(file: string): Promise<void> {
  const baseRss = process.memoryUsage().rss;
  let peakRss = baseRss;
  let count = 0;
  let lastId = '';
  const kept: { location: RecordLocation; id: unknown }[] = [];
  const result = await readEvidenceFile(file, (event, location) => {
    count++;
    lastId = String(event.eventID);
    if (count % 10_000 === 0) {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      if (kept.length < 3 && count % 300_000 === 0) kept.push({ location, id: event.eventID });
    }
  });
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  process.stdout.write(JSON.stringify({ ...result, lastId, baseRss, peakRss, kept, counted: count }));
}

void main(process.argv[2]);
