/**
 * The evidence tools, one registry for both front doors: the editor's language model tools
 * (src/extension/tools/) and `ctinv mcp` (src/cli/mcp/). Both call `EvidenceTools.invoke`,
 * so the same question gets the same answer, byte for byte.
 */
import * as z from 'zod/v4';
import { eventTool } from './event';
import { findingsTool } from './findings';
import { lineageTool } from './lineage';
import { answerText } from './output';
import { queryTool } from './query';
import { sourcesTool } from './sources';
import { timelineSummaryTool } from './timelineSummary';
import { topTool } from './top';
import { EvidenceTool, ToolAnswer, ToolContext, ToolInputError } from './types';

export { answerText, MAX_ANSWER_CHARS, UNTRUSTED_NOTICE } from './output';
export type { EvidenceTool, ToolAnswer, ToolContext } from './types';

/** Every tool, in the order they are listed to a model. */
export const EVIDENCE_TOOLS: readonly EvidenceTool[] = [sourcesTool, queryTool, topTool, timelineSummaryTool, lineageTool, findingsTool, eventTool];

export function findTool(name: string): EvidenceTool | undefined {
  return EVIDENCE_TOOLS.find((t) => t.name === name);
}

/** The JSON schema of a tool's input, as both front doors publish it (draft-07, without `$schema`). */
export function inputJsonSchema(tool: EvidenceTool): Record<string, unknown> {
  const schema = z.toJSONSchema(tool.input, { target: 'draft-7', io: 'input' }) as Record<string, unknown>;
  delete schema.$schema;
  return schema;
}

export interface ToolOutcome {
  /** False when the call was refused or failed; the answer then holds `error`. */
  ok: boolean;
  answer: ToolAnswer;
  /** The answer as the one JSON text both front doors return. */
  text: string;
}

/** The answer when a call cannot be made at all (e.g. the evidence failed to load). */
export function errorAnswer(tool: string, kind: string, message: string, details: Record<string, unknown> = {}): ToolAnswer {
  return { tool, error: { kind, message, ...details } };
}

/** The tools over one investigation, with the memo their calls share. */
export class EvidenceTools {
  private readonly memo = new Map<string, unknown>();

  constructor(private readonly context: ToolContext) {}

  /** Checks the input against the tool's schema and runs it; refusals and failures are answers too. */
  async invoke(name: string, input: unknown, signal?: AbortSignal): Promise<ToolOutcome> {
    const answer = await this.answer(name, input, signal);
    return { ok: !('error' in answer), answer, text: answerText(answer) };
  }

  private async answer(name: string, input: unknown, signal: AbortSignal | undefined): Promise<ToolAnswer> {
    const tool = findTool(name);
    if (!tool) return errorAnswer(name, 'unknown-tool', `unknown tool "${name}"; the tools are ${EVIDENCE_TOOLS.map((t) => t.name).join(', ')}`);
    const parsed = tool.input.safeParse(input ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      const message = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
      return errorAnswer(tool.name, 'invalid-input', `${message} (see the tool's input schema)`, { issues });
    }
    try {
      signal?.throwIfAborted();
      return await tool.run(parsed.data, { context: this.context, signal, memo: this.memo });
    } catch (error) {
      if (error instanceof ToolInputError) return errorAnswer(tool.name, error.kind, error.message, error.details);
      if (signal?.aborted) return errorAnswer(tool.name, 'cancelled', 'the call was cancelled');
      return errorAnswer(tool.name, 'failed', error instanceof Error ? error.message : String(error));
    }
  }
}
