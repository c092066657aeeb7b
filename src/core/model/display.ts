/**
 * How a time and a principal read wherever the user sees one: tree rows, hovers, lenses, the
 * timeline, lineage, findings and pickers. One format each, so the same event never reads as
 * `05:08:31Z` in one place and `2026-03-04T05:08:31.000Z` in the next.
 *
 * Times
 * - `full`  `2026-03-04 05:08:31Z` in UTC, `2026-03-04 06:08:31+01:00` in local time: tooltips,
 *           hovers, lenses, anything read on its own.
 * - `short` `03-04 05:08:31Z` in UTC, `03-04 06:08:31` in local time (the offset is in every
 *           `full` form of the same view): rows in the narrow sidebar, where the year is noise.
 * - `clock` `05:08:31` (no date, no zone): only where the date is shown next to it.
 * `precision: 'ms'` adds `.020` after the seconds (`auto`: only when not `.000`); seconds are truncated, never rounded, so a
 * list sorted by time never shows a later event with an earlier second.
 *
 * Principals
 * One readable name per principal key (see normalize.ts `principalKey`), whatever form the key
 * took: `arn:aws:iam::111122223333:user/carol.admin` and `iam-user:111122223333:carol.admin` both
 * read `carol.admin`, a role session reads as its session name (`ci-deploy-8841`, as the
 * CloudTrail console's "User name"), a service `ec2.amazonaws.com`. Short, because a sidebar row
 * has about 33 characters for time, event, who and from where.
 * Names stay unambiguous through {@link PrincipalNames}: when two principals would read the same,
 * each carries what tells them apart: the role (`botocore-session-1 (OrgAdmin)`), the account
 * (three accounts' `root (111122223333)`), or both.
 *
 * Every name comes from the event and is attacker-controlled. A name made only of the characters
 * AWS allows in IAM user, role and session names (letters, digits, `+=,.@_-`, plus `/` and `:`
 * for paths and ids) is shown as it is; any other name is shown quoted, with control, format and
 * bidirectional characters escaped, so it can neither imitate our own `name (account)` form nor
 * reorder or hide what follows it.
 */

export type DisplayZone = 'utc' | 'local';

export interface TimeDisplayOptions {
  zone: DisplayZone;
  /** `second` (default), `ms` (`05:08:31.020`), or `auto`: milliseconds only when the time has some. */
  precision?: 'second' | 'ms' | 'auto';
  /** `full` (default), `short` (no year; no offset in local time) or `clock` (time of day only). */
  form?: 'full' | 'short' | 'clock';
  /** Local time's offset east of UTC in minutes at an instant; this process's zone when absent. */
  localOffset?: (ms: number) => number;
}

export const NO_TIME = '(no time)';

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** `+01:00`, `-05:30`, `+00:00` (local time at UTC still says it is local time). */
function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
}

/** Minutes east of UTC of the local zone at that instant (daylight saving included). */
export function localOffsetMinutes(ms: number): number {
  const offset = -new Date(ms).getTimezoneOffset();
  return offset === 0 ? 0 : offset; // no -0
}

/**
 * The one display form of a time, see the file comment. NaN, infinite and out-of-range values
 * read `(no time)`.
 */
export function formatDisplayTime(ms: number, options: TimeDisplayOptions): string {
  if (!Number.isFinite(ms)) return NO_TIME;
  const offset = options.zone === 'local' ? (options.localOffset ?? localOffsetMinutes)(ms) : 0;
  const shifted = new Date(Math.floor(ms) + offset * 60_000);
  if (Number.isNaN(shifted.getTime())) return NO_TIME;
  const year = shifted.getUTCFullYear();
  const yearText = year >= 0 && year <= 9999 ? pad(year, 4) : year < 0 ? `-${pad(-year, 6)}` : `+${pad(year, 6)}`;
  const date = `${pad(shifted.getUTCMonth() + 1, 2)}-${pad(shifted.getUTCDate(), 2)}`;
  let clock = `${pad(shifted.getUTCHours(), 2)}:${pad(shifted.getUTCMinutes(), 2)}:${pad(shifted.getUTCSeconds(), 2)}`;
  const ms3 = shifted.getUTCMilliseconds();
  if (options.precision === 'ms' || (options.precision === 'auto' && ms3 !== 0)) clock += `.${pad(ms3, 3)}`;
  const form = options.form ?? 'full';
  if (form === 'clock') return clock;
  const zone = options.zone === 'utc' ? 'Z' : form === 'full' ? offsetText(offset) : '';
  return form === 'short' ? `${date} ${clock}${zone}` : `${yearText}-${date} ${clock}${zone}`;
}

/** The calendar day of a time in the zone, `2026-03-04`, or undefined for no time. */
export function displayDay(ms: number, zone: DisplayZone, localOffset?: (ms: number) => number): string | undefined {
  if (!Number.isFinite(ms)) return undefined;
  const full = formatDisplayTime(ms, { zone, localOffset });
  return full === NO_TIME ? undefined : full.slice(0, full.indexOf(' '));
}

/**
 * A span: `2026-03-04 05:08:31Z – 05:09:02Z` when both ends fall on the same day in the zone,
 * else both ends in full. One end missing reads `no times`.
 */
export function formatDisplaySpan(first: number | undefined, last: number | undefined, options: TimeDisplayOptions): string {
  if (first === undefined || last === undefined || !Number.isFinite(first) || !Number.isFinite(last)) return 'no times';
  const start = formatDisplayTime(first, { ...options, form: 'full' });
  if (first === last) return start;
  const sameDay = displayDay(first, options.zone, options.localOffset) === displayDay(last, options.zone, options.localOffset);
  const end = sameDay
    ? formatDisplayTime(last, { ...options, form: 'clock' }) + (options.zone === 'utc' ? 'Z' : offsetText((options.localOffset ?? localOffsetMinutes)(last)))
    : formatDisplayTime(last, { ...options, form: 'full' });
  return `${start} – ${end}`;
}

// ---------------------------------------------------------------------------------------------
// Principals

export type PrincipalKind =
  | 'root'
  | 'user'
  | 'role-session'
  | 'role'
  | 'federated'
  | 'service'
  | 'saml'
  | 'web-identity'
  | 'account'
  | 'identity-center'
  | 'directory'
  | 'other';

export interface PrincipalParts {
  kind: PrincipalKind;
  /** The readable name, raw (not yet made safe for display). */
  name: string;
  /** The AWS account the principal belongs to, when the key says. */
  account?: string;
  /** For a role session, the role (with its path dropped): what tells two sessions of one name apart first. */
  role?: string;
}

/** An ARN as it appears inside a synthetic key: `arn:partition:service:region:account:resource` up to the resource. */
const ARN_PREFIX = 'arn:[^:]*:[^:]*:[^:]*:[^:]*:[^:]*';
const ARN = /^arn:[^:]*:([^:]*):[^:]*:(\d*):(.*)$/s;
const SYNTHETIC = new RegExp(
  `^(iam-user|role|federated-user|aws-account|directory|unknown|saml|web-identity|identity-center):(${ARN_PREFIX}|[^:]*):(.*)$`,
  's',
);
const SYNTHETIC_KIND: Record<string, PrincipalKind> = {
  'iam-user': 'user',
  role: 'role-session',
  'federated-user': 'federated',
  'aws-account': 'account',
  directory: 'directory',
  unknown: 'other',
  saml: 'saml',
  'web-identity': 'web-identity',
  'identity-center': 'identity-center',
};

function lastSegments(path: string, count: number): string {
  const parts = path.split('/');
  return parts.slice(Math.max(0, parts.length - count)).join('/');
}

/**
 * `Role/session` → the session name, as the CloudTrail console's "User name" shows a role
 * session; the role qualifies it when two sessions share a name (PrincipalNames).
 */
function roleSession(roleAndSession: string, account: string | undefined): PrincipalParts {
  const slash = roleAndSession.lastIndexOf('/');
  if (slash <= 0 || slash === roleAndSession.length - 1) return { kind: 'role-session', name: roleAndSession, account };
  return { kind: 'role-session', name: roleAndSession.slice(slash + 1), account, role: roleAndSession.slice(0, slash) };
}

function partsOfArn(key: string): PrincipalParts | undefined {
  const m = ARN.exec(key);
  if (!m) return undefined;
  const [, service, account, resource] = m;
  const acct = account || undefined;
  if (service === 'iam' && resource === 'root') return { kind: 'root', name: 'root', account: acct };
  const slash = resource.indexOf('/');
  const type = slash >= 0 ? resource.slice(0, slash) : resource;
  const rest = slash >= 0 ? resource.slice(slash + 1) : '';
  if (rest) {
    // IAM user and role names are unique within an account whatever their path, so the path is
    // dropped; a role session key is the role ARN plus `/session` (normalize.ts), so it keeps two.
    if (service === 'iam' && type === 'user') return { kind: 'user', name: lastSegments(rest, 1), account: acct };
    if (service === 'iam' && type === 'role') return roleSession(lastSegments(rest, 2), acct);
    if (service === 'sts' && type === 'assumed-role') return roleSession(rest, acct);
    if (service === 'sts' && type === 'federated-user') return { kind: 'federated', name: rest, account: acct };
  }
  return { kind: 'other', name: resource || key, account: acct };
}

/** What a principal key says: its kind, readable name and account. Never throws. */
export function principalParts(key: string): PrincipalParts {
  if (key.startsWith('arn:')) {
    const arn = partsOfArn(key);
    if (arn) return arn;
  }
  if (key.startsWith('service:')) return { kind: 'service', name: key.slice('service:'.length) };
  const m = SYNTHETIC.exec(key);
  if (m) {
    const [, prefix, scope, name] = m;
    const kind = SYNTHETIC_KIND[prefix];
    // The middle part is an account id, or for federation a provider (possibly an ARN holding one).
    const account = /^\d+$/.test(scope) ? scope : scope.startsWith('arn:') ? ARN.exec(scope)?.[2] || undefined : undefined;
    return kind === 'role-session' ? roleSession(name, account) : { kind, name, account };
  }
  return { kind: 'other', name: key };
}

/** The characters AWS allows in IAM user, role and session names, plus `/` (paths) and `:` (principal ids). */
const PLAIN_NAME = /^[A-Za-z0-9+=,.@_/:-]+$/;
/**
 * C0/C1 controls, soft hyphen, format characters (zero-width, bidi marks, embeddings, overrides
 * and isolates), line and paragraph separators, variation selectors, BOM, interlinear
 * annotations, and lone surrogates: characters that hide, reorder or break what follows.
 */
const UNSAFE_RANGES: readonly (readonly [number, number])[] = [
  [0x0000, 0x001f], [0x007f, 0x009f], [0x00ad, 0x00ad], [0x061c, 0x061c], [0x115f, 0x1160], [0x180e, 0x180e],
  [0x200b, 0x200f], [0x2028, 0x202e], [0x2060, 0x206f], [0x3164, 0x3164], [0xd800, 0xdfff], [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff], [0xfff9, 0xfffb],
];

function isUnsafe(code: number): boolean {
  return UNSAFE_RANGES.some(([low, high]) => code >= low && code <= high);
}

function escapeUnsafe(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (isUnsafe(code)) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}

/**
 * Text shown as it is, except the characters that hide, reorder or break what follows (see
 * UNSAFE_RANGES), each written as a visible `\u202e`: an event name or an IP can then not
 * reverse the rest of a tree row (Trojan Source, CVE-2021-42574).
 */
export function escapeInvisibles(text: string): string {
  let out = '';
  let plainFrom = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 ? code === 0x09 : code < 0x7f) continue;
    // A valid surrogate pair is an ordinary astral character: kept whole.
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    }
    if (!isUnsafe(code)) continue;
    out += `${text.slice(plainFrom, i)}\\u${code.toString(16).padStart(4, '0')}`;
    plainFrom = i + 1;
  }
  return plainFrom === 0 ? text : out + text.slice(plainFrom);
}

export const MAX_NAME_LENGTH = 64;

/**
 * Attacker text made safe to show as one name: as it is when it holds only AWS name characters,
 * else quoted with unsafe characters escaped (`"evil\u202eroot"`). Bounded to `max` characters.
 */
export function displaySafeName(text: string, max = MAX_NAME_LENGTH): string {
  if (text.length <= max && PLAIN_NAME.test(text)) return text;
  if (PLAIN_NAME.test(text)) return `${text.slice(0, max - 1)}…`;
  const escaped = escapeUnsafe(text);
  // Never cut inside an escape or a surrogate pair.
  let cut = escaped;
  if (escaped.length > max) {
    cut = escaped.slice(0, max - 1);
    const partial = /\\(u[0-9a-f]{0,3})?$/.exec(cut);
    if (partial) cut = cut.slice(0, partial.index);
    if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
    cut += '…';
  }
  return `"${cut}"`;
}

/** The name a principal reads as on its own, without knowing the other principals. */
export function principalBaseName(key: string): string {
  const { name } = principalParts(key);
  return name === '' || name === '?' ? '(unnamed)' : displaySafeName(name);
}

function qualified(base: string, account: string | undefined): string {
  return account ? `${base} (${account})` : base;
}

/** `name (Role)`, then `name (Role, 111122223333)` or `name (111122223333)`; undefined where the key has no such part. */
function qualifications(base: string, parts: PrincipalParts): (string | undefined)[] {
  const role = parts.role === undefined ? undefined : displaySafeName(lastSegments(parts.role, 1));
  return [role ? `${base} (${role})` : undefined, parts.account ? `${base} (${[role, parts.account].filter(Boolean).join(', ')})` : undefined];
}

/**
 * One display name per principal across everything an investigation holds. Built from every
 * principal key the index knows (not the filtered ones, so a name does not change with the
 * filter). Two keys that would read the same are told apart by their account; two that still
 * would (the same name in the same account through two key forms) read as their full key.
 * Root always carries its account when the keys span more than one account, since `root` alone
 * says nothing about which account's root it was.
 */
export class PrincipalNames {
  private readonly names = new Map<string, string>();
  private readonly keysByBase = new Map<string, Set<string>>();
  private readonly multiAccount: boolean;

  private constructor(keys: Iterable<string>) {
    const accounts = new Set<string>();
    for (const key of keys) {
      const base = principalBaseName(key);
      let group = this.keysByBase.get(base);
      if (!group) this.keysByBase.set(base, (group = new Set()));
      group.add(key);
      const account = principalParts(key).account;
      if (account) accounts.add(account);
    }
    this.multiAccount = accounts.size > 1;
  }

  static of(keys: Iterable<string>): PrincipalNames {
    return new PrincipalNames(keys);
  }

  /** The display name of a key; a key not among those given reads as if it were. */
  name(key: string): string {
    const known = this.names.get(key);
    if (known !== undefined) return known;
    const name = this.compute(key);
    this.names.set(key, name);
    return name;
  }

  private compute(key: string): string {
    const parts = principalParts(key);
    const base = principalBaseName(key);
    const group = this.keysByBase.get(base);
    const collides = group !== undefined && (group.size > 1 || !group.has(key));
    if (!collides) return parts.kind === 'root' && this.multiAccount ? qualified(base, parts.account) : base;
    // The first qualification no other principal of the same name shares: the role (sessions),
    // then the account; else the full key.
    const others = [...(group ?? [])].filter((other) => other !== key).map((other) => qualifications(base, principalParts(other)));
    const mine = qualifications(base, parts);
    for (let level = 0; level < mine.length; level++) {
      const candidate = mine[level];
      if (candidate !== undefined && !others.some((o) => o[level] === candidate)) return candidate;
    }
    return displaySafeName(key, 160);
  }
}

/**
 * The display name of a principal key: through `names` (every principal of the investigation)
 * when given, so it stays unambiguous across accounts; else the base name.
 */
export function principalDisplayName(key: string, names?: PrincipalNames): string {
  return names ? names.name(key) : principalBaseName(key);
}
