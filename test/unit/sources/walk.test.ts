import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseTrailKeyLayout } from '../../../src/core/sources/layout';
import { FileProblem, EvidenceFile } from '../../../src/core/sources/types';
import { FileIdentities, IDENTITY_NUMBERS, chooseLstatByName, isSkippedByName, walkEvidence } from '../../../src/core/sources/walk';

async function walk(paths: string[], signal?: AbortSignal): Promise<{ files: EvidenceFile[]; problems: FileProblem[] }> {
  const files: EvidenceFile[] = [];
  const problems: FileProblem[] = [];
  for await (const slice of walkEvidence(paths, { signal, onProblem: (p) => problems.push(p) })) files.push(...slice);
  return { files, problems };
}

function write(file: string, content = '{}'): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

describe('sources: parseTrailKeyLayout', () => {
  it('reads account, region and date from the S3 delivery layout anywhere in a path', () => {
    assert.deepEqual(parseTrailKeyLayout('/cases/42/bucket/AWSLogs/111122223333/CloudTrail/eu-west-1/2024/03/01/111122223333_CloudTrail_eu-west-1_20240301T1005Z_abc.json.gz'), {
      account: '111122223333',
      region: 'eu-west-1',
      date: '2024-03-01',
      digest: false,
    });
  });

  it('organisation trails, digests, Windows paths and S3 keys', () => {
    assert.deepEqual(parseTrailKeyLayout('AWSLogs/o-aa111bb222/111122223333/CloudTrail-Digest/us-east-1/2023/12/31/x.json.gz'), {
      orgId: 'o-aa111bb222',
      account: '111122223333',
      region: 'us-east-1',
      date: '2023-12-31',
      digest: true,
    });
    assert.equal(parseTrailKeyLayout('C:\\evidence\\AWSLogs\\111122223333\\CloudTrail\\ap-southeast-2\\2024\\01\\15\\f.json')?.region, 'ap-southeast-2');
    assert.equal(parseTrailKeyLayout('AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2024/01/15/f.json.gz')?.digest, false);
  });

  it('anything else is not the layout', () => {
    for (const notLayout of [
      'AWSLogs/11112222333/CloudTrail/us-east-1/2024/01/15/f.json', // 11 digits
      'AWSLogs/111122223333/CloudTrail/us-east-1/2024/13/15/f.json', // month 13
      'AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/15', // no file
      'AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/15/sub/f.json', // deeper
      'MyAWSLogs/111122223333/CloudTrail/us-east-1/2024/01/15/f.json',
      '/tmp/trail.json',
    ]) {
      assert.equal(parseTrailKeyLayout(notLayout), undefined, notLayout);
    }
  });
});

describe('sources: walkEvidence', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-walk-'));
  });
  afterEach(function () {
    // After the 100,000-file test this removes 100,000 files: on a loaded machine that took over the default 60 s.
    this.timeout(10 * 60_000);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('walks folders of any depth, skips hidden folders, node_modules and clearly irrelevant files, keeps unknown ones', async () => {
    const keep = [
      'a.json',
      'b.json.gz',
      'c.gz',
      'd.jsonl',
      'e.ndjson',
      'f.csv',
      'g.log',
      'h.txt',
      'no-extension',
      'notes.yaml',
      'AWSLogs/111122223333/CloudTrail/us-east-1/2024/03/01/111122223333_CloudTrail_us-east-1_20240301T0000Z_x.json.gz',
      'deep/1/2/3/4/5/6/7/8/9/10/z.json',
    ];
    const skip = ['.git/objects/ab.json', '.hidden.json', '._resource-fork.json.gz', 'node_modules/pkg/package.json', 'photo.png', 'archive.zip', 'report.pdf', 'tool.exe'];
    for (const file of [...keep, ...skip]) write(path.join(root, file));
    const { files, problems } = await walk([root]);
    assert.deepEqual(problems, []);
    assert.deepEqual(files.map((f) => path.relative(root, f.path)).sort(), [...keep].sort());
    const trail = files.find((f) => f.path.includes('AWSLogs'));
    assert.deepEqual(trail?.layout, { account: '111122223333', region: 'us-east-1', date: '2024-03-01', digest: false });
    assert.equal(files.find((f) => f.path.endsWith('a.json'))?.size, 2);
    assert.ok(files.every((f) => f.mtimeMs > 0));
  });

  it('the skip rule names only clearly irrelevant extensions', () => {
    for (const name of ['x.json', 'x.json.gz', 'x.gz', 'x', 'x.jsonl', 'x.ndjson', 'x.csv', 'x.log', 'x.txt', 'x.parquet', 'x.JSON']) assert.equal(isSkippedByName(name), false, name);
    for (const name of ['x.png', 'x.JPG', 'x.zip', 'x.tar', 'x.7z', 'x.pdf', 'x.docx', '.DS_Store', '.x.json', 'README.md', 'key.pem']) assert.equal(isSkippedByName(name), true, name);
  });

  it('a folder\'s files come in the order of their names as JavaScript sorts them, also where their bytes sort otherwise', async () => {
    // UTF-8 puts U+FF21 (EF BC A1) before U+1F600 (F0 9F 98 80), as the file system lists them; UTF-16 puts the emoji (D83D DE00) first.
    const names = ['b.json', 'x-\uFF21.json', 'x-\u{1F600}.json', 'a.json', 'x-z.json'];
    for (const name of names) write(path.join(root, name));
    for (const statInFolder of [false, true]) {
      const files: string[] = [];
      for await (const slice of walkEvidence([root], { onProblem: () => undefined, statInFolder })) files.push(...slice.map((f) => path.basename(f.path)));
      assert.deepEqual(files, [...names].sort(), `statInFolder ${statInFolder}`);
      assert.deepEqual(files.slice(3), ['x-\u{1F600}.json', 'x-\uFF21.json']);
    }
  });

  it('a file given directly is read whatever its name', async () => {
    write(path.join(root, 'photo.png'));
    const { files } = await walk([path.join(root, 'photo.png')]);
    assert.equal(files.length, 1);
  });

  it('symbolic link loops are reported once and not followed; a file linked twice is read once', async () => {
    write(path.join(root, 'case/a.json'));
    fs.symlinkSync(path.join(root, 'case'), path.join(root, 'case', 'loop'));
    fs.symlinkSync(path.join(root, 'case', 'a.json'), path.join(root, 'case', 'same-as-a.json'));
    fs.symlinkSync(path.join(root, 'nowhere'), path.join(root, 'case', 'dangling.json'));
    fs.symlinkSync('self', path.join(root, 'case', 'self'));
    const { files, problems } = await walk([root, path.join(root, 'case', 'a.json')]);
    assert.deepEqual(
      files.map((f) => path.relative(root, f.path)),
      ['case/a.json'],
    );
    const reasons = problems.map((p) => `${path.relative(root, p.path)}: ${p.reason}`).sort();
    assert.equal(reasons.length, 3, reasons.join('\n'));
    assert.match(reasons[0], /^case\/dangling.json: broken symbolic link/);
    assert.match(reasons[1], /^case\/loop: symbolic link loop/);
    assert.match(reasons[2], /^case\/self: symbolic link loop/);
  });

  it('missing paths, pipes and unlistable folders are reported, the walk goes on', async () => {
    write(path.join(root, 'ok.json'));
    execFileSync('mkfifo', [path.join(root, 'pipe.json')]);
    const missing = path.join(root, 'missing');
    // A path whose parent is a file cannot be listed (ENOTDIR), which works even as root.
    const notAFolder = path.join(root, 'ok.json', 'inside');
    const { files, problems } = await walk([missing, notAFolder, root]);
    assert.deepEqual(
      files.map((f) => path.basename(f.path)),
      ['ok.json'],
    );
    assert.deepEqual(
      problems.map((p) => [p.path, p.reason.replace(/:.*/, '')]),
      [
        [missing, 'cannot read'],
        [notAFolder, 'cannot read'],
        [path.join(root, 'pipe.json'), 'not a regular file (a pipe, socket or device)'],
      ],
    );
    assert.match(problems[0].reason, /no such file/);
  });

  it('stops when aborted', async () => {
    for (let i = 0; i < 10; i++) write(path.join(root, `d${i}`, 'a.json'));
    const controller = new AbortController();
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const slice of walkEvidence([root], { signal: controller.signal, onProblem: () => undefined })) {
          seen.push(...slice.map((file) => file.path));
          controller.abort(new Error('cancelled by the user'));
        }
      })(),
      /cancelled by the user/,
    );
    assert.equal(seen.length, 1);
  });

  it('a folder of 100,000 small files', async function () {
    this.timeout(10 * 60_000);
    const total = 100_000;
    const content = '{"Records":[]}';
    for (let folder = 0; folder < 100; folder++) {
      const dir = path.join(root, 'many', `f${folder}`);
      fs.mkdirSync(dir, { recursive: true });
      for (let i = 0; i < total / 100; i++) fs.writeFileSync(path.join(dir, `${i}.json`), content);
    }
    const { files, problems } = await walk([root]);
    assert.deepEqual(problems, []);
    assert.equal(files.length, total);
    assert.equal(new Set(files.map((f) => f.path)).size, total);
    assert.ok(files.every((f) => f.size === content.length));
  });
});

describe('sources: walkEvidence with statInFolder (the CLI: files stat\'ed by name from inside their folder)', () => {
  let root: string;
  const home = process.cwd();
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-walk-in-'));
  });
  afterEach(() => {
    process.chdir(home);
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** Files, problems and identities of a walk, and the working folder at every slice. */
  async function walkWith(paths: string[], statInFolder: boolean, signal?: AbortSignal) {
    const files: EvidenceFile[] = [];
    const problems: FileProblem[] = [];
    const identities = new FileIdentities();
    const cwdAtSlices = new Set<string>();
    for await (const slice of walkEvidence(paths, { signal, onProblem: (p) => problems.push(p), identities, statInFolder })) {
      cwdAtSlices.add(process.cwd());
      files.push(...slice);
    }
    return { files, problems, identities: files.map((f) => identities.get(f.path)), cwdAtSlices };
  }

  /** Nested folders in the AWSLogs layout, hidden and skipped files, links (to a folder, a file, nowhere, itself), a pipe, and a folder of more files than one slice. */
  function tree(): void {
    const day = path.join(root, 'AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/04');
    for (let i = 0; i < 1200; i++) write(path.join(day, `111122223333_CloudTrail_eu-west-1_20260304T${String(i).padStart(4, '0')}Z_x.json.gz`), `{"Records":[${i}]}`);
    write(path.join(root, 'case/a.json'), '{"a":1}');
    write(path.join(root, 'case/deeper/b.jsonl'), '{}\n');
    write(path.join(root, 'case/.hidden.json'));
    write(path.join(root, 'case/photo.png'));
    write(path.join(root, 'node_modules/x.json'));
    write(path.join(root, 'other/c.json'), '{"c":3}');
    fs.symlinkSync(path.join(root, 'other'), path.join(root, 'case', 'linked-folder'));
    fs.symlinkSync(path.join(root, 'case', 'a.json'), path.join(root, 'case', 'same-as-a.json'));
    fs.symlinkSync(path.join(root, 'nowhere'), path.join(root, 'case', 'dangling.json'));
    fs.symlinkSync('self', path.join(root, 'case', 'self'));
    fs.symlinkSync(path.join(root, 'case'), path.join(root, 'case', 'deeper', 'loop'));
    execFileSync('mkfifo', [path.join(root, 'case', 'pipe.json')]);
  }

  it('finds the same files, problems and identities as the walk by whole paths, and the working folder is its own at every slice and after', async () => {
    tree();
    const byPath = await walkWith([root], false);
    const inFolder = await walkWith([root], true);
    assert.ok(byPath.files.length > 1200, `${byPath.files.length} files`);
    assert.deepEqual(inFolder.files, byPath.files);
    assert.deepEqual(inFolder.problems, byPath.problems);
    assert.deepEqual(inFolder.identities, byPath.identities);
    assert.ok(inFolder.identities.every((identity) => identity !== undefined));
    assert.deepEqual([...inFolder.cwdAtSlices], [home], 'nothing else ever runs with the working folder moved');
    assert.equal(process.cwd(), home);
  });

  it('paths given relative to the working folder are resolved against it first', async () => {
    tree();
    process.chdir(root);
    const relative = await walkWith(['case', path.join('other', 'c.json'), 'AWSLogs'], true);
    const absolute = await walkWith([path.join(root, 'case'), path.join(root, 'other', 'c.json'), path.join(root, 'AWSLogs')], false);
    assert.deepEqual(relative.files, absolute.files);
    assert.deepEqual(relative.problems, absolute.problems);
    assert.ok(relative.files.every((f) => path.isAbsolute(f.path) && f.path.startsWith(root)));
    assert.equal(process.cwd(), fs.realpathSync(root));
  });

  it('the working folder is put back when the walk is aborted, fails inside a folder, or is left early', async () => {
    tree();
    const controller = new AbortController();
    let slices = 0;
    await assert.rejects(
      (async () => {
        for await (const slice of walkEvidence([root], { signal: controller.signal, onProblem: () => undefined, statInFolder: true })) {
          assert.ok(slice.length > 0);
          if (++slices === 1) controller.abort(new Error('cancelled by the user'));
        }
      })(),
      /cancelled by the user/,
    );
    assert.equal(process.cwd(), home);
    // An error while inside a folder (here from the problem callback, at the pipe).
    await assert.rejects(
      (async () => {
        for await (const slice of walkEvidence([path.join(root, 'case')], { onProblem: (p) => assert.fail(`stop at ${p.path}`), statInFolder: true })) assert.ok(slice);
      })(),
      /stop at .*case/,
    );
    assert.equal(process.cwd(), home);
    for await (const slice of walkEvidence([root], { onProblem: () => undefined, statInFolder: true })) {
      assert.ok(slice.length > 0);
      break;
    }
    assert.equal(process.cwd(), home);
  });

  it('a folder that cannot be listed is reported as by the walk by whole paths', async () => {
    write(path.join(root, 'ok.json'));
    const notAFolder = path.join(root, 'ok.json', 'inside');
    const missing = path.join(root, 'missing');
    const inFolder = await walkWith([missing, notAFolder, root], true);
    assert.deepEqual(inFolder.problems, (await walkWith([missing, notAFolder, root], false)).problems);
    assert.deepEqual(inFolder.files.map((f) => path.basename(f.path)), ['ok.json']);
    assert.equal(process.cwd(), home);
  });
});

describe('sources: the walk\'s lstat by name (statInFolder: through Node\'s fs binding, checked against fs.lstatSync)', () => {
  let root: string;
  const home = process.cwd();
  const names = ['a.json', 'sub', 'link-to-a.json', 'dangling.json', 'pipe.json'];
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-lstat-'));
    write(path.join(root, 'a.json'), '{"Records":[]}');
    write(path.join(root, 'sub', 'b.json'));
    fs.symlinkSync(path.join(root, 'a.json'), path.join(root, 'link-to-a.json'));
    fs.symlinkSync(path.join(root, 'nowhere'), path.join(root, 'dangling.json'));
    execFileSync('mkfifo', [path.join(root, 'pipe.json')]);
  });
  afterEach(() => {
    process.chdir(home);
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** What fs.lstatSync gives for `name`: its mode and identity (writeIdentity's order). */
  function expected(name: string): [number, number[]] {
    const stat = fs.lstatSync(name);
    return [stat.mode, [stat.dev, stat.ino, stat.ctimeMs, stat.mtimeMs, stat.size]];
  }

  function lstatOf(lstat: (name: string, out: Float64Array) => number, name: string): [number, number[]] {
    const out = new Float64Array(IDENTITY_NUMBERS);
    const mode = lstat(name, out);
    return [mode, [...out]];
  }

  function thrown(run: () => unknown): NodeJS.ErrnoException {
    try {
      run();
    } catch (error) {
      return error as NodeJS.ErrnoException;
    }
    return assert.fail('no error');
  }

  /** A stand-in for Node's binding, made from fs.lstatSync: its array of numbers as Node 20 lays it out, which `change` may alter. */
  function bindingFrom(change: (values: Float64Array, name: string) => unknown = (values) => values) {
    return {
      kFsStatsFieldsNumber: 18,
      lstat(name: string): unknown {
        const stat = fs.lstatSync(name, { bigint: true });
        const values = new Float64Array(36);
        values.set([stat.dev, stat.mode, stat.nlink, stat.uid, stat.gid, stat.rdev, stat.blksize, stat.ino, stat.size, stat.blocks].map(Number));
        [stat.atimeNs, stat.mtimeNs, stat.ctimeNs, stat.birthtimeNs].forEach((ns, k) => {
          values[10 + 2 * k] = Number(ns / 1_000_000_000n);
          values[11 + 2 * k] = Number(ns % 1_000_000_000n);
        });
        return change(values, name);
      },
    };
  }

  it('on this Node it goes through the binding, and gives what fs.lstatSync gives for a file, a folder, a link (not followed), a dangling link and a pipe', () => {
    const { lstat, viaBinding } = chooseLstatByName(root);
    assert.equal(viaBinding, process.platform !== 'win32');
    process.chdir(root);
    for (const name of names) assert.deepEqual(lstatOf(lstat, name), expected(name), name);
  });

  it('a name that cannot be stat\'ed throws fs.lstatSync\'s own error', () => {
    const { lstat } = chooseLstatByName(root);
    process.chdir(root);
    for (const name of ['missing.json', path.join('a.json', 'inside')]) {
      const error = thrown(() => lstatOf(lstat, name));
      const own = thrown(() => fs.lstatSync(name));
      assert.ok(error instanceof Error);
      assert.equal(error.message, own.message);
      assert.equal(error.code, own.code);
      assert.equal(error.syscall, own.syscall);
    }
  });

  it('a binding laid out as Node 20\'s is used; one that gives other numbers, throws or returns anything else is not', () => {
    assert.equal(chooseLstatByName(root, bindingFrom()).viaBinding, true);
    const refused: [string, (values: Float64Array) => unknown][] = [
      ['inode and size swapped', (values) => Float64Array.from(values, (n, k) => (k === 7 ? values[8] : k === 8 ? values[7] : n))],
      ['mtime a microsecond later', (values) => ((values[13] = (values[13] + 1000) % 1e9), values)],
      ['ctime in seconds only', (values) => ((values[15] = 0), values)],
      ['throws', () => {
        throw new Error('no such binding');
      }],
      ['an array of plain numbers', (values) => [...values]],
      ['too short an array', (values) => values.subarray(0, 9)],
      ['nothing', () => undefined],
    ];
    for (const [what, change] of refused) {
      const choice = chooseLstatByName(root, bindingFrom(change));
      assert.equal(choice.viaBinding, false, what);
      process.chdir(root);
      for (const name of names) assert.deepEqual(lstatOf(choice.lstat, name), expected(name), `${what}: ${name}`);
      process.chdir(home);
    }
    assert.equal(chooseLstatByName(path.join(root, 'missing'), bindingFrom()).viaBinding, false, 'a probe that cannot be stat\'ed');
  });

  it('where the binding fails on one name after the check, fs.lstatSync answers for it (its numbers, or its error)', () => {
    const failing = new Set(['a.json', 'missing.json']);
    const { lstat, viaBinding } = chooseLstatByName(root, bindingFrom((values, name) => {
      if (failing.has(name)) throw new Error('EIO: the binding failed');
      return values;
    }));
    assert.equal(viaBinding, true);
    process.chdir(root);
    assert.deepEqual(lstatOf(lstat, 'a.json'), expected('a.json'));
    assert.equal(thrown(() => lstatOf(lstat, 'missing.json')).message, thrown(() => fs.lstatSync('missing.json')).message);
    for (const name of names) assert.deepEqual(lstatOf(lstat, name), expected(name), name);
  });

  it('prints no deprecation warning, goes through fs.lstatSync where process.binding would print one, and is used only by a walk that stats in folders', function () {
    this.timeout(120_000);
    // A new process: the lstat is chosen once a process, on its first walk that stats in folders.
    const walkModule = require.resolve('../../../src/core/sources/walk');
    const script = `
      const walk = require(${JSON.stringify(walkModule)});
      const own = process.binding;
      const asked = [];
      const spy = function binding(name) { asked.push(name); return own.call(process, name); };
      if (own.name === 'binding') process.binding = spy;
      const count = async (statInFolder) => {
        let files = 0;
        for await (const slice of walk.walkEvidence([${JSON.stringify(root)}], { onProblem: () => undefined, statInFolder })) files += slice.length;
        return files;
      };
      (async () => {
        const byPath = await count(false);
        const askedByPath = asked.length;
        const inFolder = await count(true);
        await new Promise((resolve) => setTimeout(resolve, 50));
        console.log(JSON.stringify({ byPath, inFolder, askedByPath, asked, viaBinding: walk.chooseLstatByName(${JSON.stringify(root)}).viaBinding }));
      })();`;
    const cases: [string, string[], NodeJS.ProcessEnv, boolean][] = [
      ['plain', [], {}, true],
      ['--throw-deprecation', ['--throw-deprecation'], {}, true],
      ['--pending-deprecation --throw-deprecation', ['--pending-deprecation', '--throw-deprecation'], {}, false],
      ['NODE_PENDING_DEPRECATION=1', [], { NODE_PENDING_DEPRECATION: '1' }, false],
    ];
    for (const [what, flags, env, viaBinding] of cases) {
      const run = spawnSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '', ...env } });
      assert.equal(run.status, 0, `${what}: ${run.stderr}`);
      assert.equal(run.stderr, '', what);
      const result = JSON.parse(run.stdout) as { byPath: number; inFolder: number; askedByPath: number; asked: string[]; viaBinding: boolean };
      assert.deepEqual(result, { byPath: 2, inFolder: 2, askedByPath: 0, asked: viaBinding ? ['fs', 'fs'] : [], viaBinding }, what);
    }
  });
});
