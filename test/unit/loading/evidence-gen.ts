/**
 * Seeded random evidence trees for the differential loading test: what an investigator is
 * handed, in every shape the engine reads (docs/inputs.md), laid out flat, in the S3
 * delivery layout or nested deep, with files from one record to more than one parse chunk.
 * The same seed writes the same tree.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { random as prng } from '../../../bench/generate';

type Record = { [key: string]: unknown };

export interface TreeOptions {
  /** Most files in the tree (0 to this many). */
  maxFiles: number;
  /** Chance that the tree holds one file of more than 32 MiB (one parse chunk). */
  bigFileChance: number;
  /** An exact number of files instead of a random one. */
  files?: number;
  layout?: Layout;
}

export type Layout = 'flat' | 'awslogs' | 'deep' | 'mixed';

export interface GeneratedTree {
  root: string;
  layout: Layout;
  files: number;
  bytes: number;
  big: boolean;
}

const HOSTILE = [
  'plain',
  'quote " and \\ backslash',
  "it's",
  'ünïcødé ✓ 日本語 🚀',
  'rtl \u202e override \u2066isolate\u2069',
  'line\nbreak\r\nand\ttab',
  'nul \u0000 and \u001b[31m escape',
  'separators \u2028 \u2029',
  '{"looks":"like json"}',
  '</script><img src=x onerror=alert(1)>',
  '=cmd|" /C calc"!A0',
  'lone surrogate \ud800 end',
  ',comma,"quoted",\n',
];

const SERVICES: [string, string, boolean][] = [
  ['ec2.amazonaws.com', 'DescribeInstances', true],
  ['ec2.amazonaws.com', 'RunInstances', false],
  ['s3.amazonaws.com', 'GetObject', true],
  ['s3.amazonaws.com', 'PutBucketPolicy', false],
  ['iam.amazonaws.com', 'CreateAccessKey', false],
  ['sts.amazonaws.com', 'AssumeRole', true],
  ['kms.amazonaws.com', 'Decrypt', true],
  ['lambda.amazonaws.com', 'Invoke', false],
];

const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'sa-east-1'];
const ACCOUNTS = ['111122223333', '444455556666', '777788889999'];

/** Writes one random evidence tree into `root` (which must exist and be empty). */
export function generateTree(root: string, seed: number, options: TreeOptions): GeneratedTree {
  const rand = prng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  const chance = (p: number) => rand() < p;
  const layout: Layout = options.layout ?? pick(['flat', 'awslogs', 'deep', 'mixed'] as const);
  // Small trees are the common case; some reach the maximum.
  const fileCount = options.files ?? (chance(0.05) ? 0 : chance(0.7) ? 1 + int(Math.min(60, options.maxFiles)) : int(options.maxFiles + 1));
  const big = chance(options.bigFileChance) && fileCount > 0;

  const previous: Record[] = [];
  let counter = 0;
  const uuid = () => {
    const hex = () => int(0x10000).toString(16).padStart(4, '0');
    return `${hex()}${hex()}-${hex()}-4${hex().slice(1)}-8${hex().slice(1)}-${hex()}${hex()}${hex()}`;
  };
  const text = () => {
    if (chance(0.8)) return `value-${int(1000)}`;
    const base = pick(HOSTILE);
    return chance(0.03) ? base.repeat(1 + int(300)) : base;
  };
  const time = () => new Date(Date.UTC(2026, 0, 1) + int(60 * 86_400) * 1000).toISOString().replace('.000Z', 'Z');
  const identity = (): Record =>
    pick([
      () => ({ type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: `arn:aws:iam::${pick(ACCOUNTS)}:user/${text()}`, accountId: pick(ACCOUNTS), accessKeyId: `AKIA${int(1e8)}`, userName: text() }),
      () => ({
        type: 'AssumedRole',
        principalId: `AROAEXAMPLE:${text()}`,
        arn: `arn:aws:sts::${pick(ACCOUNTS)}:assumed-role/role/${text()}`,
        accountId: pick(ACCOUNTS),
        accessKeyId: `ASIA${int(1e8)}`,
        sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${pick(ACCOUNTS)}:role/role` }, attributes: { creationDate: time(), mfaAuthenticated: 'false' } },
      }),
      () => ({ type: 'Root', principalId: pick(ACCOUNTS), arn: `arn:aws:iam::${pick(ACCOUNTS)}:root`, accountId: pick(ACCOUNTS) }),
    ])();

  /** A fresh record of one of the kinds CloudTrail delivers. */
  const fresh = (): Record => {
    counter++;
    const [eventSource, eventName, readOnly] = pick(SERVICES);
    const common = {
      eventVersion: pick(['1.08', '1.09', '1.10', '1.11']),
      eventTime: time(),
      awsRegion: pick(REGIONS),
      eventID: chance(0.97) ? uuid() : `id-${seed}-${counter}-${text()}`,
      recipientAccountId: pick(ACCOUNTS),
    };
    const kinds = ['api', 'api', 'api', 'service', 'signin', 'console', 'vpce', 'network', 'insight'];
    switch (pick(kinds)) {
      case 'service':
        return {
          ...common,
          eventSource,
          eventName: 'AWSServiceEvent',
          userIdentity: { accountId: pick(ACCOUNTS), invokedBy: eventSource },
          sourceIPAddress: eventSource,
          userAgent: eventSource,
          requestParameters: null,
          responseElements: null,
          eventType: 'AwsServiceEvent',
          readOnly: false,
          managementEvent: true,
          serviceEventDetails: { detail: text() },
          eventCategory: 'Management',
        };
      case 'signin':
        return {
          ...common,
          eventSource: 'signin.amazonaws.com',
          eventName: 'ConsoleLogin',
          userIdentity: identity(),
          sourceIPAddress: `198.51.100.${int(256)}`,
          userAgent: text(),
          requestParameters: null,
          responseElements: { ConsoleLogin: pick(['Success', 'Failure']) },
          additionalEventData: { LoginTo: 'https://console.aws.amazon.com/', MobileVersion: 'No', MFAUsed: 'No' },
          eventType: 'AwsConsoleSignIn',
          managementEvent: true,
          eventCategory: 'Management',
        };
      case 'console':
        return {
          ...common,
          eventSource,
          eventName: `Console${eventName}`,
          userIdentity: identity(),
          sourceIPAddress: `203.0.113.${int(256)}`,
          userAgent: text(),
          requestParameters: null,
          responseElements: null,
          eventType: 'AwsConsoleAction',
          readOnly,
          managementEvent: true,
          eventCategory: 'Management',
        };
      case 'vpce':
        return {
          ...common,
          eventSource,
          eventName,
          userIdentity: { type: 'AWSAccount', principalId: '', accountId: 'ANONYMOUS_PRINCIPAL' },
          sourceIPAddress: `10.0.${int(256)}.${int(256)}`,
          userAgent: text(),
          errorCode: 'VpceAccessDenied',
          errorMessage: text(),
          requestParameters: null,
          responseElements: null,
          eventType: 'AwsVpceEvent',
          readOnly,
          vpcEndpointId: `vpce-${int(1e8)}`,
          managementEvent: false,
          eventCategory: 'Management',
        };
      case 'network':
        return {
          ...common,
          eventSource,
          eventName,
          userIdentity: identity(),
          sourceIPAddress: `10.1.${int(256)}.${int(256)}`,
          userAgent: text(),
          requestParameters: null,
          responseElements: null,
          eventType: 'AwsVpceEvent',
          readOnly,
          vpcEndpointId: `vpce-${int(1e8)}`,
          vpcEndpointAccountId: pick(ACCOUNTS),
          eventCategory: 'NetworkActivity',
          networkActivity: { vpcEndpointId: `vpce-${int(1e8)}` },
        };
      case 'insight': {
        return {
          eventVersion: '1.08',
          eventTime: common.eventTime,
          awsRegion: common.awsRegion,
          eventID: common.eventID,
          eventType: 'AwsCloudTrailInsight',
          recipientAccountId: common.recipientAccountId,
          sharedEventID: uuid(),
          insightDetails: {
            state: pick(['Start', 'End']),
            eventSource,
            eventName,
            insightType: pick(['ApiCallRateInsight', 'ApiErrorRateInsight']),
            insightContext: { statistics: { baseline: { average: rand() }, insight: { average: rand() * 100 } } },
          },
          eventCategory: 'Insight',
        };
      }
      default:
        return {
          ...common,
          eventSource,
          eventName,
          userIdentity: identity(),
          sourceIPAddress: chance(0.5) ? `198.51.100.${int(256)}` : `2001:db8::${int(65536).toString(16)}`,
          userAgent: text(),
          ...(chance(0.2) ? { errorCode: 'AccessDenied', errorMessage: text() } : {}),
          requestParameters: chance(0.3) ? null : { bucketName: text(), key: text(), nested: { list: [text(), int(1e6), rand(), true, null], deeper: { value: text() } } },
          responseElements: chance(0.7) ? null : { result: text() },
          requestID: uuid(),
          eventType: 'AwsApiCall',
          readOnly,
          resources: chance(0.5) ? [{ ARN: `arn:aws:s3:::${text()}`, accountId: pick(ACCOUNTS), type: 'AWS::S3::Object' }] : undefined,
          managementEvent: true,
          eventCategory: 'Management',
          tlsDetails: chance(0.5) ? { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: text() } : undefined,
        };
    }
  };

  /** The next record: usually fresh, sometimes an exact duplicate of an earlier one. */
  const next = (): Record => {
    if (previous.length > 0 && chance(0.04)) return pick(previous);
    // A record sharing an earlier one's eventID but not its content: both must be kept.
    if (previous.length > 0 && chance(0.03)) {
      return { ...pick(previous), sourceIPAddress: `192.0.2.${int(256)}` };
    }
    // JSON.parse(JSON.stringify()) drops undefined fields, as any file would.
    const record = JSON.parse(JSON.stringify(fresh())) as Record;
    if (previous.length < 2000) previous.push(record);
    else previous[int(previous.length)] = record;
    return record;
  };

  const recordsFor = (count: number) => Array.from({ length: count }, next);
  const recordCount = () => (chance(0.15) ? 1 : chance(0.85) ? 1 + int(20) : 1 + int(250));

  type Shape = 'records' | 'array' | 'lookup' | 'jsonl' | 'concatenated' | 'single' | 'csv' | 'logs' | 'empty';
  const shapes: Shape[] = ['records', 'records', 'array', 'lookup', 'jsonl', 'concatenated', 'single', 'csv', 'empty', 'logs'];

  const render = (shape: Shape, records: Record[]): string => {
    switch (shape) {
      case 'records':
        return JSON.stringify({ Records: records });
      case 'empty':
        return JSON.stringify({ Records: [] });
      case 'array':
        return JSON.stringify(records, null, chance(0.5) ? 2 : undefined);
      case 'lookup': {
        // One page or several concatenated, as `aws cloudtrail lookup-events` prints them.
        const pages: string[] = [];
        for (let i = 0; i < records.length; i += 50) {
          const events = records.slice(i, i + 50).map((r) => ({
            EventId: r.eventID,
            EventName: r.eventName,
            ReadOnly: String(r.readOnly),
            EventTime: r.eventTime,
            EventSource: r.eventSource,
            Resources: [],
            CloudTrailEvent: JSON.stringify(r),
          }));
          pages.push(JSON.stringify({ Events: events, NextToken: i + 50 < records.length ? `token-${i}` : undefined }, null, 4));
        }
        return pages.join('\n');
      }
      case 'jsonl': {
        const wrap = pick(['none', 'message-text', 'message-object', 'event', 'detail'] as const);
        return (
          records
            .map((r) => {
              switch (wrap) {
                case 'none':
                  return JSON.stringify(r);
                case 'message-text':
                  return JSON.stringify({ timestamp: 1_767_225_600_000, message: JSON.stringify(r) });
                case 'message-object':
                  return JSON.stringify({ message: r });
                case 'event':
                  return JSON.stringify({ p_log_type: 'AWS.CloudTrail', event: r });
                case 'detail':
                  return JSON.stringify({ version: '0', 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.s3', detail: r });
              }
            })
            .join(chance(0.2) ? '\r\n' : '\n') + (chance(0.5) ? '\n' : '')
        );
      }
      case 'concatenated':
        return records.map((r) => JSON.stringify(r, null, 2)).join('\n');
      case 'single':
        return JSON.stringify(records[0], null, chance(0.5) ? 2 : undefined);
      case 'csv': {
        const cell = (value: unknown) => {
          // The export's own columns hold no control characters; the record's JSON text (the
          // cell the engine reads) holds them escaped, as JSON.stringify writes them.
          // eslint-disable-next-line no-control-regex
          const s = value === undefined || value === null ? '' : String(value).replace(/[\u0000-\u001f\u007f]/g, ' ');
          return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
        };
        const header = ['Event ID', 'Event time', 'User name', 'Event name', 'Event source', 'AWS region', 'Source IP address', 'Read-only', 'CloudTrail event'];
        const lines = [header.join(',')];
        for (const r of records) {
          lines.push([r.eventID, r.eventTime, '', r.eventName, r.eventSource, r.awsRegion, r.sourceIPAddress, r.readOnly, JSON.stringify(r, null, chance(0.3) ? 2 : undefined)].map(cell).join(','));
        }
        return lines.join('\r\n') + '\r\n';
      }
      case 'logs':
        return JSON.stringify({
          events: records.map((r, i) => ({ logStreamName: `${pick(ACCOUNTS)}_CloudTrail_${pick(REGIONS)}`, timestamp: 1_767_225_600_000 + i, message: JSON.stringify(r), ingestionTime: 1_767_225_601_000 + i, eventId: `${int(1e9)}` })),
          searchedLogStreams: [{ logStreamName: 'stream', searchedCompletely: true }],
        });
    }
  };

  /** gzip, sometimes as several members (split at random byte positions). */
  const gzip = (content: Buffer): Buffer => {
    if (content.length < 2 || !chance(0.3)) return gzipSync(content);
    const cuts = [0, ...Array.from({ length: 1 + int(3) }, () => int(content.length)).sort((a, b) => a - b), content.length];
    return Buffer.concat(cuts.slice(1).map((end, i) => gzipSync(content.subarray(cuts[i], end))));
  };

  const write = (file: string, content: string | Buffer) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    return typeof content === 'string' ? Buffer.byteLength(content) : content.length;
  };

  let bytes = 0;
  const dayFolders = 1 + int(30);
  const account = pick(ACCOUNTS);
  const org = chance(0.3) ? `o-${int(1e10).toString(36)}` : undefined;
  const deepSegments = ['a', 'b b', 'ü', 'case-01', 'incident (copy)', '2026', 'x'.repeat(40)];
  let digestsWritten = 0;

  for (let f = 0; f < fileCount; f++) {
    const place = layout === 'mixed' ? pick(['flat', 'awslogs', 'deep', 'flat'] as const) : layout;
    const isBig = big && f === 0;
    let shape: Shape = place === 'awslogs' ? (chance(0.95) ? 'records' : 'empty') : pick(shapes);
    let gz = place === 'awslogs' ? chance(0.9) : chance(0.4);
    let records: Record[];
    if (isBig) {
      // Over 32 MiB on disk: more than one parse chunk, read by the streaming reader.
      shape = pick(['records', 'records', 'jsonl', 'array'] as const);
      gz = false;
      records = [];
      let size = 0;
      while (size < 33.5 * 1024 * 1024) {
        const r = next();
        records.push(r);
        size += JSON.stringify(r).length + 4;
      }
    } else {
      records = shape === 'single' ? [next()] : shape === 'empty' ? [] : recordsFor(recordCount());
    }
    let content: Buffer = Buffer.from(render(shape, records), 'utf8');
    if (gz) content = gzip(content);
    const suffix = shape === 'csv' ? '.csv' : shape === 'jsonl' ? pick(['.jsonl', '.ndjson', '.log', '.json']) : '.json';
    const name = `${String(f).padStart(4, '0')}-${shape}${suffix}${gz ? '.gz' : ''}`;
    let file: string;
    switch (place) {
      case 'flat':
        file = path.join(root, name);
        break;
      case 'awslogs': {
        const region = pick(REGIONS);
        const day = new Date(Date.UTC(2026, 0, 1) + int(dayFolders) * 86_400_000);
        const [y, m, d] = [day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate()].map((n) => String(n).padStart(2, '0'));
        const dir = path.join(root, 'AWSLogs', ...(org ? [org] : []), account, 'CloudTrail', region, y, m, d);
        file = path.join(dir, `${account}_CloudTrail_${region}_${y}${m}${d}T${String(int(24)).padStart(2, '0')}00Z_${f}${int(1e6).toString(36)}.json${gz ? '.gz' : ''}`);
        if (chance(0.1)) {
          digestsWritten++;
          const digest = {
            awsAccountId: account,
            digestStartTime: `${y}-${m}-${d}T00:00:00Z`,
            digestEndTime: `${y}-${m}-${d}T01:00:00Z`,
            digestS3Bucket: 'bucket',
            digestS3Object: 'key',
            logFiles: [],
          };
          const digestDir = path.join(root, 'AWSLogs', ...(org ? [org] : []), account, 'CloudTrail-Digest', region, y, m, d);
          bytes += write(path.join(digestDir, `${account}_CloudTrail-Digest_${region}_${y}${m}${d}T0100Z_${digestsWritten}.json.gz`), gzipSync(JSON.stringify(digest)));
        }
        break;
      }
      case 'deep': {
        const depth = 1 + int(12);
        file = path.join(root, ...Array.from({ length: depth }, () => pick(deepSegments)), name);
        break;
      }
    }
    bytes += write(file, content);
  }
  return { root, layout, files: fileCount, bytes, big };
}
