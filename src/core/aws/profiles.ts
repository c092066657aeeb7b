/**
 * AWS profiles from the shared files (`~/.aws/config`, `~/.aws/credentials`; either may be
 * missing; AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE honoured), read with the SDK's own
 * shared-config loader so the list is exactly what the SDK can resolve, classified, and
 * resolved to credentials through `@aws-sdk/credential-providers` (asking for an MFA code
 * when a role profile has `mfa_serial`). Secret values are never
 * read into these structures: a profile is described by its name, kind and non-secret keys.
 */
import { constants as fsConstants, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fromEnv, fromIni } from '@aws-sdk/credential-providers';
import { loadSharedConfigFiles } from '@smithy/core/config';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { AwsSourceError, ProfileKind, describeAwsError } from './errors';

export const ENVIRONMENT_PROFILE = '(environment)';

export interface SharedFiles {
  configFile: string;
  credentialsFile: string;
}

export interface ProfileInfo {
  name: string;
  kind: ProfileKind;
  /** Which files define it. */
  definedIn: Array<'config' | 'credentials'>;
  region?: string;
  /** The account, when the profile says it (sso_account_id, role_arn, aws_account_id). */
  account?: string;
  /** For SSO profiles: the session or start URL (not a secret). */
  ssoSession?: string;
  /** For role profiles that need an MFA code: the device's serial or ARN (not a secret). */
  mfaSerial?: string;
}

/** Asks the user for the current code of an MFA device (`serial` is its ARN or serial number). */
export type MfaCodePrompt = (serial: string, profile: string) => Promise<string | undefined>;

export interface ResolveOptions {
  /** Asked when a role profile has `mfa_serial`, as the AWS CLI asks. */
  mfaCode?: MfaCodePrompt;
  /** An STS endpoint for the role assumption (local emulators and tests). */
  stsEndpoint?: string;
}

export function sharedFiles(env: NodeJS.ProcessEnv = process.env): SharedFiles {
  const home = env.HOME || env.USERPROFILE || os.homedir();
  return {
    configFile: env.AWS_CONFIG_FILE || path.join(home, '.aws', 'config'),
    credentialsFile: env.AWS_SHARED_CREDENTIALS_FILE || path.join(home, '.aws', 'credentials'),
  };
}

/** Section prefixes the SDK keeps in the parsed config that are not profiles (`[sso-session x]`, `[services x]`). */
const NOT_PROFILES = /^(sso-session|services|profile)\./;

async function checkReadable(file: string): Promise<void> {
  try {
    await fs.access(file, fsConstants.R_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    throw new Error(`Could not read the AWS shared file ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The shared files as the SDK itself reads them (`loadSharedConfigFiles` from
 * `@smithy/core/config`, the loader `fromIni` uses): inline comments, quoted profile names,
 * nested blocks and `[profile x]` in the credentials file (which the SDK does not take as
 * profile `x`) all mean here what they mean to the SDK.
 */
async function sdkProfiles(files: SharedFiles): Promise<{ config: Record<string, Record<string, string | undefined>>; credentials: Record<string, Record<string, string | undefined>> }> {
  await Promise.all([checkReadable(files.configFile), checkReadable(files.credentialsFile)]);
  let loaded;
  try {
    loaded = await loadSharedConfigFiles({ filepath: files.credentialsFile, configFilepath: files.configFile, ignoreCache: true });
  } catch (error) {
    throw new Error(`Could not parse the AWS shared files ${files.configFile} / ${files.credentialsFile}: ${(error as Error).message}`, { cause: error });
  }
  const keep = (section: Record<string, Record<string, string | undefined>>): Record<string, Record<string, string | undefined>> =>
    Object.fromEntries(Object.entries(section).filter(([name]) => !NOT_PROFILES.test(name)));
  return { config: keep(loaded.configFile ?? {}), credentials: keep(loaded.credentialsFile ?? {}) };
}

function accountFromArn(arn: string | undefined): string | undefined {
  const account = arn?.split(':')[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}

export function classify(values: ReadonlyMap<string, string>): ProfileKind {
  if (values.has('role_arn')) return values.has('web_identity_token_file') ? 'web-identity' : 'role';
  if (values.has('sso_session') || values.has('sso_start_url') || values.has('sso_account_id')) return 'sso';
  if (values.has('credential_process')) return 'process';
  if (values.has('aws_access_key_id')) return 'static';
  return 'unknown';
}

/** Every profile the SDK can resolve from the two files, sorted by name (`default` first). */
export async function listProfiles(files: SharedFiles = sharedFiles()): Promise<ProfileInfo[]> {
  const { config, credentials } = await sdkProfiles(files);
  const merged = new Map<string, { values: Map<string, string>; definedIn: Set<'config' | 'credentials'> }>();
  const add = (name: string, section: Record<string, string | undefined>, from: 'config' | 'credentials'): void => {
    const entry = merged.get(name) ?? { values: new Map<string, string>(), definedIn: new Set<'config' | 'credentials'>() };
    // The credentials file wins for keys in both, as in the SDK.
    for (const [k, v] of Object.entries(section)) if (v !== undefined && (from === 'credentials' || !entry.values.has(k))) entry.values.set(k, v);
    entry.definedIn.add(from);
    merged.set(name, entry);
  };
  for (const [name, section] of Object.entries(config)) add(name, section, 'config');
  for (const [name, section] of Object.entries(credentials)) add(name, section, 'credentials');
  const out: ProfileInfo[] = [];
  for (const [name, { values, definedIn }] of merged) {
    const kind = classify(values);
    const account = values.get('sso_account_id') ?? accountFromArn(values.get('role_arn')) ?? values.get('aws_account_id');
    out.push({
      name,
      kind,
      definedIn: [...definedIn].sort(),
      region: values.get('region'),
      account: account && /^\d{12}$/.test(account) ? account : undefined,
      ssoSession: kind === 'sso' ? (values.get('sso_session') ?? values.get('sso_start_url')) : undefined,
      mfaSerial: kind === 'role' ? values.get('mfa_serial') : undefined,
    });
  }
  return out.sort((a, b) => (a.name === 'default' ? -1 : b.name === 'default' ? 1 : a.name.localeCompare(b.name)));
}

export interface ResolvedProfile {
  info: ProfileInfo;
  provider: AwsCredentialIdentityProvider;
}

/**
 * A credentials provider for one profile. A profile that is in neither file is refused here,
 * rather than letting a provider chain fall through to other sources (environment keys, the
 * instance metadata service) that the user did not choose.
 */
export async function resolveProfile(name: string, files: SharedFiles = sharedFiles(), options: ResolveOptions = {}): Promise<ResolvedProfile> {
  if (name === ENVIRONMENT_PROFILE) {
    const info: ProfileInfo = { name, kind: 'environment', definedIn: [] };
    return { info, provider: wrap(fromEnv(), info) };
  }
  const profiles = await listProfiles(files);
  const info = profiles.find((p) => p.name === name);
  if (!info) {
    throw new AwsSourceError(
      `The AWS profile '${name}' is in neither ${files.configFile} nor ${files.credentialsFile}.`,
      'credentials-missing',
      { profile: name, operation: 'resolve credentials' },
    );
  }
  const provider = fromIni({
    profile: name,
    filepath: files.credentialsFile,
    configFilepath: files.configFile,
    ignoreCache: true,
    mfaCodeProvider: async (serial: string) => {
      if (!options.mfaCode) {
        throw new AwsSourceError(`The AWS profile '${name}' needs an MFA code (mfa_serial ${serial}), and there is no way to ask for one here.`, 'credentials-missing', {
          profile: name,
          profileKind: info.kind,
          operation: 'resolve credentials',
        });
      }
      const code = (await options.mfaCode(serial, name))?.trim();
      if (!code) {
        throw new AwsSourceError(`No MFA code was given for the AWS profile '${name}' (mfa_serial ${serial}).`, 'credentials-missing', {
          profile: name,
          profileKind: info.kind,
          operation: 'resolve credentials',
        });
      }
      if (!/^\d{6}$/.test(code)) {
        throw new AwsSourceError(`The MFA code for the AWS profile '${name}' must be the 6 digits the device shows.`, 'credentials-missing', {
          profile: name,
          profileKind: info.kind,
          operation: 'resolve credentials',
        });
      }
      return code;
    },
    ...(options.stsEndpoint ? { clientConfig: { endpoint: options.stsEndpoint } } : {}),
  });
  return { info, provider: wrap(provider, info) };
}

/** Re-words provider failures (missing keys, expired SSO token) with the profile name and hint. */
function wrap(provider: AwsCredentialIdentityProvider, info: ProfileInfo): AwsCredentialIdentityProvider {
  return async (options) => {
    try {
      return (await provider(options)) as AwsCredentialIdentity;
    } catch (error) {
      throw describeAwsError(error, { profile: info.name, profileKind: info.kind, operation: 'resolve credentials' });
    }
  };
}
