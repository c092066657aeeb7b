/** Temp AWS shared files whose profiles point the real SDK at the local test servers. */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TEST_KEYS, TEST_SECRET } from '../../servers/awsJson';
import { SharedFiles } from '../../../src/core/aws/profiles';

export interface TempAws {
  dir: string;
  files: SharedFiles;
  cleanup(): Promise<void>;
}

/** Profiles: local (ok key), other (second account), expired, invalid, denied, sso-user (SSO, never logged in), proc (credential_process), mfa-role (role with mfa_serial, source local). */
export async function tempAws(): Promise<TempAws> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ctinv-aws-'));
  const configFile = path.join(dir, 'config');
  const credentialsFile = path.join(dir, 'credentials');
  const keyProfile = (name: string, key: string): string => `[${name}]\naws_access_key_id = ${key}\naws_secret_access_key = ${TEST_SECRET}\n`;
  await fs.writeFile(
    credentialsFile,
    [
      keyProfile('local', TEST_KEYS.ok),
      keyProfile('other', TEST_KEYS.other),
      keyProfile('expired', TEST_KEYS.expired),
      keyProfile('invalid', TEST_KEYS.invalid),
      keyProfile('denied', TEST_KEYS.denied),
    ].join('\n'),
  );
  await fs.writeFile(
    configFile,
    [
      '[default]',
      'region = us-east-1',
      '',
      '[profile local]',
      'region = us-east-1',
      '',
      '[profile sso-user]',
      'sso_session = corp',
      'sso_account_id = 123456789012',
      'sso_role_name = Investigator',
      'region = eu-west-1',
      '',
      '[sso-session corp]',
      'sso_start_url = https://corp.awsapps.com/start',
      'sso_region = eu-west-1',
      '',
      '[profile proc]',
      `credential_process = ${process.execPath} -e "console.log(JSON.stringify({Version:1,AccessKeyId:'${TEST_KEYS.ok}',SecretAccessKey:'${TEST_SECRET}'}))"`,
      '',
      '[profile mfa-role]',
      'role_arn = arn:aws:iam::210987654321:role/Investigator',
      'source_profile = local',
      'mfa_serial = arn:aws:iam::111122223333:mfa/alice',
      'region = us-east-1',
      '',
      '[profile auditor]',
      'role_arn = arn:aws:iam::210987654321:role/Auditor',
      'source_profile = local',
      's3 =',
      '  max_concurrent_requests = 4',
      '',
    ].join('\n'),
  );
  return { dir, files: { configFile, credentialsFile }, cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
}

export function tmpDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}
