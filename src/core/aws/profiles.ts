/**
 * AWS profiles from the shared files (`~/.aws/config`, `~/.aws/credentials`; either may be
 * missing; AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE honoured), classified, and
 * resolved to credentials through `@aws-sdk/credential-providers`. Secret values are never
 * read into these structures: a profile is described by its name, kind and non-secret keys.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fromEnv, fromIni } from '@aws-sdk/credential-providers';
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
}

export function sharedFiles(env: NodeJS.ProcessEnv = process.env): SharedFiles {
  const home = env.HOME || env.USERPROFILE || os.homedir();
  return {
    configFile: env.AWS_CONFIG_FILE || path.join(home, '.aws', 'config'),
    credentialsFile: env.AWS_SHARED_CREDENTIALS_FILE || path.join(home, '.aws', 'credentials'),
  };
}

export type IniSections = Map<string, Map<string, string>>;

/** A forgiving INI reader for the AWS shared files (comments `#`/`;`, nested `key =` blocks skipped). */
export function parseIni(text: string): IniSections {
  const sections: IniSections = new Map();
  let current: Map<string, string> | undefined;
  let nestedParent: string | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.replace(/^\uFEFF/, '');
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    const header = /^\[\s*([^\]]+?)\s*\]\s*(?:[#;].*)?$/.exec(trimmed);
    if (header) {
      current = new Map();
      nestedParent = undefined;
      sections.set(header[1], current);
      continue;
    }
    if (!current) continue;
    const indented = /^\s/.test(line);
    const eq = trimmed.indexOf('=');
    if (eq < 0) continue;
    const key = trimmed.slice(0, eq).trim().toLowerCase();
    const value = trimmed.slice(eq + 1).trim();
    if (indented && nestedParent !== undefined) {
      current.set(`${nestedParent}.${key}`, value);
      continue;
    }
    if (value === '') {
      nestedParent = key; // e.g. `s3 =` followed by indented sub-keys
      continue;
    }
    nestedParent = undefined;
    current.set(key, value);
  }
  return sections;
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`Could not read the AWS shared file ${file}: ${(error as Error).message}`, { cause: error });
  }
}

function accountFromArn(arn: string | undefined): string | undefined {
  const account = arn?.split(':')[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}

export function classify(values: Map<string, string>): ProfileKind {
  if (values.has('role_arn')) return values.has('web_identity_token_file') ? 'web-identity' : 'role';
  if (values.has('sso_session') || values.has('sso_start_url') || values.has('sso_account_id')) return 'sso';
  if (values.has('credential_process')) return 'process';
  if (values.has('aws_access_key_id')) return 'static';
  return 'unknown';
}

/** Every profile in both files, sorted by name (`default` first). */
export async function listProfiles(files: SharedFiles = sharedFiles()): Promise<ProfileInfo[]> {
  const [configText, credentialsText] = await Promise.all([readOptional(files.configFile), readOptional(files.credentialsFile)]);
  const merged = new Map<string, { values: Map<string, string>; definedIn: Set<'config' | 'credentials'> }>();
  const add = (name: string, values: Map<string, string>, from: 'config' | 'credentials'): void => {
    const entry = merged.get(name) ?? { values: new Map<string, string>(), definedIn: new Set<'config' | 'credentials'>() };
    // The credentials file wins for keys in both, as in the SDK.
    for (const [k, v] of values) if (from === 'credentials' || !entry.values.has(k)) entry.values.set(k, v);
    entry.definedIn.add(from);
    merged.set(name, entry);
  };
  if (configText !== undefined) {
    for (const [section, values] of parseIni(configText)) {
      if (section === 'default') add('default', values, 'config');
      else if (section.startsWith('profile ')) add(section.slice('profile '.length).trim(), values, 'config');
    }
  }
  if (credentialsText !== undefined) {
    for (const [section, values] of parseIni(credentialsText)) add(section.replace(/^profile\s+/, ''), values, 'credentials');
  }
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
export async function resolveProfile(name: string, files: SharedFiles = sharedFiles()): Promise<ResolvedProfile> {
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
  const provider = fromIni({ profile: name, filepath: files.credentialsFile, configFilepath: files.configFile, ignoreCache: true });
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
