import { TrailKeyLayout } from './types';

/**
 * AWSLogs/[o-xxxxxxxxxx/]<12-digit account>/CloudTrail[-Digest|-Insight]/<region>/YYYY/MM/DD/<file>,
 * anywhere in the path, with either separator (a Windows path or an S3 key).
 */
const TRAIL_KEY =
  /(?:^|[\\/])AWSLogs[\\/](?:(o-[a-z0-9]{10,32})[\\/])?(\d{12})[\\/]CloudTrail(-Digest|-Insight)?[\\/]([A-Za-z0-9-]{1,40})[\\/](\d{4})[\\/](\d{2})[\\/](\d{2})[\\/][^\\/]+$/;

/** Reads the S3 delivery layout from a path; undefined when the path does not follow it. */
export function parseTrailKeyLayout(path: string): TrailKeyLayout | undefined {
  const match = TRAIL_KEY.exec(path);
  if (!match) return undefined;
  const [, orgId, account, kind, region, year, month, day] = match;
  const monthNumber = Number(month);
  const dayNumber = Number(day);
  if (monthNumber < 1 || monthNumber > 12 || dayNumber < 1 || dayNumber > 31) return undefined;
  const layout: TrailKeyLayout = { account, region, date: `${year}-${month}-${day}`, digest: kind === '-Digest' };
  if (orgId) layout.orgId = orgId;
  if (kind === '-Insight') layout.insight = true;
  return layout;
}
