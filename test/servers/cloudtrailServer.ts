/**
 * A local CloudTrail server speaking the real awsJson1_1 protocol. Every request is first
 * checked against its operation's input shape in the botocore model
 * (../shared/datasets/botocore-cloudtrail-api/, see botocoreModel.ts), then against what the
 * model's documentation adds: one lookup attribute, `_`/space/`,`/newline counting twice
 * toward 2,000 characters, only EventId/EventName/EventSource for Insights, start before
 * end, nothing older than 90 days, a NextToken only with its first page's parameters
 * (`InvalidNextTokenException`). Errors have AWS's shapes and status codes. Newest-first
 * paging, 2 requests per second per (account, region) answered with `ThrottlingException`,
 * and CloudTrail Lake StartQuery / DescribeQuery / GetQueryResults / CancelQuery over rows
 * the test provides.
 *
 * Where AWS's behaviour is not documented, the server takes the reading that would hurt a
 * client relying on it: times are rounded to the nearest whole second, and ResourceName
 * matches the short names AWS shows in `Resources` (bucket names, instance ids), not ARNs.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { AwsJsonError, AwsJsonServer, JsonHandler, JsonRequest, int, str } from './awsJson';
import { cloudTrailModelIfPresent, lookupAttributesByCategory, validateInput } from './botocoreModel';
import { CloudTrailRecord } from './synth';

export const CLOUDTRAIL_TARGET = 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101';
const NINETY_DAYS = 90 * 86400_000;

/** The error each LookupEvents member's violations answer (the operation's modelled errors). */
const LOOKUP_MEMBER_ERRORS: Record<string, string> = {
  LookupAttributes: 'InvalidLookupAttributesException',
  StartTime: 'InvalidTimeRangeException',
  EndTime: 'InvalidTimeRangeException',
  EventCategory: 'InvalidEventCategoryException',
  MaxResults: 'InvalidMaxResultsException',
  NextToken: 'InvalidNextTokenException',
};
const LAKE_MEMBER_ERRORS: Record<string, string> = {
  QueryStatement: 'InvalidQueryStatementException',
  MaxQueryResults: 'InvalidMaxResultsException',
  NextToken: 'InvalidNextTokenException',
};

interface Indexed {
  record: CloudTrailRecord;
  time: number;
  json: string;
  region: string;
  account: string;
}

/** What a Lake query answers; the test decides from the SQL. */
export interface LakeAnswer {
  rows: Array<Record<string, string>>;
  bytesScanned: number;
  /** Describe calls before the query reports FINISHED. */
  runPolls?: number;
  /** Set to make the query end FAILED with this message. */
  error?: string;
}

interface LakeQuery {
  id: string;
  sql: string;
  answer: LakeAnswer;
  polls: number;
  status: 'QUEUED' | 'RUNNING' | 'FINISHED' | 'FAILED' | 'CANCELLED';
}

export interface CloudTrailServerOptions {
  rps?: number;
  burst?: number;
  /** The rate limiter's clock (see JsonServerOptions.clock); default `performance.now`. */
  clock?: () => number;
  /** Decides the rows of a Lake query; default: no rows. */
  lake?: (sql: string) => LakeAnswer;
  /** The clock the 90-day window counts back from; default `Date.now`. */
  now?: () => number;
}

/** LookupEvents counts `_`, space, `,` and newline twice toward its 2,000-character limit (model documentation). */
function chargedLength(value: string): number {
  let n = 0;
  for (const ch of value) n += ch === '_' || ch === ' ' || ch === ',' || ch === '\n' ? 2 : 1;
  return n;
}

/** The name AWS shows for a resource: the bucket, instance id or other last part of its ARN. */
export function shortResourceName(arn: string): string {
  if (!arn.startsWith('arn:')) return arn;
  const resource = arn.split(':').slice(5).join(':');
  return resource.split('/').pop()?.split(':').pop() || resource;
}

function fieldOf(record: CloudTrailRecord, path: string): unknown {
  let value: unknown = record;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** LookupEvents' `Username`: the user name, or the role session name for assumed roles. */
function usernameOf(record: CloudTrailRecord): string | undefined {
  const identity = record.userIdentity as Record<string, unknown> | undefined;
  if (!identity) return undefined;
  if (typeof identity.userName === 'string') return identity.userName;
  if (identity.type === 'Root') return 'root';
  if (typeof identity.arn === 'string' && identity.type === 'AssumedRole') return identity.arn.split('/').pop();
  return undefined;
}

function resourcesOf(record: CloudTrailRecord): Array<{ ResourceType?: string; ResourceName?: string }> {
  const list = Array.isArray(record.resources) ? (record.resources as Array<Record<string, unknown>>) : [];
  return list.map((r) => ({
    ResourceType: typeof r.type === 'string' ? r.type : undefined,
    ResourceName: typeof r.ARN === 'string' ? shortResourceName(r.ARN) : undefined,
  }));
}

export class CloudTrailServer extends AwsJsonServer {
  private events: Indexed[] = [];
  private readonly secret = randomUUID();
  private readonly queries = new Map<string, LakeQuery>();

  constructor(private readonly ctOptions: CloudTrailServerOptions = {}) {
    super({
      targetPrefixes: [CLOUDTRAIL_TARGET, 'CloudTrail_20131101'],
      signingName: 'cloudtrail',
      actionPrefix: 'cloudtrail',
      rateLimited: new Set(['LookupEvents']),
      rps: ctOptions.rps,
      burst: ctOptions.burst,
      clock: ctOptions.clock,
      handlers: {
        LookupEvents: modelChecked('LookupEvents', LOOKUP_MEMBER_ERRORS, 'InvalidLookupAttributesException', (r) => this.lookupEvents(r)),
        StartQuery: modelChecked('StartQuery', LAKE_MEMBER_ERRORS, 'InvalidParameterException', (r) => this.startQuery(r)),
        DescribeQuery: modelChecked('DescribeQuery', LAKE_MEMBER_ERRORS, 'InvalidParameterException', (r) => this.describeQuery(r)),
        GetQueryResults: modelChecked('GetQueryResults', LAKE_MEMBER_ERRORS, 'InvalidParameterException', (r) => this.getQueryResults(r)),
        CancelQuery: modelChecked('CancelQuery', LAKE_MEMBER_ERRORS, 'InvalidParameterException', (r) => this.cancelQuery(r)),
      },
    });
  }

  /** Adds records (region from `awsRegion`, account from `recipientAccountId`). */
  addEvents(records: readonly CloudTrailRecord[]): void {
    for (const record of records) {
      const time = Date.parse(String(record.eventTime));
      this.events.push({
        record,
        time,
        json: JSON.stringify(record),
        region: String(record.awsRegion),
        account: String(record.recipientAccountId),
      });
    }
    // Newest first, as the real API answers; ties in a stable order.
    this.events.sort((a, b) => b.time - a.time || (String(a.record.eventID) < String(b.record.eventID) ? -1 : 1));
  }

  lakeQueries(): ReadonlyArray<Readonly<LakeQuery>> {
    return [...this.queries.values()];
  }

  private token(hash: string, offset: number): string {
    const payload = Buffer.from(JSON.stringify({ h: hash, o: offset })).toString('base64url');
    const mac = createHmac('sha256', this.secret).update(payload).digest('base64url').slice(0, 22);
    return `${payload}.${mac}`;
  }

  private readToken(token: string, hash: string): number {
    const [payload, mac] = token.split('.');
    const expected = payload ? createHmac('sha256', this.secret).update(payload).digest('base64url').slice(0, 22) : '';
    if (!payload || mac !== expected) throw new AwsJsonError('InvalidNextTokenException', 'Invalid NextToken.');
    const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { h: string; o: number };
    if (parsed.h !== hash) {
      throw new AwsJsonError('InvalidNextTokenException', 'The NextToken was used with parameters different from the original request.');
    }
    return parsed.o;
  }

  private lookupEvents(request: JsonRequest): unknown {
    // Shapes, enums and ranges were checked against the model; what follows is what the
    // model's documentation adds.
    const body = request.body;
    const maxResults = int(body, 'MaxResults') ?? 50;
    const category = str(body, 'EventCategory', false);
    const now = (this.ctOptions.now ?? Date.now)();
    // Whole seconds: where AWS keeps less than the SDK sends, a client must not depend on it.
    const timeOf = (name: string): number | undefined => (typeof body[name] === 'number' ? Math.round(body[name] as number) * 1000 : undefined);
    const end = timeOf('EndTime') ?? now;
    const start = timeOf('StartTime') ?? Math.max(end - NINETY_DAYS, now - NINETY_DAYS);
    if (start > end) throw new AwsJsonError('InvalidTimeRangeException', 'Start time must be before end time.');
    if (start < now - NINETY_DAYS) {
      throw new AwsJsonError('InvalidTimeRangeException', 'The time range is outside the range of possible values: events are kept for 90 days.');
    }
    const attributes = (body.LookupAttributes ?? []) as Array<{ AttributeKey: string; AttributeValue: string }>;
    let attribute: { key: string; value: string } | undefined;
    if (attributes.length > 1) {
      throw new AwsJsonError('InvalidLookupAttributesException', 'You can specify only one lookup attribute.');
    }
    if (attributes.length === 1) {
      const { AttributeKey: key, AttributeValue: value } = attributes[0];
      if (chargedLength(value) > 2000) {
        throw new AwsJsonError('InvalidLookupAttributesException', 'AttributeValue is longer than 2000 characters (_, space, comma and newline count twice).');
      }
      const model = cloudTrailModelIfPresent();
      const allowed = model ? lookupAttributesByCategory(model)[category === 'insight' ? 'insight' : 'management'] : FALLBACK_ATTRIBUTES[category === 'insight' ? 'insight' : 'management'];
      if (!allowed.includes(key)) {
        throw new AwsJsonError(
          'InvalidLookupAttributesException',
          `The attribute key ${key} is not supported for ${category === 'insight' ? 'Insights' : 'management'} events; supported: ${allowed.join(', ')}.`,
        );
      }
      attribute = { key, value };
    }
    const canonical = JSON.stringify({
      a: attribute ?? null,
      s: body.StartTime ?? null,
      e: body.EndTime ?? null,
      c: category ?? null,
      m: body.MaxResults ?? null,
      r: request.region,
      k: request.account,
    });
    const hash = createHash('sha256').update(canonical).digest('hex');
    const nextToken = str(body, 'NextToken', false);
    const offset = nextToken === undefined ? 0 : this.readToken(nextToken, hash);

    const matches = (e: Indexed): boolean => {
      if (e.region !== request.region || e.account !== request.account) return false;
      if (e.time < start || e.time > end) return false;
      const insight = e.record.eventCategory === 'Insight';
      if ((category === 'insight') !== insight) return false;
      if (!attribute) return true;
      const r = e.record;
      switch (attribute.key) {
        case 'EventId':
          return r.eventID === attribute.value;
        case 'EventName':
          return r.eventName === attribute.value;
        case 'EventSource':
          return r.eventSource === attribute.value;
        case 'ReadOnly':
          return String(r.readOnly) === attribute.value;
        case 'AccessKeyId':
          return fieldOf(r, 'userIdentity.accessKeyId') === attribute.value;
        case 'Username':
          return usernameOf(r) === attribute.value;
        case 'ResourceType':
          return resourcesOf(r).some((x) => x.ResourceType === attribute!.value);
        case 'ResourceName':
          // The names AWS shows in Resources (short names), never the ARN the record holds.
          return resourcesOf(r).some((x) => x.ResourceName === attribute!.value);
        default:
          return false;
      }
    };
    const page: Indexed[] = [];
    let seen = 0;
    let more = false;
    for (const e of this.events) {
      if (!matches(e)) continue;
      if (seen++ < offset) continue;
      if (page.length === maxResults) {
        more = true;
        break;
      }
      page.push(e);
    }
    return {
      Events: page.map((e) => ({
        EventId: e.record.eventID,
        EventName: e.record.eventName,
        ReadOnly: String(e.record.readOnly),
        AccessKeyId: fieldOf(e.record, 'userIdentity.accessKeyId'),
        EventTime: e.time / 1000,
        EventSource: e.record.eventSource,
        Username: usernameOf(e.record),
        Resources: resourcesOf(e.record),
        CloudTrailEvent: e.json,
      })),
      NextToken: more ? this.token(hash, offset + page.length) : undefined,
    };
  }

  private query(request: JsonRequest): LakeQuery {
    const id = str(request.body, 'QueryId', true)!;
    const query = this.queries.get(id);
    if (!query) throw new AwsJsonError('QueryIdNotFoundException', `Query ${id} was not found.`);
    return query;
  }

  private startQuery(request: JsonRequest): unknown {
    const sql = str(request.body, 'QueryStatement', true)!;
    if (sql.trim().length === 0 || sql.length > 10000) {
      throw new AwsJsonError('InvalidQueryStatementException', 'QueryStatement must be 1 to 10000 characters.');
    }
    if (!/^\s*select\b/i.test(sql)) throw new AwsJsonError('InvalidQueryStatementException', 'Only SELECT statements are supported.');
    const answer = this.ctOptions.lake?.(sql) ?? { rows: [], bytesScanned: 0 };
    const id = randomUUID();
    this.queries.set(id, { id, sql, answer, polls: 0, status: 'QUEUED' });
    return { QueryId: id };
  }

  private advance(query: LakeQuery): void {
    if (query.status !== 'QUEUED' && query.status !== 'RUNNING') return;
    query.polls++;
    if (query.polls >= (query.answer.runPolls ?? 2)) query.status = query.answer.error ? 'FAILED' : 'FINISHED';
    else query.status = 'RUNNING';
  }

  private describeQuery(request: JsonRequest): unknown {
    const query = this.query(request);
    this.advance(query);
    const finished = query.status === 'FINISHED';
    return {
      QueryId: query.id,
      QueryString: query.sql,
      QueryStatus: query.status,
      ErrorMessage: query.status === 'FAILED' ? query.answer.error : undefined,
      QueryStatistics: {
        EventsMatched: finished ? query.answer.rows.length : 0,
        EventsScanned: finished ? query.answer.rows.length * 10 : 0,
        BytesScanned: finished ? query.answer.bytesScanned : 0,
        ExecutionTimeInMillis: query.polls * 100,
      },
    };
  }

  private getQueryResults(request: JsonRequest): unknown {
    const query = this.query(request);
    const max = int(request.body, 'MaxQueryResults') ?? 1000;
    if (max < 1 || max > 1000) throw new AwsJsonError('InvalidMaxResultsException', 'MaxQueryResults must be between 1 and 1000.');
    if (query.status !== 'FINISHED') return { QueryStatus: query.status, QueryResultRows: [] };
    const token = str(request.body, 'NextToken', false);
    const offset = token === undefined ? 0 : this.readToken(token, `lake:${query.id}:${max}`);
    const rows = query.answer.rows.slice(offset, offset + max);
    const next = offset + rows.length < query.answer.rows.length ? this.token(`lake:${query.id}:${max}`, offset + rows.length) : undefined;
    return {
      QueryStatus: query.status,
      QueryStatistics: { ResultsCount: rows.length, TotalResultsCount: query.answer.rows.length, BytesScanned: query.answer.bytesScanned },
      // Each row is a list of single-entry maps, column by column, as the real API answers.
      QueryResultRows: rows.map((row) => Object.entries(row).map(([k, v]) => ({ [k]: v }))),
      NextToken: next,
    };
  }

  private cancelQuery(request: JsonRequest): unknown {
    const query = this.query(request);
    if (query.status !== 'QUEUED' && query.status !== 'RUNNING') {
      throw new AwsJsonError('InactiveQueryException', `Query ${query.id} is ${query.status} and cannot be cancelled.`);
    }
    query.status = 'CANCELLED';
    return { QueryId: query.id, QueryStatus: query.status };
  }
}

/**
 * The lookup attributes per category as the model's documentation lists them, for a clone
 * without `../shared` only; `cloudtrailModel.test.ts` holds the model to the same lists.
 */
const FALLBACK_ATTRIBUTES = {
  management: ['EventId', 'EventName', 'ReadOnly', 'Username', 'ResourceType', 'ResourceName', 'EventSource', 'AccessKeyId'],
  insight: ['EventId', 'EventName', 'EventSource'],
};

/** Without the model: the ranges the server checked by hand before it validated against it. */
const FALLBACK_RANGES: Record<string, { member: string; min: number; max: number; error: string }> = {
  LookupEvents: { member: 'MaxResults', min: 1, max: 50, error: 'InvalidMaxResultsException' },
  GetQueryResults: { member: 'MaxQueryResults', min: 1, max: 1000, error: 'InvalidMaxResultsException' },
};

/** A handler that runs only for a request the model accepts. */
function modelChecked(operation: string, memberErrors: Record<string, string>, fallback: string, handler: JsonHandler): JsonHandler {
  const model = cloudTrailModelIfPresent();
  if (!model) {
    const check = FALLBACK_RANGES[operation];
    return (request) => {
      const value = check && int(request.body, check.member);
      if (check && value !== undefined && (value < check.min || value > check.max)) {
        throw new AwsJsonError(check.error, `${check.member} must be between ${check.min} and ${check.max}.`);
      }
      return handler(request);
    };
  }
  const input = model.operations[operation].input!.shape;
  return (request) => {
    validateInput(model, input, request.body, (member, message) => new AwsJsonError(memberErrors[member] ?? fallback, message));
    return handler(request);
  };
}
