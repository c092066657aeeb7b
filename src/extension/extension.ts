import * as vscode from 'vscode';

/** What integration tests (and other extensions) can reach; grows with the features. */
export interface CloudTrailInvestigatorApi {
  readonly log: vscode.LogOutputChannel;
}

/** The composition root: builds every service, registers it, and owns its disposal. */
export function activate(context: vscode.ExtensionContext): CloudTrailInvestigatorApi {
  const log = vscode.window.createOutputChannel('CloudTrail Investigator', { log: true });
  context.subscriptions.push(log);
  context.subscriptions.push(vscode.commands.registerCommand('cloudtrail.showLog', () => log.show()));
  log.info('CloudTrail Investigator activated');
  return { log };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
