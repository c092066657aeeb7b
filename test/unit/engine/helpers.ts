import { BatchBuilder } from '../../../src/core/index/batch';
import { EventIndex } from '../../../src/core/index/event-index';
import { JsonObject } from '../../../src/core/model/event';
import { normalizeEvent } from '../../../src/core/model/normalize';

let counter = 0;

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
  records.forEach((r, i) => builder.add(normalizeEvent(r), file, { offset: i, length: 0 }));
  index.merge(builder.take(), index.sources.code(source));
  return index;
}
