/**
 * The Events table feature: its commands (palette, Events view title, the timeline's editor
 * title, an Explorer item's context menu), the panel serializer (the table comes back after a
 * window reload with its columns, widths and order), and at most one panel.
 */
import * as vscode from 'vscode';
import type { ExtensionServices } from '../services';
import { termFor } from '../../core/query/parser';
import { TableState, parseTableState } from '../../shared/table-protocol';
import { TableCommands } from '../commandIds';
import { asPivotTarget } from '../pivots/target';
import { errorMessage } from '../util/cancellation';
import { Disposable } from '../util/disposables';
import { TABLE_TITLE, TABLE_VIEW_TYPE, TablePanel, applyTableFilter, tableWebviewOptions } from './tablePanel';

const STATE_KEY = 'cloudtrail.table.state';

export class TableController extends Disposable {
  private panel?: TablePanel;

  constructor(private readonly services: ExtensionServices) {
    super();
    this.disposables.push(
      vscode.commands.registerCommand(TableCommands.open, () => this.open()),
      vscode.commands.registerCommand(TableCommands.showItem, (arg?: unknown) => this.showItem(arg)),
      vscode.window.registerWebviewPanelSerializer(TABLE_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: unknown) => {
          this.adopt(panel, parseTableState(state));
        },
      }),
    );
  }

  /** The open panel, if any (integration tests read its session). */
  get current(): TablePanel | undefined {
    return this.panel;
  }

  /** Opens (or reveals) the table; it shows what the shared filter selects. */
  open(): TablePanel {
    if (this.panel) {
      this.panel.reveal();
      return this.panel;
    }
    const panel = vscode.window.createWebviewPanel(TABLE_VIEW_TYPE, TABLE_TITLE, { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, tableWebviewOptions(this.services.context.extensionUri));
    return this.adopt(panel, parseTableState(this.services.context.workspaceState.get(STATE_KEY)));
  }

  /** An Explorer item (or any `{ field, value }`): filter to it, then open the table. */
  showItem(arg?: unknown): TablePanel | undefined {
    const target = asPivotTarget(arg);
    if (!target) {
      void vscode.window.showWarningMessage('CloudTrail: choose an item in the Explorer view to open the events table filtered to it.');
      return undefined;
    }
    try {
      applyTableFilter(this.services.filter, 'pivot', termFor(target.field, target.value));
    } catch (error) {
      void vscode.window.showErrorMessage(`CloudTrail: could not filter on that value: ${errorMessage(error)}`);
      return undefined;
    }
    return this.open();
  }

  private adopt(webviewPanel: vscode.WebviewPanel, state: TableState): TablePanel {
    // One table at a time: a restored panel replaces any other.
    this.panel?.dispose();
    const panel = new TablePanel(webviewPanel, this.services, state);
    this.panel = panel;
    const subscription = panel.onDidDispose(() => {
      void this.services.context.workspaceState.update(STATE_KEY, panel.session.currentState);
      if (this.panel === panel) this.panel = undefined;
      subscription.dispose();
    });
    return panel;
  }

  override dispose(): void {
    this.panel?.dispose();
    this.panel = undefined;
    super.dispose();
  }
}

/** Registers the table; the composition root pushes the result onto context.subscriptions. */
export function registerTable(services: ExtensionServices): TableController {
  return new TableController(services);
}
