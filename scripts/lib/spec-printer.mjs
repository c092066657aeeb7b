// Prints the in-host mocha events (one JSON object a line, see test/integration/index.ts)
// the way mocha's spec reporter does, including the closing passing/failing counts.
const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, text) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
const green = (text) => paint(32, text);
const red = (text) => paint(31, text);
const cyan = (text) => paint(36, text);
const grey = (text) => paint(90, text);

export class SpecPrinter {
  #failures = [];
  /** Tests that passed so far (counted even when the run never ends). */
  passes = 0;
  #out;

  constructor(out = (text) => process.stdout.write(text)) {
    this.#out = out;
  }

  /** Handles one event; returns true on the `end` event. */
  print(event) {
    const indent = (depth) => '  '.repeat(depth + 1);
    switch (event.type) {
      case 'start':
        this.#out(grey(`  (VS Code ${event.vscodeVersion}, ${event.total} tests)\n`));
        return false;
      case 'suite':
        this.#out(`${event.depth === 0 ? '\n' : ''}${indent(event.depth)}${event.title}\n`);
        return false;
      case 'pass': {
        this.passes++;
        const slow = event.durationMs > 1000 ? red(` (${event.durationMs}ms)`) : event.durationMs > 200 ? grey(` (${event.durationMs}ms)`) : '';
        this.#out(`${indent(event.depth)}${green('✔')} ${grey(event.title)}${slow}\n`);
        return false;
      }
      case 'pending':
        this.#out(`${indent(event.depth)}${cyan(`- ${event.title}`)}\n`);
        return false;
      case 'fail':
        this.#failures.push(event);
        this.#out(`${indent(event.depth)}${red(`${this.#failures.length}) ${event.title}`)}\n`);
        return false;
      case 'end':
        this.summary(event);
        return true;
      default:
        return false;
    }
  }

  /** Tests (and hooks) that failed so far. */
  get failures() {
    return this.#failures.length;
  }

  summary({ passes, failures, pending, durationMs }) {
    this.#out(`\n  ${green(`${passes} passing`)} ${grey(`(${Math.round(durationMs / 100) / 10}s)`)}\n`);
    if (pending > 0) this.#out(`  ${cyan(`${pending} pending`)}\n`);
    if (failures > 0) this.#out(`  ${red(`${failures} failing`)}\n`);
    this.#failures.forEach((failure, index) => {
      this.#out(`\n  ${index + 1}) ${failure.fullTitle}:\n`);
      for (const line of failure.message.split('\n')) this.#out(`     ${red(line)}\n`);
      const stack = failure.stack.split('\n').filter((line) => line.trim().startsWith('at ')).slice(0, 8);
      for (const line of stack) this.#out(`     ${grey(line.trim())}\n`);
    });
    this.#out('\n');
  }
}
