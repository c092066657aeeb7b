/** The incident report's Markdown: sections, order, and attacker-controlled text kept literal. */
import * as assert from 'node:assert/strict';
import type { Finding } from '../../../src/core/detect/types';
import type { EventRow } from '../../../src/core/engine/api';
import type { Lineage } from '../../../src/core/lineage/lineage';
import { buildIncidentReport, escapeReportText } from '../../../src/core/report/incident';

const HOSTILE = 'evil</td><img src=x onerror=alert(1)> [click](command:workbench.action.terminal.new) | x\n# heading `tick`';

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    id: 'r|p|e',
    ruleId: 'ctinv.test.rule',
    title: 'Test rule',
    severity: 'high',
    description: 'A test.',
    origin: 'builtin',
    mitre: [{ id: 'T1078.004', name: 'Valid Accounts: Cloud Accounts' }],
    principal: 'arn:aws:iam::111122223333:user/ci-deployer',
    eventIds: [0],
    events: [{ id: 0, eventID: 'e-1', eventName: 'CreateUser', time: Date.UTC(2026, 2, 4, 5, 12, 3) }],
    first: Date.UTC(2026, 2, 4, 5, 12, 3),
    last: Date.UTC(2026, 2, 4, 5, 12, 3),
    details: [],
    ...overrides,
  };
}

function row(id: number, time: number, overrides: Partial<EventRow> = {}): EventRow {
  return { id, time, eventName: 'ListUsers', eventSource: 'iam.amazonaws.com', principal: 'arn:aws:iam::111122223333:user/ci-deployer', principalType: 'IAMUser', eventId: `e-${id}`, ...overrides };
}

const lineage: Lineage = {
  start: { eventId: 0 },
  hops: [{ accessKey: 'AKIAEXAMPLECIDEPLOY1', keyKind: 'long-term', principal: 'arn:aws:iam::111122223333:user/ci-deployer', principalType: 'IAMUser', eventsUsingKey: 3 }],
  origin: { kind: 'iam-user', principal: 'arn:aws:iam::111122223333:user/ci-deployer', label: 'IAM user ci-deployer (long-term key AKIAEXAMPLECIDEPLOY1)' },
  complete: true,
  notes: [],
};

describe('report/incident', () => {
  it('has the findings by severity, the lineage and the events in the given order', () => {
    const text = buildIncidentReport({
      generatedAt: new Date('2026-03-05T00:00:00Z'),
      toolVersion: '0.1.0',
      sources: ['/evidence/sample-trail'],
      filter: '',
      findings: [finding(), finding({ id: 'x', ruleId: 'ctinv.test.low', title: 'Low one', severity: 'low' })],
      lineages: [{ principal: 'arn:aws:iam::111122223333:user/ci-deployer', lineage }],
      events: [row(1, Date.UTC(2026, 2, 4, 5, 0)), row(2, Date.UTC(2026, 2, 4, 5, 1))],
      eventsTotal: 3,
    });
    assert.match(text, /^# CloudTrail incident report\n/);
    assert.match(text, /- Findings: 2 \(1 high, 1 low\)/);
    assert.ok(text.indexOf('### High (1)') < text.indexOf('### Low (1)'));
    assert.match(text, /- Rule: `ctinv\.test\.rule` \(builtin\)/);
    assert.match(text, /\*\*Origin:\*\* IAM user ci\\-deployer/);
    assert.match(text, /1\. `AKIAEXAMPLECIDEPLOY1` \(long-term\) used by/);
    assert.match(text, /The first 2 of 3 events/);
    const rows = text.split('\n').filter((l) => l.startsWith('| 2026'));
    assert.equal(rows.length, 2);
    assert.ok(rows[0].includes('e\\-1'));
  });

  it('keeps attacker-controlled text literal: no HTML, links, headings or table breaks', () => {
    const text = buildIncidentReport({
      generatedAt: new Date(),
      toolVersion: '0.1.0',
      sources: ['/evidence/`odd` folder'],
      filter: 'user:"a`b"',
      findings: [finding({ principal: HOSTILE, details: [HOSTILE], title: HOSTILE })],
      lineages: [],
      events: [row(1, Date.UTC(2026, 2, 4, 5, 0), { principal: HOSTILE, eventName: HOSTILE, error: HOSTILE })],
      eventsTotal: 1,
    });
    for (const line of text.split('\n')) {
      assert.ok(!/<img|<\/td>/.test(line.replace(/\\</g, '')), `raw HTML in: ${line}`);
      assert.ok(!/\]\(command:/.test(line.replace(/\\\]\\\(/g, '')), `a link in: ${line}`);
      assert.ok(!/^# heading/.test(line), `a heading from event text: ${line}`);
    }
    const tableRow = text.split('\n').find((l) => l.startsWith('| 2026'));
    assert.ok(tableRow);
    // 7 cells: exactly 8 unescaped pipes.
    assert.equal(tableRow.replace(/\\\|/g, '').split('|').length - 1, 8);
    assert.match(text, /``odd``|`` `odd` ``|``\/evidence\/`odd` folder``/);
  });

  it('escapes every Markdown special character and flattens line breaks', () => {
    assert.equal(escapeReportText('a*b_c[d](e)<f>\nline\u2028x'), 'a\\*b\\_c\\[d\\]\\(e\\)\\<f\\> line x');
  });
});
