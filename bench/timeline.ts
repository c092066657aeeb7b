/**
 * Timeline benchmark: 1,000,000 synthetic events indexed in Node, the BUILT webview bundle
 * (media/dist/timeline.js) in headless Chromium, and the real host-side session
 * (src/core/timeline/session.ts) answering it over a Playwright bridge. Prints:
 *
 *   - first paint after the webview says `ready` (target ≤ 200 ms)
 *   - zoom and pan frames: canvas render time in the page, and host aggregation time per
 *     request (target ≤ 16 ms each), plus the input → painted round trip for information
 *   - the largest message either side posted (target < 1 MB)
 *
 * Run alone: `node esbuild.mjs && npx tsc -p . && node out/bench/timeline.js [--events N]`,
 * or through `npm run bench` (bench/main.ts calls runTimelineBenchmark()).
 */
import { cpus, loadavg } from 'node:os';
import { BatchBuilder } from '../src/core/index/batch';
import { EventIndex } from '../src/core/index/event-index';
import { JsonObject } from '../src/core/model/event';
import { TimelineSession } from '../src/core/timeline/session';
import { DEFAULT_STATE, HostToWebview, ViewMessage } from '../src/shared/timeline-protocol';
import { random } from './generate';
import { BenchPage, PaintWaiter, ms, quantile, requireBundle, runFromCommandLine, verdict, withBenchPage } from './webview-page';

const TARGETS = { firstPaintMs: 200, frameMs: 16, messageBytes: 1_000_000 };
const FIRST_PAINT_LOADS = 5;
const CALLS: Array<[string, string, boolean]> = [
  ['ec2.amazonaws.com', 'DescribeInstances', true],
  ['ec2.amazonaws.com', 'RunInstances', false],
  ['s3.amazonaws.com', 'ListBuckets', true],
  ['s3.amazonaws.com', 'PutBucketPolicy', false],
  ['iam.amazonaws.com', 'ListUsers', true],
  ['iam.amazonaws.com', 'CreateAccessKey', false],
  ['sts.amazonaws.com', 'GetCallerIdentity', true],
  ['sts.amazonaws.com', 'AssumeRole', false],
  ['kms.amazonaws.com', 'Decrypt', true],
  ['secretsmanager.amazonaws.com', 'GetSecretValue', true],
  ['logs.amazonaws.com', 'CreateLogStream', false],
  ['ssm.amazonaws.com', 'GetParameter', true],
];
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-2'];
const AGENTS = ['aws-cli/2.15.0', 'Boto3/1.34.0', 'aws-sdk-go-v2/1.24.0', 'console.amazonaws.com', 'terraform/1.6.6', 'aws-sdk-java/2.21.0'];
const START = Date.UTC(2026, 2, 4);
const SPAN = 7 * 86_400_000;

/** Event i of the synthetic trail; a pure function of i, so raw events can be "read back". */
function syntheticRecord(i: number): JsonObject {
  const rand = random(i * 2654435761);
  const principal = Math.floor(Math.pow(rand(), 2.5) * 800);
  const session = principal >= 100;
  const [eventSource, eventName, readOnly] = CALLS[Math.floor(rand() * CALLS.length)];
  const failed = rand() < 0.04;
  const record: JsonObject = {
    eventVersion: '1.09',
    eventTime: new Date(START + Math.floor((i / 1_000_000) * SPAN + rand() * 60_000)).toISOString(),
    eventSource,
    eventName,
    awsRegion: REGIONS[Math.floor(rand() * REGIONS.length)],
    sourceIPAddress: `198.51.${100 + (principal % 3)}.${Math.floor(Math.pow(rand(), 4) * 250)}`,
    userAgent: AGENTS[Math.floor(Math.pow(rand(), 3) * AGENTS.length)],
    readOnly,
    recipientAccountId: ['111122223333', '222233334444', '333344445555'][principal % 3],
    eventID: `${(i >>> 0).toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`,
    userIdentity: session
      ? {
          type: 'AssumedRole',
          arn: `arn:aws:sts::111122223333:assumed-role/role-${principal % 40}/session-${principal}`,
          accountId: '111122223333',
          accessKeyId: `ASIABENCH${String(principal).padStart(11, '0')}`,
          sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::111122223333:role/role-${principal % 40}`, userName: `role-${principal % 40}` } },
        }
      : {
          type: 'IAMUser',
          arn: `arn:aws:iam::111122223333:user/user-${principal}`,
          accountId: '111122223333',
          accessKeyId: `AKIABENCH${String(principal).padStart(11, '0')}`,
          userName: `user-${principal}`,
        },
  };
  if (failed) {
    record.errorCode = 'AccessDenied';
    record.errorMessage = `User is not authorized to perform: ${eventName}`;
  }
  return record;
}

/** Builds an index of `count` synthetic events in memory (no files: raw events are regenerated). */
export function syntheticIndex(count: number): EventIndex {
  const index = new EventIndex(async (_path, _format, locations) => locations.map((l) => syntheticRecord(l.offset)));
  const source = index.sources.code('bench');
  const perBatch = 50_000;
  for (let start = 0; start < count; start += perBatch) {
    const builder = new BatchBuilder();
    const file = builder.addFile({ path: '/bench/synthetic.jsonl', format: 'jsonl', size: 0, mtimeMs: 0, records: 0, problems: [] });
    const end = Math.min(count, start + perBatch);
    for (let i = start; i < end; i++) builder.addRecord(syntheticRecord(i), file, { offset: i, length: 0 });
    index.merge(builder.take(), source);
  }
  index.trim();
  return index;
}

export interface TimelineBenchOptions {
  events?: number;
}

export async function runTimelineBenchmark(options: TimelineBenchOptions = {}): Promise<string[]> {
  const events = options.events ?? 1_000_000;
  requireBundle('timeline');
  const lines: string[] = [];

  let t = performance.now();
  const index = syntheticIndex(events);
  const buildIndexMs = performance.now() - t;

  const posted: Array<{ message: HostToWebview; bytes: number }> = [];
  let largestFromWebview = 0;
  let deliver: (message: HostToWebview) => void = () => undefined;
  const session = new TimelineSession(
    {
      index: () => index,
      expression: () => '',
      filterInfo: () => ({ expression: '' }),
      setExpression: () => undefined,
      setTimeRange: () => undefined,
      openEvent: async () => undefined,
      // The extension's default (cloudtrail.noise.collapseServiceEvents): console bursts collapse.
      collapseNoise: () => true,
      post: (message) => deliver(message),
    },
    { ...DEFAULT_STATE },
    true,
  );
  // The panel warms the model (and the first lanes' noise groups) while the webview loads, as
  // the extension's panel does.
  t = performance.now();
  session.warm();
  const modelMs = performance.now() - t;
  const model = session.currentModel();

  const painted: Array<{ frame: string; ms: number; renderMs: number }> = [];
  const paints = new PaintWaiter();
  const toHost = async (text: string): Promise<void> => {
    largestFromWebview = Math.max(largestFromWebview, Buffer.byteLength(text));
    const message = JSON.parse(text) as { type: string; frame?: string; ms?: number; renderMs?: number };
    await session.handle(message);
    if (message.type === 'painted') {
      painted.push({ frame: message.frame!, ms: message.ms!, renderMs: message.renderMs! });
      paints.notify();
    }
  };
  type FirstPaint = { ms: number; renderMs: number; initMs: number; firstViewMs: number };
  /** Loads the webview in a browser of its own and waits for its first paint. */
  const loadFirstPaint = async ({ tab, load, send }: BenchPage): Promise<FirstPaint> => {
    session.resetReady();
    deliver = (message) => {
      const text = JSON.stringify(message);
      posted.push({ message, bytes: Buffer.byteLength(text) });
      send(text);
    };
    const first = paints.expect(30_000);
    await load();
    await first;
    const paint = painted[painted.length - 1];
    if (paint.frame !== 'first') throw new Error(`the webview's first paint was a '${paint.frame}' frame`);
    const steps = await tab.evaluate(() => ({ ...(globalThis as unknown as { document: { body: { dataset: Record<string, string> } } }).document.body.dataset }));
    return { ms: paint.ms, renderMs: paint.renderMs, initMs: Number(steps.initMs), firstViewMs: Number(steps.firstViewMs) };
  };
  // One load's first paint swings with the machine (113–277 ms over past runs, the code
  // unchanged), so the figure is the median of FIRST_PAINT_LOADS cold loads: each in a browser
  // of its own, so no load finds the script compiled or cached by another.
  const firstPaints: FirstPaint[] = [];
  for (let n = 1; n < FIRST_PAINT_LOADS; n++) firstPaints.push(await withBenchPage('timeline', toHost, loadFirstPaint));
  await withBenchPage('timeline', toHost, async (page) => {
    const { tab, errors } = page;
    const nextPaint = (timeoutMs?: number): Promise<void> => paints.expect(timeoutMs);
    firstPaints.push(await loadFirstPaint(page));
    const byTime = [...firstPaints].sort((a, b) => a.ms - b.ms);
    const firstPaint = byTime[Math.floor(byTime.length / 2)];
    const lanes = tab.locator('#lanes');
    const box = (await lanes.boundingBox())!;
    await lanes.focus();

    // Let the page settle (fonts, layout) before measuring frames.
    await tab.waitForTimeout(300);
    session.hostMs.length = 0;
    const before = painted.length;
    const cx = box.x + box.width * 0.6;
    const cy = box.y + box.height / 2;
    await tab.mouse.move(cx, cy);
    // Zoom in from a week to about a minute and back out, around the cursor, one paint per step.
    for (let i = 0; i < 24; i++) {
      const p = nextPaint();
      await tab.mouse.wheel(0, -300);
      await p;
    }
    const zoomHostMs = [...session.hostMs];
    session.hostMs.length = 0;
    for (let i = 0; i < 12; i++) {
      const p = nextPaint();
      await tab.mouse.wheel(0, 600);
      await p;
    }
    // Pan with the keyboard and by dragging, at a mid zoom and fully zoomed out.
    for (let i = 0; i < 20; i++) {
      const p = nextPaint();
      await tab.keyboard.press(i % 2 ? 'Shift+ArrowLeft' : 'Shift+ArrowRight');
      await p;
    }
    for (let i = 0; i < 10; i++) {
      const p = nextPaint();
      await tab.mouse.move(cx, cy);
      await tab.mouse.down();
      await tab.mouse.move(cx - 120, cy, { steps: 2 });
      await tab.mouse.up();
      await p;
    }
    await tab.keyboard.press('Home');
    await tab.waitForTimeout(200);
    for (let i = 0; i < 10; i++) {
      const p = nextPaint();
      await tab.keyboard.press(i % 2 ? 'Shift+ArrowLeft' : 'Shift+ArrowRight');
      await p;
    }
    const panHostMs = [...session.hostMs];
    // Hover a busy lane and check the tooltip answers.
    await tab.mouse.move(cx, box.y + 22 + 11);
    await tab.locator('#tooltip:not([hidden])').waitFor({ timeout: 5000 }).catch(() => errors.push('no tooltip on hover'));

    const frames = painted.slice(before);
    const zoom = frames.filter((f) => f.frame === 'zoom');
    const pan = frames.filter((f) => f.frame === 'pan');
    const render = frames.map((f) => f.renderMs);
    const host = [...zoomHostMs, ...panHostMs];
    const largestPosted = Math.max(...posted.map((p) => p.bytes), largestFromWebview);
    const largestView = Math.max(...posted.filter((p) => p.message.type === 'view').map((p) => p.bytes));

    lines.push(`Timeline (${events.toLocaleString('en-US')} events, ${model.laneCount} principal lanes, headless Chromium 1400×900, built media/dist/timeline.js)`);
    lines.push(`  setup: synthetic index built in ${(buildIndexMs / 1000).toFixed(2)} s; lane model (sort by lane and time, first lanes' noise groups) built in ${ms(modelMs)} while the webview loads`);
    lines.push(
      `  first paint after ready, median of ${byTime.length} cold loads: ${ms(firstPaint.ms)} (that load: init at ${ms(firstPaint.initMs)}, view at ${ms(firstPaint.firstViewMs)}, canvas ${ms(firstPaint.renderMs)}; ` +
        `min ${ms(byTime[0].ms)}, max ${ms(byTime[byTime.length - 1].ms)})   target ≤ ${TARGETS.firstPaintMs} ms   ${verdict(firstPaint.ms <= TARGETS.firstPaintMs)}`,
    );
    lines.push(
      `  zoom frames (${zoom.length}): render p50 ${ms(quantile(zoom.map((f) => f.renderMs), 0.5))}, p95 ${ms(quantile(zoom.map((f) => f.renderMs), 0.95))}, max ${ms(Math.max(...zoom.map((f) => f.renderMs)))}`,
    );
    lines.push(
      `  pan frames (${pan.length}):  render p50 ${ms(quantile(pan.map((f) => f.renderMs), 0.5))}, p95 ${ms(quantile(pan.map((f) => f.renderMs), 0.95))}, max ${ms(Math.max(...pan.map((f) => f.renderMs)))}`,
    );
    lines.push(
      `  host aggregation per request (${host.length}): p50 ${ms(quantile(host, 0.5))}, p95 ${ms(quantile(host, 0.95))}, max ${ms(Math.max(...host))}`,
    );
    const worstFrame = Math.max(quantile(render, 0.95), quantile(host, 0.95));
    lines.push(`  frame budget (p95 of render and of host work):  ${ms(worstFrame)}   target ≤ ${TARGETS.frameMs} ms   ${verdict(worstFrame <= TARGETS.frameMs)}`);
    lines.push(
      `  input → repainted with new data (bridge included): zoom p50 ${ms(quantile(zoom.map((f) => f.ms), 0.5))}, pan p50 ${ms(quantile(pan.map((f) => f.ms), 0.5))} (information)`,
    );
    const firstView = posted.find((p) => p.message.type === 'view')?.message as ViewMessage | undefined;
    lines.push(`  noise collapsing on: ${firstView?.groups.length ?? 0} groups (${firstView?.lanes.reduce((n, l) => n + (l.collapsed ?? 0), 0) ?? 0} events) in the first view`);
    lines.push(`  largest message: ${(largestPosted / 1024).toFixed(1)} KB (largest view ${(largestView / 1024).toFixed(1)} KB, ${posted.length} messages)   target < 1 MB   ${verdict(largestPosted < TARGETS.messageBytes)}`);
    lines.push(`  machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (shared: figures are wall-clock under that load)`);
    if (errors.length > 0) lines.push(`  page errors: ${errors.slice(0, 5).join(' | ')}`);
  });
  return lines;
}

if (require.main === module) runFromCommandLine('timeline', runTimelineBenchmark);
