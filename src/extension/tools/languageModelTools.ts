/**
 * The evidence tools (src/core/tools) as VS Code language model tools, over the investigation
 * the user has loaded: an agent in chat (or any extension, with `vscode.lm.invokeTool`) asks
 * the same questions `ctinv mcp` answers, and gets the same JSON text.
 *
 * None of these tools calls AWS, writes anything or changes the views: they read the loaded
 * index only, so `prepareInvocation` asks for no confirmation; fetching from AWS stays behind
 * the extension's own commands (Live sources, Fetch Missing Hop), which ask before they call.
 *
 * What is registered is what package.json contributes (`contributes.languageModelTools`, which
 * a unit test holds to the core's definitions); the definitions and zod load on the first
 * call, not at activation.
 */
import * as vscode from 'vscode';
import type { EvidenceTool, EvidenceTools } from '../../core/tools/index';
import { configuredSigmaFolder } from '../intel/detections';
import type { ExtensionServices } from '../services';
import { abortSignalFor } from '../util/cancellation';
import { Disposable } from '../util/disposables';

/** The editor's names are the core's with this prefix (tool names are global in VS Code). */
const LANGUAGE_MODEL_TOOL_PREFIX = 'cloudtrail_';

/** The tool names package.json contributes. */
function contributedToolNames(context: vscode.ExtensionContext): string[] {
  const contributes = (context.extension.packageJSON as { contributes?: { languageModelTools?: { name?: unknown }[] } }).contributes;
  return (contributes?.languageModelTools ?? []).map((t) => t.name).filter((name): name is string => typeof name === 'string');
}

export class LanguageModelTools extends Disposable {
  private loaded: { tools: EvidenceTools; find(name: string): EvidenceTool | undefined } | undefined;

  constructor(private readonly services: Pick<ExtensionServices, 'context' | 'investigation' | 'loadingSources' | 'log'>) {
    super();
    const registrations = contributedToolNames(services.context)
      .filter((name) => name.startsWith(LANGUAGE_MODEL_TOOL_PREFIX))
      .map((name) => {
        const coreName = name.slice(LANGUAGE_MODEL_TOOL_PREFIX.length);
        return vscode.lm.registerTool<Record<string, unknown>>(name, {
          prepareInvocation: (options) => {
            const tool = this.load().find(coreName);
            return { invocationMessage: tool ? tool.invocationMessage(isRecord(options.input) ? options.input : {}) : `CloudTrail: ${coreName}` };
          },
          invoke: async (options, token) => {
            const cancellation = abortSignalFor(token);
            try {
              const outcome = await this.load().tools.invoke(coreName, options.input, cancellation.signal);
              if (!outcome.ok) services.log.warn(`language model tool ${coreName}: ${JSON.stringify(outcome.answer.error)}`);
              return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(outcome.text)]);
            } finally {
              cancellation.dispose();
            }
          },
        });
      });
    this.disposables.push(...registrations);
  }

  /** The core's tools over the extension's investigation, loaded on first use. */
  private load(): NonNullable<LanguageModelTools['loaded']> {
    if (!this.loaded) {
      // A deferred require: esbuild keeps the module in the bundle but evaluates it (and zod) only here.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const core = require('../../core/tools/index') as typeof import('../../core/tools/index');
      const { investigation, loadingSources } = this.services;
      const tools = new core.EvidenceTools({
        index: () => investigation.index,
        sources: () => investigation.summaries(),
        sigmaRules: configuredSigmaFolder,
        loading: () => loadingSources.size > 0,
      });
      this.loaded = { tools, find: core.findTool };
    }
    return this.loaded;
  }

}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
