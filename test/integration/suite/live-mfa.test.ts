// A role profile with mfa_serial in the real host: the LookupEvents command asks for the MFA
// code through the extension's prompt (answered here through the extension's API, where the
// input box would be), assumes the role at a local STS with that code, and fetches with the
// role's credentials. A dismissed prompt fetches nothing and says why.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CloudTrailInvestigatorApi } from '../../../src/extension/extension';
import { TEST_KEYS, TEST_SECRET } from '../../servers/awsJson';
import { CloudTrailServer } from '../../servers/cloudtrailServer';
import { StsServer } from '../../servers/stsServer';
import { synthEvents } from '../../servers/synth';
import { activatedApi, tempFolder } from './editor-helpers';

const HOUR = 3600_000;
const SOURCE = 'ctinv-it-mfa-source';
const PROFILE = 'ctinv-it-mfa';
const ROLE = 'arn:aws:iam::210987654321:role/Investigator';
const SERIAL = 'arn:aws:iam::111122223333:mfa/it';

describe('live sources: a role profile with mfa_serial asks for the code in the real host', function () {
  this.timeout(60_000);
  let api: CloudTrailInvestigatorApi;
  let server: CloudTrailServer;
  let sts: StsServer;
  let dir: string;
  let original: CloudTrailInvestigatorApi['livePrompts']['mfaCode'];
  const saved = { config: process.env.AWS_CONFIG_FILE, credentials: process.env.AWS_SHARED_CREDENTIALS_FILE, sts: process.env.AWS_ENDPOINT_URL_STS };
  const end = Math.floor(Date.now() / 1000) * 1000 - HOUR;
  const start = end - 2 * HOUR;
  const liveSources = () => api.services.investigation.summaries().filter((s) => s.label.startsWith(`LookupEvents · ${PROFILE}`));

  before(async () => {
    api = await activatedApi();
    original = api.livePrompts.mfaCode;
    server = new CloudTrailServer({ rps: 1000, burst: 1000 });
    server.addEvents(synthEvents({ count: 30, regions: ['us-east-1'], start, end, seed: 21 }));
    sts = new StsServer();
    sts.mfaRoles.set(ROLE, '246810');
    await server.start();
    await sts.start();
    dir = tempFolder('live-mfa');
    const configFile = path.join(dir, 'config');
    const credentialsFile = path.join(dir, 'credentials');
    fs.writeFileSync(configFile, `[profile ${PROFILE}]\nrole_arn = ${ROLE}\nsource_profile = ${SOURCE}\nmfa_serial = ${SERIAL}\nregion = us-east-1\n`);
    fs.writeFileSync(credentialsFile, `[${SOURCE}]\naws_access_key_id = ${TEST_KEYS.ok}\naws_secret_access_key = ${TEST_SECRET}\n`);
    process.env.AWS_CONFIG_FILE = configFile;
    process.env.AWS_SHARED_CREDENTIALS_FILE = credentialsFile;
    // The SDK's own per-service endpoint variable: the role is assumed at the local STS.
    process.env.AWS_ENDPOINT_URL_STS = sts.endpoint;
    await vscode.workspace.getConfiguration('cloudtrail').update('endpoints.cloudtrail', server.endpoint, vscode.ConfigurationTarget.Global);
    api.services.filter.clear();
  });

  after(async () => {
    api.livePrompts.mfaCode = original;
    await vscode.workspace.getConfiguration('cloudtrail').update('endpoints.cloudtrail', undefined, vscode.ConfigurationTarget.Global);
    for (const summary of liveSources()) await api.services.removeSource(summary.id);
    for (const [name, value] of [
      ['AWS_CONFIG_FILE', saved.config],
      ['AWS_SHARED_CREDENTIALS_FILE', saved.credentials],
      ['AWS_ENDPOINT_URL_STS', saved.sts],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await server?.stop();
    await sts?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a dismissed prompt fetches nothing; the code given next time assumes the role and the events arrive', async () => {
    const asked: Array<[string, string]> = [];
    api.livePrompts.mfaCode = async (serial, profile) => {
      asked.push([serial, profile]);
      return undefined; // the user pressed Escape
    };
    await vscode.commands.executeCommand('cloudtrail.live.lookupEvents', { profile: PROFILE, regions: ['us-east-1'], start, end });
    assert.deepEqual(asked, [[SERIAL, PROFILE]]);
    assert.equal(sts.calls.length, 0, 'no AssumeRole without a code');
    assert.equal(server.count('LookupEvents'), 0);

    api.livePrompts.mfaCode = async (serial, profile) => {
      asked.push([serial, profile]);
      return '246810';
    };
    await vscode.commands.executeCommand('cloudtrail.live.lookupEvents', { profile: PROFILE, regions: ['us-east-1'], start, end });
    assert.equal(asked.length, 2);
    assert.deepEqual(
      sts.calls.map((c) => [c.roleArn, c.serialNumber, c.tokenCode]),
      [[ROLE, SERIAL, '246810']],
    );
    const sources = liveSources();
    assert.equal(sources.length, 1);
    assert.equal(sources[0].events, 30);
  });
});
