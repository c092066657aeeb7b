/**
 * The evidence tools (src/core/tools) as VS Code language model tools, over the investigation
 * the user has loaded: an agent in chat (or any extension, with `vscode.lm.invokeTool`) asks
 * the same questions `ctinv mcp` answers, and gets the same JSON text.
 *
 * None of these tools calls AWS, writes anything or changes the views: they read the loaded
 * index only, so `prepareInvocation` asks for no confirmation; fetching from AWS stays behind
 * the extension's own commands (Live sources, Fetch Missing Hop), which ask before they call.
 * `contributes.languageModelTools` in package.json declares them (a unit test holds it to
 * the core's definitions).
 */
import * as vscode from 'vscode';
import { EVIDENCE_TOOLS, EvidenceTools } from '../../core/tools/index';
import { configuredSigmaFolder } from '../intel/detections';
import type { ExtensionServices } from '../services';
import { abortSignalFor } from '../util/cancellation';

/** The editor's name for a core tool: `cloudtrail_query`, … (tool names are global in VS Code). */
export function languageModelToolName(name: string): string {
  return `cloudtrail_${name}`;
}

export class LanguageModelTools implements vscode.Disposable {
  /** The tools over the extension's investigation (integration tests compare with it). */
  readonly tools: EvidenceTools;
  private readonly registrations: vscode.Disposable[];

  constructor(services: ExtensionServices) {
    const investigation = services.investigation;
    this.tools = new EvidenceTools({
      index: () => investigation.index,
      sources: () => investigation.summaries(),
      sigmaRules: configuredSigmaFolder,
      loading: () => services.loadingSources.size > 0,
    });
    this.registrations = EVIDENCE_TOOLS.map((tool) =>
      vscode.lm.registerTool<Record<string, unknown>>(languageModelToolName(tool.name), {
        prepareInvocation: (options) => ({ invocationMessage: tool.invocationMessage(isRecord(options.input) ? options.input : {}) }),
        invoke: async (options, token) => {
          const cancellation = abortSignalFor(token);
          try {
            const outcome = await this.tools.invoke(tool.name, options.input, cancellation.signal);
            if (!outcome.ok) services.log.warn(`language model tool ${tool.name}: ${JSON.stringify(outcome.answer.error)}`);
            return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(outcome.text)]);
          } finally {
            cancellation.dispose();
          }
        },
      }),
    );
  }

  dispose(): void {
    for (const registration of this.registrations) registration.dispose();
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
