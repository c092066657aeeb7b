/**
 * The timeline feature: its commands, the panel serializer (so the timeline comes back
 * after a window reload with its grouping, zoom and range), and at most one panel.
 */
import * as vscode from 'vscode';
import type { ExtensionServices } from '../services';
import { FindingsSource, TIMELINE_TITLE, TIMELINE_VIEW_TYPE, TimelinePanel } from './timelinePanel';
import { SinglePanel } from '../util/webviewPanel';
import { DEFAULT_STATE, LANE_FIELD_LABELS, LaneField, TimelineState, isLaneField, parseState } from '../../shared/timeline-protocol';
import { Disposable } from '../util/disposables';
import { TimelineCommands } from '../commandIds';

/** Pivot fields a caller may name that map onto a lane grouping. */
const FIELD_TO_LANE: Record<string, LaneField> = {
  principal: 'principal',
  session: 'session',
  accessKey: 'accessKey',
  accessKeyId: 'accessKey',
  ip: 'ip',
  sourceIp: 'ip',
  sourceIPAddress: 'ip',
  region: 'region',
  awsRegion: 'region',
  account: 'account',
  recipientAccountId: 'account',
  eventSource: 'eventSource',
};

/** Validates a `{ field, value }` argument (a tree item or a caller's object); undefined when unusable. */
function parseShowItemArgument(arg: unknown): { laneField: LaneField; value: string } | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const { field, value } = arg as { field?: unknown; value?: unknown };
  if (typeof field !== 'string' || typeof value !== 'string' || value.length === 0 || value.length > 10_000) return undefined;
  const laneField = Object.prototype.hasOwnProperty.call(FIELD_TO_LANE, field) ? FIELD_TO_LANE[field] : undefined;
  return laneField && isLaneField(laneField) ? { laneField, value } : undefined;
}

/** What the timeline reads of the services. */
type TimelineServices = Pick<ExtensionServices, 'context' | 'investigation' | 'filter' | 'log' | 'openEvent' | 'onDidChangeIndex' | 'display'>;

export class TimelineController extends Disposable {
  private readonly panels: SinglePanel<TimelineState, TimelinePanel>;

  constructor(services: TimelineServices, findings: FindingsSource) {
    super();
    this.panels = new SinglePanel({
      viewType: TIMELINE_VIEW_TYPE,
      title: TIMELINE_TITLE,
      context: services.context,
      stateKey: STATE_KEY,
      parseState,
      create: (webviewPanel, state) => new TimelinePanel(webviewPanel, services, state, findings),
    });
    this.disposables.push(
      vscode.commands.registerCommand(TimelineCommands.open, (arg?: unknown) => this.open(arg)),
      vscode.commands.registerCommand(TimelineCommands.showItem, (arg?: unknown) => this.showItem(arg)),
      this.panels,
    );
  }

  /** The open panel, if any (integration tests read its session's last view). */
  get current(): TimelinePanel | undefined {
    return this.panels.current;
  }

  /** Opens (or reveals) the timeline; an optional `{ field, value }` reveals that lane. */
  async open(arg?: unknown): Promise<TimelinePanel> {
    const item = parseShowItemArgument(arg);
    const panel = this.panels.open(item ? { ...DEFAULT_STATE, laneField: item.laneField, focusValue: item.value } : undefined);
    if (item) panel.session.reveal(item.laneField, item.value);
    return panel;
  }

  /** "Show on timeline" for a tree item or any `{ field, value }`: group by that field and reveal the lane. */
  async showItem(arg?: unknown): Promise<TimelinePanel | undefined> {
    const item = parseShowItemArgument(arg);
    if (!item) {
      const fields = Object.values(LANE_FIELD_LABELS).join(', ').toLowerCase();
      void vscode.window.showWarningMessage(`CloudTrail: the timeline shows lanes by ${fields}; choose an item of one of those.`);
      return undefined;
    }
    return this.open(item && { field: item.laneField, value: item.value });
  }
}

const STATE_KEY = 'cloudtrail.timeline.state';

