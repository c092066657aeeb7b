/**
 * LookupEvents across regions: paced by the shared per-(account, region) bucket, throttling
 * retried out of the user's sight, every NextToken page sent with the first page's exact
 * parameters, events handed to the caller page by page as they arrive, and the windows
 * fetched remembered so a repeat asks only for the new time. Cancel stops promptly, keeps
 * what arrived, and still resolves with a summary.
 */
import { LookupEventsCommand, type Event as LookupEvent, type LookupAttribute, type LookupEventsCommandInput } from '@aws-sdk/client-cloudtrail';
import { AwsClientFactory } from './clients';
import { isAbort } from '../abort';
import { AwsProblemKind, AwsSourceError, describeAwsError } from './errors';
import type { ProfileInfo } from './profiles';
import { FilterTerm, LookupPlan, planLookup } from './planner';
import { LOOKUP_EVENTS_LIMIT, RateLimitOptions, sharedBucket } from './rateLimiter';
import { DEFAULT_RETRY, RetryCounters, RetryPolicy, withRetry } from './retry';
import { FetchedWindows, Interval, WindowKey } from './windows';

export type CloudTrailRecord = Record<string, unknown>;

export interface PageInfo {
  region: string;
  page: number;
}

export interface LookupProgress {
  pages: number;
  events: number;
  throttleRetries: number;
  /** 0..1, from the share of the requested time already walked (events come newest first). */
  fraction: number;
  /** Estimated milliseconds left, once something is known. */
  etaMs?: number;
  regions: Array<{ region: string; pages: number; events: number; fraction: number }>;
}

export type RegionStatus = 'done' | 'cached' | 'cancelled' | 'failed';

export interface RegionSummary {
  region: string;
  status: RegionStatus;
  pages: number;
  events: number;
  throttleRetries: number;
  transientRetries: number;
  /** The windows asked of the API (after the fetched-window cache). */
  requested: Interval[];
  /** The windows that were already fetched before and were not asked again. */
  alreadyFetched: Interval[];
  /** Windows recorded as fetched by this run. */
  recorded: Interval[];
  error?: string;
  errorKind?: AwsProblemKind;
}

export interface LookupSummary {
  pages: number;
  events: number;
  /** Events whose CloudTrailEvent was not JSON: kept, rebuilt from the summary fields. */
  rebuiltEvents: number;
  throttleRetries: number;
  transientRetries: number;
  cancelled: boolean;
  plan: LookupPlan;
  /** The account the windows are recorded under. */
  account: string;
  regions: RegionSummary[];
  /** User-facing errors (one per distinct failure); empty when everything worked. */
  errors: string[];
  problems: string[];
  elapsedMs: number;
}

export interface LookupFetchOptions {
  factory: AwsClientFactory;
  regions: readonly string[];
  /** Epoch ms, inclusive. */
  start: number;
  /** Epoch ms, exclusive. */
  end: number;
  /** Top-level AND-ed equality terms of the filter; the planner picks the server part. */
  terms?: readonly FilterTerm[];
  /** Fetch Insights events (EventCategory=insight) instead of management events. */
  insights?: boolean;
  /** 1..50; default 50. */
  pageSize?: number;
  /** The fetched-window cache; without it every fetch asks for the whole range. */
  windows?: FetchedWindows;
  /**
   * Events reach LookupEvents minutes after they happen: the newest `settleMs` before the
   * fetch started is never recorded as fetched, so a later run asks again. Default 15 min.
   */
  settleMs?: number;
  /** The wall clock (epoch ms) the settling minutes count back from; default `Date.now`. */
  clock?: () => number;
  onEvents: (events: CloudTrailRecord[], info: PageInfo) => void | Promise<void>;
  onProgress?: (progress: LookupProgress) => void;
  signal?: AbortSignal;
  rateLimit?: RateLimitOptions;
  retry?: RetryPolicy;
  /** Told about each retry (for the log). Never given credentials. */
  onRetry?: (region: string, reason: string, delayMs: number) => void;
}

/** The raw record from one LookupEvents entry; rebuilt from the summary when the JSON is bad. */
function recordOf(event: LookupEvent): { record: CloudTrailRecord; rebuilt: boolean } {
  if (typeof event.CloudTrailEvent === 'string') {
    try {
      const parsed: unknown = JSON.parse(event.CloudTrailEvent);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return { record: parsed as CloudTrailRecord, rebuilt: false };
    } catch {
      // fall through: keep what the summary fields say
    }
  }
  const record: CloudTrailRecord = {
    eventID: event.EventId,
    eventName: event.EventName,
    eventSource: event.EventSource,
    eventTime: event.EventTime?.toISOString().replace('.000Z', 'Z'),
    readOnly: event.ReadOnly,
    userIdentity: { userName: event.Username, accessKeyId: event.AccessKeyId },
    resources: (event.Resources ?? []).map((r) => ({ ARN: r.ResourceName, type: r.ResourceType })),
    ctinvRebuiltFromLookupSummary: true,
  };
  return { record, rebuilt: true };
}

function timeOf(record: CloudTrailRecord, fallback: Date | undefined): number {
  const t = typeof record.eventTime === 'string' ? Date.parse(record.eventTime) : NaN;
  return Number.isFinite(t) ? t : (fallback?.getTime() ?? NaN);
}

interface RegionState {
  summary: RegionSummary;
  /** Total span to walk and span walked, for the estimate. */
  total: number;
  walked: number;
}

/** What every region's walk of one fetch shares. */
interface LookupRun {
  readonly options: LookupFetchOptions;
  readonly plan: LookupPlan;
  readonly pageSize: number;
  readonly profile: ProfileInfo;
  /** The rate-limit key: fixed for the whole run (see fetchLookupEvents). */
  readonly limitKey: string;
  /** Windows ending after this are not recorded as fetched: events may still arrive there. */
  readonly recordableEnd: number;
  readonly errors: Set<string>;
  readonly report: () => void;
  rebuiltEvents: number;
  /** The account learned from the events' recipientAccountId, when the profile does not say it. */
  learnedAccount?: string;
}

export async function fetchLookupEvents(options: LookupFetchOptions): Promise<LookupSummary> {
  const began = performance.now();
  const fetchStartedAt = (options.clock ?? Date.now)();
  const plan = planLookup(options.terms ?? [], { category: options.insights ? 'insight' : 'management' });
  const pageSize = options.pageSize ?? 50;
  checkOptions(options, pageSize);
  const problems: string[] = [];
  const rangeStart = retainedStart(options, fetchStartedAt, problems);
  const factory = options.factory;

  let profileInfo: ProfileInfo;
  try {
    profileInfo = await factory.profile();
    await factory.ensureCredentials();
  } catch (error) {
    return credentialsFailed(options, plan, describeAwsError(error, { profile: factory.profileName, operation: 'LookupEvents' }), problems, began);
  }
  // The account keys the rate limit and the windows. No STS client here, so: the profile's own
  // account (sso_account_id / role_arn), else the one learned from an earlier fetch's events
  // (recipientAccountId), else the profile name until an event tells us.
  let account = profileInfo.account ?? options.windows?.accountFor(profileInfo.name) ?? `profile:${profileInfo.name}`;
  const category: WindowKey['category'] = options.insights ? 'insight' : 'management';
  const keyFor = (region: string, acct: string): WindowKey => ({
    account: acct,
    region,
    attributeKey: plan.server?.AttributeKey,
    attributeValue: plan.server?.AttributeValue,
    category,
  });
  const range: Interval = { start: rangeStart, end: Math.max(options.end, rangeStart) };
  const states = options.regions.map((region) => regionState(options.windows, keyFor(region, account), range));
  const run: LookupRun = {
    options,
    plan,
    pageSize,
    profile: profileInfo,
    // The rate-limit key must not change while fetches run: one learned from events would give
    // a second bucket next to the stand-in's, and two fetches of one profile (say management
    // and Insights events) would together go over the server's budget. So: the profile's own
    // account, else the profile name, for the whole process.
    limitKey: profileInfo.account ?? `profile:${profileInfo.name}`,
    recordableEnd: fetchStartedAt - (options.settleMs ?? 15 * 60_000),
    errors: new Set<string>(),
    report: progressReporter(options, states, began),
    rebuiltEvents: 0,
  };

  await Promise.all(states.map((state) => fetchRegion(run, state)));

  if (run.learnedAccount && account.startsWith('profile:')) {
    options.windows?.rememberAccount(profileInfo.name, run.learnedAccount);
    account = run.learnedAccount;
  }
  if (options.windows) {
    const windows = options.windows;
    for (const s of states) for (const interval of s.summary.recorded) windows.add(keyFor(s.summary.region, account), interval);
    try {
      await windows.save();
    } catch (error) {
      problems.push(`Could not save the fetched windows to ${windows.file}: ${(error as Error).message}`);
    }
    problems.push(...windows.problems);
  }
  if (run.rebuiltEvents) problems.push(`${run.rebuiltEvents} events had a CloudTrailEvent that is not JSON; kept, rebuilt from the LookupEvents summary fields.`);

  const sum = (f: (s: RegionSummary) => number): number => states.reduce((n, s) => n + f(s.summary), 0);
  run.report();
  return {
    pages: sum((s) => s.pages),
    events: sum((s) => s.events),
    rebuiltEvents: run.rebuiltEvents,
    throttleRetries: sum((s) => s.throttleRetries),
    transientRetries: sum((s) => s.transientRetries),
    cancelled: states.some((s) => s.summary.status === 'cancelled'),
    plan,
    account,
    regions: states.map((s) => s.summary),
    errors: [...run.errors],
    problems,
    elapsedMs: performance.now() - began,
  };
}

function checkOptions(options: LookupFetchOptions, pageSize: number): void {
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 50) throw new RangeError(`pageSize must be 1..50, not ${pageSize}`);
  if (!(options.end > options.start)) throw new RangeError('The time range is empty: the end must be after the start.');
  for (const region of options.regions) {
    if (!/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region)) throw new RangeError(`'${region}' is not a region name (for example us-east-1).`);
  }
}

/**
 * LookupEvents keeps 90 days and refuses a range that starts before them
 * (InvalidTimeRangeException): the range is clipped, with a margin for clock skew, and the
 * clipped part is neither asked for nor recorded as fetched.
 */
function retainedStart(options: LookupFetchOptions, fetchStartedAt: number, problems: string[]): number {
  const oldestAsked = Math.ceil((fetchStartedAt - LOOKUP_RETENTION_MS + RETENTION_MARGIN_MS) / 1000) * 1000;
  const rangeStart = Math.max(options.start, oldestAsked);
  if (rangeStart > options.start) {
    problems.push(
      `LookupEvents keeps 90 days of events: the range before ${new Date(rangeStart).toISOString()} was not asked for (use a trail bucket, Athena or CloudTrail Lake for older events).`,
    );
  }
  return rangeStart;
}

/** The summary when the profile's credentials cannot be had: every region failed with that reason. */
function credentialsFailed(options: LookupFetchOptions, plan: LookupPlan, described: AwsSourceError, problems: string[], began: number): LookupSummary {
  return {
    pages: 0,
    events: 0,
    rebuiltEvents: 0,
    throttleRetries: 0,
    transientRetries: 0,
    cancelled: false,
    plan,
    account: `profile:${options.factory.profileName}`,
    regions: options.regions.map((region) => ({
      region,
      status: 'failed' as const,
      pages: 0,
      events: 0,
      throttleRetries: 0,
      transientRetries: 0,
      requested: [],
      alreadyFetched: [],
      recorded: [],
      error: described.message,
      errorKind: described.kind,
    })),
    errors: [described.message],
    problems,
    elapsedMs: performance.now() - began,
  };
}

/** One region's gaps to ask for (newest first) and what earlier fetches already hold of the range. */
function regionState(windows: FetchedWindows | undefined, key: WindowKey, range: Interval): RegionState {
  const gaps = windows ? windows.gaps(key, range) : [range];
  const covered = windows ? windows.covered(key) : [];
  const alreadyFetched = covered
    .map((c) => ({ start: Math.max(c.start, range.start), end: Math.min(c.end, range.end) }))
    .filter((c) => c.end > c.start);
  return {
    summary: {
      region: key.region,
      status: gaps.length ? 'done' : 'cached',
      pages: 0,
      events: 0,
      throttleRetries: 0,
      transientRetries: 0,
      requested: gaps.slice().reverse(),
      alreadyFetched,
      recorded: [],
    },
    total: gaps.reduce((n, g) => n + (g.end - g.start), 0),
    walked: 0,
  };
}

function progressReporter(options: LookupFetchOptions, states: readonly RegionState[], began: number): () => void {
  return () => {
    if (!options.onProgress) return;
    const total = states.reduce((n, s) => n + s.total, 0);
    const walked = states.reduce((n, s) => n + s.walked, 0);
    const fraction = total > 0 ? Math.min(1, walked / total) : 1;
    const elapsed = performance.now() - began;
    options.onProgress({
      pages: states.reduce((n, s) => n + s.summary.pages, 0),
      events: states.reduce((n, s) => n + s.summary.events, 0),
      throttleRetries: states.reduce((n, s) => n + s.summary.throttleRetries, 0),
      fraction,
      etaMs: fraction > 0.02 && fraction < 1 ? (elapsed / fraction) * (1 - fraction) : undefined,
      regions: states.map((s) => ({
        region: s.summary.region,
        pages: s.summary.pages,
        events: s.summary.events,
        fraction: s.total > 0 ? Math.min(1, s.walked / s.total) : 1,
      })),
    });
  };
}

/** One region's state while its gaps are walked. */
interface RegionWalk {
  readonly state: RegionState;
  readonly client: ReturnType<AwsClientFactory['cloudTrail']>;
  readonly bucket: ReturnType<typeof sharedBucket>;
  readonly counters: RetryCounters;
  /** Events of the edge seconds already delivered by a neighbouring window of this run. */
  readonly edgeIds: Set<string>;
}

/** Walks a region's gaps, newest first (as LookupEvents itself walks back in time); stops at the first that fails. */
async function fetchRegion(run: LookupRun, state: RegionState): Promise<void> {
  const region = state.summary.region;
  const walk: RegionWalk = {
    state,
    client: run.options.factory.cloudTrail(region),
    bucket: sharedBucket('LookupEvents', run.limitKey, region, run.options.rateLimit ?? LOOKUP_EVENTS_LIMIT),
    counters: { throttleRetries: 0, transientRetries: 0 },
    edgeIds: new Set<string>(),
  };
  for (const gap of state.summary.requested) {
    if (!(await fetchGap(run, walk, gap))) return;
  }
}

/** Records `interval` as fetched, up to where events may still arrive. */
function recordFetched(run: LookupRun, summary: RegionSummary, interval: Interval): void {
  const clipped = { start: interval.start, end: Math.min(interval.end, run.recordableEnd) };
  if (clipped.end > clipped.start) summary.recorded.push(clipped);
}

/** Pages through one gap; false when it failed or was cancelled (the summary says which). */
async function fetchGap(run: LookupRun, walk: RegionWalk, gap: Interval): Promise<boolean> {
  const { options, plan } = run;
  const { state, counters } = walk;
  const summary = state.summary;
  const region = summary.region;
  const signal = options.signal;
  const attributes: LookupAttribute[] | undefined = plan.server ? [{ ...plan.server }] : undefined;
  const asked = wholeSeconds(gap);
  // The first page's parameters, repeated exactly on every NextToken page.
  const first: Readonly<LookupEventsCommandInput> = Object.freeze({
    StartTime: new Date(asked.startTime),
    EndTime: new Date(asked.endTime),
    ...(attributes ? { LookupAttributes: attributes } : {}),
    ...(options.insights ? { EventCategory: 'insight' as const } : {}),
    MaxResults: run.pageSize,
  });
  let nextToken: string | undefined;
  let oldest = gap.end;
  try {
    do {
      const input: LookupEventsCommandInput = { ...first, ...(nextToken ? { NextToken: nextToken } : {}) };
      const response = await withRetry((s) => walk.client.send(new LookupEventsCommand(input), { abortSignal: s }), {
        signal,
        bucket: walk.bucket,
        policy: options.retry ?? DEFAULT_RETRY,
        counters,
        refreshCredentials: () => options.factory.refreshCredentials(),
        onRetry: (reason, delay) => options.onRetry?.(region, reason, delay),
      });
      summary.throttleRetries = counters.throttleRetries;
      summary.transientRetries = counters.transientRetries;
      // Only what the caller accepted counts as fetched: committed after onEvents.
      const page = pageRecords(run, walk, response.Events ?? [], gap, asked, oldest);
      summary.pages++;
      nextToken = response.NextToken;
      if (page.records.length) {
        try {
          await options.onEvents(page.records, { region, page: summary.pages });
        } catch (error) {
          throw new ConsumerError(error);
        }
      }
      oldest = page.oldest;
      summary.events += page.records.length;
      state.walked = walkedSoFar(summary, gap, nextToken ? oldest : gap.start);
      run.report();
      if (signal?.aborted) throw signal.reason;
    } while (nextToken);
    recordFetched(run, summary, gap);
    return true;
  } catch (error) {
    summary.throttleRetries = counters.throttleRetries;
    summary.transientRetries = counters.transientRetries;
    // Everything newer than the oldest event seen arrived: that part counts as fetched.
    // Events in the same second as the oldest may be on the next page, so that second is not.
    if (oldest < gap.end) recordFetched(run, summary, { start: oldest + 1, end: gap.end });
    if (isAbort(error, signal)) {
      summary.status = 'cancelled';
    } else if (error instanceof ConsumerError) {
      summary.status = 'failed';
      summary.error = `Events fetched from ${region} could not be added: ${error.message}. The fetch for ${region} stopped; what was added is kept.`;
      run.errors.add(summary.error);
    } else {
      const described = describeAwsError(error, { profile: run.profile.name, profileKind: run.profile.kind, region, operation: 'LookupEvents' });
      summary.status = 'failed';
      summary.error = described.message;
      summary.errorKind = described.kind;
      run.errors.add(described.message);
    }
    return false;
  }
}

/** One page's records for the gap, and the oldest time reached (no older than the gap's start). */
function pageRecords(
  run: LookupRun,
  walk: RegionWalk,
  events: readonly LookupEvent[],
  gap: Interval,
  asked: { startTime: number; endTime: number },
  oldest: number,
): { records: CloudTrailRecord[]; oldest: number } {
  const records: CloudTrailRecord[] = [];
  let pageOldest = oldest;
  for (const event of events) {
    const { record: r, rebuilt } = recordOf(event);
    const t = timeOf(r, event.EventTime);
    // The whole-second request may reach past the window (or AWS may round): an event
    // outside [start, end) belongs to the neighbouring window, and one seen at an edge
    // second already is not handed over twice.
    if (Number.isFinite(t) && (t < gap.start || t >= gap.end)) continue;
    const id = typeof r.eventID === 'string' ? r.eventID : event.EventId;
    if (id !== undefined && Number.isFinite(t) && (t < asked.startTime + 1000 || t >= asked.endTime)) {
      if (walk.edgeIds.has(id)) continue;
      walk.edgeIds.add(id);
    }
    if (rebuilt) run.rebuiltEvents++;
    records.push(r);
    if (Number.isFinite(t) && t < pageOldest) pageOldest = Math.max(t, gap.start);
    if (!run.learnedAccount && typeof r.recipientAccountId === 'string' && /^\d{12}$/.test(r.recipientAccountId)) {
      run.learnedAccount = r.recipientAccountId;
    }
  }
  return { records, oldest: pageOldest };
}

const LOOKUP_RETENTION_MS = 90 * 86400_000;
/** Asked-for ranges start this much inside the 90 days, so clock skew never makes AWS refuse them. */
const RETENTION_MARGIN_MS = 10 * 60_000;

/**
 * The whole-second request for a window [start, end) in milliseconds. CloudTrail event times
 * are whole seconds and both request bounds are inclusive; whole seconds mean nothing
 * depends on whether AWS keeps, truncates or rounds fractions, and adjacent windows tile
 * exactly: [a, b) asks a..b−1 s, [b, c) asks b..c−1 s.
 */
function wholeSeconds(window: Interval): { startTime: number; endTime: number } {
  const startTime = Math.floor(window.start / 1000) * 1000;
  const endTime = Math.max(startTime, Math.ceil(window.end / 1000) * 1000 - 1000);
  return { startTime, endTime };
}

/** A failure of the caller's `onEvents`, told apart from AWS failures. */
class ConsumerError extends Error {
  constructor(readonly original: unknown) {
    super(original instanceof Error ? original.message : String(original));
  }
}

/** Span of the requested windows already walked: finished windows whole, the current one down to `reached`. */
function walkedSoFar(summary: RegionSummary, current: Interval, reached: number): number {
  let walked = 0;
  for (const w of summary.requested) {
    if (w === current) {
      walked += current.end - reached;
      break;
    }
    walked += w.end - w.start;
  }
  return walked;
}
