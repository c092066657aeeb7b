import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { JsonObject } from '../../../src/core/model/event';
import { normalizeEvent } from '../../../src/core/model/normalize';
import { readRecordsAt } from '../../../src/core/index/read-back';
import { FileFormat } from '../../../src/core/sources/types';
import { requireDataset } from '../../datasets';
import { DATASETS, READ_MODES, readAll } from './helpers';

function jsonFiles(folder: string): string[] {
  return fs
    .readdirSync(folder)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => path.join(folder, name));
}

function nonEmptyLines(file: string): string[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0);
}

async function spotCheckReadBack(file: string, format: FileFormat, events: JsonObject[], locations: { offset: number; length: number }[]): Promise<void> {
  const picks = [0, Math.floor(events.length / 2), events.length - 1];
  assert.deepEqual(
    await readRecordsAt(
      file,
      format,
      picks.map((i) => locations[i]),
    ),
    picks.map((i) => events[i]),
  );
}

describe('sources: real public datasets', () => {
  for (const mode of READ_MODES) {
    describe(mode.name, () => {
      it('invictus-aws-dataset: S3 trail files, every record', async function () {
        const folder = path.join(DATASETS, 'invictus-aws-dataset', 'CloudTrail');
        requireDataset(this, folder);
        let expected = 0;
        let read = 0;
        const files = jsonFiles(folder);
        assert.ok(files.length > 0);
        for (const file of files) {
          const records = (JSON.parse(fs.readFileSync(file, 'utf8')) as { Records: JsonObject[] }).Records;
          expected += records.length;
          const { result, events, locations } = await readAll(file, mode.options);
          assert.equal(result.format, 'trail', file);
          assert.deepEqual(result.problems, [], file);
          assert.deepEqual(events, records, file);
          read += events.length;
          if (file === files[0]) await spotCheckReadBack(file, 'trail', events, locations);
        }
        assert.equal(read, expected);
        console.log(`        ${read} records in ${files.length} files`);
      });

      it('stratus-detonation-logs: top-level arrays', async function () {
        const folder = path.join(DATASETS, 'stratus-detonation-logs');
        requireDataset(this, folder);
        let expected = 0;
        let read = 0;
        for (const file of jsonFiles(folder)) {
          const records = JSON.parse(fs.readFileSync(file, 'utf8')) as JsonObject[];
          expected += records.length;
          const { result, events } = await readAll(file, mode.options);
          assert.equal(result.format, 'array', file);
          assert.deepEqual(result.problems, [], file);
          assert.deepEqual(events, records, file);
          read += events.length;
        }
        assert.equal(read, expected);
        console.log(`        ${read} records`);
      });

      it('otrf-aws: Logstash NDJSON without eventTime', async function () {
        const file = path.join(DATASETS, 'otrf-aws', 'ec2_proxy_s3_exfiltration_2020-09-14011940.json');
        requireDataset(this, file);
        const lines = nonEmptyLines(file).map((line) => JSON.parse(line) as JsonObject);
        const { result, events, locations } = await readAll(file, mode.options);
        assert.equal(result.format, 'jsonl');
        assert.deepEqual(result.problems, []);
        assert.deepEqual(events, lines);
        assert.ok(events.every((event) => event.eventTime === undefined && typeof event['@timestamp'] === 'string'));
        assert.ok(events.every((event) => Number.isFinite(normalizeEvent(event).time)));
        await spotCheckReadBack(file, 'jsonl', events, locations);
        console.log(`        ${events.length} records`);
      });

      it('panther-cloudtrail-tests: the record is `event` on each line', async function () {
        const file = path.join(DATASETS, 'panther-cloudtrail-tests', 'panther_cloudtrail_rule_tests.ndjson');
        requireDataset(this, file);
        const expected = nonEmptyLines(file)
          .map((line) => (JSON.parse(line) as { event?: unknown }).event)
          .filter((event): event is JsonObject => event !== null && typeof event === 'object');
        const { result, events, locations } = await readAll(file, mode.options);
        assert.equal(result.format, 'jsonl');
        assert.deepEqual(result.problems, []);
        assert.deepEqual(events, expected);
        await spotCheckReadBack(file, 'jsonl', events, locations);
        console.log(`        ${events.length} records`);
      });

      it('panther-scenario-compromised-root: converted trail file', async function () {
        const file = path.join(DATASETS, 'panther-scenario-compromised-root', 'compromised_root_creds_cloudtrail.json');
        requireDataset(this, file);
        const records = (JSON.parse(fs.readFileSync(file, 'utf8')) as { Records: JsonObject[] }).Records;
        const { result, events } = await readAll(file, mode.options);
        assert.equal(result.format, 'trail');
        assert.deepEqual(events, records);
        assert.equal(new Set(events.map((e) => e.eventID)).size, 1, 'every event has eventID "1": the reader keeps them all');
      });

      it('otrf-aws honey-bucket CSV: not a CloudTrail export, reported with its columns', async function () {
        const file = path.join(DATASETS, 'otrf-aws', 'AWS_S3_HoneyBucketLogs.csv');
        requireDataset(this, file);
        const { result, events } = await readAll(file, mode.options);
        assert.equal(events.length, 0);
        assert.equal(result.format, undefined);
        assert.equal(result.problems.length, 1);
        assert.match(result.problems[0].reason, /^not a CloudTrail export: unrecognised CSV columns \(Event Type, Event Name, Request ID/);
      });
    });
  }
});
