/**
 * The public CloudTrail datasets in ../shared/datasets (third-party data under their own
 * licences, so they are referenced, never copied in). A test that needs one calls
 * `requireDataset`: where ../shared is absent the test is skipped with the reason printed and
 * counted in the final line; where ../shared is present (CI), `scripts/test-all.mjs` sets
 * CTINV_REQUIRE_DATASETS=1 and a missing dataset fails the test instead of skipping it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root (this file runs from out/test). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const DATASETS = path.resolve(REPO_ROOT, '..', 'shared', 'datasets');

/** True where a missing dataset must fail the test rather than skip it. */
export function datasetsRequired(): boolean {
  return process.env.CTINV_REQUIRE_DATASETS === '1';
}

/**
 * The path of a dataset file or folder (parts relative to ../shared/datasets, or one absolute
 * path below it). Skips the test, naming what is missing, where the datasets are not here.
 */
export function requireDataset(context: Mocha.Context, ...parts: string[]): string {
  const target = path.resolve(DATASETS, ...parts);
  if (!fs.existsSync(target)) {
    if (datasetsRequired()) {
      throw new Error(`dataset ${target} is missing although ../shared/datasets is present; every dataset test must run here`);
    }
    console.log(`      skipped: dataset ${target} is absent (clone the project beside ../shared to run it)`);
    context.skip();
  }
  return target;
}
