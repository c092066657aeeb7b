/**
 * openEvidenceSync and ReadBuffer go through Node's binding of the file system (open, fstat and read,
 * called as fs.openSync, fs.fstatSync and fs.readSync call them) where that is checked to be safe. Whatever
 * path they take, a file opened and read gives what fs.fstatSync and fs.readFileSync give, and
 * a file that cannot be used gives the same reason.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import {
  DescriptorBinding,
  ReadBuffer,
  chooseDescriptorBinding,
  chooseDescriptorBindingAgain,
  descriptorBindingInUse,
  nodeFsBinding,
  openEvidenceSync,
  readBytesSync,
} from '../../../src/core/sources/content';
import { random } from '../../../bench/generate';

/** What fs says of the file: the numbers openEvidenceSync keeps, and its bytes. */
function reference(file: string): { size: number; mtimeMs: number; ctimeMs: number; ino: number; dev: number; bytes: Buffer } {
  const stat = fs.statSync(file);
  return { size: stat.size, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, ino: stat.ino, dev: stat.dev, bytes: fs.readFileSync(file) };
}

/** What openEvidenceSync and a ReadBuffer give for the file. */
function opened(file: string, reads: ReadBuffer): ReturnType<typeof reference> {
  const open = openEvidenceSync(file);
  try {
    // A copy: the reused buffer's view is valid only until the next read.
    const bytes = Buffer.from(reads.read(open.fd, open.size));
    assert.deepEqual(readBytesSync(open.fd, 0, open.size), bytes, `${file}: readBytesSync`);
    return { size: open.size, mtimeMs: open.mtimeMs, ctimeMs: open.ctimeMs, ino: open.ino, dev: open.dev, bytes };
  } finally {
    fs.closeSync(open.fd);
  }
}

function reason(file: string): string {
  try {
    openEvidenceSync(file);
  } catch (error) {
    return (error as Error).message;
  }
  return 'opened';
}

describe('openEvidenceSync and ReadBuffer through the binding of the file system', function () {
  this.timeout(60000);
  let root: string;
  let files: string[];

  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'ctinv-content-binding-'));
    const next = random(0x5eed);
    files = [];
    for (let i = 0; i < 60; i++) {
      // Sizes from empty to past the reused buffer's first 64 KB (it grows) and back.
      const size = Math.floor(next() ** 3 * 200_000);
      const bytes = Buffer.alloc(size);
      for (let k = 0; k < size; k++) bytes[k] = Math.floor(next() * 256);
      const gzip = next() < 0.5;
      const file = path.join(root, `f${i}.json${gzip ? '.gz' : ''}`);
      fs.writeFileSync(file, gzip ? zlib.gzipSync(bytes) : bytes);
      files.push(file);
    }
  });

  after(() => {
    chooseDescriptorBindingAgain();
    fs.rmSync(root, { recursive: true, force: true });
  });

  afterEach(() => chooseDescriptorBindingAgain());

  it('on this Node the binding is used, and seeded files give what fs gives, as through the public calls', () => {
    chooseDescriptorBindingAgain();
    const reads = new ReadBuffer();
    const through = files.map((file) => opened(file, reads));
    assert.equal(descriptorBindingInUse(), process.platform !== 'win32' && chooseDescriptorBinding() !== undefined);
    if (process.platform === 'linux') assert.equal(descriptorBindingInUse(), true, 'Node 20 to 24 on Linux: the binding is used');
    chooseDescriptorBindingAgain(() => undefined);
    const publicReads = new ReadBuffer();
    const publicOnes = files.map((file) => opened(file, publicReads));
    assert.equal(descriptorBindingInUse(), false);
    files.forEach((file, i) => {
      const expected = reference(file);
      assert.deepEqual(through[i], expected, `${file} through the binding`);
      assert.deepEqual(publicOnes[i], expected, `${file} through the public calls`);
    });
  });

  it('a folder, a missing file, a pipe and a path with a NUL give the same reasons either way', function () {
    if (process.platform === 'win32') this.skip();
    const fifo = path.join(root, 'pipe.json');
    if (!fs.existsSync(fifo)) execFileSync('mkfifo', [fifo]);
    // The last: a NUL (fs refuses the path; cut there, it would name a file that opens).
    const cases = [root, path.join(root, 'missing.json'), fifo, path.join(files[0], 'inside'), `${files[0]}\0.json`];
    chooseDescriptorBindingAgain();
    // The choice is made on the first open of a file that opens.
    opened(files[1], new ReadBuffer());
    const through = cases.map(reason);
    assert.equal(descriptorBindingInUse(), true);
    chooseDescriptorBindingAgain(() => undefined);
    assert.deepEqual(cases.map(reason), through);
    assert.match(through[4], /^cannot open: .*null bytes/);
    assert.deepEqual(through.slice(0, 4), [
      'is a folder, not a file',
      'cannot open: no such file (moved or deleted?)',
      'not a regular file (a pipe, socket or device): not read',
      `cannot open: ${fs.existsSync(files[0]) ? thrownCode(() => fs.openSync(path.join(files[0], 'inside'), 'r')) : ''}`,
    ]);
  });

  it('a binding whose fstat gives other numbers than fs.fstatSync is not used', () => {
    const real = nodeFsBinding() as unknown as DescriptorBinding | undefined;
    if (!real || !chooseDescriptorBinding()) return;
    const lying: DescriptorBinding = {
      open: (...args) => real.open(...args),
      fstat: (fd, bigint, request, shouldNotThrow) => {
        const values = Float64Array.from(real.fstat(fd, bigint, request, shouldNotThrow) as Float64Array);
        // The inode and the size swapped.
        [values[7], values[8]] = [values[8], values[7]];
        return values;
      },
      read: (...args) => real.read(...args),
    };
    chooseDescriptorBindingAgain(() => lying);
    const reads = new ReadBuffer();
    for (const file of files.slice(0, 10)) assert.deepEqual(opened(file, reads), reference(file), file);
    assert.equal(descriptorBindingInUse(), false);
  });

  it('where the binding fails or answers nonsense after the check, the public calls answer', () => {
    const real = nodeFsBinding() as unknown as DescriptorBinding | undefined;
    if (!real || !chooseDescriptorBinding()) return;
    let calls = 0;
    let opens = 0;
    const flaky: DescriptorBinding = {
      // By turns: a throw, no descriptor, the right one.
      open: (...args) => {
        const turn = opens++ % 3;
        if (turn === 0) throw new Error('EMFILE: the binding failed');
        if (turn === 1) return 'a descriptor';
        return real.open(...args);
      },
      // Right for the check (the first call), then by turns: a throw, a plain array, the right numbers.
      fstat: (...args) => {
        const turn = calls++ % 3;
        if (calls > 1 && turn === 0) throw new Error('EIO: the binding failed');
        if (calls > 1 && turn === 1) return [...(real.fstat(...args) as Float64Array)];
        return real.fstat(...args);
      },
      // A throw, a count larger than asked for, a string, a short read: the public read answers the rest.
      read: (fd, buffer, offset, length, position) => {
        const turn = calls % 4;
        if (turn === 0) throw new Error('EIO: the binding failed');
        if (turn === 1) return length + 1;
        if (turn === 2) return 'read';
        return real.read(fd, buffer, offset, Math.max(1, length >> 1), position);
      },
    };
    chooseDescriptorBindingAgain(() => flaky);
    const reads = new ReadBuffer();
    for (const file of files) if (fs.statSync(file).size > 0) assert.deepEqual(opened(file, reads), reference(file), file);
    assert.equal(descriptorBindingInUse(), true);
    assert.ok(opens > 10, 'the binding opened files');
  });

  it('is offered only where fs.openSync, fs.fstatSync and fs.readSync call it just so', () => {
    const binding = nodeFsBinding();
    if (!binding) return;
    const fstatSource = 'function fstatSync(fd, options = { bigint: false }) {\n  const stats = binding.fstat(fd, options.bigint, undefined, false);\n  return getStatsFromBinding(stats);\n}';
    const readSource = 'function readSync(fd, buffer, offset, length, position) {\n  validatePosition(position, "position");\n\n  return binding.read(fd, buffer, offset, length, position);\n}';
    const openSource = "function openSync(path, flags, mode) {\n  path = getValidatedPath(path);\n\n  return binding.open(\n    pathModule.toNamespacedPath(path),\n    stringToFlags(flags),\n    parseFileMode(mode, 'mode', 0o666),\n  );\n}";
    assert.ok(chooseDescriptorBinding(binding, fstatSource, readSource, openSource));
    // Node 18: `binding.open(..., undefined, ctx); handleErrorFromBinding(ctx); return result;`
    const oldOpen = openSource.replace('return binding.open(', 'const result = binding.open(').replace("0o666),\n  );", "0o666),\n    undefined, ctx);\n  handleErrorFromBinding(ctx);\n  return result;");
    assert.equal(chooseDescriptorBinding(binding, fstatSource, readSource, oldOpen), undefined);
    assert.equal(chooseDescriptorBinding({ ...binding, open: undefined }, fstatSource, readSource, openSource), undefined);
    // Node 18 and older: errors in a context object, not thrown.
    assert.equal(chooseDescriptorBinding(binding, fstatSource.replace('false)', 'false, ctx)'), readSource, openSource), undefined);
    assert.equal(chooseDescriptorBinding(binding, fstatSource, readSource.replace('position);', 'position, undefined, ctx);'), openSource), undefined);
    assert.equal(chooseDescriptorBinding(binding, fstatSource, `${readSource.slice(0, -1)}  handleErrorFromBinding(ctx);\n}`, openSource), undefined);
    assert.equal(chooseDescriptorBinding({ ...binding, read: undefined }, fstatSource, readSource, openSource), undefined);
    assert.equal(chooseDescriptorBinding({ kFsStatsFieldsNumber: 18 }, fstatSource, readSource, openSource), undefined);
  });
});

function thrownCode(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOTDIR' ? (error as Error).message : String(code);
  }
  return 'none';
}
