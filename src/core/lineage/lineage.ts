/**
 * Identity lineage: from an access key, a role session or an event back to the long-term
 * identity behind it. A temporary key (ASIA…) leads to the STS event whose
 * responseElements.credentials.accessKeyId issued it (the index's `issuedKey` field); that
 * event's caller used its own key, and so on, until an IAM user, root, a SAML/OIDC subject,
 * an IAM Identity Center user or an AWS service. Where a hop is not loaded, the lineage says
 * exactly what to load (account, region, event names, time window) and how to fetch it with
 * LookupEvents.
 */
import { EventId, EventIndexApi } from '../engine/api';
import { IdentityType, JsonObject } from '../model/event';
import { getPath, normalizeEvent } from '../model/normalize';
import { formatTime } from '../model/time';

export type LineageStart = { accessKey: string } | { session: string } | { eventId: EventId };

/** The STS (or sign-in) event that issued a hop's credentials. */
export interface IssuingEvent {
  /** Index id of the event. */
  id: EventId;
  eventName: string;
  eventID?: string;
  /** ISO-8601 UTC. */
  time: string;
  region?: string;
  /** recipientAccountId: the account whose trail holds this copy. */
  account?: string;
  sharedEventID?: string;
  sourceIp?: string;
  userAgent?: string;
  /** requestParameters.roleArn / roleSessionName / sourceIdentity, when present. */
  roleArn?: string;
  roleSessionName?: string;
  sourceIdentity?: string;
}

export interface LineageHop {
  /** The credential used at this hop (the start key first); absent for keyless identities. */
  accessKey?: string;
  keyKind: 'temporary' | 'long-term' | 'none';
  /** principalKey() of the identity that used this key. */
  principal: string;
  principalType: IdentityType;
  account?: string;
  /** Role session (issuer/session@creation) for role and federated sessions. */
  session?: string;
  sessionCreated?: string;
  sourceIdentity?: string;
  /** Events in the index that used this key (or were made by this hop's identity when keyless). */
  eventsUsingKey: number;
  /** Index id of the earliest event that used the key. */
  firstUse?: EventId;
  /** The event that issued this hop's key (undefined for long-term keys and missing hops). */
  issuedBy?: IssuingEvent;
  /** How the issuing event was joined when it was not found by its key: the other account's copy. */
  joinedBy?: 'sharedEventID';
}

export type OriginKind = 'iam-user' | 'root' | 'saml' | 'web-identity' | 'identity-center' | 'aws-service' | 'aws-account' | 'unknown';

export interface LineageOrigin {
  kind: OriginKind;
  principal: string;
  /** Human-readable: "IAM user ci-deployer (long-term key AKIA…)". Built from event fields. */
  label: string;
  /** For IAM users and root seen with a console session: the ConsoleLogin that started it. */
  consoleLogin?: IssuingEvent;
  /** For a long-term key created in the loaded events: the CreateAccessKey call and who made it. */
  keyCreatedBy?: IssuingEvent & { principal: string };
}

/** What to load to continue a lineage whose next hop is not in the index. */
export interface MissingHop {
  reason: string;
  /** The key whose issuing event is missing. */
  accessKey?: string;
  account?: string;
  /** Regions to look in: the session's own region first, then us-east-1 (the global STS endpoint). */
  regions: string[];
  eventNames: string[];
  window: { start: string; end: string };
  /** Ready-made LookupEvents parameters (run once per region). */
  lookup: { attributeKey: 'EventName' | 'ResourceName' | 'AccessKeyId' | 'Username'; attributeValue: string; startTime: string; endTime: string };
  /** When the missing event is the other account's copy of a cross-account call. */
  sharedEventID?: string;
}

export interface Lineage {
  start: LineageStart;
  /** From the start key back to the origin. */
  hops: LineageHop[];
  origin?: LineageOrigin;
  /** The first sourceIdentity seen along the chain (it propagates through role chaining). */
  sourceIdentity?: string;
  /** True when the chain reaches an origin. */
  complete: boolean;
  missing?: MissingHop;
  /** Loops, ambiguities, keys never seen. */
  notes: string[];
}

export interface LineageOptions {
  signal?: AbortSignal;
  /** Half-width of the suggested LookupEvents window around a session's creation; default 15 minutes. */
  windowMs?: number;
  /** Longest chain followed; default 20. */
  maxHops?: number;
}

const STS_ISSUERS = ['AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity', 'GetSessionToken', 'GetFederationToken'];

function str(event: unknown, path: string): string | undefined {
  const v = getPath(event, path);
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function keyKind(key: string | undefined): LineageHop['keyKind'] {
  if (!key) return 'none';
  return key.startsWith('ASIA') ? 'temporary' : 'long-term';
}

function earliest(index: EventIndexApi, ids: ArrayLike<number>): EventId | undefined {
  let best: EventId | undefined;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    const t = index.time(id);
    if (best === undefined || (Number.isFinite(t) && (!Number.isFinite(index.time(best)) || t < index.time(best)))) best = id;
  }
  return best;
}

function issuing(id: EventId, raw: JsonObject): IssuingEvent {
  const n = normalizeEvent(raw);
  return {
    id,
    eventName: n.eventName ?? '?',
    eventID: n.eventId,
    time: formatTime(n.time),
    region: n.region,
    account: n.account,
    sharedEventID: n.sharedEventId,
    sourceIp: n.sourceIp,
    userAgent: n.userAgent,
    roleArn: str(raw, 'requestParameters.roleArn'),
    roleSessionName: str(raw, 'requestParameters.roleSessionName'),
    sourceIdentity: str(raw, 'requestParameters.sourceIdentity') ?? str(raw, 'responseElements.sourceIdentity'),
  };
}

function originOf(raw: JsonObject): LineageOrigin | undefined {
  const n = normalizeEvent(raw);
  const name = str(raw, 'userIdentity.userName') ?? str(raw, 'userIdentity.principalId') ?? '?';
  switch (n.principalType) {
    case 'IAMUser':
      return { kind: 'iam-user', principal: n.principal, label: `IAM user ${name}` };
    case 'Root':
      return { kind: 'root', principal: n.principal, label: `root user of account ${n.callerAccount ?? n.account ?? '?'}` };
    case 'SAMLUser':
      return { kind: 'saml', principal: n.principal, label: `SAML subject ${name} (${str(raw, 'userIdentity.identityProvider') ?? 'identity provider ?'})` };
    case 'WebIdentityUser':
      return { kind: 'web-identity', principal: n.principal, label: `web identity ${name} (${str(raw, 'userIdentity.identityProvider') ?? 'provider ?'})` };
    case 'IdentityCenterUser':
      return { kind: 'identity-center', principal: n.principal, label: `IAM Identity Center user ${str(raw, 'userIdentity.onBehalfOf.userId') ?? name}` };
    case 'AWSService':
      return { kind: 'aws-service', principal: n.principal, label: `AWS service ${n.invokedBy ?? n.sourceIp ?? '?'}` };
    default:
      return undefined;
  }
}

function shift(iso: string | undefined, fallback: number, deltaMs: number): string {
  const t = iso ? Date.parse(iso) : NaN;
  return formatTime((Number.isFinite(t) ? t : fallback) + deltaMs);
}

/**
 * Traces the chain behind an access key, a role session (the index's `session` value) or an
 * event (index id) back to its origin.
 */
export async function traceLineage(index: EventIndexApi, start: LineageStart, options: LineageOptions = {}): Promise<Lineage> {
  const windowMs = options.windowMs ?? 15 * 60_000;
  const maxHops = options.maxHops ?? 20;
  const lineage: Lineage = { start, hops: [], complete: false, notes: [] };
  const visitedKeys = new Set<string>();
  const visitedEvents = new Set<EventId>();

  const resolved = resolveStart(index, start, lineage);
  if (!resolved) return lineage;
  if ('keylessEvent' in resolved) return keylessLineage(index, lineage, resolved.keylessEvent);

  let key: string | undefined = resolved.key;
  while (key !== undefined) {
    options.signal?.throwIfAborted();
    if (lineage.hops.length >= maxHops) {
      lineage.notes.push(`stopped after ${maxHops} hops`);
      break;
    }
    if (visitedKeys.has(key)) {
      lineage.notes.push(`loop: key ${key} was already traced; stopping`);
      break;
    }
    visitedKeys.add(key);
    const step = await keyHop(index, key, lineage, visitedEvents);
    if (step.issuer) {
      visitedEvents.add(step.issuer.id);
      key = await followIssuer(index, lineage, step.hop, step.issuer, windowMs);
    } else {
      await endWithoutIssuer(index, lineage, step, key, windowMs);
      key = undefined;
    }
  }

  lineage.sourceIdentity = lineage.hops.map((h) => h.sourceIdentity).find((s) => s !== undefined);
  return lineage;
}

/** The start as a key, or as an event that carries no key; undefined (with a note) when it is not in the index. */
function resolveStart(index: EventIndexApi, start: LineageStart, lineage: Lineage): { key: string } | { keylessEvent: EventId } | undefined {
  if ('accessKey' in start) return { key: start.accessKey.trim() };
  let id: EventId;
  if ('session' in start) {
    const first = earliest(index, index.postings('session', start.session));
    if (first === undefined) {
      lineage.notes.push(`no loaded event belongs to session ${start.session}`);
      return undefined;
    }
    id = first;
  } else {
    if (start.eventId < 0 || start.eventId >= index.size) {
      lineage.notes.push(`event ${start.eventId} is not in the index`);
      return undefined;
    }
    id = start.eventId;
  }
  const key = index.value('accessKey', id);
  return key ? { key } : { keylessEvent: id };
}

/** The lineage of an event that carries no access key: one hop, complete when its identity is an origin. */
async function keylessLineage(index: EventIndexApi, lineage: Lineage, keylessEvent: EventId): Promise<Lineage> {
  const raw = await index.raw(keylessEvent);
  const n = normalizeEvent(raw);
  lineage.hops.push({
    keyKind: 'none',
    principal: n.principal,
    principalType: n.principalType,
    account: n.callerAccount ?? n.account,
    session: n.session,
    sessionCreated: n.sessionCreated,
    sourceIdentity: n.sourceIdentity,
    eventsUsingKey: index.postings('principal', n.principal).length,
    firstUse: keylessEvent,
  });
  const origin = originOf(raw);
  if (origin) {
    lineage.origin = origin;
    lineage.complete = true;
  } else {
    lineage.notes.push(`the event carries no access key and its identity (${n.principalType}) is not an origin`);
  }
  lineage.sourceIdentity = n.sourceIdentity;
  return lineage;
}

interface KeyHop {
  hop: LineageHop;
  /** The key's first use, normalised, and its raw record. */
  use?: ReturnType<typeof normalizeEvent>;
  useRaw?: JsonObject;
  /** The earliest event not yet visited that issued the key. */
  issuer?: { id: EventId; raw: JsonObject };
}

/** The hop of one key (who used it, first use, and the event that issued it), added to the lineage. */
async function keyHop(index: EventIndexApi, key: string, lineage: Lineage, visitedEvents: ReadonlySet<EventId>): Promise<KeyHop> {
  const uses = index.postings('accessKey', key);
  const firstUse = earliest(index, uses);
  const useRaw = firstUse !== undefined ? await index.raw(firstUse) : undefined;
  const use = useRaw ? normalizeEvent(useRaw) : undefined;

  const issuedIds = index.postings('issuedKey', key);
  const issuerId = earliest(
    index,
    Array.from(issuedIds).filter((id) => !visitedEvents.has(id)),
  );
  if (issuedIds.length > 1) lineage.notes.push(`key ${key} appears as issued by ${issuedIds.length} events; the earliest is used`);
  const issuerRaw = issuerId !== undefined ? await index.raw(issuerId) : undefined;

  const hop: LineageHop = {
    accessKey: key,
    keyKind: keyKind(key),
    principal: use?.principal ?? (issuerRaw ? assumedPrincipal(issuerRaw) : `unknown (key ${key})`),
    principalType: use?.principalType ?? (issuerRaw ? 'AssumedRole' : 'Unknown'),
    account: use?.callerAccount ?? use?.account,
    session: use?.session,
    sessionCreated: use?.sessionCreated,
    sourceIdentity: use?.sourceIdentity,
    eventsUsingKey: uses.length,
    firstUse,
  };
  lineage.hops.push(hop);
  return { hop, use, useRaw, issuer: issuerRaw && issuerId !== undefined ? { id: issuerId, raw: issuerRaw } : undefined };
}

/**
 * The caller of the issuing event is the next hop: its key, or (across accounts) the key of
 * the other account's copy of the event; undefined when the chain ends here (at an origin, or
 * with a note or a missing hop saying why).
 */
async function followIssuer(index: EventIndexApi, lineage: Lineage, hop: LineageHop, issuer: { id: EventId; raw: JsonObject }, windowMs: number): Promise<string | undefined> {
  const issuerRaw = issuer.raw;
  const issuedBy = issuing(issuer.id, issuerRaw);
  hop.issuedBy = issuedBy;
  hop.sourceIdentity ??= issuedBy.sourceIdentity;
  const caller = normalizeEvent(issuerRaw);
  if (caller.principalType === 'AWSAccount' || (!caller.accessKeyId && caller.principalType !== 'AWSService' && !originOf(issuerRaw))) {
    const joined = await joinSharedEvent(index, issuer.id, issuerRaw);
    if (joined) {
      hop.joinedBy = 'sharedEventID';
      const other = normalizeEvent(joined.raw);
      if (other.accessKeyId) return other.accessKeyId;
      const origin = originOf(joined.raw);
      if (origin) finish(lineage, origin);
      else lineage.notes.push(`the other account's copy of ${issuedBy.eventName} shows no access key for its caller`);
      return undefined;
    }
    lineage.missing = crossAccountAdvice(issuedBy, caller.callerAccount, windowMs);
    return undefined;
  }
  // A role session's key leads on; an IAM user's or root's own key is one more hop, where the chain ends.
  if (caller.accessKeyId) return caller.accessKeyId;
  const origin = originOf(issuerRaw);
  if (origin) finish(lineage, origin);
  else lineage.notes.push(`the caller of ${issuedBy.eventName} (${caller.principalType}) is not an origin and used no key`);
  return undefined;
}

/** No issuing event for the key in the index: the origin its use shows, or what is missing. */
async function endWithoutIssuer(index: EventIndexApi, lineage: Lineage, step: KeyHop, key: string, windowMs: number): Promise<void> {
  const { hop, use, useRaw } = step;
  if (use && useRaw && (use.principalType === 'IAMUser' || use.principalType === 'Root')) {
    const origin = originOf(useRaw)!;
    if (hop.keyKind === 'temporary') {
      const login = await consoleLoginFor(index, use.principal, use.sessionCreated);
      if (login) origin.consoleLogin = login;
      origin.label += login ? ` (console session from ConsoleLogin at ${login.time})` : ' (temporary key from a console session or GetSessionToken)';
    } else {
      origin.label += ` (long-term key ${key})`;
      const created = await keyCreation(index, key);
      if (created) {
        origin.keyCreatedBy = created;
        origin.label += `, created by ${created.principal} with CreateAccessKey at ${created.time}`;
      }
    }
    finish(lineage, origin);
    return;
  }
  if (use && useRaw && use.principalType === 'AssumedRole' && use.invokedBy && /:role\/(?:aws-service-role\/)?AWSServiceRoleFor/.test(use.issuer ?? '')) {
    // A service-linked role session used by the service itself: AWS created it.
    finish(lineage, { kind: 'aws-service', principal: `service:${use.invokedBy}`, label: `AWS service ${use.invokedBy} (service-linked role ${use.issuer ?? '?'})` });
    return;
  }
  if (use && useRaw && originOf(useRaw)) {
    finish(lineage, originOf(useRaw)!);
    return;
  }
  if (!use) {
    lineage.notes.push(`no loaded event uses or issued key ${key}`);
    lineage.missing = keyAdvice(key, undefined);
    return;
  }
  lineage.missing = sessionAdvice(key, use, useRaw!, windowMs);
}

function finish(lineage: Lineage, origin: LineageOrigin): void {
  lineage.origin = origin;
  lineage.complete = true;
}

/** The assumed-role principal an issuing event created (for keys never used in the loaded events). */
function assumedPrincipal(raw: JsonObject): string {
  return str(raw, 'responseElements.assumedRoleUser.arn') ?? str(raw, 'responseElements.federatedUser.arn') ?? `issued by ${str(raw, 'eventName') ?? '?'}`;
}

async function joinSharedEvent(index: EventIndexApi, id: EventId, raw: JsonObject): Promise<{ id: EventId; raw: JsonObject } | undefined> {
  const shared = str(raw, 'sharedEventID');
  if (!shared) return undefined;
  const ids = Array.from(index.postings('sharedEventId', shared)).filter((other) => other !== id);
  for (const other of ids) {
    const otherRaw = await index.raw(other);
    if (str(otherRaw, 'recipientAccountId') !== str(raw, 'recipientAccountId')) return { id: other, raw: otherRaw };
  }
  return undefined;
}

async function keyCreation(index: EventIndexApi, key: string): Promise<(IssuingEvent & { principal: string }) | undefined> {
  for (const id of index.postings('eventName', 'CreateAccessKey')) {
    const raw = await index.raw(id);
    if (str(raw, 'responseElements.accessKey.accessKeyId') !== key) continue;
    return { ...issuing(id, raw), principal: normalizeEvent(raw).principal };
  }
  return undefined;
}

async function consoleLoginFor(index: EventIndexApi, principal: string, sessionCreated: string | undefined): Promise<IssuingEvent | undefined> {
  const logins = index.postings('eventName', 'ConsoleLogin');
  const mine = new Set(index.postings('principal', principal));
  const created = sessionCreated ? Date.parse(sessionCreated) : NaN;
  let best: { id: EventId; distance: number } | undefined;
  for (const id of logins) {
    if (!mine.has(id)) continue;
    const distance = Number.isFinite(created) ? Math.abs(index.time(id) - created) : 0;
    if (Number.isFinite(created) && distance > 5 * 60_000) continue;
    if (!best || distance < best.distance) best = { id, distance };
  }
  if (!best) return undefined;
  const raw = await index.raw(best.id);
  if (str(raw, 'responseElements.ConsoleLogin') === 'Failure') return undefined;
  return issuing(best.id, raw);
}

function sessionAdvice(key: string, use: ReturnType<typeof normalizeEvent>, raw: JsonObject, windowMs: number): MissingHop {
  const created = use.sessionCreated;
  const startTime = shift(created, use.time, -windowMs);
  const endTime = shift(created, use.time, windowMs);
  const regions = [...new Set([use.region, 'us-east-1'].filter((r): r is string => typeof r === 'string'))];
  if (use.principalType === 'FederatedUser') {
    const user = use.issuer;
    return {
      reason: `the GetFederationToken call that issued ${key} (federated session of ${user ?? '?'}, created ${created ?? '?'}) is not loaded`,
      accessKey: key,
      account: use.callerAccount ?? use.account,
      regions,
      eventNames: ['GetFederationToken'],
      window: { start: startTime, end: endTime },
      lookup: { attributeKey: 'EventName', attributeValue: 'GetFederationToken', startTime, endTime },
    };
  }
  const roleArn = use.issuer;
  const roleAccount = /^arn:[^:]+:iam::(\d{12}):/.exec(roleArn ?? '')?.[1] ?? str(raw, 'userIdentity.sessionContext.sessionIssuer.accountId') ?? use.callerAccount;
  return {
    reason: `the STS call that issued ${key} (session ${use.sessionName ?? '?'} of ${roleArn ?? 'an unknown role'}, created ${created ?? '?'}) is not loaded`,
    accessKey: key,
    account: roleAccount,
    regions,
    eventNames: ['AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity'],
    window: { start: startTime, end: endTime },
    lookup: roleArn
      ? { attributeKey: 'ResourceName', attributeValue: roleArn, startTime, endTime }
      : { attributeKey: 'EventName', attributeValue: 'AssumeRole', startTime, endTime },
  };
}

/** A key nobody in the index used or issued: look it up by key over LookupEvents' 90 days. */
function keyAdvice(key: string, account: string | undefined): MissingHop {
  const now = Date.now();
  const startTime = formatTime(now - 90 * 24 * 3600_000);
  const endTime = formatTime(now);
  return {
    reason: `no loaded event uses or issued ${key}: load the trail of the account that owns it, or look it up`,
    accessKey: key,
    account,
    regions: ['us-east-1'],
    eventNames: key.startsWith('ASIA') ? STS_ISSUERS : [],
    window: { start: startTime, end: endTime },
    lookup: { attributeKey: 'AccessKeyId', attributeValue: key, startTime, endTime },
  };
}

function crossAccountAdvice(event: IssuingEvent, callerAccount: string | undefined, windowMs: number): MissingHop {
  const t = Date.parse(event.time);
  const startTime = formatTime(t - windowMs);
  const endTime = formatTime(t + windowMs);
  return {
    reason: `${event.eventName} was called from account ${callerAccount ?? '?'}; its copy in that account (sharedEventID ${event.sharedEventID ?? '?'}) holds the caller's key and is not loaded`,
    account: callerAccount,
    regions: [...new Set([event.region, 'us-east-1'].filter((r): r is string => typeof r === 'string'))],
    eventNames: [event.eventName],
    window: { start: startTime, end: endTime },
    lookup: { attributeKey: 'EventName', attributeValue: event.eventName, startTime, endTime },
    sharedEventID: event.sharedEventID,
  };
}

/** How a summary shows times and principals (the extension's display form); the CLI keeps ISO text and keys. */
export interface LineageTextFormat {
  time(ms: number): string;
  principal(key: string): string;
}

/** The origin's label with the times written into it (our own ISO text, replaced as exact strings) in `format`. */
export function originLabelIn(origin: LineageOrigin, format: LineageTextFormat): string {
  let label = origin.label;
  for (const iso of [origin.consoleLogin?.time, origin.keyCreatedBy?.time]) {
    const ms = iso ? Date.parse(iso) : NaN;
    if (iso && Number.isFinite(ms)) label = label.split(iso).join(format.time(ms));
  }
  return label;
}

/** One line for hovers and lenses: "ASIA…02 ← AssumeRole 05:08:31Z by …/ci-deploy-8841 ← … ⇐ IAM user ci-deployer". */
export function lineageSummary(lineage: Lineage, format?: LineageTextFormat): string {
  const parts: string[] = [];
  const time = (iso: string): string => {
    const ms = Date.parse(iso);
    return format && Number.isFinite(ms) ? format.time(ms) : iso;
  };
  for (const hop of lineage.hops) {
    let text = hop.accessKey ?? (format ? format.principal(hop.principal) : hop.principal);
    if (hop.issuedBy) text += ` ← ${hop.issuedBy.eventName} ${time(hop.issuedBy.time)} by`;
    parts.push(text);
  }
  let line = parts.join(' ');
  if (lineage.origin) line += ` ⇐ ${format ? originLabelIn(lineage.origin, format) : lineage.origin.label}`;
  else if (lineage.missing) line += ` ⇐ ? (${lineage.missing.reason})`;
  if (lineage.sourceIdentity) line += ` [sourceIdentity ${lineage.sourceIdentity}]`;
  return line;
}

/** The CLI's JSON: hops from the key back to the origin, each with principal, issuing event name, eventID and time. */
export function lineageJson(lineage: Lineage): Record<string, unknown> {
  return {
    start: lineage.start,
    complete: lineage.complete,
    sourceIdentity: lineage.sourceIdentity ?? null,
    hops: lineage.hops.map((h) => ({
      accessKey: h.accessKey ?? null,
      keyKind: h.keyKind,
      principal: h.principal,
      principalType: h.principalType,
      account: h.account ?? null,
      session: h.session ?? null,
      sourceIdentity: h.sourceIdentity ?? null,
      eventsUsingKey: h.eventsUsingKey,
      issuedBy: h.issuedBy
        ? {
            eventName: h.issuedBy.eventName,
            eventID: h.issuedBy.eventID ?? null,
            time: h.issuedBy.time,
            region: h.issuedBy.region ?? null,
            account: h.issuedBy.account ?? null,
            sharedEventID: h.issuedBy.sharedEventID ?? null,
            roleArn: h.issuedBy.roleArn ?? null,
            roleSessionName: h.issuedBy.roleSessionName ?? null,
            sourceIp: h.issuedBy.sourceIp ?? null,
          }
        : null,
      joinedBy: h.joinedBy ?? null,
    })),
    origin: lineage.origin
      ? {
          kind: lineage.origin.kind,
          principal: lineage.origin.principal,
          label: lineage.origin.label,
          consoleLogin: lineage.origin.consoleLogin ? { eventID: lineage.origin.consoleLogin.eventID ?? null, time: lineage.origin.consoleLogin.time } : null,
          keyCreatedBy: lineage.origin.keyCreatedBy
            ? { principal: lineage.origin.keyCreatedBy.principal, eventID: lineage.origin.keyCreatedBy.eventID ?? null, time: lineage.origin.keyCreatedBy.time }
            : null,
        }
      : null,
    missing: lineage.missing ?? null,
    notes: lineage.notes,
  };
}
