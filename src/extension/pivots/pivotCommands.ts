import * as vscode from 'vscode';
import type { Selection } from '../../core/engine/api';
import { FIELD_INFO, PIVOT_FIELDS, type PivotField } from '../../core/index/fields';
import { intersect } from '../../core/index/selection';
import { MATCH_ALL, termNode } from '../../core/query/expression';
import { Commands } from '../commandIds';
import { replacedBy, type FilterValue } from '../filter/filterState';
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

/**
 * What choosing a value does: `narrow` joins `field:value` to the active filter with AND (the
 * default everywhere: pickers, lenses, hovers, commands given a value); `replace` makes it the
 * whole expression (the time range and hiding read-only calls stay).
 */
export type PivotMode = 'narrow' | 'replace';

export function isPivotMode(mode: unknown): mode is PivotMode {
  return mode === 'narrow' || mode === 'replace';
}

/** The mode a command was asked for: its mode argument, else a target's `mode` ({field, value, mode}), else narrow. */
function modeOf(mode: unknown, target: unknown): PivotMode {
  if (isPivotMode(mode)) return mode;
  const fromTarget = typeof target === 'object' && target !== null ? (target as { mode?: unknown }).mode : undefined;
  return isPivotMode(fromTarget) ? fromTarget : 'narrow';
}

export interface ValuePick extends vscode.QuickPickItem {
  readonly value: string;
  /** Events the filter selects after choosing this value in the picker's mode. */
  readonly count: number;
  /** Events the filter selects after replacing the expression by this value (the item button). */
  readonly replaceCount: number;
}

const REPLACE_ICON = new vscode.ThemeIcon('replace');
const NARROW_ICON = new vscode.ThemeIcon('filter');

function events(count: number): string {
  return `${count.toLocaleString('en-US')} event${count === 1 ? '' : 's'}`;
}

/** The editor's selection as a value: trimmed, without surrounding JSON quotes. */
function selectedValue(): string | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.selection.isEmpty) return undefined;
  const text = editor.document.getText(editor.selection).trim().replace(/^"(.*)"$/s, '$1').replace(/,$/, '');
  return text && !text.includes('\n') ? text : undefined;
}

/**
 * The value picker of one pivot: the values with the number of events the filter will select
 * once one is chosen. By default choosing narrows the active filter (counts within it); the
 * title button switches the list to replacing the filter (counts over everything the time range
 * and read-only choice let through), and each item's button replaces with that item directly.
 */
export class PivotPicker implements vscode.Disposable {
  readonly quickPick: vscode.QuickPick<ValuePick>;
  private mode: PivotMode = 'narrow';
  private readonly disposables: vscode.Disposable[] = [];
  private readonly chosen: Promise<{ value: string; mode: PivotMode } | undefined>;
  private resolve!: (choice: { value: string; mode: PivotMode } | undefined) => void;
  /** True when narrowing and replacing differ (an expression is active). */
  readonly canReplace: boolean;

  constructor(
    private readonly field: PivotField,
    private readonly current: FilterValue,
    private readonly selectionOf: (value: FilterValue) => Selection,
    private readonly services: Pick<ExtensionServices, 'display' | 'investigation'>,
  ) {
    this.canReplace = current.expression.kind !== 'all';
    this.quickPick = vscode.window.createQuickPick<ValuePick>();
    this.quickPick.matchOnDescription = true;
    this.quickPick.matchOnDetail = true;
    this.chosen = new Promise((resolve) => (this.resolve = resolve));
    this.disposables.push(
      this.quickPick,
      this.quickPick.onDidAccept(() => {
        const [item] = this.quickPick.selectedItems.length > 0 ? this.quickPick.selectedItems : this.quickPick.activeItems;
        if (item) this.choose(item, this.mode);
      }),
      this.quickPick.onDidTriggerItemButton(({ item }) => this.choose(item, 'replace')),
      this.quickPick.onDidTriggerButton(() => this.setMode(this.mode === 'narrow' ? 'replace' : 'narrow')),
      this.quickPick.onDidHide(() => this.resolve(undefined)),
    );
    this.setMode('narrow');
  }

  get currentMode(): PivotMode {
    return this.mode;
  }

  get items(): readonly ValuePick[] {
    return this.quickPick.items;
  }

  /** Shows the picker; resolves with the value and how to apply it, or undefined when dismissed. */
  show(): Promise<{ value: string; mode: PivotMode } | undefined> {
    this.quickPick.show();
    return this.chosen;
  }

  /** What accepting an item (or its button) does; the picker's events call it, and so can tests. */
  choose(item: ValuePick, mode: PivotMode): void {
    this.resolve({ value: item.value, mode });
    this.quickPick.hide();
  }

  /** Lists the values with the counts of `mode` and says in the title what choosing does. */
  setMode(mode: PivotMode): void {
    this.mode = this.canReplace ? mode : 'narrow';
    const { field, current } = this;
    const index = this.services.investigation.index;
    const label = FIELD_INFO[field].label;
    const replaceBase = replacedBy(current, MATCH_ALL);
    const replaceSelection = this.canReplace ? this.selectionOf(replaceBase) : this.selectionOf(current);
    const listed = this.mode === 'narrow' ? this.selectionOf(current) : replaceSelection;
    const values = index.top(field, listed, QUICK_PICK_LIMIT);
    const replaceCounts = this.canReplace && this.mode === 'narrow' ? new Map(index.top(field, replaceSelection, QUICK_PICK_LIMIT).map((v) => [v.value, v.count])) : undefined;
    const items: ValuePick[] = values.map((v) => {
      // A value beyond the replace list's limit is counted directly.
      const replaceCount = replaceCounts ? (replaceCounts.get(v.value) ?? intersect(replaceSelection, index.postings(field, v.value)).length) : v.count;
      return {
        ...this.describe(v.value, v.count, v.first, v.last),
        value: v.value,
        count: v.count,
        replaceCount,
        buttons: this.canReplace && this.mode === 'narrow' ? [{ iconPath: REPLACE_ICON, tooltip: `Replace the filter with this value instead: ${events(replaceCount)}` }] : undefined,
      };
    });
    this.quickPick.items = items;
    const what = !this.canReplace ? 'sets the filter' : this.mode === 'narrow' ? 'narrows the active filter (AND); counts are what you get' : 'replaces the filter; counts are what you get';
    this.quickPick.title = `Pivot on ${label}: ${what}`;
    this.quickPick.placeholder =
      items.length === 0
        ? `No ${label.toLowerCase()} values in the events ${this.mode === 'narrow' ? 'matching the filter' : 'of the time range'}`
        : `Type to search ${items.length.toLocaleString('en-US')} values${this.canReplace && this.mode === 'narrow' ? ' · the item button replaces the filter instead' : ''}`;
    this.quickPick.buttons = this.canReplace
      ? [this.mode === 'narrow' ? { iconPath: REPLACE_ICON, tooltip: 'Replace the filter instead (list the counts for replacing)' } : { iconPath: NARROW_ICON, tooltip: 'Narrow the active filter instead (list the counts within it)' }]
      : [];
  }

  /**
   * A row's text: principals read as their display name (the key is in the description, so the
   * search still finds it); an access key shows its owner, the principal that used it.
   */
  private describe(value: string, count: number, first: number, last: number): Pick<vscode.QuickPickItem, 'label' | 'description' | 'detail'> {
    const { display, investigation } = this.services;
    let label = oneLine(value, 200);
    let description = events(count);
    if (this.field === 'principal') {
      label = display.principal(value);
      if (label !== value) description = `${events(count)} · ${oneLine(value, 200)}`;
    } else if (this.field === 'accessKey') {
      const used = investigation.index.postings('accessKey', value);
      const owner = used.length > 0 ? investigation.index.value('principal', used[0]) : undefined;
      if (owner) description = `${display.principal(owner)} · ${events(count)}`;
    }
    return { label: withoutIconSyntax(label), description: withoutIconSyntax(description), detail: `first ${display.time(first)} · last ${display.time(last)}` };
  }

  dispose(): void {
    this.resolve(undefined);
    for (const d of this.disposables) d.dispose();
  }
}

/**
 * Pivot on Access Key, Source IP, Principal, Role Session, Event Name, Resource ARN or any
 * field. A value passed as an argument (tree items, lenses, tests) or selected in the editor
 * is used directly; otherwise a Quick Pick lists the values with the counts the user will get.
 * A pivot narrows the active filter unless `replace` is asked for (an argument, or the picker's
 * buttons).
 */
export class PivotCommands extends Disposable {
  /** The picker on screen, if any (in-host tests look at it and choose through it). */
  activePicker: PivotPicker | undefined;

  constructor(private readonly services: Pick<ExtensionServices, 'display' | 'filter' | 'investigation' | 'log'>) {
    super();
    for (const [command, field] of FIELD_COMMANDS) {
      this.disposables.push(vscode.commands.registerCommand(command, (arg?: unknown, mode?: unknown) => this.pivot(field, arg, modeOf(mode, arg))));
    }
    this.disposables.push(
      vscode.commands.registerCommand(Commands.pivotField, (field?: unknown, value?: unknown, mode?: unknown) => this.pivotOnAnyField(field, value, modeOf(mode, field))),
    );
  }

  private async pivotOnAnyField(fieldArg: unknown, value: unknown, mode: PivotMode): Promise<boolean> {
    const target = asPivotTarget(fieldArg);
    if (target) return this.pivot(target.field, target.value, mode);
    let field: PivotField | undefined = isPivotField(fieldArg) ? fieldArg : undefined;
    if (!field) {
      const picked = await vscode.window.showQuickPick(
        PIVOT_FIELDS.map((f) => ({ label: FIELD_INFO[f].label, description: f, detail: FIELD_INFO[f].jsonPath, field: f })),
        { title: 'Pivot on which field?', matchOnDescription: true, matchOnDetail: true },
      );
      field = picked?.field;
    }
    if (!field) return false;
    return this.pivot(field, value, mode);
  }

  /** Resolves true when the filter was set. */
  async pivot(field: PivotField, arg?: unknown, mode: PivotMode = 'narrow'): Promise<boolean> {
    const given = typeof arg === 'string' ? arg : (asPivotTarget(arg)?.value ?? selectedValue());
    const choice = given !== undefined ? { value: given, mode } : await this.pickValue(field);
    if (choice === undefined) return false;
    try {
      const term = termNode(field, choice.value);
      const { filter } = this.services;
      if (choice.mode === 'replace') filter.replace(term);
      else filter.narrow(term);
      this.services.log.info(`pivot on ${field} (${choice.mode}): ${oneLine(choice.value, 200)}`);
      return true;
    } catch (error) {
      void vscode.window.showErrorMessage(`CloudTrail: could not pivot on ${FIELD_INFO[field].label}: ${errorMessage(error)}`);
      return false;
    }
  }

  private async pickValue(field: PivotField): Promise<{ value: string; mode: PivotMode } | undefined> {
    const { investigation, filter } = this.services;
    if (investigation.index.size === 0) {
      void vscode.window.showInformationMessage('CloudTrail: no events are loaded yet. Add a folder or files first.', 'Add Folder').then((choice) => {
        if (choice) void vscode.commands.executeCommand(Commands.addFolder);
      });
      return undefined;
    }
    this.activePicker?.dispose();
    const picker = new PivotPicker(field, filter.value, (value) => filter.selectionOf(value), this.services);
    this.activePicker = picker;
    try {
      return await picker.show();
    } finally {
      picker.dispose();
      if (this.activePicker === picker) this.activePicker = undefined;
    }
  }

  override dispose(): void {
    this.activePicker?.dispose();
    super.dispose();
  }
}
