/**
 * A local Athena server speaking the real awsJson1_1 protocol (`X-Amz-Target:
 * AmazonAthena.<Operation>`): StartQueryExecution, GetQueryExecution, GetQueryResults,
 * StopQueryExecution. It runs no SQL: the test decides, from the statement, which columns
 * and rows a query answers; the server checks the request shapes, walks the query through
 * QUEUED → RUNNING → SUCCEEDED (or FAILED) one poll at a time, pages the results with the
 * header row first as Athena does, and reports DataScannedInBytes.
 *
 * Like Athena, it holds the client to the table it serves: GetTableMetadata answers the
 * columns, partition keys and table properties of the tables the test registers, and a
 * statement on a registered table that names a column or partition key the table does not
 * have ends FAILED with Athena's `COLUMN_NOT_FOUND` reason. Starts are counted per
 * `ClientRequestToken`, so a test sees whether a retry started a second (billed) query.
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

/** A table as GetTableMetadata describes it (names as Athena answers them: lower case). */
export interface AthenaTable {
  columns: Array<{ Name: string; Type: string }>;
  partitionKeys: Array<{ Name: string; Type: string }>;
  /** Table properties, e.g. `projection.enabled`, `projection.region.values`. */
  parameters?: Record<string, string>;
}

const SQL_WORDS = new Set(
  'select from where and or not in between like escape is null limit as true false array cast order by desc asc group having distinct json case when then else end on join'.split(' '),
);

/**
 * The column and partition-key names a statement refers to (lower case): bare and quoted
 * identifiers outside string literals that are not functions, keywords, aliases, lambda
 * parameters or fields of a row (`a.b` names `a`).
 */
export function referencedColumns(sql: string): string[] {
  const text = sql.replace(/(U&)?'(?:[^']|'')*'/g, ' \'\' ');
  const lambdas = new Set([...text.matchAll(/\b([a-z_]\w*)\s*->/gi)].map((m) => m[1].toLowerCase()));
  const out = new Set<string>();
  const re = /"((?:[^"]|"")+)"|\b([a-z_][a-z0-9_]*)\b/gi;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const name = (m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]).toLowerCase();
    const before = text.slice(0, m.index);
    const after = text.slice(m.index + m[0].length);
    if (/\.\s*$/.test(before)) continue; // a field of a row, or the table after its database
    if (/\bas\s*$/i.test(before)) continue; // an alias or a CAST target type
    if (/\bfrom\s*$/i.test(before)) continue; // the table (or its database)
    if (m[2] !== undefined && (SQL_WORDS.has(name) || /^\s*\(/.test(after))) continue;
    if (lambdas.has(name)) continue;
    out.add(name);
  }
  return [...out];
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
  /** StartQueryExecution calls per ClientRequestToken (a repeat answers the same query). */
  readonly startsPerToken = new Map<string, number>();
  /** `database.table` (lower case) → what GetTableMetadata answers. */
  readonly tables = new Map<string, AthenaTable>();

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
        GetTableMetadata: (r) => this.tableMetadata(r),
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
    if (token) this.startsPerToken.set(token, (this.startsPerToken.get(token) ?? 0) + 1);
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
    const database = context ? str(context, 'Database', false) : undefined;
    const unknown = this.unknownColumns(sql, database);
    this.executions.set(id, {
      id,
      sql,
      database,
      workgroup,
      outputLocation,
      answer: unknown
        ? { columns: [], rows: [], bytesScanned: 0, runPolls: 1, error: `COLUMN_NOT_FOUND: line 1:1: Column '${unknown}' cannot be resolved or requester is not authorized to access requested resources` }
        : this.resolve(sql),
      polls: 0,
      state: 'QUEUED',
      submitted: Date.now(),
    });
    return { QueryExecutionId: id };
  }

  /** The first name a statement on a registered table uses that the table lacks. */
  private unknownColumns(sql: string, database: string | undefined): string | undefined {
    const from = /\bfrom\s+(?:"((?:[^"]|"")+)"|(\w+))(?:\s*\.\s*(?:"((?:[^"]|"")+)"|(\w+)))?/i.exec(sql);
    if (!from) return undefined;
    const first = (from[1]?.replace(/""/g, '"') ?? from[2]).toLowerCase();
    const second = (from[3]?.replace(/""/g, '"') ?? from[4])?.toLowerCase();
    const key = second !== undefined ? `${first}.${second}` : `${(database ?? '').toLowerCase()}.${first}`;
    const table = this.tables.get(key);
    if (!table) return undefined;
    const known = new Set([...table.columns, ...table.partitionKeys].map((c) => c.Name.toLowerCase()));
    return referencedColumns(sql).find((name) => !known.has(name));
  }

  private tableMetadata(request: JsonRequest): unknown {
    const body = request.body;
    const catalog = str(body, 'CatalogName', true)!;
    const database = str(body, 'DatabaseName', true)!;
    const name = str(body, 'TableName', true)!;
    for (const [member, value, max] of [
      ['CatalogName', catalog, 256],
      ['DatabaseName', database, 128],
      ['TableName', name, 128],
    ] as const) {
      if (value.length < 1 || value.length > max) {
        throw new AwsJsonError('InvalidRequestException', `${member} must be 1 to ${max} characters.`);
      }
    }
    const table = this.tables.get(`${database.toLowerCase()}.${name.toLowerCase()}`);
    if (catalog.toLowerCase() !== 'awsdatacatalog' || !table) {
      throw new AwsJsonError('MetadataException', `Table ${name} not found in database ${database} of catalog ${catalog}.`);
    }
    return {
      TableMetadata: {
        Name: name.toLowerCase(),
        CreateTime: 1_700_000_000,
        TableType: 'EXTERNAL_TABLE',
        Columns: table.columns,
        PartitionKeys: table.partitionKeys,
        Parameters: table.parameters ?? {},
      },
    };
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
