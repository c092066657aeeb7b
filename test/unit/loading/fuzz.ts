/**
 * `npm run fuzz -- --trees N --seed S [--max-files M] [--big P] [--jobs J]
 * [--deadline SECONDS]`: the differential loading
 * check (differential.ts) over N random evidence trees, seeds S, S+1, …; each tree is loaded
 * with a cold cache, then the warm cache, and every fifth also without a cache, with 1, 2, 3
 * or 8 workers. Prints the seed
 * of every failing tree (rerun one with `--trees 1 --seed <seed>`) and exits 1 if any failed.
 */
import { checkTree, configsFor } from './differential';

function option(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(`--${name}`);
  if (at === -1) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} takes a number, not ${args[at + 1]}`);
  return value;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const trees = option(args, 'trees', 200);
  const seed = option(args, 'seed', Date.now() % 1_000_000_000);
  const maxFiles = option(args, 'max-files', 400);
  const bigFileChance = option(args, 'big', 0.01);
  const jobs = option(args, 'jobs', 1);
  // A hang never ends; a long fuzz run on a busy machine can be slow. Seconds per load.
  const deadline = option(args, 'deadline', 180);
  const started = Date.now();
  process.stdout.write(`fuzz: ${trees} trees from seed ${seed} (up to ${maxFiles} files, big-file chance ${bigFileChance})\n`);
  const failed: number[] = [];
  let records = 0;
  let files = 0;
  let big = 0;
  let done = 0;
  const runTree = async (n: number) => {
    const treeSeed = seed + n;
    // A cold then a warm load of every tree, and a load without the cache of every fifth
    // (booting the workers is most of a small load's cost).
    const configs = configsFor(treeSeed).filter((config) => config.cache !== 'off' || treeSeed % 5 === 0);
    const report = await checkTree(treeSeed, { maxFiles, bigFileChance }, configs, deadline * 1000);
    records += report.records;
    files += report.tree.files;
    if (report.tree.big) big++;
    if (report.failures.length > 0) {
      failed.push(treeSeed);
      failed.sort((a, b) => a - b);
      process.stdout.write(`FAILED seed ${treeSeed} (${report.tree.layout}, ${report.tree.files} files, ${report.records} records):\n`);
      for (const failure of report.failures) process.stdout.write(`  ${failure}\n`);
    }
    if (++done % 50 === 0) process.stdout.write(`  ${done}/${trees} trees, ${failed.length} failed, ${Math.round((Date.now() - started) / 1000)} s\n`);
  };
  // `--jobs J` trees at a time: a load spends much of its time waiting for workers to boot.
  let nextTree = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, jobs) }, async () => {
      while (nextTree < trees) await runTree(nextTree++);
    }),
  );
  const seconds = Math.round((Date.now() - started) / 1000);
  process.stdout.write(
    `fuzz: ${trees} trees (${files} files, ${big} over 32 MiB, ${records} records), ${failed.length} failed, ${seconds} s` +
      (failed.length ? `; failing seeds: ${failed.join(' ')}` : '') +
      '\n',
  );
  return failed.length ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`fuzz: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  },
);
