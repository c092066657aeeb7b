// `npm run test:electron`: the same in-host suites (test/integration/suite) under
// @vscode/test-electron, for machines that can download VS Code (a developer laptop, CI
// with internet). On Linux without a display: `xvfb-run -a npm run test:electron`.
// Env: CTINV_VSCODE_VERSION (default 1.96.4, the version the offline host pins; `stable`
// or `insiders` also work), CTINV_TEST_GREP (mocha grep).
// The Playwright UI checks need the web workbench and run only in `npm run test:integration`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, VSCODE_VERSION, fixtureWorkspace, run } from './lib/host.mjs';

const { runTests } = await import('@vscode/test-electron');

run(process.execPath, ['esbuild.mjs'], { cwd: REPO_ROOT });
run(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], { cwd: REPO_ROOT });

const version = process.env.CTINV_VSCODE_VERSION ?? VSCODE_VERSION;
const userDataDir = mkdtempSync(path.join(tmpdir(), 'ctinv-electron-'));
try {
  await runTests({
    version,
    extensionDevelopmentPath: REPO_ROOT,
    extensionTestsPath: path.join(REPO_ROOT, 'out', 'test', 'integration', 'index.js'),
    extensionTestsEnv: {
      CTINV_TEST_GREP: process.env.CTINV_TEST_GREP ?? '',
      ...(version === VSCODE_VERSION ? { CTINV_EXPECT_VSCODE: VSCODE_VERSION } : {}),
    },
    launchArgs: [
      fixtureWorkspace(),
      '--disable-extensions',
      '--disable-workspace-trust',
      '--disable-telemetry',
      '--skip-welcome',
      '--skip-release-notes',
      `--user-data-dir=${userDataDir}`,
    ],
  });
} catch (error) {
  process.stderr.write(`test:electron FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  rmSync(userDataDir, { recursive: true, force: true });
}
