// Mocha's spec reporter, plus one JSON line {stage, passes, failures, pending} appended to
// $CTINV_STATS_FILE at the end, so scripts/test-all.mjs can sum the counts of every stage.
'use strict';
const fs = require('node:fs');
const mocha = require('mocha');
const Mocha = mocha.default ?? mocha;

class SpecWithStats extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const file = process.env.CTINV_STATS_FILE;
      if (!file) return;
      const { passes = 0, failures = 0, pending = 0 } = runner.stats ?? {};
      const stage = process.env.CTINV_STATS_STAGE ?? 'mocha';
      fs.appendFileSync(file, JSON.stringify({ stage, passes, failures, pending }) + '\n');
    });
  }
}

module.exports = SpecWithStats;
