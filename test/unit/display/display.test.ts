import * as assert from 'node:assert/strict';
import {
  escapeInvisibles,
  displaySafeName,
  formatDisplaySpan,
  formatDisplayTime,
  NO_TIME,
  principalBaseName,
  principalDisplayName,
  principalParts,
  PrincipalNames,
} from '../../../src/core/model/display';
import { normalizeEvent } from '../../../src/core/model/normalize';
import { parseEventTime } from '../../../src/core/model/time';
import { JsonObject } from '../../../src/core/model/event';
import { record } from '../engine/helpers';

/**
 * A named zone's offset east of UTC (minutes) at an instant, from Intl: independent of the
 * process's own zone (which another test file may have pinned by replacing process.env).
 */
function zoneOffset(timeZone: string): (ms: number) => number {
  const format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
  return (ms) => {
    const name = format.formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
    const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
    return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  };
}

/** Runs `body` with local time in `timeZone` (the options every local-time call passes). */
function inZone<T>(timeZone: string, body: (local: { zone: 'local'; localOffset: (ms: number) => number }) => T): T {
  return body({ zone: 'local', localOffset: zoneOffset(timeZone) });
}

const T = parseEventTime('2026-03-04T05:08:31.020Z');

describe('display times', () => {
  it('UTC: one compact form, a short form without the year, and a clock', () => {
    assert.equal(formatDisplayTime(T, { zone: 'utc' }), '2026-03-04 05:08:31Z');
    assert.equal(formatDisplayTime(T, { zone: 'utc', precision: 'ms' }), '2026-03-04 05:08:31.020Z');
    assert.equal(formatDisplayTime(T, { zone: 'utc', form: 'short' }), '03-04 05:08:31Z');
    assert.equal(formatDisplayTime(T, { zone: 'utc', form: 'clock' }), '05:08:31');
    assert.equal(formatDisplayTime(T, { zone: 'utc', precision: 'auto' }), '2026-03-04 05:08:31.020Z');
    assert.equal(formatDisplayTime(parseEventTime('2026-03-04T05:08:31Z'), { zone: 'utc', precision: 'auto' }), '2026-03-04 05:08:31Z');
  });

  it('truncates to the second, never rounds up into the next one', () => {
    assert.equal(formatDisplayTime(parseEventTime('2026-03-04T05:08:31.999Z'), { zone: 'utc' }), '2026-03-04 05:08:31Z');
    assert.equal(formatDisplayTime(parseEventTime('2026-12-31T23:59:59.999Z'), { zone: 'utc' }), '2026-12-31 23:59:59Z');
  });

  it('local time carries its offset in the full form, across a date line and half-hour zones', () => {
    inZone('Asia/Kolkata', (local) => {
      assert.equal(formatDisplayTime(T, local), '2026-03-04 10:38:31+05:30');
      assert.equal(formatDisplayTime(T, { ...local, form: 'short' }), '03-04 10:38:31');
    });
    inZone('America/New_York', (local) => {
      assert.equal(formatDisplayTime(T, local), '2026-03-04 00:08:31-05:00');
      // Daylight saving: the offset is the one in force at that instant.
      assert.equal(formatDisplayTime(parseEventTime('2026-07-04T05:08:31Z'), local), '2026-07-04 01:08:31-04:00');
      assert.equal(formatDisplayTime(parseEventTime('2026-03-04T03:00:00Z'), local), '2026-03-03 22:00:00-05:00');
    });
    inZone('UTC', (local) => assert.equal(formatDisplayTime(T, local), '2026-03-04 05:08:31+00:00', 'local time at UTC still says it is local'));
    // Without an explicit offset, local time is this process's zone.
    const own = -new Date(T).getTimezoneOffset();
    assert.equal(formatDisplayTime(T, { zone: 'local' }), formatDisplayTime(T, { zone: 'local', localOffset: () => own }));
  });

  it('no time, infinities and out-of-range values read "(no time)"; odd years keep their sign', () => {
    for (const bad of [NaN, Infinity, -Infinity, 9e15, -9e15]) assert.equal(formatDisplayTime(bad, { zone: 'utc' }), NO_TIME, String(bad));
    assert.equal(formatDisplayTime(Date.UTC(12000, 0, 1), { zone: 'utc' }), '+012000-01-01 00:00:00Z');
    assert.equal(formatDisplayTime(0, { zone: 'utc' }), '1970-01-01 00:00:00Z');
  });

  it('a span drops the repeated date on one day, keeps both dates across days', () => {
    const a = parseEventTime('2026-03-04T05:08:31Z');
    const b = parseEventTime('2026-03-04T06:00:02Z');
    const c = parseEventTime('2026-03-05T01:00:00Z');
    assert.equal(formatDisplaySpan(a, b, { zone: 'utc' }), '2026-03-04 05:08:31Z – 06:00:02Z');
    assert.equal(formatDisplaySpan(a, c, { zone: 'utc' }), '2026-03-04 05:08:31Z – 2026-03-05 01:00:00Z');
    assert.equal(formatDisplaySpan(a, a, { zone: 'utc' }), '2026-03-04 05:08:31Z');
    assert.equal(formatDisplaySpan(undefined, a, { zone: 'utc' }), 'no times');
    inZone('Asia/Kolkata', (local) => {
      assert.equal(formatDisplaySpan(a, b, local), '2026-03-04 10:38:31+05:30 – 11:30:02+05:30');
      // Two UTC days, one local day (2026-03-05 01:30 and 22:30): the day is the zone's.
      const lateUtc = parseEventTime('2026-03-04T20:00:00Z');
      const sameLocalDay = parseEventTime('2026-03-05T17:00:00Z');
      assert.equal(formatDisplaySpan(lateUtc, sameLocalDay, local), '2026-03-05 01:30:00+05:30 – 22:30:00+05:30');
    });
  });
});

function principalOf(userIdentity: JsonObject, extra: JsonObject = {}): string {
  return normalizeEvent(record({ userIdentity, ...extra })).principal;
}

const carolArn = principalOf({ type: 'IAMUser', principalId: 'AIDA1', arn: 'arn:aws:iam::111122223333:user/carol.admin', accountId: '111122223333', userName: 'carol.admin' });
const carolNoArn = principalOf({ type: 'IAMUser', principalId: 'AIDA1', accountId: '111122223333', userName: 'carol.admin' });
const ciDeployer = principalOf({ type: 'IAMUser', principalId: 'AIDA2', arn: 'arn:aws:iam::111122223333:user/deploy/ci-deployer', accountId: '111122223333', userName: 'ci-deployer' });
const root = (account: string): string => principalOf({ type: 'Root', principalId: account, arn: `arn:aws:iam::${account}:root`, accountId: account });
const session = principalOf({
  type: 'AssumedRole',
  principalId: 'AROA1:ci-deploy-8841',
  arn: 'arn:aws:sts::111122223333:assumed-role/OrgAdmin/ci-deploy-8841',
  accountId: '111122223333',
  sessionContext: { sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::111122223333:role/service-role/OrgAdmin', userName: 'OrgAdmin', accountId: '111122223333' } },
});
const service = principalOf({ type: 'AWSService', invokedBy: 'ec2.amazonaws.com' });

describe('principal display names', () => {
  it('one convention whatever form the key took: user ARN, ARN-less user, role session, service', () => {
    assert.equal(carolNoArn, 'iam-user:111122223333:carol.admin', 'the key forms really differ');
    assert.equal(principalBaseName(carolArn), 'carol.admin');
    assert.equal(principalBaseName(carolNoArn), 'carol.admin');
    assert.equal(principalBaseName(ciDeployer), 'ci-deployer', 'the path is dropped');
    assert.equal(principalBaseName(session), 'ci-deploy-8841', 'a role session reads as its session name (the console\'s "User name")');
    assert.equal(principalParts(session).role, 'OrgAdmin', 'the role, its path dropped');
    assert.equal(principalBaseName(service), 'ec2.amazonaws.com');
    assert.equal(principalBaseName(root('111122223333')), 'root');
    assert.deepEqual(principalParts(root('444455556666')), { kind: 'root', name: 'root', account: '444455556666' });
  });

  it('one account: plain names', () => {
    const names = PrincipalNames.of([carolArn, ciDeployer, session, service, root('111122223333')]);
    assert.deepEqual(
      [carolArn, ciDeployer, session, service, root('111122223333')].map((k) => names.name(k)),
      ['carol.admin', 'ci-deployer', 'ci-deploy-8841', 'ec2.amazonaws.com', 'root'],
    );
  });

  it('three accounts: three roots read as three different names, each with its account', () => {
    const keys = [root('111122223333'), root('444455556666'), root('777788889999'), ciDeployer];
    const names = PrincipalNames.of(keys);
    const shown = keys.map((k) => principalDisplayName(k, names));
    assert.deepEqual(shown, ['root (111122223333)', 'root (444455556666)', 'root (777788889999)', 'ci-deployer']);
  });

  it('the same user name in two accounts is qualified; the same user through two key forms falls back to the full key', () => {
    const otherCarol = principalOf({ type: 'IAMUser', principalId: 'AIDA9', arn: 'arn:aws:iam::999988887777:user/carol.admin', accountId: '999988887777', userName: 'carol.admin' });
    const names = PrincipalNames.of([carolArn, otherCarol]);
    assert.equal(names.name(carolArn), 'carol.admin (111122223333)');
    assert.equal(names.name(otherCarol), 'carol.admin (999988887777)');
    const twoForms = PrincipalNames.of([carolArn, carolNoArn]);
    assert.equal(twoForms.name(carolArn), carolArn);
    assert.equal(twoForms.name(carolNoArn), carolNoArn);
    assert.notEqual(twoForms.name(carolArn), twoForms.name(carolNoArn));
  });

  it('two sessions of one name are told apart by their role, then by their account', () => {
    const sessionOf = (account: string, role: string, name: string): string =>
      principalOf({
        type: 'AssumedRole',
        principalId: `AROA:${name}`,
        arn: `arn:aws:sts::${account}:assumed-role/${role}/${name}`,
        accountId: account,
        sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${account}:role/${role}`, userName: role, accountId: account } },
      });
    const a = sessionOf('111122223333', 'OrgAdmin', 'botocore-session-1');
    const b = sessionOf('111122223333', 'ReadOnly', 'botocore-session-1');
    const c = sessionOf('444455556666', 'OrgAdmin', 'botocore-session-1');
    const names = PrincipalNames.of([a, b, c]);
    assert.deepEqual([a, b, c].map((k) => names.name(k)), [
      'botocore-session-1 (OrgAdmin, 111122223333)',
      'botocore-session-1 (ReadOnly)',
      'botocore-session-1 (OrgAdmin, 444455556666)',
    ]);
  });

  it('a key unknown when the names were built still reads unambiguously', () => {
    const names = PrincipalNames.of([root('111122223333')]);
    assert.equal(names.name(root('444455556666')), 'root (444455556666)');
  });
});

describe('principal display names from hostile text', () => {
  it('a name imitating the qualified form is quoted, so it cannot pass for another account\'s root', () => {
    const fake = principalOf({ type: 'IAMUser', principalId: 'x', arn: 'arn:aws:iam::111122223333:user/root (444455556666)', accountId: '111122223333', userName: 'root (444455556666)' });
    const names = PrincipalNames.of([fake, root('444455556666'), root('111122223333')]);
    assert.equal(names.name(fake), '"root (444455556666)"');
    assert.equal(names.name(root('444455556666')), 'root (444455556666)');
    assert.notEqual(names.name(fake), names.name(root('444455556666')));
  });

  it('control, bidi and zero-width characters are escaped, never shown raw', () => {
    const name = 'admin\u202Egnp.exe\u200B\n\u0007"\\';
    const key = principalOf({ type: 'IAMUser', principalId: 'x', arn: `arn:aws:iam::111122223333:user/${name}`, accountId: '111122223333' });
    const shown = principalBaseName(key);
    assert.equal(shown, '"admin\\u202egnp.exe\\u200b\\u000a\\u0007\\"\\\\"');
    assert.ok(![...shown].some((ch) => ch.charCodeAt(0) < 0x20 || ch === '\u200b' || ch === '\u202e'), 'no raw control or format character');
  });

  it('long names are bounded, and a cut never splits an escape or a surrogate pair', () => {
    assert.equal(displaySafeName('a'.repeat(500)).length, 64);
    const escapes = displaySafeName('\u202e'.repeat(100));
    assert.match(escapes, /^"(\\u202e)+…"$/);
    const emoji = displaySafeName(`${'x'.repeat(62)}😀😀`);
    assert.doesNotMatch(emoji, /[\ud800-\udbff](?![\udc00-\udfff])/, 'no lone high surrogate');
  });

  it('empty, missing and malformed keys never throw', () => {
    for (const key of ['', '?', 'arn:', 'arn:aws:iam::', 'iam-user::', 'saml:arn:aws:iam::1:saml-provider/P:bob', 'service:', '\u0000']) {
      assert.equal(typeof principalBaseName(key), 'string', JSON.stringify(key));
      assert.ok(principalBaseName(key).length > 0, JSON.stringify(key));
    }
    assert.deepEqual(principalParts('saml:arn:aws:iam::123456789012:saml-provider/Okta:bob@example.com'), { kind: 'saml', name: 'bob@example.com', account: '123456789012' });
    assert.equal(principalBaseName('iam-user:111122223333:?'), '(unnamed)');
  });
});

describe('invisible and reordering characters in one-line text', () => {
  it('shows bidi controls, zero-width and other format characters escaped, and keeps ordinary text', () => {
    assert.equal(escapeInvisibles('GetObject'), 'GetObject');
    assert.equal(escapeInvisibles('Get\u202eObject'), 'Get\\u202eObject');
    assert.equal(escapeInvisibles('a\u2066b\u200bc\u0007d\u00ade'), 'a\\u2066b\\u200bc\\u0007d\\u00ade');
    assert.equal(escapeInvisibles('tab\tkept'), 'tab\tkept');
    // Astral characters and other scripts stay as they are; a lone surrogate does not.
    assert.equal(escapeInvisibles('κλειδί 🔑 ключ'), 'κλειδί 🔑 ключ');
    assert.equal(escapeInvisibles('x\ud800y'), 'x\\ud800y');
    const hostile = Array.from({ length: 200 }, (_, i) => String.fromCharCode(i * 331)).join('');
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(escapeInvisibles(hostile), /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/);
  });
});
