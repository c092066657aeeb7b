import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { readEvidenceFile } from '../../../src/core/sources/read';
import { READ_MODES, fixture, names, readAll } from './helpers';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-sources-'));
}

describe('sources: bad input is reported and skipped, what came before it is kept', () => {
  for (const mode of READ_MODES) {
    describe(mode.name, () => {
      it('a record that does not parse in the middle of a trail: reported with its offset, the next record still read', async () => {
        const { result, events } = await readAll(fixture('trail-corrupt-record.json'), mode.options);
        assert.deepEqual(names(events), ['CreateUser', 'AttachUserPolicy']);
        assert.equal(result.format, 'trail');
        assert.equal(result.problems.length, 1);
        const text = fs.readFileSync(fixture('trail-corrupt-record.json'), 'utf8');
        assert.equal(result.problems[0].offset, text.indexOf('{"eventVersion"', 20));
        assert.match(result.problems[0].reason, /not valid JSON/);
        assert.equal(result.problems[0].path, fixture('trail-corrupt-record.json'));
      });

      it('a string that lost its closing quote swallows the next record: the scanner finds that record inside it', async () => {
        const { result, events } = await readAll(fixture('trail-broken-structure.json'), mode.options);
        assert.deepEqual(names(events), ['CreateUser', 'AttachUserPolicy']);
        assert.equal(result.problems.length, 1);
        assert.match(result.problems[0].reason, /not valid JSON/);
      });

      it('mismatched brackets: reported at the byte, reading resumes at the next record', async () => {
        const { result, events } = await readAll(fixture('trail-mismatched-brackets.json'), mode.options);
        assert.deepEqual(names(events), ['CreateUser', 'AttachUserPolicy']);
        const text = fs.readFileSync(fixture('trail-mismatched-brackets.json'), 'utf8');
        assert.equal(result.problems.length, 1);
        assert.equal(result.problems[0].offset, text.indexOf(']]'));
        assert.match(result.problems[0].reason, /does not match.*resumed at the next record, byte \d+/);
      });

      it('broken JSON lines: each is reported at its offset, the next line is read', async () => {
        const { result, events } = await readAll(fixture('lines-corrupt.jsonl'), mode.options);
        assert.deepEqual(names(events), ['CreateUser', 'CreateAccessKey', 'AttachUserPolicy']);
        const text = fs.readFileSync(fixture('lines-corrupt.jsonl'), 'utf8');
        assert.deepEqual(
          result.problems.map((p) => p.offset),
          [text.indexOf('{"eventName":"Broken"'), text.indexOf('not json at all')],
        );
      });

      it('a truncated gzip keeps every record decoded before the cut and reports the byte offset', async () => {
        const compressed = fs.readFileSync(fixture('trail-truncated.json.gz'));
        // What zlib itself can decode from the damaged file, independently of the reader.
        const decodable = zlib.gunzipSync(compressed, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
        const text = decodable.toString();
        const complete = text.split('{"eventVersion"').slice(1, -1).length; // every record followed by another start is whole
        assert.ok(complete >= 5, `the fixture cuts after several records (${complete})`);
        const { result, events } = await readAll(fixture('trail-truncated.json.gz'), mode.options);
        assert.equal(events.length, complete);
        assert.equal(result.format, 'trail');
        const gzipProblem = result.problems.find((p) => /gzip data is corrupt or truncated/.test(p.reason));
        assert.ok(gzipProblem, JSON.stringify(result.problems));
        assert.equal(gzipProblem.offset, decodable.length);
        // One damage, one problem: the record the cut leaves open is told in the gzip one (a truncated file is one skip).
        const lastStart = text.lastIndexOf('{"eventVersion"');
        assert.deepEqual(
          result.problems.map((p) => p.reason),
          [`gzip data is corrupt or truncated after ${decodable.length} bytes of content (unexpected end of file), inside the record that starts at byte ${lastStart}; records before it were kept`],
        );
      });

      it('JSON that is not CloudTrail (package.json): "not CloudTrail" and no events', async () => {
        const { result, events } = await readAll(fixture('package.json.txt'), mode.options);
        assert.equal(events.length, 0);
        assert.equal(result.format, undefined);
        assert.deepEqual(
          result.problems.map((p) => p.reason),
          ['not CloudTrail: a JSON object with keys name, version, scripts, dependencies'],
        );
      });

      it('a Records array of non-events: one problem for the file, with the count', async () => {
        const { result, events } = await readAll(fixture('records-not-events.json'), mode.options);
        assert.equal(events.length, 0);
        assert.equal(result.problems.length, 1);
        assert.match(result.problems[0].reason, /^not CloudTrail: a Records array whose 3 items are not CloudTrail events/);
      });

      it('non-events among events: counted in one problem, the events kept', async () => {
        const { result, events } = await readAll(fixture('trail-some-not-events.json'), mode.options);
        assert.deepEqual(names(events), ['CreateUser', 'CreateAccessKey']);
        assert.equal(result.format, 'trail');
        assert.equal(result.problems.length, 1);
        assert.match(result.problems[0].reason, /^2 records do not look like CloudTrail events/);
      });

      it('a CSV that is not a CloudTrail export names its columns', async () => {
        const { result, events } = await readAll(fixture('not-cloudtrail.csv'), mode.options);
        assert.equal(events.length, 0);
        assert.match(result.problems[0].reason, /^not a CloudTrail export: unrecognised CSV columns \(Name, Size, Colour\)/);
      });

      for (const [file, reason] of [
        ['empty.json', /^empty file$/],
        ['whitespace-only.json', /^empty file \(only whitespace\)$/],
        ['image.png', /^not CloudTrail: binary content \(looks like a PNG image\)$/],
        ['random-bytes', /^not CloudTrail: binary content/],
      ] as const) {
        it(`${file}: reported, no events`, async () => {
          const { result, events } = await readAll(fixture(file), mode.options);
          assert.equal(events.length, 0);
          assert.equal(result.problems.length, 1);
          assert.match(result.problems[0].reason, reason);
          assert.equal(result.problems[0].path, fixture(file));
        });
      }
    });
  }

  it('a gzip whose content is binary is reported as such', async () => {
    const dir = tempDir();
    try {
      const file = path.join(dir, 'photo.json.gz');
      fs.writeFileSync(file, zlib.gzipSync(fs.readFileSync(fixture('image.png'))));
      const { result } = await readAll(file);
      assert.match(result.problems[0].reason, /binary content \(looks like a PNG image\)/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a folder given as a file, a missing file and a named pipe are reported without hanging', async () => {
    const dir = tempDir();
    try {
      const folder = await readAll(dir);
      assert.deepEqual(folder.result.problems, [{ path: dir, reason: 'is a folder, not a file' }]);
      const missing = path.join(dir, 'vanished.json');
      const gone = await readAll(missing);
      assert.deepEqual(gone.result.problems, [{ path: missing, reason: 'cannot open: no such file (moved or deleted?)' }]);
      const fifo = path.join(dir, 'pipe.json');
      execFileSync('mkfifo', [fifo]);
      const piped = await readAll(fifo);
      assert.match(piped.result.problems[0].reason, /not a regular file/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('evidence is opened read-only and left byte-for-byte unchanged', async () => {
    const dir = tempDir();
    try {
      const file = path.join(dir, 'evidence.json.gz');
      fs.copyFileSync(fixture('trail-truncated.json.gz'), file);
      fs.chmodSync(file, 0o444);
      const before = fs.statSync(file);
      const hashBefore = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
      for (const mode of READ_MODES) await readAll(file, mode.options);
      const after = fs.statSync(file);
      assert.equal(crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex'), hashBefore);
      assert.equal(after.mtimeMs, before.mtimeMs);
      assert.equal(after.mode, before.mode);
      assert.deepEqual(fs.readdirSync(dir), ['evidence.json.gz']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an aborted read rejects with the abort reason', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await assert.rejects(readEvidenceFile(fixture('trail.json'), () => undefined, { signal: controller.signal }), /stop/);
  });

  it('event text is data: a record whose fields look like paths or code is only read', async () => {
    const dir = tempDir();
    try {
      const marker = path.join(dir, 'pwned');
      const hostile = {
        eventName: `$(touch ${marker})`,
        eventSource: '../../../../etc/passwd',
        eventTime: '2024-01-01T00:00:00Z',
        userAgent: '<img src=x onerror=alert(1)>',
        requestParameters: { __proto__: { polluted: true }, constructor: { prototype: { polluted: true } } },
      };
      const file = path.join(dir, 'hostile.json');
      fs.writeFileSync(file, JSON.stringify({ Records: [hostile] }).replace('"requestParameters":{}', '"requestParameters":{"__proto__":{"polluted":true}}'));
      const { events } = await readAll(file);
      assert.equal(events.length, 1);
      assert.equal(events[0].eventName, `$(touch ${marker})`);
      assert.equal(fs.existsSync(marker), false);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
