// Loading a source in the extension goes through the engine's parse pool with the default
// number of workers. A folder of 25 trail files (two parse chunks) used to hang forever
// there as in the CLI (issue 12); it must load, within a deadline.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CloudTrailInvestigatorApi } from '../../../src/extension/extension';
import { activatedApi, tempFolder } from './editor-helpers';

const DEADLINE_MS = 60_000;

describe('loading a source in the extension (parse pool)', function () {
  this.timeout(DEADLINE_MS + 30_000);
  let api: CloudTrailInvestigatorApi;
  let folder: string;
  let sourceId: string | undefined;

  before(async () => {
    api = await activatedApi();
    folder = tempFolder('pool');
    for (let i = 0; i < 25; i++) {
      const record = {
        eventVersion: '1.09',
        eventTime: `2026-05-01T00:00:${String(i).padStart(2, '0')}Z`,
        eventSource: 's3.amazonaws.com',
        eventName: 'GetObject',
        awsRegion: 'us-east-1',
        sourceIPAddress: '198.51.100.7',
        eventID: `pool-hang-${i}`,
        userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/alice', accountId: '111122223333' },
      };
      fs.writeFileSync(path.join(folder, `trail-${i}.json`), JSON.stringify({ Records: [record] }));
    }
  });

  after(async () => {
    if (sourceId) await api.services.removeSource(sourceId);
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it('loads a folder of 25 trail files (two chunks) with the default workers', async () => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), DEADLINE_MS)));
    const summary = await Promise.race([api.services.addSource([folder], 'twenty-five files'), deadline]).finally(() => clearTimeout(timer));
    if (summary === 'expired') assert.fail(`the load did not finish within ${DEADLINE_MS / 1000} s (a hang)`);
    assert.ok(summary, 'the load failed');
    sourceId = summary.id;
    assert.equal(summary.events, 25);
    assert.equal(summary.files, 25);
    assert.deepEqual(summary.skipped, []);
  });
});
