/**
 * The `ctinv` command (dist/cli.js): runs the CLI bundle (dist/cli-main.js) with V8's code
 * cache, and the bundle of the packages it uses (dist/cli-deps.js: the AWS and MCP SDKs, zod...)
 * the same way, only when a command needs one. Compiling the 3 MB bundle costs about 60 ms of CPU on every run, as much as reopening a
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

/** What the bundles a command runs share: where their code caches are, and the command. */
interface CachedRun {
  folder: string;
  useCache: boolean;
  args: readonly string[];
  /** What the cache file names after the build's key: the command (and which bundle). */
  name: string;
}

/**
 * Runs `bundle` (dist/cli-main.js, or dist/cli-deps.js when the first command's module needs
 * a package) as a module, compiled with the code cache kept for it and this command (written
 * on exit when there was none or V8 refused it). `requireFor` gives the module its `require`.
 */
function runBundle(bundle: string, parent: Module, run: CachedRun, key: string | undefined, requireFor: (module: Module) => NodeJS.Require): Module {
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
  const identity = `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
  const ownKey = createHash('sha256').update(`${process.version}\0${process.arch}\0${bundle}\0${identity}`).digest('hex').slice(0, 32);
  // The main bundle's key names the build (another build's caches are removed); a second
  // bundle's cache is named by both keys.
  const buildKey = key ?? ownKey;
  const file = join(run.folder, `cli-${buildKey}-${run.name}${key === undefined ? '' : `.${ownKey}`}.v8`);
  const cachedData = run.useCache ? readCodeCache(file) : undefined;
  const script = new Script(Module.wrap(source.startsWith('#!') ? `//${source.slice(2)}` : source), { filename: bundle, cachedData });
  if (run.useCache && (cachedData === undefined || script.cachedDataRejected)) {
    // Once the command has run, the cache holds the functions it compiled lazily too.
    process.once('exit', () => writeCodeCache(run.folder, file, buildKey, script.createCachedData(), run.args));
  }
  const loaded = new Module(bundle, parent);
  loaded.filename = bundle;
  loaded.paths = (Module as unknown as { _nodeModulePaths(from: string): string[] })._nodeModulePaths(dirname(bundle));
  // Known before the main bundle runs: what it requires is keyed by it.
  if (key === undefined) mainKey = ownKey;
  const compiled = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
  compiled.call(loaded.exports, loaded.exports, requireFor(loaded), loaded, bundle, dirname(bundle));
  loaded.loaded = true;
  return loaded;
}

/** The main bundle's key, from when it runs. */
let mainKey: string | undefined;

/**
 * The packages the main bundle leaves out (see esbuild.mjs), which it requires by this name:
 * run with a code cache of their own, once. Anything else a bundle requires is its own require.
 */
const DEPS_BUNDLE = './cli-deps.js';

function launch(): void {
  setFlagsFromString(YOUNG_GENERATION_GROWTH);
  const args = process.argv.slice(2);
  // One cache a command: V8 keeps the functions a run compiled, and each command runs its own
  // (a cache made by `stats` left `query` compiling its read-back on every run).
  const command = args.find((arg) => !arg.startsWith('-')) ?? '';
  const run: CachedRun = {
    folder: join(cacheRoot(), 'code'),
    useCache: !process.env.CTINV_NO_CODE_CACHE,
    args,
    name: /^[a-z][a-z-]{0,31}$/.test(command) ? command : 'other',
  };
  const mainBundle = join(__dirname, 'cli-main.js');
  let main: Module | undefined;
  let deps: Module | undefined;
  const requireFor = (loaded: Module): NodeJS.Require => {
    // `require.main` is the CLI bundle's module, in either bundle.
    main ??= loaded;
    const requireIt = ((id: string) => {
      if (id === DEPS_BUNDLE && loaded.filename === mainBundle) {
        deps ??= runBundle(join(__dirname, 'cli-deps.js'), loaded, run, mainKey, requireFor);
        return deps.exports;
      }
      return loaded.require(id);
    }) as NodeJS.Require;
    Object.assign(requireIt, { main, resolve: (request: string) => require.resolve(request, { paths: loaded.paths }), cache: require.cache });
    return requireIt;
  };
  runBundle(mainBundle, module, run, undefined, requireFor);
}

launch();
