/**
 * Runs a reviewed SQL statement on Athena (StartQueryExecution, GetQueryExecution,
 * GetQueryResults) or CloudTrail Lake (StartQuery, DescribeQuery, GetQueryResults), polls
 * with backoff, stops the remote query when cancelled, reports the bytes scanned, and hands
 * the rows back as CloudTrail-shaped records, page by page.
 */
import {
  GetTableMetadataCommand,
  GetQueryExecutionCommand,
  GetQueryResultsCommand as AthenaGetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { CancelQueryCommand, DescribeQueryCommand, GetQueryResultsCommand as LakeGetQueryResultsCommand, StartQueryCommand } from '@aws-sdk/client-cloudtrail';
import { randomUUID } from 'node:crypto';
import { AwsClientFactory } from './clients';
import { isAbort } from '../abort';
import { AwsSourceError, describeAwsError } from './errors';
import { sleep } from './rateLimiter';
import { DEFAULT_RETRY, RetryCounters, withRetry } from './retry';
import { AthenaTableInfo, recordFromRow } from './sql';

export interface AthenaTableRequest {
  factory: AwsClientFactory;
  region: string;
  database: string;
  table: string;
  /** Data catalog; default AwsDataCatalog. */
  catalog?: string;
  workgroup?: string;
  signal?: AbortSignal;
}

/**
 * The table's real columns, partition keys and properties (GetTableMetadata), read before
 * any SQL is built, so the statement names only what the table has. Throws an
 * AwsSourceError worded for the user when the table cannot be read.
 */
export async function describeAthenaTable(request: AthenaTableRequest): Promise<AthenaTableInfo> {
  const { factory, signal } = request;
  const profile = await factory.profile().catch((e: unknown) => {
    throw describeAwsError(e, { profile: factory.profileName, operation: 'GetTableMetadata' });
  });
  const client = factory.athena(request.region);
  try {
    const answer = await withRetry(
      (s) =>
        client.send(
          new GetTableMetadataCommand({
            CatalogName: request.catalog || 'AwsDataCatalog',
            DatabaseName: request.database,
            TableName: request.table,
            ...(request.workgroup ? { WorkGroup: request.workgroup } : {}),
          }),
          { abortSignal: s },
        ),
      { signal, counters: { throttleRetries: 0, transientRetries: 0 }, policy: DEFAULT_RETRY, refreshCredentials: () => factory.refreshCredentials() },
    );
    const meta = answer.TableMetadata;
    const names = (list: Array<{ Name?: string }> | undefined): string[] => (list ?? []).map((c) => (c.Name ?? '').toLowerCase()).filter(Boolean);
    return { columns: names(meta?.Columns), partitionKeys: names(meta?.PartitionKeys), parameters: { ...(meta?.Parameters ?? {}) } };
  } catch (error) {
    if (isAbort(error, signal)) throw error;
    throw describeAwsError(error, { profile: profile.name, profileKind: profile.kind, region: request.region, operation: 'GetTableMetadata' });
  }
}

export type QueryRecord = Record<string, unknown>;

export interface QueryProgress {
  state: string;
  bytesScanned: number;
  rows: number;
  polls: number;
}

export interface QueryRunOptions {
  factory: AwsClientFactory;
  region: string;
  sql: string;
  onRows: (records: QueryRecord[], info: { page: number }) => void | Promise<void>;
  onProgress?: (progress: QueryProgress) => void;
  signal?: AbortSignal;
  /** First poll delay; grows 1.5× up to `maxPollMs`. Defaults 500 ms and 5 s. */
  pollMs?: number;
  maxPollMs?: number;
}

export interface AthenaRunOptions extends QueryRunOptions {
  database: string;
  catalog?: string;
  workgroup?: string;
  /** s3://bucket/prefix/ for results; optional when the workgroup sets one. */
  outputLocation?: string;
}

export interface LakeRunOptions extends QueryRunOptions {
  /** Owner account of an event data store shared with you, if any. */
  eventDataStoreOwnerAccountId?: string;
}

export interface QuerySummary {
  queryId?: string;
  /** Final remote state: SUCCEEDED/FINISHED, FAILED, CANCELLED, TIMED_OUT; or NOT_STARTED. */
  state: string;
  bytesScanned: number;
  rows: number;
  pages: number;
  cancelled: boolean;
  /** True when the cancel reached the service (the remote query was stopped). */
  remoteStopped: boolean;
  error?: string;
  errorKind?: AwsSourceError['kind'];
  executionMs?: number;
}

/**
 * Walks the result pages of a finished query (Athena and Lake alike): fetches each page with
 * the previous page's NextToken, hands its rows to the caller, reports progress, and stops
 * between pages when cancelled.
 */
async function deliverPages(
  fetchPage: (token: string | undefined) => Promise<{ records: QueryRecord[]; nextToken?: string }>,
  summary: QuerySummary,
  options: QueryRunOptions,
): Promise<void> {
  let token: string | undefined;
  do {
    const { records, nextToken } = await fetchPage(token);
    summary.pages++;
    summary.rows += records.length;
    if (records.length) await options.onRows(records, { page: summary.pages });
    options.onProgress?.({ state: summary.state, bytesScanned: summary.bytesScanned, rows: summary.rows, polls: 0 });
    token = nextToken;
    if (options.signal?.aborted) throw options.signal.reason;
  } while (token);
}

function pollDelay(options: QueryRunOptions, poll: number): number {
  const first = options.pollMs ?? 500;
  return Math.min(options.maxPollMs ?? 5000, first * 1.5 ** poll);
}

/** One answer to "how is the query doing" (GetQueryExecution, DescribeQuery). */
interface QueryStatus {
  state: string;
  bytesScanned?: number;
  executionMs?: number;
  /** Why it ended, when it failed. */
  reason?: string;
}

/**
 * Asks how the query is doing (Athena and Lake alike) with a growing delay until it reaches
 * `finished` (true) or one of the `ended` states (false, with `summary.error` saying why).
 */
async function pollUntilDone(
  describe: () => Promise<QueryStatus>,
  service: { name: string; finished: string; ended: readonly string[] },
  summary: QuerySummary,
  options: QueryRunOptions,
): Promise<boolean> {
  for (let poll = 0; ; poll++) {
    const status = await describe();
    summary.state = status.state;
    summary.bytesScanned = status.bytesScanned ?? summary.bytesScanned;
    summary.executionMs = status.executionMs;
    options.onProgress?.({ state: summary.state, bytesScanned: summary.bytesScanned, rows: 0, polls: poll + 1 });
    if (summary.state === service.finished) return true;
    if (service.ended.includes(summary.state)) {
      summary.error = `The ${service.name} query ${summary.queryId} ended ${summary.state}: ${status.reason ?? 'no reason given'}`;
      summary.errorKind = 'service';
      return false;
    }
    await sleep(pollDelay(options, poll), options.signal);
  }
}

export async function runAthenaQuery(options: AthenaRunOptions): Promise<QuerySummary> {
  const { factory, signal } = options;
  const summary: QuerySummary = { state: 'NOT_STARTED', bytesScanned: 0, rows: 0, pages: 0, cancelled: false, remoteStopped: false };
  if (options.outputLocation && !/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(options.outputLocation)) {
    summary.state = 'FAILED';
    summary.error = `The Athena output location '${options.outputLocation}' is not an s3://bucket/prefix/ URL.`;
    summary.errorKind = 'invalid-request';
    return summary;
  }
  let profile;
  try {
    profile = await factory.profile();
  } catch (error) {
    return fail(summary, describeAwsError(error, { profile: factory.profileName, operation: 'StartQueryExecution' }));
  }
  const ctx = (operation: string) => ({ profile: profile.name, profileKind: profile.kind, region: options.region, operation });
  const client = factory.athena(options.region);
  const counters: RetryCounters = { throttleRetries: 0, transientRetries: 0 };
  const retry = { counters, policy: DEFAULT_RETRY, refreshCredentials: () => factory.refreshCredentials() };
  let operation = 'StartQueryExecution';
  // One token per logical query, made before the retried closure: a retry after a dropped
  // answer repeats it, so Athena answers with the query already started instead of starting
  // (and billing) a second one.
  const clientRequestToken = randomUUID();
  try {
    const started = await withRetry(
      (s) =>
        client.send(
          new StartQueryExecutionCommand({
            QueryString: options.sql,
            ClientRequestToken: clientRequestToken,
            QueryExecutionContext: { Database: options.database, ...(options.catalog ? { Catalog: options.catalog } : {}) },
            ...(options.workgroup ? { WorkGroup: options.workgroup } : {}),
            ...(options.outputLocation ? { ResultConfiguration: { OutputLocation: options.outputLocation } } : {}),
          }),
          { abortSignal: s },
        ),
      { ...retry, signal },
    );
    const id = started.QueryExecutionId;
    if (!id) throw new Error('StartQueryExecution answered without a QueryExecutionId');
    summary.queryId = id;
    operation = 'GetQueryExecution';
    const finished = await pollUntilDone(
      async () => {
        const got = await withRetry((s) => client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }), { abortSignal: s }), { ...retry, signal });
        const execution = got.QueryExecution;
        return {
          state: execution?.Status?.State ?? 'UNKNOWN',
          bytesScanned: execution?.Statistics?.DataScannedInBytes,
          executionMs: execution?.Statistics?.EngineExecutionTimeInMillis,
          reason: execution?.Status?.StateChangeReason,
        };
      },
      { name: 'Athena', finished: 'SUCCEEDED', ended: ['FAILED', 'CANCELLED'] },
      summary,
      options,
    );
    if (!finished) return summary;
    operation = 'GetQueryResultsAthena';
    let columns: string[] | undefined;
    await deliverPages(async (token) => {
      const page = await withRetry(
        (s) => client.send(new AthenaGetQueryResultsCommand({ QueryExecutionId: id, NextToken: token, MaxResults: 1000 }), { abortSignal: s }),
        { ...retry, signal },
      );
      columns ??= (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((ci) => ci.Name ?? '');
      let rows = page.ResultSet?.Rows ?? [];
      // For SELECT, the first row of the first page repeats the column names.
      if (summary.pages === 0 && rows.length && rows[0].Data?.every((d, i) => d.VarCharValue === columns![i])) rows = rows.slice(1);
      const records = rows.map((row) => {
        const values = new Map<string, string | null>();
        (row.Data ?? []).forEach((d, i) => values.set(columns![i] ?? `column${i}`, d.VarCharValue ?? null));
        return recordFromRow(values);
      });
      return { records, nextToken: page.NextToken };
    }, summary, options);
    return summary;
  } catch (error) {
    if (isAbort(error, signal)) {
      return stopRemote(
        summary,
        'SUCCEEDED',
        async () => {
          await withRetry(() => client.send(new StopQueryExecutionCommand({ QueryExecutionId: summary.queryId })), { ...retry });
          return 'CANCELLED';
        },
        (stopError) => `Cancelled here, but stopping the Athena query ${summary.queryId} failed: ${describeAwsError(stopError, ctx('StopQueryExecution')).message}`,
      );
    }
    return fail(summary, describeAwsError(error, ctx(operation)));
  }
}

/**
 * After a cancel here: stops the remote query, which costs money while it runs, unless it had
 * already `finished`. `stop` is not tied to the aborted signal; it resolves with the new state.
 */
async function stopRemote(summary: QuerySummary, finished: string, stop: () => Promise<string>, failed: (error: unknown) => string): Promise<QuerySummary> {
  summary.cancelled = true;
  if (summary.queryId && summary.state !== finished) {
    try {
      summary.state = await stop();
      summary.remoteStopped = true;
    } catch (stopError) {
      summary.error = failed(stopError);
    }
  }
  return summary;
}

function fail(summary: QuerySummary, error: AwsSourceError): QuerySummary {
  summary.error = error.message;
  summary.errorKind = error.kind;
  if (summary.state === 'NOT_STARTED' || summary.state === 'RUNNING' || summary.state === 'QUEUED') summary.state = 'FAILED';
  return summary;
}

export async function runLakeQuery(options: LakeRunOptions): Promise<QuerySummary> {
  const { factory, signal } = options;
  const summary: QuerySummary = { state: 'NOT_STARTED', bytesScanned: 0, rows: 0, pages: 0, cancelled: false, remoteStopped: false };
  let profile;
  try {
    profile = await factory.profile();
  } catch (error) {
    return fail(summary, describeAwsError(error, { profile: factory.profileName, operation: 'StartQuery' }));
  }
  const ctx = (operation: string) => ({ profile: profile.name, profileKind: profile.kind, region: options.region, operation });
  const client = factory.cloudTrail(options.region);
  const counters: RetryCounters = { throttleRetries: 0, transientRetries: 0 };
  const retry = { counters, policy: DEFAULT_RETRY, refreshCredentials: () => factory.refreshCredentials() };
  const owner = options.eventDataStoreOwnerAccountId ? { EventDataStoreOwnerAccountId: options.eventDataStoreOwnerAccountId } : {};
  let operation = 'StartQuery';
  try {
    const started = await withRetry((s) => client.send(new StartQueryCommand({ QueryStatement: options.sql, ...owner }), { abortSignal: s }), {
      ...retry,
      signal,
      // A retried StartQuery after a dropped answer could start a second query: only retry throttling.
      policy: { ...DEFAULT_RETRY, maxTransientRetries: 0 },
    });
    const id = started.QueryId;
    if (!id) throw new Error('StartQuery answered without a QueryId');
    summary.queryId = id;
    operation = 'DescribeQuery';
    const finished = await pollUntilDone(
      async () => {
        const d = await withRetry((s) => client.send(new DescribeQueryCommand({ QueryId: id, ...owner }), { abortSignal: s }), { ...retry, signal });
        return { state: d.QueryStatus ?? 'UNKNOWN', bytesScanned: d.QueryStatistics?.BytesScanned, executionMs: d.QueryStatistics?.ExecutionTimeInMillis, reason: d.ErrorMessage };
      },
      { name: 'CloudTrail Lake', finished: 'FINISHED', ended: ['FAILED', 'CANCELLED', 'TIMED_OUT'] },
      summary,
      options,
    );
    if (!finished) return summary;
    operation = 'GetQueryResults';
    await deliverPages(async (token) => {
      const page = await withRetry(
        (s) => client.send(new LakeGetQueryResultsCommand({ QueryId: id, NextToken: token, MaxQueryResults: 1000, ...owner }), { abortSignal: s }),
        { ...retry, signal },
      );
      summary.bytesScanned = page.QueryStatistics?.BytesScanned ?? summary.bytesScanned;
      const records = (page.QueryResultRows ?? []).map((row) => {
        const values = new Map<string, string | null>();
        for (const cell of row) for (const [k, v] of Object.entries(cell)) values.set(k, v ?? null);
        return recordFromRow(values);
      });
      return { records, nextToken: page.NextToken };
    }, summary, options);
    return summary;
  } catch (error) {
    if (isAbort(error, signal)) {
      return stopRemote(
        summary,
        'FINISHED',
        async () => {
          const cancelled = await withRetry(() => client.send(new CancelQueryCommand({ QueryId: summary.queryId, ...owner })), { ...retry });
          return cancelled.QueryStatus ?? 'CANCELLED';
        },
        (stopError) => `Cancelled here, but cancelling the CloudTrail Lake query ${summary.queryId} failed: ${describeAwsError(stopError, ctx('CancelQuery')).message}`,
      );
    }
    return fail(summary, describeAwsError(error, ctx(operation)));
  }
}
