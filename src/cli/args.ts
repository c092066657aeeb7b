import { parseArgs as parseNodeArgs } from 'node:util';

/** Argument parsing on `node:util` parseArgs: positionals, `--flag`, `--name value`, `--name=value`, `--`. */
export class UsageError extends Error {}

export interface ParsedArgs {
  positionals: string[];
  options: Map<string, string | true>;
}

export interface OptionSpec {
  /** Options that take a value (without the leading dashes). */
  valued: readonly string[];
  /** Options that are plain switches. */
  flags: readonly string[];
}

/**
 * Node's tokens, checked against the command's spec. Node's own strict mode is not used because
 * it refuses a value that starts with a dash (`--where -eventName:X`, an exclusion filter); here
 * the word after a valued option is always its value. A single-dash word (`-`, `-eventName:X`)
 * is an operand, as it always was: the commands have no short options.
 */
export function parseArgs(argv: readonly string[], spec: OptionSpec): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const name of spec.valued) options[name] = { type: 'string' };
  for (const name of spec.flags) options[name] = { type: 'boolean' };
  const { tokens } = parseNodeArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const positionals: string[] = [];
  const parsed = new Map<string, string | true>();
  // Node splits `-abc` into three tokens that share one index.
  let lastShortIndex = -1;
  for (const token of tokens) {
    if (token.kind === 'positional') {
      positionals.push(token.value);
    } else if (token.kind === 'option' && !token.rawName.startsWith('--')) {
      if (token.index !== lastShortIndex) positionals.push(argv[token.index]);
      lastShortIndex = token.index;
    } else if (token.kind === 'option') {
      const { name } = token;
      if (spec.flags.includes(name)) {
        if (token.inlineValue) throw new UsageError(`option --${name} takes no value`);
        parsed.set(name, true);
      } else if (spec.valued.includes(name)) {
        if (token.value === undefined) throw new UsageError(`option --${name} needs a value`);
        parsed.set(name, token.value);
      } else {
        throw new UsageError(`unknown option --${name}`);
      }
    }
  }
  return { positionals, options: parsed };
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const value = args.options.get(name);
  return typeof value === 'string' ? value : undefined;
}

export function intOption(args: ParsedArgs, name: string, fallback: number): number {
  const value = stringOption(args, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} takes a whole number, not "${value}"`);
  return Number(value);
}
