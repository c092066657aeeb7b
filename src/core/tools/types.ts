/**
 * Evidence tools: what an agent may ask of the loaded evidence (an editor's language model
 * tools, `ctinv mcp`). One definition per tool: name, description, zod input schema (the
 * JSON schema both front doors publish is derived from it) and a handler over the index.
 *
 * Every tool only reads what is already loaded: none calls AWS, writes a file or runs
 * anything. Every string copied from a record or a file name is attacker-controlled: it
 * goes under the answer's `evidence` field, is only ever compared or counted, and never
 * selects what a tool does.
 */
import type * as z from 'zod/v4';
import type { SourceSummary } from '../engine/api';
import type { EventIndex } from '../index/event-index';

/** What a front door hands the tools: the investigation it loaded, read at each call. */
export interface ToolContext {
  /** The index to answer from (read at every call: removing or reloading a source replaces it). */
  index(): EventIndex;
  sources(): SourceSummary[];
  /**
   * The Sigma rules file or folder the user configured (the extension's setting, `ctinv mcp
   * --rules`); '' for none. Never chosen by a tool's caller: a prompt cannot point the tools at
   * other files.
   */
  sigmaRules(): string;
  /** True while sources are still loading: answers then cover what is indexed so far, and say so. */
  loading?(): boolean;
}

/** What a tool's handler gets besides its input. */
export interface ToolEnv {
  context: ToolContext;
  signal?: AbortSignal;
  /** Memo shared by the calls of one front door (detections run once per index). */
  memo: Map<string, unknown>;
}

/** The JSON a tool answers; serialised once (`answerText`) for both front doors. */
export type ToolAnswer = Record<string, unknown>;

export type ToolErrorKind = 'filter-syntax' | 'invalid-input' | 'unknown-tool' | 'failed' | 'cancelled';

/** An answer that could not be given: what was wrong, and where in a filter. */
export class ToolInputError extends Error {
  constructor(
    readonly kind: ToolErrorKind,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export interface EvidenceTool {
  /** `query`, `top`, …: the MCP tool name; the editor adds a `cloudtrail_` prefix. */
  readonly name: string;
  readonly title: string;
  /** What a model reads to decide when and how to call the tool. */
  readonly description: string;
  readonly input: z.ZodObject;
  /** A one-line progress message for a call ("Querying the loaded CloudTrail events: error:*"). */
  invocationMessage(input: Record<string, unknown>): string;
  /** Runs on input already checked against `input`. */
  run(input: unknown, env: ToolEnv): Promise<ToolAnswer>;
}

/** Types a tool's handler by its schema; the registry holds them erased. */
export function defineTool<S extends z.ZodObject>(tool: {
  name: string;
  title: string;
  description: string;
  input: S;
  invocationMessage(input: Record<string, unknown>): string;
  run(input: z.output<S>, env: ToolEnv): Promise<ToolAnswer>;
}): EvidenceTool {
  return { ...tool, run: (input, env) => tool.run(input as z.output<S>, env) };
}
