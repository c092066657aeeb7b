// Bundles: the extension (node/cjs, `vscode` external), the CLI, the parse worker, the
// benchmark, and the timeline and Events table webviews (browser). `--production` minifies; a metafile per
// bundle is written to dist/meta/ to watch bundle size.
import * as esbuild from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { builtinModules } from 'node:module';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const nodeCommon = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  metafile: true,
  logLevel: 'warning',
  external: ['vscode'],
};

/**
 * The packages the CLI's own code imports (the AWS SDK, the MCP SDK, zod, re2js, js-yaml: 80% of
 * its code) go to dist/cli-deps.js, which the CLI bundle requires the first time a module that
 * imports one is used (its modules are initialised lazily, on first use, as esbuild bundles them).
 * `stats`, `query` and `top` on local evidence use none: the bundle every command loads, reads and
 * hands to V8 is a fifth of the size, about 12 ms less of every run. Each package is a getter of
 * cli-deps.js's exports, so that one package loaded does not initialise the others.
 */
const CLI_DEPS = './cli-deps.js';
function cliDepsPlugin(specifiers) {
  return {
    name: 'cli-deps',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.namespace !== 'file' || args.importer.includes('node_modules')) return undefined;
        if (args.path.startsWith('node:') || args.path === 'vscode' || builtinModules.includes(args.path)) return undefined;
        specifiers.add(args.path);
        return { path: args.path, namespace: 'cli-deps' };
      });
      build.onResolve({ filter: /^\.\/cli-deps\.js$/, namespace: 'cli-deps' }, () => ({ path: CLI_DEPS, external: true }));
      build.onLoad({ filter: /.*/, namespace: 'cli-deps' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(CLI_DEPS)})[${JSON.stringify(args.path)}];`,
        loader: 'js',
      }));
    },
  };
}
const cliDepsSpecifiers = new Set();

const builds = [
  { ...nodeCommon, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist' },
  // `ctinv` is dist/cli.js, a small launcher that runs dist/cli-main.js with V8's code cache (src/cli/launch.ts).
  { ...nodeCommon, entryPoints: { 'cli-main': 'src/cli/main.ts' }, outdir: 'dist', plugins: watch ? [] : [cliDepsPlugin(cliDepsSpecifiers)] },
  { ...nodeCommon, entryPoints: { cli: 'src/cli/launch.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  { ...nodeCommon, entryPoints: { worker: 'src/core/engine/worker.ts' }, outdir: 'dist' },
  { ...nodeCommon, entryPoints: { bench: 'bench/main.ts' }, outdir: 'dist' },
];
if (existsSync('src/webview/main.ts')) {
  builds.push({
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: !production,
    minify: production,
    metafile: true,
    logLevel: 'warning',
    entryPoints: { timeline: 'src/webview/main.ts', table: 'src/webview/table/main.ts' },
    outdir: 'media/dist',
  });
}

mkdirSync('dist/meta', { recursive: true });
const present = builds.filter((b) => Object.values(b.entryPoints).every((p) => existsSync(p)));
if (watch) {
  for (const b of present) (await esbuild.context(b)).watch();
} else {
  const results = await Promise.all(present.map((b) => esbuild.build(b)));
  results.forEach((r, i) => {
    const name = Object.keys(present[i].entryPoints)[0];
    writeFileSync(`dist/meta/${name}.json`, JSON.stringify(r.metafile));
  });
  if (present.some((b) => b.entryPoints['cli-main'])) {
    // The packages the CLI bundle left out (cliDepsPlugin), each a getter: required on first use.
    const contents = [...cliDepsSpecifiers]
      .sort()
      .map((specifier) => `Object.defineProperty(exports, ${JSON.stringify(specifier)}, { enumerable: true, get: () => require(${JSON.stringify(specifier)}) });`)
      .join('\n');
    const deps = await esbuild.build({ ...nodeCommon, stdin: { contents, resolveDir: '.', sourcefile: 'cli-deps.js', loader: 'js' }, outfile: 'dist/cli-deps.js' });
    writeFileSync('dist/meta/cli-deps.json', JSON.stringify(deps.metafile));
  }
  // esbuild escapes non-ASCII characters in code but keeps comments as they are: escaped here
  // too, the CLI bundle is ASCII, which the launcher reads as a one-byte string (a tenth of
  // the cost of decoding UTF-8 into a two-byte one, every run). Only comments are touched.
  const cliMain = 'dist/cli-main.js';
  if (existsSync(cliMain)) {
    const text = readFileSync(cliMain, 'utf8');
    const ascii = text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    if (ascii !== text) writeFileSync(cliMain, ascii);
  }
}
