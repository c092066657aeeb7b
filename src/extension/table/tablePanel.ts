/**
 * The Events table's WebviewPanel: a nonce CSP, resources limited to the built webview assets,
 * and a TableSession (src/core/table/session.ts) answering the webview's typed messages. The
 * panel is a Disposable owning everything it registers.
 */
import * as vscode from 'vscode';
import type { ExtensionServices } from '../services';
import type { FilterState } from '../filter/filterState';
import { parseFilter } from '../../core/query/parser';
import { FilterAction, TablePort, TableSession } from '../../core/table/session';
import { HostToTable, TableState } from '../../shared/table-protocol';
import { eventUri } from '../documents/eventUri';
import { SessionPanel } from '../util/webviewPanel';

export const TABLE_VIEW_TYPE = 'cloudtrail.table';
export const TABLE_TITLE = 'CloudTrail Events';

/**
 * The one place the table changes the shared filter: pivot replaces the expression (the time
 * range and hiding read-only calls stay), add narrows it (AND), exclude adds `NOT term`.
 */
export function applyTableFilter(filter: FilterState, action: FilterAction, term: string): void {
  switch (action) {
    case 'pivot':
      filter.replace(parseFilter(term));
      return;
    case 'add':
      filter.narrow(parseFilter(term));
      return;
    case 'exclude':
      filter.exclude(parseFilter(term));
      return;
    default: {
      const unknownAction: never = action;
      void unknownAction;
    }
  }
}

function tablePort(panel: vscode.WebviewPanel, services: ExtensionServices): TablePort {
  const filter = services.filter;
  return {
    index: () => services.investigation.index,
    selection: () => filter.selection(),
    filterInfo: () => ({ expression: filter.expression, ...(filter.timeRange ? { timeRange: { ...filter.timeRange } } : {}) }),
    formatTime: (ms) => services.display.time(ms),
    display: (column, value) => (column === 'principal' ? services.display.principal(value) : undefined),
    openEvent: async (id, preserveFocus) => {
      // Beside the table, so the table stays in view while events are read one after another.
      const document = await vscode.workspace.openTextDocument(eventUri(services.investigation, services.display, id));
      await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preserveFocus, preview: true });
    },
    applyFilter: (action, term) => applyTableFilter(filter, action, term),
    copy: async (text) => {
      await vscode.env.clipboard.writeText(text);
      vscode.window.setStatusBarMessage('Copied the cell', 2000);
    },
    post: (message: HostToTable) => panel.webview.postMessage(message),
    log: (message) => services.log.warn(message),
  };
}

export class TablePanel extends SessionPanel<TableState, TableSession> {
  constructor(panel: vscode.WebviewPanel, services: ExtensionServices, state: TableState) {
    super(panel, new TableSession(tablePort(panel, services), state), {
      extensionUri: services.context.extensionUri,
      bundle: 'table',
      title: TABLE_TITLE,
      name: 'events table',
      log: services.log,
      failure: { type: 'error', message: 'The events table could not answer; see the CloudTrail Investigator log.' } satisfies HostToTable,
    });
    this.disposables.push(
      services.filter.onDidChange(() => this.session.filterChanged()),
      services.onDidChangeIndex(() => this.session.indexChanged()),
      // The time zone setting changed: the rows read again.
      services.display.onDidChange(() => this.session.indexChanged()),
    );
  }
}
