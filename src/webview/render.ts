/**
 * Canvas drawing for the timeline. Event text reaches the screen only through fillText;
 * colours come from VS Code's theme variables, re-read when the theme changes.
 */
import { FirstSeenMark, GroupMark, LaneView, MarkLabel, ViewMessage, forEachCell, fullWindowOf } from '../shared/timeline-protocol';
import { displayText, laneLabel, timeTicks } from './format';

export const AXIS_H = 22;
export const LANE_H = 22;
export const DENSITY_H = 36;

export interface Palette {
  background: string;
  foreground: string;
  muted: string;
  grid: string;
  stripe: string;
  focusLane: string;
  focus: string;
  /** read, write, error, and the finding badge. */
  kinds: [string, string, string, string];
  /** The kind colours as packed RGBA pixels (ImageData's little-endian layout). */
  kindPixels: Uint32Array;
  firstSeen: string;
  /** Group and Insight spans: the colours of their legend swatches (media/timeline.css). */
  spans: { group: string; insight: string };
  brush: string;
  window: string;
  font: string;
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const value = style.getPropertyValue(name).trim();
  return value === '' ? fallback : value;
}

/** Reads the theme's colours (VS Code sets --vscode-* on the webview's root element). */
export function readPalette(findingColor?: string): Palette {
  const style = getComputedStyle(document.documentElement);
  const body = getComputedStyle(document.body);
  const foreground = cssVar(style, '--vscode-editor-foreground', cssVar(style, '--vscode-foreground', '#cccccc'));
  const kinds: [string, string, string, string] = [
    cssVar(style, '--vscode-charts-blue', '#3794ff'),
    cssVar(style, '--vscode-charts-orange', '#d18616'),
    cssVar(style, '--vscode-charts-red', cssVar(style, '--vscode-errorForeground', '#f14c4c')),
    findingColor ?? cssVar(style, '--vscode-charts-purple', '#b180d7'),
  ];
  return {
    background: cssVar(style, '--vscode-editor-background', '#1e1e1e'),
    foreground,
    muted: cssVar(style, '--vscode-descriptionForeground', foreground),
    grid: cssVar(style, '--vscode-editorIndentGuide-background1', cssVar(style, '--vscode-panel-border', 'rgba(128,128,128,0.35)')),
    stripe: cssVar(style, '--vscode-list-hoverBackground', 'rgba(128,128,128,0.08)'),
    focusLane: cssVar(style, '--vscode-list-inactiveSelectionBackground', 'rgba(128,128,128,0.2)'),
    focus: cssVar(style, '--vscode-focusBorder', '#007fd4'),
    kinds,
    kindPixels: Uint32Array.from(kinds.map(pixelOf)),
    firstSeen: cssVar(style, '--vscode-charts-green', '#89d185'),
    spans: { group: cssVar(style, '--vscode-charts-blue', '#3794ff'), insight: cssVar(style, '--vscode-charts-blue', '#3794ff') },
    brush: cssVar(style, '--vscode-editor-selectionBackground', 'rgba(38,79,120,0.5)'),
    window: cssVar(style, '--vscode-focusBorder', '#007fd4'),
    font: `${cssVar(style, '--vscode-editor-font-size', '12px').replace(/^(\d+)$/, '$1px')} ${body.fontFamily || 'sans-serif'}`,
  };
}

let probe: CanvasRenderingContext2D | null = null;

/** A CSS colour as one RGBA pixel (any syntax the canvas understands). */
function pixelOf(colour: string): number {
  probe ??= document.createElement('canvas').getContext('2d', { willReadFrequently: true });
  if (!probe) return 0xff888888;
  probe.clearRect(0, 0, 1, 1);
  probe.fillStyle = '#888888';
  probe.fillStyle = colour;
  probe.fillRect(0, 0, 1, 1);
  const [r, g, b, a] = probe.getImageData(0, 0, 1, 1).data;
  return ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

/** A lane's cells decoded once per view: columns and counts by kind. */
export interface DecodedLane {
  rank: number;
  value: string;
  /** The host's name for the lane (LaneView.label). */
  label?: string;
  total: number;
  inWindow: number;
  xs: Int32Array;
  counts: Uint32Array;
}

export interface DecodedView {
  message: ViewMessage;
  lanes: Map<number, DecodedLane>;
  /** Largest column total in the view (for the log height scale). */
  max: number;
  firstSeen: FirstSeenMark[];
  groups: GroupMark[];
  /** Event names of marks, per lane rank, in column order. */
  labels: Map<number, MarkLabel[]>;
}

export function decodeView(message: ViewMessage): DecodedView {
  const lanes = new Map<number, DecodedLane>();
  let max = 1;
  for (const lane of message.lanes) lanes.set(lane.rank, decodeLane(lane, (m) => (max = Math.max(max, m))));
  const labels = new Map<number, MarkLabel[]>();
  for (const label of message.labels ?? []) {
    const list = labels.get(label.rank);
    if (list) list.push(label);
    else labels.set(label.rank, [label]);
  }
  for (const list of labels.values()) list.sort((a, b) => a.x - b.x);
  return { message, lanes, max, firstSeen: message.firstSeen, groups: message.groups ?? [], labels };
}

function decodeLane(lane: LaneView, onMax: (m: number) => void): DecodedLane {
  const xs: number[] = [];
  const counts: number[] = [];
  forEachCell(lane.cells, (x, r, w, e, f) => {
    xs.push(x);
    counts.push(r, w, e, f);
    // Findings are counted among the other three (a badge, not a segment).
    onMax(r + w + e);
  });
  return { rank: lane.rank, value: lane.value, label: lane.label, total: lane.total, inWindow: lane.inWindow, xs: Int32Array.from(xs), counts: Uint32Array.from(counts) };
}

export interface Frame {
  width: number;
  height: number;
  labelW: number;
  t0: number;
  t1: number;
  laneOffset: number;
  rows: number;
  focusRank?: number;
  focusTime?: number;
  hoverRank?: number;
  brush?: { start: number; end: number };
  dragBrush?: { start: number; end: number };
}

/** Text widths by font, measured once (labels repeat from frame to frame). */
const widths = new Map<string, number>();
let widthsFont = '';

function measure(ctx: CanvasRenderingContext2D, text: string): number {
  if (ctx.font !== widthsFont) {
    widths.clear();
    widthsFont = ctx.font;
  }
  let w = widths.get(text);
  if (w === undefined) {
    w = ctx.measureText(text).width;
    if (widths.size > 20_000) widths.clear();
    widths.set(text, w);
  }
  return w;
}

/**
 * The text cut to fit `maxWidth`: it keeps its start and ends with an ellipsis (a label is
 * read from its start; the full text is in the tooltip). Undefined when not even one
 * character fits.
 */
export function fitText(ctx: CanvasRenderingContext2D, text: string, maxWidth: number): string | undefined {
  if (measure(ctx, text) <= maxWidth) return text;
  let lo = 0;
  let hi = text.length - 1;
  // The longest prefix whose `prefix…` fits.
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (measure(ctx, `${text.slice(0, mid)}…`) <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  return lo === 0 ? undefined : `${text.slice(0, lo)}…`;
}

/** What a frame drew, for the test hooks (src/webview/hooks.ts). */
export interface Drawn {
  ms: number;
  /** Where the first collapsed group is drawn (UI tests point at it). */
  group?: { x: number; y: number };
  names: Array<{ rank: number; text: string; x: number; y: number; w: number }>;
  laneLabels: Array<{ rank: number; text: string; w: number; max: number }>;
  axisLabels: Array<{ text: string; x0: number; x1: number }>;
}

/** Draws the lanes canvas; says what it drew and how long it took. */
export function drawLanes(ctx: CanvasRenderingContext2D, dpr: number, frame: Frame, view: DecodedView | undefined, laneCount: number, p: Palette): Drawn {
  const started = performance.now();
  const drawn: Drawn = { ms: 0, names: [], laneLabels: [], axisLabels: [] };
  const { width, height, labelW, t0, t1 } = frame;
  const plotW = Math.max(1, width - labelW);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = p.background;
  ctx.fillRect(0, 0, width, height);
  ctx.font = p.font;
  ctx.textBaseline = 'middle';
  const toX = (t: number): number => labelW + ((t - t0) / (t1 - t0)) * plotW;

  // Lane rows: stripes, focus, labels.
  for (let row = 0; row < frame.rows; row++) {
    const rank = frame.laneOffset + row;
    if (rank >= laneCount) break;
    const y = AXIS_H + row * LANE_H;
    if (rank === frame.focusRank) {
      ctx.fillStyle = p.focusLane;
      ctx.fillRect(0, y, width, LANE_H);
    } else if (rank === frame.hoverRank || row % 2 === 1) {
      ctx.fillStyle = p.stripe;
      ctx.fillRect(0, y, width, LANE_H);
    }
    const lane = view?.lanes.get(rank);
    if (lane) {
      const max = labelW - 12;
      const text = fitText(ctx, laneLabel(lane.value, lane.label), max);
      if (text !== undefined) {
        ctx.fillStyle = p.foreground;
        ctx.fillText(text, 6, y + LANE_H / 2);
        drawn.laneLabels.push({ rank, text, w: measure(ctx, text), max });
      }
    }
  }

  // Time axis and grid.
  ctx.fillStyle = p.muted;
  ctx.strokeStyle = p.grid;
  ctx.lineWidth = 1;
  ctx.beginPath();
  // Tick labels start beside their tick; one that would run past the right edge is moved left
  // to end inside the canvas, and dropped if it would then cover the one before.
  let labelEnd = labelW;
  for (const tick of timeTicks(t0, t1, plotW)) {
    const x = Math.round(toX(tick.t)) + 0.5;
    ctx.moveTo(x, AXIS_H - 4);
    ctx.lineTo(x, height);
    const w = measure(ctx, tick.label);
    const tx = Math.min(x + 3, width - 3 - w);
    if (tx < labelEnd + 6) continue;
    ctx.fillText(tick.label, tx, AXIS_H / 2);
    drawn.axisLabels.push({ text: tick.label, x0: tx, x1: tx + w });
    labelEnd = tx + w;
  }
  ctx.moveTo(labelW + 0.5, 0);
  ctx.lineTo(labelW + 0.5, height);
  ctx.moveTo(0, AXIS_H - 0.5);
  ctx.lineTo(width, AXIS_H - 0.5);
  ctx.stroke();

  // Brushed time range (the filter's time range), and a brush being dragged.
  for (const range of [frame.brush, frame.dragBrush]) {
    if (!range) continue;
    const x0 = Math.max(labelW, toX(range.start));
    const x1 = Math.min(width, toX(range.end));
    if (x1 <= x0) continue;
    ctx.fillStyle = p.brush;
    ctx.globalAlpha = 0.45;
    ctx.fillRect(x0, AXIS_H, Math.max(1, x1 - x0), height - AXIS_H);
    ctx.globalAlpha = 1;
  }

  if (view) {
    ctx.save();
    ctx.beginPath();
    ctx.rect(labelW, AXIS_H, plotW, height - AXIS_H);
    ctx.clip();
    drawMarks(ctx, frame, view, p, plotW, dpr, drawn);
    ctx.restore();
  }

  // The focused event.
  if (frame.focusRank !== undefined && frame.focusTime !== undefined) {
    const row = frame.focusRank - frame.laneOffset;
    const x = toX(frame.focusTime);
    if (row >= 0 && row < frame.rows && x >= labelW && x <= width) {
      ctx.strokeStyle = p.focus;
      ctx.lineWidth = 2;
      ctx.strokeRect(Math.round(x) - 3, AXIS_H + row * LANE_H + 1, 6, LANE_H - 2);
    }
  }
  drawn.ms = performance.now() - started;
  return drawn;
}

let markCanvas: HTMLCanvasElement | undefined;
let markImage: ImageData | undefined;
let markPixels: Uint32Array | undefined;

/**
 * Marks are written straight into a pixel buffer (one stacked bar per lane and column, a
 * segment per kind: read, write, error; a badge above the bar when findings are among its
 * events) and blitted once: tens of thousands of columns cost a few milliseconds, where as
 * many fillRect calls would not fit in a frame.
 */
function drawMarks(ctx: CanvasRenderingContext2D, frame: Frame, view: DecodedView, p: Palette, plotW: number, dpr: number, drawn: Drawn): void {
  const m = view.message;
  const W = Math.max(1, Math.round(plotW * dpr));
  const H = Math.max(1, Math.round((frame.height - AXIS_H) * dpr));
  markCanvas ??= document.createElement('canvas');
  if (!markImage || markImage.width !== W || markImage.height !== H) {
    markCanvas.width = W;
    markCanvas.height = H;
    markImage = new ImageData(W, H);
    markPixels = new Uint32Array(markImage.data.buffer);
  }
  const pixels = markPixels!;
  pixels.fill(0);
  // The view's columns mapped into the current window (identity unless a zoom/pan is pending).
  const colMs = (m.t1 - m.t0) / m.width;
  const scale = (plotW * dpr) / (frame.t1 - frame.t0);
  const colW = colMs * scale;
  const offsetX = (m.t0 - frame.t0) * scale;
  const logMax = Math.log(1 + view.max);
  const maxH = (LANE_H - 6) * dpr;
  const laneH = LANE_H * dpr;
  const colours = p.kindPixels;
  for (const lane of view.lanes.values()) {
    const row = lane.rank - frame.laneOffset;
    if (row < 0 || row >= frame.rows) continue;
    const base = Math.round(row * laneH + laneH - 3 * dpr);
    if (base > H) continue;
    const rowTop = Math.round(row * laneH);
    const { xs, counts } = lane;
    for (let i = 0; i < xs.length; i++) {
      const left = offsetX + xs[i] * colW;
      let x0 = Math.floor(left);
      let x1 = Math.max(x0 + 1, Math.floor(left + colW));
      if (x1 <= 0 || x0 >= W) continue;
      if (x0 < 0) x0 = 0;
      if (x1 > W) x1 = W;
      const c = i * 4;
      const total = counts[c] + counts[c + 1] + counts[c + 2];
      if (total === 0) continue;
      const h = Math.max(3 * dpr, maxH * (0.35 + (0.65 * Math.log(1 + total)) / logMax));
      let y = base;
      for (let k = 0; k < 3; k++) {
        const n = counts[c + k];
        if (n === 0) continue;
        const seg = Math.max(2 * dpr, Math.round((h * n) / total));
        const top = Math.max(0, y - seg);
        fillPixels(pixels, W, H, x0, x1, top, y, colours[k]);
        y = top;
      }
      if (counts[c + 3] > 0) {
        // A finding: a badge above the bar (at least 3 px wide), the bar's colours untouched.
        const bw = Math.max(3 * dpr, x1 - x0);
        const bx0 = Math.max(0, Math.round((x0 + x1 - bw) / 2));
        const bx1 = Math.min(W, bx0 + Math.round(bw));
        const bTop = Math.max(rowTop, y - Math.round(4 * dpr));
        fillPixels(pixels, W, H, bx0, bx1, bTop, bTop + Math.round(3 * dpr), colours[3]);
      }
    }
  }
  const mctx = markCanvas.getContext('2d');
  if (!mctx) return;
  mctx.putImageData(markImage!, 0, 0);
  ctx.drawImage(markCanvas, frame.labelW, AXIS_H, W / dpr, H / dpr);
  const cssScale = scale / dpr;
  const cssOffsetX = frame.labelW + offsetX / dpr;
  // First-seen markers: a small triangle at the top of the lane.
  ctx.fillStyle = p.firstSeen;
  ctx.beginPath();
  for (const mark of view.firstSeen) {
    const row = mark.rank - frame.laneOffset;
    if (row < 0 || row >= frame.rows) continue;
    const x = cssOffsetX + (mark.x + 0.5) * colMs * cssScale;
    const y = AXIS_H + row * LANE_H + 1;
    ctx.moveTo(x - 4, y);
    ctx.lineTo(x + 4, y);
    ctx.lineTo(x, y + 6);
    ctx.closePath();
  }
  ctx.fill();
  drawGroups(ctx, frame, view, p, drawn);
  drawNames(ctx, frame, view, p, { colMs, cssScale, cssOffsetX }, drawn);
}

function fillPixels(pixels: Uint32Array, W: number, H: number, x0: number, x1: number, top: number, bottom: number, colour: number): void {
  for (let yy = Math.max(0, top); yy < bottom && yy < H; yy++) {
    const rowStart = yy * W;
    if (x1 - x0 === 1) pixels[rowStart + x0] = colour;
    else pixels.fill(colour, rowStart + x0, rowStart + x1);
  }
}

/** Room kept between a name and the next mark (its first-seen triangle reaches 4 px out). */
const NAME_GAP = 5;

/**
 * Event names beside their marks, where there is room: a name is drawn from just right of its
 * mark up to the next mark or collapsed group of the lane, shortened with an ellipsis when only
 * part fits, left out when not even that does; so names never overlap each other or a mark.
 * The focused or hovered lane shows more: each column's count and the error code.
 */
function drawNames(ctx: CanvasRenderingContext2D, frame: Frame, view: DecodedView, p: Palette, map: { colMs: number; cssScale: number; cssOffsetX: number }, drawn: Drawn): void {
  if (view.labels.size === 0) return;
  const colW = Math.max(1, map.colMs * map.cssScale);
  ctx.font = p.font.replace(/^[\d.]+px/, '11px');
  ctx.textBaseline = 'middle';
  ctx.fillStyle = p.foreground;
  const minimum = measure(ctx, 'Ab…');
  for (const [rank, labels] of view.labels) {
    const row = rank - frame.laneOffset;
    if (row < 0 || row >= frame.rows) continue;
    const detail = rank === frame.focusRank || rank === frame.hoverRank;
    const spans: Array<{ x0: number; x1: number }> = [];
    for (const group of view.groups) if (group.rank === rank && !group.expanded) spans.push(groupExtent(group, frame));
    const y = AXIS_H + row * LANE_H + LANE_H / 2;
    for (let i = 0; i < labels.length; i++) {
      const label = labels[i];
      if (label.name === '') continue;
      const start = map.cssOffsetX + label.x * map.colMs * map.cssScale + colW + 3;
      let end = i + 1 < labels.length ? map.cssOffsetX + labels[i + 1].x * map.colMs * map.cssScale - NAME_GAP : frame.width - 2;
      if (start >= frame.width || end <= frame.labelW) continue;
      let covered = false;
      for (const span of spans) {
        if (start < span.x1 && start + minimum > span.x0) covered = true;
        else if (span.x0 > start) end = Math.min(end, span.x0 - NAME_GAP);
      }
      end = Math.min(end, frame.width - 2);
      if (covered || end - start < minimum) continue;
      const full = detail ? `${label.name}${label.count > 1 ? ` ×${label.count}` : ''}${label.error ? ` · ${label.error}` : ''}` : label.name;
      const text = fitText(ctx, displayText(full, 300), end - start);
      if (text === undefined) continue;
      ctx.fillText(text, start, y);
      drawn.names.push({ rank, text, x: start, y, w: measure(ctx, text) });
    }
  }
}

/** Where a noise group is drawn in its lane row (CSS px, relative to the lanes canvas). */
export const GROUP_TOP = 6;
export const GROUP_H = 10;

/** A group's horizontal extent on the canvas (at least 8 px wide, so a burst is visible). */
export function groupExtent(group: GroupMark, frame: { labelW: number; width: number; t0: number; t1: number }): { x0: number; x1: number } {
  const plotW = Math.max(1, frame.width - frame.labelW);
  const toX = (t: number): number => frame.labelW + ((t - frame.t0) / (frame.t1 - frame.t0)) * plotW;
  let x0 = toX(group.first);
  let x1 = toX(group.last);
  if (x1 - x0 < 8) {
    const mid = (x0 + x1) / 2;
    x0 = mid - 4;
    x1 = mid + 4;
  }
  return { x0, x1 };
}

/**
 * Noise groups: a collapsed group is one translucent span from its first to its last event
 * with its count; an expanded one is a bracket over its events. The count is ours (a number);
 * the label is only ever shown in the tooltip, with textContent.
 */
function drawGroups(ctx: CanvasRenderingContext2D, frame: Frame, view: DecodedView, p: Palette, drawn: Drawn): void {
  if (view.groups.length === 0) return;
  ctx.lineWidth = 1;
  ctx.font = p.font.replace(/^[\d.]+px/, '10px');
  for (const group of view.groups) {
    const row = group.rank - frame.laneOffset;
    if (row < 0 || row >= frame.rows) continue;
    const { x0, x1 } = groupExtent(group, frame);
    if (x1 < frame.labelW || x0 > frame.width) continue;
    const top = AXIS_H + row * LANE_H;
    // The legend's span colour: an error among AWS-service calls must not read as an attack's.
    const colour = p.spans[group.legend] ?? p.spans.group;
    if (group.expanded) {
      ctx.strokeStyle = p.muted;
      ctx.beginPath();
      ctx.moveTo(Math.round(x0) + 0.5, top + 6);
      ctx.lineTo(Math.round(x0) + 0.5, top + 2.5);
      ctx.lineTo(Math.round(x1) + 0.5, top + 2.5);
      ctx.lineTo(Math.round(x1) + 0.5, top + 6);
      ctx.stroke();
      continue;
    }
    const y = top + GROUP_TOP;
    drawn.group ??= { x: (Math.max(frame.labelW, x0) + Math.min(frame.width, x1)) / 2, y: y + GROUP_H / 2 };
    ctx.fillStyle = p.background;
    ctx.fillRect(x0, y, x1 - x0, GROUP_H);
    ctx.fillStyle = colour;
    ctx.globalAlpha = 0.45;
    ctx.fillRect(x0, y, x1 - x0, GROUP_H);
    ctx.globalAlpha = 1;
    ctx.strokeStyle = colour;
    ctx.strokeRect(Math.round(x0) + 0.5, y + 0.5, Math.max(1, Math.round(x1 - x0) - 1), GROUP_H - 1);
    if (group.kinds[3] > 0) {
      // Findings inside: the finding badge on the span's top edge.
      ctx.fillStyle = p.kinds[3];
      ctx.fillRect(x0, y - 3, Math.max(3, x1 - x0), 3);
    }
    const text = `×${group.count}`;
    const w = ctx.measureText(text).width;
    if (w + 6 <= x1 - x0) {
      ctx.fillStyle = p.foreground;
      ctx.fillText(text, Math.max(frame.labelW + 2, x0) + 3, y + GROUP_H / 2 + 0.5);
    }
  }
}

/** The density strip over the whole range, the visible window and the brushed range. */
export function drawDensity(ctx: CanvasRenderingContext2D, dpr: number, width: number, labelW: number, view: ViewMessage | undefined, window: { t0: number; t1: number }, brush: { start: number; end: number } | undefined, p: Palette): void {
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = p.background;
  ctx.fillRect(0, 0, width, DENSITY_H);
  ctx.font = p.font;
  ctx.textBaseline = 'middle';
  if (!view || view.density.length === 0 || !Number.isFinite(view.start)) return;
  const plotW = Math.max(1, width - labelW);
  const n = view.density.length;
  const full = densityWindow(view);
  let max = 1;
  for (const c of view.density) if (c > max) max = c;
  const logMax = Math.log(1 + max);
  const bw = plotW / n;
  ctx.fillStyle = p.kinds[0];
  for (let i = 0; i < n; i++) {
    const c = view.density[i];
    if (c === 0) continue;
    const h = Math.max(1, ((DENSITY_H - 6) * Math.log(1 + c)) / logMax);
    ctx.fillRect(labelW + i * bw, DENSITY_H - 2 - h, Math.max(1, bw), h);
  }
  ctx.fillStyle = p.kinds[2];
  for (let i = 0; i < view.densityAlerts.length; i += 2) {
    const x = view.densityAlerts[i];
    const c = view.densityAlerts[i + 1];
    const h = Math.max(2, ((DENSITY_H - 6) * Math.log(1 + c)) / logMax);
    ctx.fillRect(labelW + x * bw, DENSITY_H - 2 - h, Math.max(1, bw), h);
  }
  const toX = (t: number): number => labelW + ((t - full.t0) / (full.t1 - full.t0)) * plotW;
  if (brush) {
    ctx.fillStyle = p.brush;
    ctx.globalAlpha = 0.45;
    const x0 = Math.max(labelW, toX(brush.start));
    ctx.fillRect(x0, 0, Math.max(1, Math.min(width, toX(brush.end)) - x0), DENSITY_H);
    ctx.globalAlpha = 1;
  }
  const x0 = Math.max(labelW, toX(window.t0));
  const x1 = Math.min(width, toX(window.t1));
  ctx.strokeStyle = p.window;
  ctx.lineWidth = 1.5;
  ctx.strokeRect(x0 + 0.75, 1, Math.max(2, x1 - x0 - 1.5), DENSITY_H - 2);
  ctx.fillStyle = p.muted;
  ctx.fillText(`${view.events.toLocaleString('en-US')} events`, 6, DENSITY_H / 2);
}

/** The window the density strip covers (the model's padded full range). */
export function densityWindow(view: ViewMessage): { t0: number; t1: number } {
  return fullWindowOf(view.start, view.end);
}
