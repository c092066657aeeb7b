import { BatchBuilder, DICT_FIELDS, EventBatch } from '../../../src/core/index/batch';
import { EventIndex } from '../../../src/core/index/event-index';
import { JsonObject } from '../../../src/core/model/event';
import { RecordHasher } from '../../../src/core/index/lazy-hash';

let counter = 0;

/** An IAM user with an access key, for the query and filter tests' sample trails. */
export const bob = {
  type: 'IAMUser',
  principalId: 'AIDABOB',
  arn: 'arn:aws:iam::111122223333:user/bob',
  accountId: '111122223333',
  accessKeyId: 'AKIABOB',
  userName: 'bob',
};

/** A CloudTrail record with sensible defaults; `overrides` replace whole top-level fields. */
export function record(overrides: JsonObject = {}): JsonObject {
  counter++;
  return {
    eventVersion: '1.09',
    eventTime: '2026-03-04T05:00:00Z',
    eventSource: 'ec2.amazonaws.com',
    eventName: 'DescribeInstances',
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.7',
    userAgent: 'aws-cli/2.15.0',
    readOnly: true,
    eventID: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    requestID: `10000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    recipientAccountId: '111122223333',
    eventCategory: 'Management',
    userIdentity: {
      type: 'IAMUser',
      principalId: 'AIDAEXAMPLE',
      arn: 'arn:aws:iam::111122223333:user/alice',
      accountId: '111122223333',
      accessKeyId: 'AKIAALICE',
      userName: 'alice',
    },
    ...overrides,
  };
}

const memoryFiles = new Map<string, JsonObject[]>();

/** An index whose raw events live in memory: ordinal locations into per-call arrays. */
export function memoryIndex(): EventIndex {
  return new EventIndex(async (path, _format, locations) => locations.map((l) => memoryFiles.get(path)![l.offset]));
}

/** Builds an index from records in memory (one pseudo-file per call). */
export function indexOf(records: JsonObject[], index = memoryIndex(), source = 'test'): EventIndex {
  const builder = new BatchBuilder();
  const filePath = `/memory/${source}-${memoryFiles.size}.json`;
  memoryFiles.set(filePath, records);
  const file = builder.addFile({ path: filePath, format: 'array', size: 0, mtimeMs: 0, records: records.length, problems: [] });
  records.forEach((r, i) => builder.addRecord(r, file, { offset: i, length: 0 }));
  index.merge(builder.take(), index.sources.code(source));
  return index;
}

function idText(ids: EventBatch['eventIds'], i: number): string {
  const kind = ids.kinds[i];
  if (kind === 3) return `text:${ids.texts.find(([index]) => index === i)?.[1]}`;
  return `${kind}:${[...ids.words.subarray(i * 4, i * 4 + 4)].join(',')}`;
}

/** Every event of the batches, decoded, and every file entry. */
export function decode(batches: EventBatch[], hashLater?: RecordHasher): { events: unknown[]; files: unknown[] } {
  const events: unknown[] = [];
  const files: unknown[] = [];
  for (const batch of batches) {
    for (const file of batch.files) {
      files.push({ path: file.path, format: file.format, records: file.records, problems: file.problems, continuation: file.continuation });
    }
    const shared = new Map(batch.sharedEventIds);
    const insights = new Map(batch.insights.map(([index, state, type]) => [index, { state, type }]));
    for (let i = 0; i < batch.count; i++) {
      const resources: string[] = [];
      for (let r = batch.resourceStart[i]; r < batch.resourceStart[i + 1]; r++) resources.push(batch.resourceDict[batch.resourceCodes[r]]);
      events.push({
        file: batch.files[batch.fileOf[i]].path,
        offset: batch.offset[i],
        length: batch.length[i],
        time: String(batch.time[i]),
        // A hash of the record's bytes (negative: the content hash is left for later, lazy-hash.ts)
        // is replaced by the content hash, computed as the index would, when `hashLater` is given.
        contentHash: !(batch.contentHash[i] >= 0) && hashLater ? hashLater(batch.files[batch.fileOf[i]].path, batch.offset[i], batch.files[batch.fileOf[i]].seen ?? batch.files[batch.fileOf[i]]) : batch.contentHash[i],
        ...Object.fromEntries(DICT_FIELDS.map((field, f) => [field, batch.dicts[f][batch.codes[f][i]]])),
        resources,
        eventId: idText(batch.eventIds, i),
        requestId: idText(batch.requestIds, i),
        sharedEventId: shared.get(i),
        insight: insights.get(i),
      });
    }
  }
  return { events, files };
}
