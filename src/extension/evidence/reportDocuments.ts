/**
 * Read-only virtual documents for generated reports (`cloudtrail-report:` URIs). The text
 * lives in memory only: nothing is written next to the evidence, and the editor cannot
 * change it (the user can Save As a copy wherever they like).
 */
import * as vscode from 'vscode';

const REPORT_SCHEME = 'cloudtrail-report';

export class ReportDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly contents = new Map<string, string>();
  private readonly registration: vscode.Disposable;
  private counter = 0;

  constructor() {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(REPORT_SCHEME, this);
  }

  /** Stores a report under a fresh URI (`name` is ours, never from an event) and returns it. */
  publish(name: string, text: string): vscode.Uri {
    const safe = name.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 80) || 'report.md';
    const uri = vscode.Uri.from({ scheme: REPORT_SCHEME, path: `/${++this.counter}/${safe}` });
    this.contents.set(uri.toString(), text);
    // Bounded: the oldest reports go once many were made in one session.
    if (this.contents.size > 50) this.contents.delete(this.contents.keys().next().value as string);
    this.changed.fire(uri);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? 'This report is no longer available; run the command again.';
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
    this.contents.clear();
  }
}
