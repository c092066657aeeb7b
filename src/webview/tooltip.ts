/**
 * The timeline's tooltip (an event, a collapsed group, a lane's full label) and its legend.
 * Every value is attacker-controlled text, set with textContent through `el`.
 */
import { GroupMark, HoverRow, LegendKey } from '../shared/timeline-protocol';
import { el, lanesCanvas, legend, tooltip } from './dom';
import { displayText, formatTime } from './format';
import { DecodedLane } from './render';

const LEGEND: Array<[LegendKey, string]> = [
  ['read', 'Read'],
  ['write', 'Write'],
  ['error', 'Error (AccessDenied…)'],
  ['finding', 'Finding (badge above its mark)'],
  ['first-seen', 'New IP / user agent for a principal'],
  ['group', 'AWS-service events / console burst (click to expand)'],
  ['insight', 'CloudTrail Insight, Start to End (click to expand)'],
];

/** The legend's entries; only those that can appear in the current view are shown. */
export class Legend {
  private shown = { findings: false, groups: false, insights: false };

  constructor() {
    this.build();
  }

  /** Rebuilds the legend when what it must show changed. */
  update(shown: { findings: boolean; groups: boolean; insights: boolean }): void {
    const s = this.shown;
    if (s.findings === shown.findings && s.groups === shown.groups && s.insights === shown.insights) return;
    this.shown = { ...shown };
    this.build();
  }

  get current(): { findings: boolean; groups: boolean; insights: boolean } {
    return { ...this.shown };
  }

  private build(): void {
    legend.replaceChildren();
    for (const [kind, label] of LEGEND) {
      if (kind === 'finding' && !this.shown.findings) continue;
      if (kind === 'group' && !this.shown.groups) continue;
      if (kind === 'insight' && !this.shown.insights) continue;
      legend.appendChild(el('span', { className: `legend-item ${kind}` }, el('span', { className: 'swatch', attrs: { 'aria-hidden': 'true' } }), document.createTextNode(label)));
    }
  }
}

const GROUP_KIND_LABELS: Record<GroupMark['kind'], string> = { 'aws-service': 'AWS-service events', 'console-burst': 'Console burst', insight: 'CloudTrail Insight (Start and End)' };

function line(label: string, value: string | undefined, className = ''): HTMLElement | undefined {
  if (value === undefined || value === '') return undefined;
  return el('div', { className: `line ${className}` }, el('span', { className: 'key', text: `${label} ` }), el('span', { className: 'value', text: displayText(value) }));
}

export class Tooltip {
  /** Where the tooltip is placed from (viewport px): the pointer, or the focused mark. */
  anchor = { x: 0, y: 0 };

  hide(): void {
    tooltip.hidden = true;
  }

  /** An event's details (undefined: nothing under the pointer). */
  showEvent(row: HoverRow | undefined): void {
    if (!row) {
      tooltip.hidden = true;
      lanesCanvas.style.cursor = 'default';
      return;
    }
    lanesCanvas.style.cursor = 'pointer';
    this.show([
      el('div', { className: `title kind-${row.kind}`, text: displayText(`${row.eventName ?? '(no event name)'}${row.eventSource ? ` · ${row.eventSource}` : ''}`) }),
      row.finding ? el('div', { className: 'line finding', text: 'Finding: a detection names this event' }) : undefined,
      line('Time', formatTime(row.time)),
      line('Principal', row.principalName ? `${row.principalName} (${row.principal})` : row.principal),
      line('Session', row.session),
      line('Access key', row.accessKey),
      line('Source IP', row.ip),
      line('User agent', row.userAgent),
      line('Region', row.region),
      line('Error', row.error ? `${row.error}${row.errorMessage ? `: ${row.errorMessage}` : ''}` : undefined, 'error'),
      row.sameColumn > 1 ? el('div', { className: 'more', text: `${row.sameColumn - 1} more events in this column; zoom in to separate them` }) : undefined,
      el('div', { className: 'hint', text: 'Click to open the event JSON beside the timeline' }),
    ]);
  }

  /** A collapsed (or expanded) group: its label, span and member counts. */
  showGroup(group: GroupMark): void {
    lanesCanvas.style.cursor = 'pointer';
    const [r, w, e, f] = group.kinds;
    const counts = [`${r} read`, `${w} write`, ...(e > 0 ? [`${e} error`] : []), ...(f > 0 ? [`${f} finding`] : [])].join(', ');
    this.show([
      el('div', { className: `title legend-${group.legend}`, text: displayText(group.label) }),
      line('Group', GROUP_KIND_LABELS[group.kind]),
      line('From', group.openStart ? `${formatTime(group.first)} (its Start is not among the events)` : formatTime(group.first)),
      line('To', group.openEnd ? `${formatTime(group.last)} (not ended: no End record yet)` : formatTime(group.last)),
      line('Events', counts),
      el('div', { className: 'hint', text: group.expanded ? 'Expanded: C collapses it again' : 'Click to expand it and zoom to its events' }),
    ]);
    tooltip.dataset.group = group.id;
  }

  /** A lane's full value (its label on the canvas may be truncated) and its counts. */
  showLane(lane: DecodedLane | undefined): void {
    if (!lane) {
      tooltip.hidden = true;
      return;
    }
    this.show([
      el('div', { className: 'title lane-value', text: displayText(lane.value === '' ? '(no value)' : lane.label ? `${lane.label} (${lane.value})` : lane.value) }),
      el('div', { className: 'line', text: `${lane.total.toLocaleString('en-US')} events, ${lane.inWindow.toLocaleString('en-US')} in view` }),
    ]);
  }

  private show(lines: Array<HTMLElement | undefined>): void {
    tooltip.replaceChildren(...lines.filter((n): n is HTMLElement => n !== undefined));
    tooltip.hidden = false;
    this.place();
  }

  private place(): void {
    const rect = tooltip.getBoundingClientRect();
    const { x: ax, y: ay } = this.anchor;
    let x = ax + 14;
    let y = ay + 14;
    if (x + rect.width > window.innerWidth - 4) x = Math.max(4, ax - rect.width - 14);
    if (y + rect.height > window.innerHeight - 4) y = Math.max(4, ay - rect.height - 14);
    tooltip.style.left = `${x}px`;
    tooltip.style.top = `${y}px`;
  }
}
