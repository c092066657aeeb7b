/**
 * The timeline's WebviewPanel: a nonce CSP, resources limited to the built webview assets,
 * and a TimelineSession (src/core/timeline/session.ts) answering the webview's typed
 * messages. The panel is a Disposable owning everything it registers.
 */
import * as vscode from 'vscode';
import type { ExtensionServices } from '../services';
import { TimelinePort, TimelineSession } from '../../core/timeline/session';
import { HostToWebview, TimelineState } from '../../shared/timeline-protocol';
import { SessionPanel } from '../util/webviewPanel';
import { affectsSetting, getSetting } from '../settings';
import { shortValue } from '../explorer/groupings';
import { openEventDocument } from '../documents/eventUri';

export const TIMELINE_VIEW_TYPE = 'cloudtrail.timeline';
export const TIMELINE_TITLE = 'CloudTrail Timeline';
/** AWS-service events and console bursts collapse into groups (issue 7; contributed by the noise feature). */

/** Detection findings, when a detection run has produced some (optional). */
export interface FindingsSource {
  /** Event ids of findings; the same array while they do not change. */
  eventIds(): ArrayLike<number> | undefined;
  readonly onDidChange: vscode.Event<void>;
}

function timelinePort(
  panel: vscode.WebviewPanel,
  services: Pick<ExtensionServices, 'display' | 'investigation' | 'filter' | 'log'>,
  findings: FindingsSource | undefined,
): TimelinePort {
  return {
    index: () => services.investigation.index,
    expression: () => services.filter.expression,
    filterInfo: () => ({ expression: services.filter.expression, ...(services.filter.timeRange ? { timeRange: { ...services.filter.timeRange } } : {}) }),
    setExpression: (expression) => services.filter.setExpression(expression),
    setTimeRange: (range) => services.filter.setTimeRange(range),
    // Beside the timeline, keeping the focus on it: the timeline is never replaced by the event.
    openEvent: (id) => openEventDocument(services.investigation, services.display, id, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }),
    findings: findings ? () => findings.eventIds() : undefined,
    collapseNoise: () => getSetting('noise.collapseServiceEvents'),
    // Principals by their one display name, role sessions with their creation time in the display form.
    laneLabel: (field, value) =>
      value === '' ? undefined : field === 'principal' ? services.display.principal(value) : field === 'session' ? shortValue('session', value, (ms) => services.display.time(ms)) : undefined,
    timeZone: () => services.display.zone,
    post: (message: HostToWebview) => panel.webview.postMessage(message),
    log: (message) => services.log.warn(message),
  };
}

export class TimelinePanel extends SessionPanel<TimelineState, TimelineSession> {
  constructor(
    panel: vscode.WebviewPanel,
    services: Pick<ExtensionServices, 'display' | 'context' | 'investigation' | 'filter' | 'log' | 'openEvent' | 'onDidChangeIndex'>,
    state: TimelineState,
    findings: FindingsSource | undefined,
  ) {
    super(panel, new TimelineSession(timelinePort(panel, services, findings), state), {
      extensionUri: services.context.extensionUri,
      bundle: 'timeline',
      title: TIMELINE_TITLE,
      name: 'timeline',
      log: services.log,
      failure: { type: 'error', message: 'The timeline could not answer; see the CloudTrail Investigator log.' } satisfies HostToWebview,
    });
    this.disposables.push(
      services.filter.onDidChange(() => this.session.filterChanged()),
      services.onDidChangeIndex(() => this.session.indexChanged()),
      services.display.onDidChange(() => this.session.displayChanged()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (affectsSetting(e, 'noise.collapseServiceEvents')) this.session.noiseChanged();
      }),
    );
    if (findings) this.disposables.push(findings.onDidChange(() => this.session.indexChanged()));
  }
}
