/**
 * A local Athena server speaking the real awsJson1_1 protocol (`X-Amz-Target:
 * AmazonAthena.<Operation>`): StartQueryExecution, GetQueryExecution, GetQueryResults,
 * StopQueryExecution. It runs no SQL: the test decides, from the statement, which columns
 * and rows a query answers; the server checks the request shapes, walks the query through
 * QUEUED → RUNNING → SUCCEEDED (or FAILED) one poll at a time, pages the results with the
 * header row first as Athena does, and reports DataScannedInBytes.
 */
import { randomUUID } from 'node:crypto';
import { AwsJsonError, AwsJsonServer, JsonRequest, int, str } from './awsJson';

export interface AthenaAnswer {
  columns: string[];
  rows: Array<Array<string | null>>;
  bytesScanned: number;
  /** GetQueryExecution calls before the query reaches its end state; default 2. */
  runPolls?: number;
  /** Ends FAILED with this reason. */
  error?: string;
}

interface Execution {
  id: string;
  sql: string;
  database?: string;
  workgroup: string;
  outputLocation?: string;
  answer: AthenaAnswer;
  polls: number;
  state: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
  submitted: number;
}

export class AthenaServer extends AwsJsonServer {
  readonly executions = new Map<string, Execution>();
  private readonly byToken = new Map<string, string>();

  constructor(
    private readonly resolve: (sql: string) => AthenaAnswer,
    /** Workgroups that define an output location themselves. */
    private readonly workgroupsWithOutput: ReadonlySet<string> = new Set(['primary']),
  ) {
    super({
      targetPrefixes: ['AmazonAthena'],
      signingName: 'athena',
      actionPrefix: 'athena',
      handlers: {
        StartQueryExecution: (r) => this.startExecution(r),
        GetQueryExecution: (r) => this.get(r),
        GetQueryResults: (r) => this.results(r),
        StopQueryExecution: (r) => this.stopQuery(r),
      },
    });
  }

  private execution(request: JsonRequest): Execution {
    const id = str(request.body, 'QueryExecutionId', true)!;
    const execution = this.executions.get(id);
    if (!execution) throw new AwsJsonError('InvalidRequestException', `QueryExecution ${id} was not found`);
    return execution;
  }

  private startExecution(request: JsonRequest): unknown {
    const body = request.body;
    const sql = str(body, 'QueryString', true)!;
    if (sql.length < 1 || sql.length > 262144) throw new AwsJsonError('InvalidRequestException', 'QueryString must be 1 to 262144 characters.');
    const token = str(body, 'ClientRequestToken', false);
    if (token !== undefined && (token.length < 32 || token.length > 128)) {
      throw new AwsJsonError('InvalidRequestException', 'ClientRequestToken must be 32 to 128 characters.');
    }
    if (token && this.byToken.has(token)) return { QueryExecutionId: this.byToken.get(token) };
    const context = body.QueryExecutionContext as Record<string, unknown> | undefined;
    const resultConfiguration = body.ResultConfiguration as Record<string, unknown> | undefined;
    const outputLocation = resultConfiguration ? str(resultConfiguration, 'OutputLocation', false) : undefined;
    const workgroup = str(body, 'WorkGroup', false) ?? 'primary';
    if (outputLocation !== undefined && !outputLocation.startsWith('s3://')) {
      throw new AwsJsonError('InvalidRequestException', `Invalid OutputLocation '${outputLocation}'.`);
    }
    if (!outputLocation && !this.workgroupsWithOutput.has(workgroup)) {
      throw new AwsJsonError(
        'InvalidRequestException',
        'No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.',
      );
    }
    const id = randomUUID();
    if (token) this.byToken.set(token, id);
    this.executions.set(id, {
      id,
      sql,
      database: context ? str(context, 'Database', false) : undefined,
      workgroup,
      outputLocation,
      answer: this.resolve(sql),
      polls: 0,
      state: 'QUEUED',
      submitted: Date.now(),
    });
    return { QueryExecutionId: id };
  }

  private get(request: JsonRequest): unknown {
    const e = this.execution(request);
    if (e.state === 'QUEUED' || e.state === 'RUNNING') {
      e.polls++;
      if (e.polls >= (e.answer.runPolls ?? 2)) e.state = e.answer.error ? 'FAILED' : 'SUCCEEDED';
      else e.state = 'RUNNING';
    }
    const done = e.state === 'SUCCEEDED';
    return {
      QueryExecution: {
        QueryExecutionId: e.id,
        Query: e.sql,
        StatementType: 'DML',
        ResultConfiguration: { OutputLocation: `${e.outputLocation ?? 's3://workgroup-results/'}${e.id}.csv` },
        QueryExecutionContext: { Database: e.database },
        Status: {
          State: e.state,
          StateChangeReason: e.state === 'FAILED' ? e.answer.error : undefined,
          SubmissionDateTime: e.submitted / 1000,
        },
        Statistics: {
          EngineExecutionTimeInMillis: e.polls * 100,
          DataScannedInBytes: done ? e.answer.bytesScanned : Math.floor(e.answer.bytesScanned / 2),
          TotalExecutionTimeInMillis: e.polls * 120,
        },
        WorkGroup: e.workgroup,
      },
    };
  }

  private results(request: JsonRequest): unknown {
    const e = this.execution(request);
    if (e.state !== 'SUCCEEDED') throw new AwsJsonError('InvalidRequestException', `Query has not yet finished. Current state: ${e.state}`);
    const max = int(request.body, 'MaxResults') ?? 1000;
    if (max < 1 || max > 1000) throw new AwsJsonError('InvalidRequestException', 'MaxResults must be between 1 and 1000.');
    const token = str(request.body, 'NextToken', false);
    let offset = 0;
    if (token !== undefined) {
      const m = /^tok:([0-9a-f-]+):(\d+)$/.exec(token);
      if (!m || m[1] !== e.id) throw new AwsJsonError('InvalidRequestException', 'Invalid NextToken.');
      offset = Number(m[2]);
    }
    // Row 0 is the header, as Athena answers SELECT statements.
    const all: Array<Array<string | null>> = [e.answer.columns, ...e.answer.rows];
    const rows = all.slice(offset, offset + max);
    const next = offset + rows.length < all.length ? `tok:${e.id}:${offset + rows.length}` : undefined;
    return {
      UpdateCount: 0,
      ResultSet: {
        Rows: rows.map((r) => ({ Data: r.map((v) => (v === null ? {} : { VarCharValue: v })) })),
        ResultSetMetadata: {
          ColumnInfo: e.answer.columns.map((name) => ({
            CatalogName: 'hive',
            SchemaName: '',
            TableName: '',
            Name: name,
            Label: name,
            Type: 'varchar',
            Precision: 2147483647,
            Scale: 0,
            Nullable: 'UNKNOWN',
            CaseSensitive: true,
          })),
        },
      },
      NextToken: next,
    };
  }

  private stopQuery(request: JsonRequest): unknown {
    const e = this.execution(request);
    if (e.state === 'QUEUED' || e.state === 'RUNNING') e.state = 'CANCELLED';
    return {};
  }
}
