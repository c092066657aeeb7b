/**
 * The S3 key layout CloudTrail delivers to, from `AWSLogs/` on:
 *   AWSLogs/[o-xxx/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_UNIQUE.json.gz
 *   AWSLogs/[o-xxx/]ACCOUNT/CloudTrail-Digest/REGION/YYYY/MM/DD/
 *       ACCOUNT_CloudTrail-Digest_REGION_TRAIL_HOMEREGION_YYYYMMDDTHHmmssZ[_backfill].json.gz
 * Keys are strings to compare, never paths to open.
 */

export interface AwsLogsKey {
  /** The key from `AWSLogs/` on. */
  key: string;
  orgId?: string;
  account: string;
  kind: 'log' | 'digest';
  region: string;
  /** Milliseconds since the epoch from the file name (delivery time for logs, digest end for digests); NaN if absent. */
  fileTime: number;
  /** For digests named as documented: the trail name and its home region. */
  trail?: string;
  /** For digests named as documented: the trail's home region (where its CloudTrail API lives). */
  homeRegion?: string;
  backfill: boolean;
}

const KEY = /^AWSLogs\/(?:(o-[a-z0-9]{4,40})\/)?(\d{12})\/(CloudTrail|CloudTrail-Digest)\/([a-z0-9-]+)\/\d{4}\/\d{2}\/\d{2}\/([^/]+)$/;
const LOG_NAME = /^\d{12}_CloudTrail_[a-z0-9-]+_(\d{8}T\d{4})Z_[^/]+\.json(?:\.gz)?$/;
const DIGEST_NAME = /^\d{12}_CloudTrail-Digest_([a-z0-9-]+)_(.+)_([a-z0-9-]+)_(\d{8}T\d{6})Z(_backfill)?\.json\.gz$/;

function basicTime(text: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})?$/.exec(text);
  if (!m) return NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
}

/**
 * The part of a key (or a path with `/` separators) from the last `AWSLogs/` segment
 * that starts a CloudTrail layout; undefined when there is none.
 */
export function awsLogsSuffix(key: string): string | undefined {
  const normalized = key.replace(/\\/g, '/');
  let index = normalized.lastIndexOf('AWSLogs/');
  while (index >= 0) {
    if (index === 0 || normalized[index - 1] === '/') {
      const suffix = normalized.slice(index);
      if (KEY.test(suffix)) return suffix;
    }
    index = index === 0 ? -1 : normalized.lastIndexOf('AWSLogs/', index - 1);
  }
  return undefined;
}

/** Parses a key that starts with `AWSLogs/`; undefined when it is not a CloudTrail log or digest key. */
export function parseAwsLogsKey(key: string): AwsLogsKey | undefined {
  const m = KEY.exec(key);
  if (!m) return undefined;
  const [, orgId, account, folder, region, name] = m;
  if (folder === 'CloudTrail') {
    if (!/\.json(\.gz)?$/.test(name)) return undefined;
    const log = LOG_NAME.exec(name);
    return { key, orgId, account, kind: 'log', region, fileTime: log ? basicTime(log[1]) : NaN, backfill: false };
  }
  if (!name.endsWith('.json.gz')) return undefined;
  const digest = DIGEST_NAME.exec(name);
  return {
    key,
    orgId,
    account,
    kind: 'digest',
    region,
    fileTime: digest ? basicTime(digest[4]) : NaN,
    trail: digest ? `${digest[2]} (${digest[3]})` : undefined,
    homeRegion: digest?.[3],
    backfill: Boolean(digest?.[5]),
  };
}

/** A log key listed in a digest as `foo.json.gz` may have been decompressed on disk to `foo.json`. */
export function decompressedVariant(key: string): string | undefined {
  return key.endsWith('.json.gz') ? key.slice(0, -3) : undefined;
}
