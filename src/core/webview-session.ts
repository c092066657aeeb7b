/**
 * The host side of a webview's message flow, shared by the timeline and the Events table
 * sessions (no vscode): outgoing messages are held until the webview says `ready`
 * (vscode-pull-request-github's `src/common/webview.ts`), and a notification the webview must
 * not miss that could not be delivered, because the webview was hidden meanwhile, is held
 * again for its next `ready`. Answers to a gone webview's requests are dropped.
 */

/** What a session needs of every webview's surroundings (each session's port adds its own). */
export interface WebviewPort<Out> {
  /** Posts to the webview; resolves false when it was not delivered (the webview is hidden or gone). */
  post(message: Out): void | PromiseLike<boolean>;
  log?(message: string): void;
}

/** A paint the webview reports (for the benchmarks and tests): its kind, input → painted, and render time. */
export interface PaintReport<Frame extends string> {
  frame: Frame;
  ms: number;
  renderMs: number;
}

export interface ReadyGateRules<M extends { type: string }> {
  /** Posts to the webview; resolves false when it was not delivered (the webview is hidden or gone). */
  post(message: M): void | PromiseLike<boolean>;
  /**
   * While waiting, a message of a kind already held replaces it: the merge of the two, or
   * undefined to hold both.
   */
  merge(held: M, next: M): M | undefined;
  /** Whether the webview must not miss this message (held again when it was not delivered). */
  mustDeliver(message: M): boolean;
}

export class ReadyGate<M extends { type: string }> {
  private ready = false;
  private closed = false;
  private readonly pending: M[] = [];

  constructor(private readonly rules: ReadyGateRules<M>) {}

  get isReady(): boolean {
    return this.ready;
  }

  get disposed(): boolean {
    return this.closed;
  }

  /** Posts now, or holds the message until the webview is ready. */
  post(message: M): void {
    if (this.closed) return;
    if (this.ready) {
      this.send(message);
      return;
    }
    const i = this.pending.findIndex((m) => m.type === message.type);
    const merged = i >= 0 ? this.rules.merge(this.pending[i], message) : undefined;
    if (merged) this.pending.splice(i, 1);
    this.pending.push(merged ?? message);
  }

  /** The webview said `ready`: `first` (its init) goes out before everything held. */
  open(first: M): void {
    this.ready = true;
    this.rules.post(first);
    for (const m of this.pending.splice(0)) this.send(m);
  }

  /** The webview was torn down (hidden): hold messages until it is ready again. */
  resetReady(): void {
    this.ready = false;
  }

  dispose(): void {
    this.closed = true;
    this.pending.length = 0;
  }

  private send(message: M): void {
    const result = this.rules.post(message);
    if (!result || !this.rules.mustDeliver(message)) return;
    void Promise.resolve(result).then((delivered) => {
      if (delivered !== false || this.closed) return;
      this.ready = false;
      if (!this.pending.some((m) => m.type === message.type)) this.pending.push(message);
    });
  }
}

/**
 * The base of a webview's host-side session: the gate, and `handle`, which checks every raw
 * message on arrival (malformed ones are ignored and logged) before the session's `dispatch`.
 */
export abstract class WebviewSession<Out extends { type: string }, In, Frame extends string> {
  private readonly gate: ReadyGate<Out>;
  /** The latest paints the webview reported (the benchmarks and tests read them). */
  readonly paints: PaintReport<Frame>[] = [];
  /** The host's time per answered request, in ms (the latest; the benchmarks read them). */
  readonly hostMs: number[] = [];

  constructor(
    rules: ReadyGateRules<Out>,
    private readonly checked: { name: string; parse(raw: unknown): In | undefined; log?(message: string): void },
  ) {
    this.gate = new ReadyGate(rules);
  }

  get isReady(): boolean {
    return this.gate.isReady;
  }

  protected get disposed(): boolean {
    return this.gate.disposed;
  }

  dispose(): void {
    this.gate.dispose();
  }

  /** Posts now, or holds the message until the webview is ready. */
  protected post(message: Out): void {
    this.gate.post(message);
  }

  /** The webview said `ready`: `init` goes out before everything held. */
  protected opened(init: Out): void {
    this.gate.open(init);
  }

  /** The webview was torn down (hidden, or reloaded): hold messages until it is ready again. */
  resetReady(): void {
    this.gate.resetReady();
  }

  /** Records a paint the webview reported, keeping the latest (at most a thousand). */
  protected painted(report: PaintReport<Frame>): void {
    this.paints.push({ frame: report.frame, ms: report.ms, renderMs: report.renderMs });
    if (this.paints.length > 1000) this.paints.splice(0, 500);
  }

  /** Records how long an answer took since `started` (performance.now()), and returns it. */
  protected measured(started: number): number {
    const hostMs = performance.now() - started;
    this.hostMs.push(hostMs);
    if (this.hostMs.length > 1000) this.hostMs.splice(0, 500);
    return hostMs;
  }

  /** Handles one raw message from the webview; malformed ones are ignored (and logged). */
  async handle(raw: unknown): Promise<void> {
    const message = this.checked.parse(raw);
    if (message === undefined) {
      const kind = JSON.stringify(typeof raw === 'object' && raw !== null ? String((raw as { type?: unknown }).type).slice(0, 40) : typeof raw);
      this.checked.log?.(`${this.checked.name}: ignored a malformed message from the webview (${kind})`);
      return;
    }
    await this.dispatch(message);
  }

  protected abstract dispatch(message: In): Promise<void>;
}
