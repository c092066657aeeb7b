/**
 * The `ctinv` command (dist/cli.js): runs the CLI bundle (dist/cli-main.js) with V8's code
 * cache. Compiling the 3 MB bundle costs about 60 ms of CPU on every run, as much as reopening a
 * cached index of thousands of files; with the code V8 compiled on an earlier run it is ~10 ms.
 *
 * The code cache is one file a command in the ctinv cache folder (`code/`), named by a SHA-256 of the
 * bundle file's identity (device, inode, size, modification and change times: a rebuilt or
 * replaced bundle has a new one, as evidence files do for the index cache), Node's version
 * and the architecture (V8 itself checks little more than the source's length), checked
 * against its own SHA-256 before V8 sees it, written once, on a run's exit, and never inside
 * the evidence named on the command line. It holds the program's compiled code, nothing of any
 * evidence, so `--no-cache` (which turns off the index cache: every answer read from the
 * evidence) still uses it; `CTINV_NO_CODE_CACHE=1` runs without it. Anything wrong with it only
 * costs the compile. Hashing the bundle's text instead cost more than the rest of
 * the launch.
 */
// Named imports: `import * as` makes the bundle copy every property of the module into a
// namespace object first (a getter each: about 100 for node:fs), on every run.
import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, Stats, writeFileSync } from 'node:fs';
import { Module } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';
import { evidenceContaining } from '../core/sources/evidence-guard';

/** The ctinv cache folder (as defaultCacheDir in load.ts, kept apart so that nothing heavy loads here). */
function cacheRoot(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ctinv');
}

/** The file holds a SHA-256 of the code cache, then the code cache: V8 checks its own checksum only in debug builds. */
const DIGEST_BYTES = 32;

function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

/** The code cache in `file`, or undefined when there is none or it is damaged. */
function readCodeCache(file: string): Buffer | undefined {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch {
    return undefined;
  }
  const code = data.subarray(DIGEST_BYTES);
  return data.length > DIGEST_BYTES && sha256(code).equals(data.subarray(0, DIGEST_BYTES)) ? code : undefined;
}

/** Writes the code cache (atomically), unless its folder is inside a path named on the command line; removes older ones. */
function writeCodeCache(folder: string, file: string, key: string, data: Buffer, args: readonly string[]): void {
  try {
    const named = args.filter((arg) => !arg.startsWith('-') && existsSync(arg));
    if (evidenceContaining(folder, named)) return;
    mkdirSync(folder, { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, Buffer.concat([sha256(data), data]));
    renameSync(temporary, file);
    for (const name of readdirSync(folder)) {
      // Caches of other builds go; this build's other commands keep theirs.
      if (name.startsWith('cli-') && name.endsWith('.v8') && !name.startsWith(`cli-${key}-`)) rmSync(join(folder, name), { force: true });
    }
  } catch {
    // Without a code cache the next run compiles the bundle again: nothing else changes.
  }
}

/**
 * The young generation grows in bigger steps than V8's default (doubling from 1 MB): a command
 * keeps what it walks or loads until it answers, so each of the many scavenges on the way to
 * the usual size copied it again (a reopen of 8,000 files made nine, a third of its GC time).
 * Set before the bundle is compiled, so the code cache is made and used under the same flags.
 */
const YOUNG_GENERATION_GROWTH = '--semi-space-growth-factor=8';

function launch(): void {
  setFlagsFromString(YOUNG_GENERATION_GROWTH);
  const bundle = join(__dirname, 'cli-main.js');
  const fd = openSync(bundle, 'r');
  let bytes: Buffer;
  let stat: Stats;
  try {
    stat = fstatSync(fd);
    bytes = readFileSync(fd);
  } finally {
    closeSync(fd);
  }
  // The build makes the bundle ASCII (esbuild.mjs): a one-byte string, no UTF-8 to decode.
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  const args = process.argv.slice(2);
  const useCache = !process.env.CTINV_NO_CODE_CACHE;
  const folder = join(cacheRoot(), 'code');
  const identity = `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
  const key = createHash('sha256').update(`${process.version}\0${process.arch}\0${bundle}\0${identity}`).digest('hex').slice(0, 32);
  // One cache a command: V8 keeps the functions a run compiled, and each command runs its own
  // (a cache made by `stats` left `query` compiling its read-back on every run).
  const command = args.find((arg) => !arg.startsWith('-')) ?? '';
  const file = join(folder, `cli-${key}-${/^[a-z][a-z-]{0,31}$/.test(command) ? command : 'other'}.v8`);
  const cachedData = useCache ? readCodeCache(file) : undefined;
  const script = new Script(Module.wrap(source.startsWith('#!') ? `//${source.slice(2)}` : source), { filename: bundle, cachedData });
  if (useCache && (cachedData === undefined || script.cachedDataRejected)) {
    // Once the command has run, the cache holds the functions it compiled lazily too.
    process.once('exit', () => writeCodeCache(folder, file, key, script.createCachedData(), args));
  }
  const main = new Module(bundle, module);
  main.filename = bundle;
  main.paths = (Module as unknown as { _nodeModulePaths(from: string): string[] })._nodeModulePaths(dirname(bundle));
  const requireFromMain = ((id: string) => main.require(id)) as NodeJS.Require;
  Object.assign(requireFromMain, { main, resolve: (request: string) => require.resolve(request, { paths: main.paths }), cache: require.cache });
  const run = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
  run.call(main.exports, main.exports, requireFromMain, main, bundle, dirname(bundle));
}

launch();
