/**
 * One SDK client per (service, profile, region, endpoint), cached, and all destroyed when the
 * profile changes. An endpoint override per service lets tests and local AWS emulators
 * answer instead of AWS. Credentials are resolved once and kept in memory only until they
 * expire or `refreshCredentials()` is called (after an expired-token answer).
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { S3Client } from '@aws-sdk/client-s3';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { MfaCodePrompt, ProfileInfo, ResolvedProfile, SharedFiles, resolveProfile, sharedFiles } from './profiles';

export type AwsService = 'cloudtrail' | 's3' | 'athena' | 'sts';

export interface EndpointOverrides {
  cloudtrail?: string;
  s3?: string;
  athena?: string;
  /** STS, for role profiles (AssumeRole); local emulators and tests. */
  sts?: string;
}

export interface ClientFactoryOptions {
  profile: string;
  files?: SharedFiles;
  endpoints?: EndpointOverrides;
  /** Per-request socket timeout; default 60 s. */
  requestTimeoutMs?: number;
  /** Asks for the MFA code of a role profile with `mfa_serial` (an input box, a TTY prompt). */
  mfaCode?: MfaCodePrompt;
}

/** Checks an endpoint override, naming the setting when it is wrong. */
export function validateEndpoint(service: AwsService, value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new Error(`The endpoint override cloudtrail.endpoints.${service} ('${value}') is not a URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`The endpoint override cloudtrail.endpoints.${service} must be an http or https URL, not '${url.protocol}'.`);
  }
  return url.toString().replace(/\/$/, '');
}

type AnyClient = CloudTrailClient | S3Client | AthenaClient;

const EXPIRY_MARGIN_MS = 5 * 60_000;

export class AwsClientFactory {
  private options: ClientFactoryOptions;
  private readonly clients = new Map<string, AnyClient>();
  private resolved: Promise<ResolvedProfile> | undefined;
  private identity: Promise<AwsCredentialIdentity> | undefined;
  private readonly endpoints: Required<{ [K in AwsService]: string | undefined }>;

  constructor(options: ClientFactoryOptions) {
    this.options = options;
    this.endpoints = {
      cloudtrail: validateEndpoint('cloudtrail', options.endpoints?.cloudtrail),
      s3: validateEndpoint('s3', options.endpoints?.s3),
      athena: validateEndpoint('athena', options.endpoints?.athena),
      sts: validateEndpoint('sts', options.endpoints?.sts),
    };
  }

  get profileName(): string {
    return this.options.profile;
  }

  endpoint(service: AwsService): string | undefined {
    return this.endpoints[service];
  }

  /** The profile's description (kind, account, region), resolving it on first use. */
  async profile(): Promise<ProfileInfo> {
    return (await this.resolve()).info;
  }

  private resolve(): Promise<ResolvedProfile> {
    if (!this.resolved) {
      this.resolved = resolveProfile(this.options.profile, this.options.files ?? sharedFiles(), {
        mfaCode: this.options.mfaCode,
        stsEndpoint: validateEndpoint('sts', this.options.endpoints?.sts),
      });
      this.resolved.catch(() => (this.resolved = undefined));
    }
    return this.resolved;
  }

  /** The credentials provider every client of this factory uses. */
  private readonly credentials = async (): Promise<AwsCredentialIdentity> => {
    const current = this.identity;
    if (current) {
      const value = await current.catch(() => undefined);
      if (value && (!value.expiration || value.expiration.getTime() - Date.now() > EXPIRY_MARGIN_MS)) return value;
    }
    const next = this.resolve().then((r) => r.provider());
    this.identity = next;
    next.catch(() => {
      if (this.identity === next) this.identity = undefined;
    });
    return next;
  };

  /**
   * Resolves the credentials now, so that a missing or expired login is reported once, before
   * any request, and the first request is not slowed by the resolution.
   */
  async ensureCredentials(): Promise<void> {
    await this.credentials();
  }

  /** Forget the cached credentials, so the next request resolves them again (SSO, credential_process). */
  refreshCredentials(): void {
    this.identity = undefined;
    this.resolved = undefined;
  }

  /** Switch profile: every client of the old one is destroyed. */
  setProfile(profile: string): void {
    if (profile === this.options.profile) return;
    this.dispose();
    this.options = { ...this.options, profile };
  }

  private get<T extends AnyClient>(service: AwsService, region: string, create: () => T): T {
    const key = `${service}|${this.options.profile}|${region}|${this.endpoints[service] ?? ''}`;
    let client = this.clients.get(key) as T | undefined;
    if (!client) {
      client = create();
      this.clients.set(key, client);
    }
    return client;
  }

  private common(service: AwsService, region: string, maxAttempts: number) {
    const endpoint = this.endpoints[service];
    return {
      region,
      credentials: this.credentials,
      maxAttempts,
      ...(endpoint ? { endpoint } : {}),
      requestHandler: { requestTimeout: this.options.requestTimeoutMs ?? 60_000, connectionTimeout: 10_000 },
    };
  }

  /**
   * The SDK never retries (maxAttempts 1) for any service: the callers retry through
   * `withRetry`, which also paces against the shared rate limit, so nothing is retried twice.
   */
  cloudTrail(region: string): CloudTrailClient {
    return this.get('cloudtrail', region, () => new CloudTrailClient(this.common('cloudtrail', region, 1)));
  }

  s3(region: string): S3Client {
    return this.get(
      's3',
      region,
      () =>
        new S3Client({
          ...this.common('s3', region, 1),
          // Local S3 servers answer path-style requests only.
          forcePathStyle: this.endpoints.s3 !== undefined,
          // A bucket in another region than the one given answers a redirect; follow it.
          followRegionRedirects: true,
        }),
    );
  }

  athena(region: string): AthenaClient {
    return this.get('athena', region, () => new AthenaClient(this.common('athena', region, 1)));
  }

  dispose(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
    this.identity = undefined;
    this.resolved = undefined;
  }
}
