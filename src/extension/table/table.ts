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
import { SinglePanel } from '../util/webviewPanel';
import { TABLE_TITLE, TABLE_VIEW_TYPE, TablePanel, applyTableFilter } from './tablePanel';

const STATE_KEY = 'cloudtrail.table.state';

export class TableController extends Disposable {
  private readonly panels: SinglePanel<TableState, TablePanel>;

  constructor(private readonly services: ExtensionServices) {
    super();
    this.panels = new SinglePanel({
      viewType: TABLE_VIEW_TYPE,
      title: TABLE_TITLE,
      context: services.context,
      stateKey: STATE_KEY,
      parseState: parseTableState,
      create: (webviewPanel, state) => new TablePanel(webviewPanel, services, state),
    });
    this.disposables.push(
      vscode.commands.registerCommand(TableCommands.open, () => this.open()),
      vscode.commands.registerCommand(TableCommands.showItem, (arg?: unknown) => this.showItem(arg)),
      this.panels,
    );
  }

  /** The open panel, if any (integration tests read its session). */
  get current(): TablePanel | undefined {
    return this.panels.current;
  }

  /** Opens (or reveals) the table; it shows what the shared filter selects. */
  open(): TablePanel {
    return this.panels.open();
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
}

/** Registers the table; the composition root pushes the result onto context.subscriptions. */
export function registerTable(services: ExtensionServices): TableController {
  return new TableController(services);
}
