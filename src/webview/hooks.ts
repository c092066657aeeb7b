/**
 * Every test hook of the timeline webview, in one place: data-* attributes that the UI tests
 * (test/ui/timeline.test.ts) and the benchmark (bench/timeline.ts) read. They say what was
 * drawn and when, so a test can assert on the canvas without reading pixels. Attribute values
 * are strings set through `dataset` (never parsed as HTML), so event text in them is inert.
 */
import { lanesCanvas } from './dom';

const body = (): DOMStringMap => document.body.dataset;
const canvas = (): DOMStringMap => lanesCanvas.dataset;

/** At most this many drawn names are listed (enough for a test; bounded for a busy view). */
const MAX_LISTED = 200;

export const hooks = {
  /** `init` arrived this long after the script started (ms). */
  init(ms: number): void {
    body().initMs = String(ms);
  },
  /** The first view arrived / was painted this long after the script started (ms). */
  firstView(ms: number): void {
    body().firstViewMs = String(ms);
  },
  firstPaint(ms: number): void {
    body().firstPaintMs = String(ms);
  },
  /** A view was painted: `data-paints` counts them (tests wait for it to grow). */
  painted(renderMs: number): void {
    body().paints = String(Number(body().paints ?? '0') + 1);
    body().lastRenderMs = renderMs.toFixed(3);
  },
  rendered(renderMs: number): void {
    body().lastRenderMs = renderMs.toFixed(3);
  },
  /** The host answered keyboard navigation request `seq` (also when the focus stays). */
  navigated(seq: number): void {
    body().navigated = String(seq);
  },
  /** Where the focused mark is on the lanes canvas (CSS px), for tests that point at it. */
  focus(x: number, y: number): void {
    canvas().focusX = x.toFixed(1);
    canvas().focusY = y.toFixed(1);
  },
  /** Where the first collapsed group is drawn, or none. */
  group(at: { x: number; y: number } | undefined): void {
    if (at) {
      canvas().groupX = at.x.toFixed(1);
      canvas().groupY = at.y.toFixed(1);
    } else {
      delete canvas().groupX;
      delete canvas().groupY;
    }
  },
  /** The event names drawn beside marks in the last frame (JSON: [{ rank, text, x, y, w }]). */
  names(drawn: ReadonlyArray<{ rank: number; text: string; x: number; y: number; w: number }>): void {
    canvas().namesDrawn = String(drawn.length);
    canvas().names = JSON.stringify(drawn.slice(0, MAX_LISTED).map((d) => ({ ...d, x: round(d.x), y: round(d.y), w: round(d.w) })));
  },
  /** The lane labels drawn in the last frame (JSON: [{ rank, text, w, max }]; `max` is the room they had). */
  laneLabels(drawn: ReadonlyArray<{ rank: number; text: string; w: number; max: number }>): void {
    canvas().laneLabels = JSON.stringify(drawn.slice(0, MAX_LISTED).map((d) => ({ ...d, w: round(d.w) })));
  },
  /** The time axis labels drawn in the last frame (JSON: [{ text, x0, x1 }], CSS px) and the canvas width. */
  axisLabels(drawn: ReadonlyArray<{ text: string; x0: number; x1: number }>, width: number): void {
    canvas().axisLabels = JSON.stringify(drawn.map((d) => ({ text: d.text, x0: round(d.x0), x1: round(d.x1) })));
    canvas().width = String(width);
  },
};

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
