/**
 * Every terminal output path of the CLI with hostile fields: bidirectional controls (Trojan
 * Source reordering), direction marks, line separators and control characters must reach the
 * terminal only as visible `\uXXXX` escapes, through the one printable() of src/cli/terminal.ts.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { printable } from '../../../src/cli/terminal';
import { printable as validatePrintable } from '../../../src/cli/commands/validate';
import { runCli } from '../run-cli';

/** Every character the terminal must not receive raw. */
const HOSTILE = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c', '\u2028', '\u2029', '\u001b', '\r', '\u0085', '\u009b'];
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const EVIL = `e${HOSTILE.join('')}vil`;
const ESCAPED = printable(EVIL);

async function ctinv(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli([...argv, '--no-cache', '--workers', '1']);
}

/** A YAML double-quoted scalar with every character outside printable ASCII escaped (YAML refuses raw C0/C1). */
function yamlQuoted(text: string): string {
  return `"${text.replace(/[^\x20-\x7e]|["\\]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

function assertSafe(output: string, what: string): void {
  const raw = RAW.exec(output);
  assert.equal(raw, null, `${what}: U+${raw?.[0].charCodeAt(0).toString(16).padStart(4, '0')} reached the terminal raw`);
}

describe('hostile/terminal: bidi and control characters never reach the terminal raw', () => {
  let dir: string;
  let rules: string;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ctinv-bidi-'));
    rules = await fs.mkdtemp(path.join(os.tmpdir(), 'ctinv-bidi-rules-'));
    const identity = { type: 'IAMUser', arn: `arn:aws:iam::111122223333:user/${EVIL}`, accountId: '111122223333', accessKeyId: 'AKIAHOSTILEKEY000001', userName: EVIL };
    const records = [0, 1, 2].map((i) => ({
      eventVersion: '1.09',
      eventTime: `2026-03-04T05:00:0${i}Z`,
      eventSource: 'iam.amazonaws.com',
      eventName: 'CreateUser',
      awsRegion: 'us-east-1',
      sourceIPAddress: '198.51.100.7',
      userAgent: EVIL,
      errorCode: i === 2 ? EVIL : undefined,
      userIdentity: identity,
      requestParameters: { userName: EVIL },
      eventID: `${EVIL}-${i}`,
      recipientAccountId: '111122223333',
    }));
    await fs.writeFile(path.join(dir, 'trail.json'), JSON.stringify({ Records: records }));
    // A file name an attacker chose, that cannot be read as CloudTrail: it is listed as skipped.
    await fs.writeFile(path.join(dir, `${EVIL}.json`), '{"Records": [');
    await fs.writeFile(
      path.join(rules, `${EVIL}.yml`),
      `title: ${yamlQuoted(EVIL)}\nid: ${yamlQuoted(EVIL)}\ntags: ["attack.t1136"]\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  selection:\n    userAgent|contains: vil\n  condition: selection\nlevel: high\n`,
    );
    await fs.writeFile(path.join(rules, 'broken.yml'), `title: broken\nlogsource:\n  product: aws\ndetection:\n  selection:\n    ${yamlQuoted(`userAgent|${EVIL}`)}: x\n  condition: selection\n`);
  });

  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rm(rules, { recursive: true, force: true });
  });

  it('printable escapes each character as \\uXXXX, and validate uses the same function', () => {
    assert.equal(validatePrintable, printable);
    for (const c of HOSTILE) assert.equal(printable(`a${c}b`), `a\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}b`);
    assert.equal(printable('plain ünïcödé 😀 text'), 'plain ünïcödé 😀 text');
  });

  it('query --format table', async () => {
    const { code, stdout, stderr } = await ctinv(['query', dir, '--format', 'table']);
    assert.equal(code, 0, stderr);
    assertSafe(stdout + stderr, 'query table');
    assert.ok(stdout.includes(ESCAPED.slice(0, 40)), stdout);
  });

  it('top, for the principal, the user agent and the error', async () => {
    for (const field of ['principal', 'userAgent', 'error', 'eventId']) {
      const { code, stdout, stderr } = await ctinv(['top', field, dir]);
      assert.equal(code, 0, stderr);
      assertSafe(stdout + stderr, `top ${field}`);
      assert.ok(stdout.includes(ESCAPED), `top ${field}: ${stdout}`);
    }
  });

  it('detect: built-in findings, Sigma findings (title, id, tags) and the rule problems', async () => {
    const { stdout, stderr } = await ctinv(['detect', dir, '--rules', rules]);
    assertSafe(stdout + stderr, 'detect');
    assert.ok(stdout.includes(`who:    arn:aws:iam::111122223333:user/${ESCAPED}`), stdout);
    assert.ok(stdout.includes(`[HIGH] ${ESCAPED}  (sigma:${ESCAPED})`), stdout);
    assert.match(stderr, /rules: .*broken\.yml: unsupported: .*unknown modifier/);
  });

  it('lineage', async () => {
    const { stdout, stderr } = await ctinv(['lineage', 'AKIAHOSTILEKEY000001', dir]);
    assertSafe(stdout + stderr, 'lineage');
    assert.ok(stdout.includes(ESCAPED), stdout);
  });

  it('skipped files, and error messages that echo a value', async () => {
    const stats = await ctinv(['stats', dir]);
    assertSafe(stats.stdout + stats.stderr, 'stats');
    assert.ok(stats.stderr.includes(`skipped: ${path.join(dir, ESCAPED)}.json`), stats.stderr);
    const badField = await ctinv(['query', dir, '--where', `${EVIL}:x`]);
    assert.notEqual(badField.code, 0);
    assertSafe(badField.stdout + badField.stderr, 'an unknown field');
    // The filter splits words at white space (\r, U+2028, U+2029): the field named is the last part.
    assert.ok(badField.stderr.includes('unknown field "\\u0085\\u009bvil"'), badField.stderr);
    const badKey = await ctinv(['lineage', EVIL, dir]);
    assert.equal(badKey.code, 2);
    assertSafe(badKey.stdout + badKey.stderr, 'a bad key');
    const unknown = await runCli([EVIL]);
    assertSafe(unknown.stdout + unknown.stderr, 'an unknown command');
    const missing = await ctinv(['stats', path.join(dir, `missing-${EVIL}`)]);
    assertSafe(missing.stdout + missing.stderr, 'a missing path');
  });
});
