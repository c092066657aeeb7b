/**
 * Noise controls.
 *
 * Read-only calls go through the shared filter, so every view (Explorer, Events, timeline,
 * lenses) follows without being edited: hiding them is the filter value's `hideReadOnly`, shown
 * in the filter text as the top-level term `NOT readOnly:true`. The setting
 * `cloudtrail.noise.hideReadOnly` applies it when sources load and when the setting changes; the
 * commands change both. A user who edits the filter stays in charge: removing the term by hand
 * shows read-only calls (whether the term is there is decided on the parsed tree, see
 * core/query/expression.ts `hidesReadOnly`).
 *
 * Grouping AWS-service events and console bursts is a way of showing a list, not a filter: the
 * setting `cloudtrail.noise.collapseServiceEvents` is the state (the Events view and the
 * timeline read it through `noiseGroupingEnabled()`), the commands write it.
 *
 * Extensions cannot mark a menu item as checked, so each toggle shows in the view titles as a
 * pair of commands (hide/show, group/ungroup) with complementary `when` clauses on a context key.
 */
import * as vscode from 'vscode';
import type { ExtensionServices } from '../services';
import { Disposable } from '../util/disposables';
import { affectsSetting, getSetting, settingKey, updateSetting } from '../settings';
import { NoiseCommands } from '../commandIds';

/** Context key: the filter hides read-only calls. */
export const READ_ONLY_HIDDEN_KEY = 'cloudtrail.noise.readOnlyHidden';
/** Context key: AWS-service events and console bursts are shown as groups. */
export const GROUPING_KEY = 'cloudtrail.noise.grouping';

/** Whether lists group AWS-service events and console bursts (`cloudtrail.noise.collapseServiceEvents`). */
export function noiseGroupingEnabled(): boolean {
  return getSetting('noise.collapseServiceEvents');
}

/** True when a configuration change affects grouping. */
export function affectsNoiseGrouping(e: vscode.ConfigurationChangeEvent): boolean {
  return affectsSetting(e, 'noise.collapseServiceEvents');
}

export class NoiseControls extends Disposable {
  private hadSources: boolean;

  constructor(private readonly services: Pick<ExtensionServices, 'investigation' | 'filter' | 'log' | 'onDidChangeSources'>) {
    super();
    this.hadSources = services.investigation.summaries().length > 0;
    this.disposables.push(
      vscode.commands.registerCommand(NoiseCommands.toggleReadOnly, () => this.toggleReadOnly()),
      vscode.commands.registerCommand(NoiseCommands.hideReadOnly, () => this.setReadOnlyHidden(true)),
      vscode.commands.registerCommand(NoiseCommands.showReadOnly, () => this.setReadOnlyHidden(false)),
      vscode.commands.registerCommand(NoiseCommands.toggleGrouping, () => this.setGrouping(!noiseGroupingEnabled())),
      vscode.commands.registerCommand(NoiseCommands.groupEvents, () => this.setGrouping(true)),
      vscode.commands.registerCommand(NoiseCommands.ungroupEvents, () => this.setGrouping(false)),
      services.filter.onDidChange(() => this.updateContext()),
      // The setting applies when events first load (and when it changes), not on every
      // source change: a user who removed the term by hand keeps their filter.
      services.onDidChangeSources(() => {
        const hasSources = services.investigation.summaries().length > 0;
        if (hasSources && !this.hadSources) this.applySetting();
        this.hadSources = hasSources;
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (affectsSetting(e, 'noise.hideReadOnly')) this.applySetting();
        if (affectsNoiseGrouping(e)) this.updateGroupingContext();
      }),
    );
    this.updateContext();
    this.updateGroupingContext();
  }

  private get settingHides(): boolean {
    return getSetting('noise.hideReadOnly');
  }

  /** Brings the filter in line with the setting (only when events are loaded; idempotent). */
  private applySetting(): void {
    if (this.services.investigation.summaries().length === 0) return;
    this.setHidden(this.settingHides);
  }

  private setHidden(hide: boolean): void {
    this.services.filter.setHideReadOnly(hide);
  }

  /** Flips hiding read-only calls in the filter and remembers the choice in the setting. */
  async toggleReadOnly(): Promise<boolean> {
    return this.setReadOnlyHidden(!this.services.filter.hideReadOnly);
  }

  /** Hides or shows read-only calls (the filter changes at once) and remembers the choice in the setting. */
  async setReadOnlyHidden(hide: boolean): Promise<boolean> {
    this.setHidden(hide);
    // User settings, never workspace settings: the workspace may be the evidence folder itself.
    if (this.settingHides !== hide) await updateSetting('noise.hideReadOnly', hide);
    this.services.log.info(hide ? 'read-only calls hidden (filter term NOT readOnly:true)' : 'read-only calls shown');
    return hide;
  }

  /** Turns grouping of AWS-service events and console bursts on or off (a user setting). */
  async setGrouping(on: boolean): Promise<boolean> {
    if (noiseGroupingEnabled() !== on) {
      // User settings only: the workspace may be the evidence folder itself.
      await updateSetting('noise.collapseServiceEvents', on);
      if (noiseGroupingEnabled() !== on) {
        void vscode.window.showWarningMessage(`CloudTrail: \`${settingKey('noise.collapseServiceEvents')}\` is set in the workspace settings, which win over the user setting just changed.`);
      }
    }
    this.updateGroupingContext();
    this.services.log.info(on ? 'AWS-service events and console bursts grouped' : 'every event listed ungrouped');
    return on;
  }

  private updateContext(): void {
    void vscode.commands.executeCommand('setContext', READ_ONLY_HIDDEN_KEY, this.services.filter.hideReadOnly);
  }

  private updateGroupingContext(): void {
    void vscode.commands.executeCommand('setContext', GROUPING_KEY, noiseGroupingEnabled());
  }
}
