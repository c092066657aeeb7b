import * as assert from 'node:assert/strict';
import { AwsClientFactory } from '../../../src/core/aws/clients';
import { QueryRecord, describeAthenaTable, runAthenaQuery, runLakeQuery } from '../../../src/core/aws/queries';
import { athenaSql, athenaTargetFor, eventDataStoreId, lakeSql, likePattern, recordFromRow, sqlIdentifier, sqlString, statementOf } from '../../../src/core/aws/sql';
import { AthenaAnswer, AthenaServer } from '../../servers/athenaServer';
import { CloudTrailServer, LakeAnswer } from '../../servers/cloudtrailServer';
import { CloudTrailRecord, synthEvents } from '../../servers/synth';
import { TempAws, tempAws } from './helpers';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const DAY = 86400_000;

describe('aws/sql: Trino for Athena and CloudTrail Lake', () => {
  it('quotes every literal: quotes doubled, control and non-ASCII characters escaped', () => {
    assert.equal(sqlString("O'Brien"), "'O''Brien'");
    assert.equal(sqlString("x' OR '1'='1"), "'x'' OR ''1''=''1'");
    assert.equal(sqlString('a\nb'), "U&'a\\000ab'");
    assert.equal(sqlString("é'\\"), "U&'\\00e9''\\\\'");
    assert.equal(sqlString('😀'), "U&'\\+01f600'");
    assert.equal(sqlIdentifier('cloud"trail', 'table'), '"cloud""trail"');
    assert.throws(() => sqlIdentifier('a\u0000', 'table'), /control character/);
    assert.equal(likePattern('Get*_x?%'), 'Get%\\_x_\\%');
  });

  it('Athena: time on eventtime, partition projection columns, pushed terms and what stays for the index', () => {
    const generated = athenaSql(
      { database: 'security', table: 'cloudtrail_logs' },
      {
        start: T0,
        end: T0 + 2 * DAY,
        regions: ['us-east-1', 'eu-west-1'],
        terms: [
          { field: 'accessKey', value: 'AKIAEXAMPLE' },
          { field: 'eventName', value: 'Get*' },
          { field: 'principal', value: "arn:aws:iam::111122223333:user/o'brien" },
          { field: 'readOnly', value: 'false' },
          { field: 'resource', value: 'arn:aws:s3:::bucket' },
          { field: 'principal', value: 'service:ec2.amazonaws.com' },
        ],
      },
    );
    const sql = generated.sql;
    assert.match(sql, /FROM "security"\."cloudtrail_logs"/);
    assert.match(sql, /from_iso8601_timestamp\(eventtime\) >= from_iso8601_timestamp\('2026-11-01T00:00:00Z'\)/);
    assert.match(sql, /from_iso8601_timestamp\(eventtime\) < from_iso8601_timestamp\('2026-11-03T00:00:00Z'\)/);
    assert.match(sql, /"timestamp" BETWEEN '2026\/11\/01' AND '2026\/11\/04'/, 'delivery day may follow the event day');
    assert.match(sql, /"region" IN \('us-east-1', 'eu-west-1'\)/);
    assert.match(sql, /useridentity\.accesskeyid = 'AKIAEXAMPLE'/);
    assert.match(sql, /eventname LIKE 'Get%' ESCAPE '\\'/);
    assert.match(sql, /useridentity\.arn = 'arn:aws:iam::111122223333:user\/o''brien'/);
    assert.match(sql, /readonly = 'false'/);
    assert.match(sql, /useridentity\.sessioncontext\.sessionissuer\.arn AS ui_issuer_arn/);
    assert.deepEqual(
      generated.afterLoading.map((t) => t.value),
      ['arn:aws:s3:::bucket', 'service:ec2.amazonaws.com'],
    );
    assert.match(generated.explanation, /applied after loading: resource = "arn:aws:s3:::bucket"/);
  });

  it('Lake: the event data store id from an ARN, timestamp literals, boolean readOnly', () => {
    const generated = lakeSql(
      { eventDataStore: 'arn:aws:cloudtrail:us-east-1:111122223333:eventdatastore/EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE' },
      { start: T0, end: T0 + DAY, terms: [{ field: 'readOnly', value: 'TRUE' }, { field: 'eventSource', value: 's3.amazonaws.com' }], limit: 100 },
    );
    assert.match(generated.sql, /FROM EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE\n/);
    assert.match(generated.sql, /eventTime >= '2026-11-01 00:00:00'/);
    assert.match(generated.sql, /eventTime < '2026-11-02 00:00:00'/);
    assert.match(generated.sql, /readOnly = true/);
    assert.match(generated.sql, /eventSource = 's3\.amazonaws\.com'/);
    assert.match(generated.sql, /LIMIT 100$/);
    assert.ok(!generated.sql.includes('requestParameters'), 'Lake maps are not selected as if they were JSON');
    assert.throws(() => eventDataStoreId('x; DROP'), /not a CloudTrail Lake event data store/);
    assert.throws(() => lakeSql({ eventDataStore: 'abc' }, { start: T0, end: T0, terms: [] }), /time range is empty/);
  });

  it('sends the statement without the header comments, keeping comments inside it', () => {
    assert.equal(statementOf('-- CloudTrail Investigator: athena\r\n-- why\n\nSELECT 1\n-- inside\nFROM t\n'), 'SELECT 1\n-- inside\nFROM t');
    assert.equal(statementOf('-- only comments\n'), '');
  });

  it('rebuilds CloudTrail-shaped records from result rows', () => {
    const record = recordFromRow(
      new Map<string, string | null>([
        ['eventtime', '2026-11-01T10:00:00Z'],
        ['eventname', 'GetObject'],
        ['readonly', 'true'],
        ['ui_arn', 'arn:aws:iam::111122223333:user/alice'],
        ['ui_issuer_arn', null],
        ['requestparameters', '{"bucketName":"b"}'],
        ['responseelements', 'not json'],
        ['resources_json', '[{"ARN":"arn:aws:s3:::b","accountId":null,"type":"AWS::S3::Bucket"}]'],
        ['my_extra', 'kept'],
        ['__proto__', '{"polluted":true}'],
      ]),
    );
    assert.deepEqual(record, {
      eventTime: '2026-11-01T10:00:00Z',
      eventName: 'GetObject',
      readOnly: true,
      userIdentity: { arn: 'arn:aws:iam::111122223333:user/alice' },
      requestParameters: { bucketName: 'b' },
      responseElements: 'not json',
      resources: [{ ARN: 'arn:aws:s3:::b', accountId: null, type: 'AWS::S3::Bucket' }],
      my_extra: 'kept',
    });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(recordFromRow({ eventTime: '2026-11-01 10:00:00.000' }).eventTime, '2026-11-01T10:00:00Z');
  });
});

/** The test's own projection of a record onto the generator's aliases (hand-written, not from COLUMNS). */
function project(record: CloudTrailRecord): Record<string, string | null> {
  const ui = record.userIdentity as Record<string, string>;
  return {
    eventtime: String(record.eventTime),
    eventname: String(record.eventName),
    eventsource: String(record.eventSource),
    awsregion: String(record.awsRegion),
    eventid: String(record.eventID),
    readonly: String(record.readOnly),
    recipientaccountid: String(record.recipientAccountId),
    requestparameters: record.requestParameters === null ? null : JSON.stringify(record.requestParameters),
    ui_arn: ui.arn,
    ui_accesskeyid: ui.accessKeyId,
    ui_username: ui.userName,
    ui_type: ui.type,
  };
}

describe('aws/queries: Athena and CloudTrail Lake runners through the real SDK', function () {
  let aws: TempAws;
  const records = synthEvents({ count: 2500, regions: ['us-east-1'], start: T0, end: T0 + DAY, seed: 3 });
  let athenaAnswer: AthenaAnswer;
  let lakeAnswer: LakeAnswer;
  let athena: AthenaServer;
  let cloudtrail: CloudTrailServer;
  let factory: AwsClientFactory;

  before(async () => {
    aws = await tempAws();
    athena = new AthenaServer(() => athenaAnswer, new Set(['primary']));
    cloudtrail = new CloudTrailServer({ lake: () => lakeAnswer });
    await athena.start();
    await cloudtrail.start();
  });
  beforeEach(() => {
    factory = new AwsClientFactory({ profile: 'local', files: aws.files, endpoints: { athena: athena.endpoint, cloudtrail: cloudtrail.endpoint } });
  });
  afterEach(() => factory.dispose());
  after(async () => {
    await athena.stop();
    await cloudtrail.stop();
    await aws.cleanup();
  });

  const columns = Object.keys(project(records[0]));
  const rows = records.map((r) => columns.map((c) => project(r)[c]));

  it('Athena: starts, polls to SUCCEEDED, pages 2,500 rows, reports bytes scanned, rebuilds records', async () => {
    athenaAnswer = { columns, rows, bytesScanned: 123_456_789, runPolls: 3 };
    const generated = athenaSql({ database: 'security', table: 'cloudtrail_logs' }, { start: T0, end: T0 + DAY, terms: [] });
    const got: QueryRecord[] = [];
    const states: string[] = [];
    const summary = await runAthenaQuery({
      factory,
      region: 'us-east-1',
      sql: generated.sql,
      database: 'security',
      workgroup: 'investigations',
      outputLocation: 's3://query-results/ctinv/',
      pollMs: 5,
      onRows: (batch) => {
        got.push(...batch);
      },
      onProgress: (p) => states.push(p.state),
    });
    assert.equal(summary.error, undefined);
    assert.equal(summary.state, 'SUCCEEDED');
    assert.equal(summary.bytesScanned, 123_456_789);
    assert.equal(summary.rows, 2500);
    assert.equal(summary.pages, 3);
    assert.ok(states.includes('RUNNING'));
    assert.equal(got.length, 2500);
    const original = records[1234];
    const rebuilt = got[1234];
    assert.equal(rebuilt.eventID, original.eventID);
    assert.equal(rebuilt.eventTime, original.eventTime);
    assert.equal(rebuilt.readOnly, original.readOnly);
    assert.deepEqual(rebuilt.requestParameters ?? null, original.requestParameters);
    assert.deepEqual(rebuilt.userIdentity, {
      arn: (original.userIdentity as Record<string, string>).arn,
      accessKeyId: (original.userIdentity as Record<string, string>).accessKeyId,
      userName: (original.userIdentity as Record<string, string>).userName,
      type: 'IAMUser',
    });
    const start = athena.requests.find((r) => r.operation === 'StartQueryExecution')!.body;
    assert.equal(start.QueryString, generated.sql);
    assert.deepEqual(start.QueryExecutionContext, { Database: 'security' });
    assert.equal(start.WorkGroup, 'investigations');
    assert.deepEqual(start.ResultConfiguration, { OutputLocation: 's3://query-results/ctinv/' });
    assert.equal(typeof start.ClientRequestToken, 'string');
  });

  it('Athena: cancel stops the remote query', async () => {
    athenaAnswer = { columns, rows: rows.slice(0, 10), bytesScanned: 1000, runPolls: 1_000_000 };
    const controller = new AbortController();
    const summary = await runAthenaQuery({
      factory,
      region: 'us-east-1',
      sql: 'SELECT 1',
      database: 'security',
      pollMs: 5,
      signal: controller.signal,
      onRows: () => undefined,
      onProgress: (p) => {
        if (p.polls === 3) controller.abort();
      },
    });
    assert.equal(summary.cancelled, true);
    assert.equal(summary.remoteStopped, true);
    assert.equal(summary.state, 'CANCELLED');
    assert.equal(athena.executions.get(summary.queryId!)!.state, 'CANCELLED');
    assert.equal(athena.count('StopQueryExecution'), 1);
  });

  it('Athena: a failed query, a missing output location and access denied are told clearly', async () => {
    athenaAnswer = { columns, rows: [], bytesScanned: 0, error: "TABLE_NOT_FOUND: line 3:6: Table 'awsdatacatalog.security.nope' does not exist" };
    const failed = await runAthenaQuery({ factory, region: 'us-east-1', sql: 'SELECT 1', database: 'security', pollMs: 5, onRows: () => undefined });
    assert.equal(failed.state, 'FAILED');
    assert.match(failed.error!, /ended FAILED: TABLE_NOT_FOUND/);
    const noOutput = await runAthenaQuery({ factory, region: 'us-east-1', sql: 'SELECT 1', database: 'security', workgroup: 'bare', pollMs: 5, onRows: () => undefined });
    assert.match(noOutput.error!, /No output location provided/);
    const badOutput = await runAthenaQuery({ factory, region: 'us-east-1', sql: 'SELECT 1', database: 'd', outputLocation: 'https://x', onRows: () => undefined });
    assert.match(badOutput.error!, /is not an s3:\/\/bucket\/prefix\/ URL/);
    const denied = new AwsClientFactory({ profile: 'denied', files: aws.files, endpoints: { athena: athena.endpoint } });
    const refused = await runAthenaQuery({ factory: denied, region: 'us-east-1', sql: 'SELECT 1', database: 'security', onRows: () => undefined });
    denied.dispose();
    assert.equal(refused.errorKind, 'access-denied');
    assert.match(refused.error!, /missing the permission athena:StartQueryExecution/);
  });

  it('Lake: StartQuery, DescribeQuery until FINISHED, paged GetQueryResults, bytes scanned', async () => {
    lakeAnswer = {
      rows: records.slice(0, 1500).map((r) => ({
        eventID: String(r.eventID),
        eventTime: String(r.eventTime).replace('T', ' ').replace('Z', '.000'),
        eventName: String(r.eventName),
        'userIdentity.arn': (r.userIdentity as Record<string, string>).arn,
      })),
      bytesScanned: 987_654,
      runPolls: 3,
    };
    const generated = lakeSql({ eventDataStore: 'EXAMPLE-eds-0001' }, { start: T0, end: T0 + DAY, terms: [{ field: 'eventName', value: 'ConsoleLogin' }] });
    const got: QueryRecord[] = [];
    const summary = await runLakeQuery({ factory, region: 'us-east-1', sql: generated.sql, pollMs: 5, onRows: (b) => void got.push(...b) });
    assert.equal(summary.error, undefined);
    assert.equal(summary.state, 'FINISHED');
    assert.equal(summary.bytesScanned, 987_654);
    assert.equal(summary.pages, 2);
    assert.equal(got.length, 1500);
    assert.equal(got[7].eventID, records[7].eventID);
    assert.equal(got[7].eventTime, records[7].eventTime);
    const query = cloudtrail.lakeQueries().find((q) => q.id === summary.queryId)!;
    assert.equal(query.sql, generated.sql);
  });

  it('Lake: cancel cancels the remote query; a failed query says why', async () => {
    lakeAnswer = { rows: [], bytesScanned: 0, runPolls: 1_000_000 };
    const controller = new AbortController();
    const summary = await runLakeQuery({
      factory,
      region: 'us-east-1',
      sql: 'SELECT eventID FROM EXAMPLE-eds-0001',
      pollMs: 5,
      signal: controller.signal,
      onRows: () => undefined,
      onProgress: (p) => {
        if (p.polls === 2) controller.abort();
      },
    });
    assert.equal(summary.cancelled, true);
    assert.equal(summary.remoteStopped, true);
    assert.equal(summary.state, 'CANCELLED');
    assert.equal(cloudtrail.lakeQueries().find((q) => q.id === summary.queryId)!.status, 'CANCELLED');
    lakeAnswer = { rows: [], bytesScanned: 0, error: 'Query failed: column "nope" does not exist' };
    const failed = await runLakeQuery({ factory, region: 'us-east-1', sql: 'SELECT nope FROM EXAMPLE-eds-0001', pollMs: 5, onRows: () => undefined });
    assert.match(failed.error!, /ended FAILED: Query failed: column "nope" does not exist/);
  });
});

describe('aws/queries: Athena as it really is (table metadata, request tokens)', function () {
  let aws: TempAws;
  let athena: AthenaServer;
  let factory: AwsClientFactory;
  const ok: AthenaAnswer = { columns: ['eventid'], rows: [['e-1']], bytesScanned: 10, runPolls: 1 };
  // The columns of AWS's documented CloudTrail table (athena/latest/ug/cloudtrail-logs.html).
  const cloudTrailColumns = [
    'eventversion', 'useridentity', 'eventtime', 'eventsource', 'eventname', 'awsregion', 'sourceipaddress', 'useragent',
    'errorcode', 'errormessage', 'requestparameters', 'responseelements', 'additionaleventdata', 'requestid', 'eventid',
    'readonly', 'resources', 'eventtype', 'apiversion', 'recipientaccountid', 'serviceeventdetails', 'sharedeventid',
    'vpcendpointid', 'eventcategory', 'tlsdetails',
  ].map((Name) => ({ Name, Type: 'string' }));

  before(async () => {
    aws = await tempAws();
    athena = new AthenaServer(() => ok, new Set(['primary']));
    // AWS's documented partition-projection table: `timestamp` alone, one region in the location.
    athena.tables.set('security.documented', {
      columns: cloudTrailColumns,
      partitionKeys: [{ Name: 'timestamp', Type: 'string' }],
      parameters: {
        'projection.enabled': 'true',
        'projection.timestamp.type': 'date',
        'projection.timestamp.format': 'yyyy/MM/dd',
        'projection.timestamp.range': '2020/01/01,NOW',
        'storage.location.template': 's3://trail/AWSLogs/111122223333/CloudTrail/us-east-1/${timestamp}',
      },
    });
    // A table made by the CloudTrail console: no partitions, an older column set.
    athena.tables.set('security.console', { columns: cloudTrailColumns.filter((c) => c.Name !== 'vpcendpointid' && c.Name !== 'eventcategory'), partitionKeys: [] });
    // The README's table: region (enum) and timestamp.
    athena.tables.set('security.readme', {
      columns: cloudTrailColumns,
      partitionKeys: [
        { Name: 'region', Type: 'string' },
        { Name: 'timestamp', Type: 'string' },
      ],
      parameters: {
        'projection.enabled': 'true',
        'projection.region.type': 'enum',
        'projection.region.values': 'us-east-1,eu-west-1',
        'projection.timestamp.type': 'date',
        'projection.timestamp.format': 'yyyy/MM/dd',
      },
    });
    await athena.start();
  });
  beforeEach(() => {
    factory = new AwsClientFactory({ profile: 'local', files: aws.files, endpoints: { athena: athena.endpoint } });
  });
  afterEach(() => factory.dispose());
  after(async () => {
    await athena.stop();
    await aws.cleanup();
  });

  const run = (sql: string) => runAthenaQuery({ factory, region: 'us-east-1', sql, database: 'security', pollMs: 1, onRows: () => undefined });
  const request = { start: T0, end: T0 + DAY, regions: ['us-east-1'], terms: [{ field: 'eventName', value: 'GetObject' }] };

  it('the test server fails a statement that names a partition key the table lacks, as Athena does', async () => {
    const guessed = athenaSql({ database: 'security', table: 'documented' }, request);
    const summary = await run(guessed.sql);
    assert.equal(summary.state, 'FAILED');
    assert.match(summary.error!, /COLUMN_NOT_FOUND: .*Column 'region' cannot be resolved/);
  });

  it("reads the table's partition keys and columns with GetTableMetadata and builds SQL that runs", async () => {
    for (const table of ['documented', 'console', 'readme']) {
      const info = await describeAthenaTable({ factory, region: 'us-east-1', database: 'security', table });
      const { target, notes } = athenaTargetFor('security', table, info, ['us-east-1', 'ap-south-1']);
      const generated = athenaSql(target, { ...request, regions: ['us-east-1', 'ap-south-1'] });
      const summary = await run(generated.sql);
      assert.equal(summary.error, undefined, `${table}: ${summary.error}\n${generated.sql}`);
      assert.equal(summary.state, 'SUCCEEDED');
      if (table === 'documented') {
        assert.equal(target.datePartition, 'timestamp');
        assert.equal(target.regionPartition, '');
        assert.match(generated.sql, /"timestamp" BETWEEN/);
        assert.doesNotMatch(generated.sql, /"region"/);
        assert.match(generated.explanation, /no region partition: regions are filtered on awsregion only/);
      } else if (table === 'console') {
        assert.equal(target.datePartition, '');
        assert.ok(notes.some((n) => /no day partition: Athena reads every file/.test(n)));
        assert.doesNotMatch(generated.sql, /vpcendpointid|eventcategory/);
        assert.match(generated.explanation, /no column vpcendpointid, eventcategory: left out/);
      } else {
        assert.equal(target.regionPartition, 'region');
        assert.match(generated.sql, /"region" IN \('us-east-1', 'ap-south-1'\)/);
        assert.ok(notes.some((n) => /projection\.region\.values\) has no ap-south-1: Athena finds nothing for that region/.test(n)), notes.join('\n'));
      }
    }
    const calls = athena.requests.filter((r) => r.operation === 'GetTableMetadata');
    assert.deepEqual(calls[0].body, { CatalogName: 'AwsDataCatalog', DatabaseName: 'security', TableName: 'documented' });
  });

  it('a table that is missing or not CloudTrail is told clearly', async () => {
    await assert.rejects(describeAthenaTable({ factory, region: 'us-east-1', database: 'security', table: 'nope' }), /Table nope not found/);
    assert.throws(() => athenaTargetFor('security', 'x', { columns: ['a'], partitionKeys: [], parameters: {} }) && athenaSql(athenaTargetFor('security', 'x', { columns: ['a'], partitionKeys: [], parameters: {} }).target, request), /no eventtime column/);
  });

  it('a retried start repeats its ClientRequestToken: one query runs and is billed, not two', async () => {
    const before = athena.executions.size;
    const startsBefore = athena.count('StartQueryExecution');
    athena.dropNextResponses(1); // the first StartQueryExecution runs, but its answer is lost
    const summary = await run('SELECT 1');
    assert.equal(summary.state, 'SUCCEEDED', summary.error);
    assert.equal(athena.count('StartQueryExecution') - startsBefore, 2, 'the start was retried');
    assert.equal(athena.executions.size - before, 1, 'one query started');
    const tokens = athena.requests.filter((r) => r.operation === 'StartQueryExecution').slice(-2).map((r) => r.body.ClientRequestToken);
    assert.equal(tokens[0], tokens[1]);
    assert.equal(athena.startsPerToken.get(String(tokens[0])), 2);
  });
});
