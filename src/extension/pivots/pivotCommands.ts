import * as vscode from 'vscode';
import type { ValueCount } from '../../core/engine/api';
import { FIELD_INFO, PIVOT_FIELDS, type PivotField } from '../../core/index/fields';
import { termFor } from '../../core/query/parser';
import { Commands } from '../commandIds';
import type { ExtensionServices } from '../services';
import { errorMessage } from '../util/cancellation';
import { oneLine, withoutIconSyntax } from '../util/text';
import { asPivotTarget, isPivotField } from './target';
import { Disposable } from '../util/disposables';

/** How many values a Quick Pick lists; the Quick Pick's own search narrows them. */
const QUICK_PICK_LIMIT = 5000;

const FIELD_COMMANDS: ReadonlyArray<readonly [string, PivotField]> = [
  [Commands.pivotAccessKey, 'accessKey'],
  [Commands.pivotSourceIp, 'ip'],
  [Commands.pivotPrincipal, 'principal'],
  [Commands.pivotRoleSession, 'session'],
  [Commands.pivotEventName, 'eventName'],
  [Commands.pivotResource, 'resource'],
];

interface ValuePick extends vscode.QuickPickItem {
  value: string;
}

/** The editor's selection as a value: trimmed, without surrounding JSON quotes. */
function selectedValue(): string | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.selection.isEmpty) return undefined;
  const text = editor.document.getText(editor.selection).trim().replace(/^"(.*)"$/s, '$1').replace(/,$/, '');
  return text && !text.includes('\n') ? text : undefined;
}

/**
 * Pivot on Access Key, Source IP, Principal, Role Session, Event Name, Resource ARN or any
 * field. A value passed as an argument (tree items, lenses, tests) or selected in the editor
 * is used directly; otherwise a Quick Pick lists the values with counts and first/last seen.
 */
export class PivotCommands extends Disposable {

  constructor(private readonly services: Pick<ExtensionServices, 'display' | 'filter' | 'investigation' | 'log'>) {
    super();
    for (const [command, field] of FIELD_COMMANDS) {
      this.disposables.push(vscode.commands.registerCommand(command, (arg?: unknown) => this.pivot(field, arg)));
    }
    this.disposables.push(vscode.commands.registerCommand(Commands.pivotField, (field?: unknown, value?: unknown) => this.pivotOnAnyField(field, value)));
  }

  private async pivotOnAnyField(fieldArg?: unknown, value?: unknown): Promise<boolean> {
    const target = asPivotTarget(fieldArg);
    if (target) return this.pivot(target.field, target.value);
    let field: PivotField | undefined = isPivotField(fieldArg) ? fieldArg : undefined;
    if (!field) {
      const picked = await vscode.window.showQuickPick(
        PIVOT_FIELDS.map((f) => ({ label: FIELD_INFO[f].label, description: f, detail: FIELD_INFO[f].jsonPath, field: f })),
        { title: 'Pivot on which field?', matchOnDescription: true, matchOnDetail: true },
      );
      field = picked?.field;
    }
    if (!field) return false;
    return this.pivot(field, value);
  }

  /** Resolves true when the filter was set. */
  async pivot(field: PivotField, arg?: unknown): Promise<boolean> {
    const value = typeof arg === 'string' ? arg : (asPivotTarget(arg)?.value ?? selectedValue() ?? (await this.pickValue(field)));
    if (value === undefined) return false;
    try {
      this.services.filter.setExpression(termFor(field, value));
      this.services.log.info(`pivot on ${field}: ${oneLine(value, 200)}`);
      return true;
    } catch (error) {
      void vscode.window.showErrorMessage(`CloudTrail: could not pivot on ${FIELD_INFO[field].label}: ${errorMessage(error)}`);
      return false;
    }
  }

  /**
   * A picker row: principals read as their display name (the key is in the description, so the
   * search still finds it); an access key shows its owner, the principal that used it.
   */
  private pickItem(field: PivotField, v: ValueCount): ValuePick {
    const { display, investigation } = this.services;
    const count = `${v.count.toLocaleString('en-US')} event${v.count === 1 ? '' : 's'}`;
    let label = oneLine(v.value, 200);
    let description = count;
    if (field === 'principal') {
      label = display.principal(v.value);
      if (label !== v.value) description = `${count} · ${oneLine(v.value, 200)}`;
    } else if (field === 'accessKey') {
      const used = investigation.index.postings('accessKey', v.value);
      const owner = used.length > 0 ? investigation.index.value('principal', used[0]) : undefined;
      if (owner) description = `${display.principal(owner)} · ${count}`;
    }
    return {
      label: withoutIconSyntax(label),
      description: withoutIconSyntax(description),
      detail: `first ${display.time(v.first)} · last ${display.time(v.last)}`,
      value: v.value,
    };
  }

  private async pickValue(field: PivotField): Promise<string | undefined> {
    const { investigation, filter } = this.services;
    if (investigation.index.size === 0) {
      void vscode.window.showInformationMessage('CloudTrail: no events are loaded yet. Add a folder or files first.', 'Add Folder').then((choice) => {
        if (choice) void vscode.commands.executeCommand(Commands.addFolder);
      });
      return undefined;
    }
    const label = FIELD_INFO[field].label;
    const values = investigation.index.top(field, filter.selection(), QUICK_PICK_LIMIT);
    const items: ValuePick[] = values.map((v) => this.pickItem(field, v));
    const picked = await vscode.window.showQuickPick(items, {
      title: `Pivot on ${label}${filter.effective ? ' (within the active filter)' : ''}`,
      placeHolder: items.length === 0 ? `No ${label.toLowerCase()} values in the events matching the filter` : `Type to search ${items.length.toLocaleString('en-US')} values`,
      matchOnDescription: true,
      matchOnDetail: true,
    });
    return picked?.value;
  }
}
