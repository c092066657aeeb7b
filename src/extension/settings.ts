/**
 * The typed getters for `cloudtrail.*` settings; keys and defaults come from the one table in
 * `src/shared/settings-schema.ts`.
 */
import * as vscode from 'vscode';
import { SETTING_DEFAULTS, SETTINGS_SECTION, SettingName, Settings, settingKey } from '../shared/settings-schema';

export { settingKey } from '../shared/settings-schema';

/** The setting's value, or its default. The value is user-written JSON: callers that need more than its declared type check it. */
export function getSetting<K extends SettingName>(name: K): Settings[K] {
  return vscode.workspace.getConfiguration().get<Settings[K]>(settingKey(name), SETTING_DEFAULTS[name]);
}

/** A string setting trimmed, or undefined when it is empty or not a string. */
export function stringSetting(name: { [K in SettingName]: Settings[K] extends string ? K : never }[SettingName]): string | undefined {
  const value: unknown = getSetting(name);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

export function updateSetting<K extends SettingName>(name: K, value: Settings[K], target = vscode.ConfigurationTarget.Global): Thenable<void> {
  return vscode.workspace.getConfiguration().update(settingKey(name), value, target);
}

/** Whether the change touches `name`, or, given a group such as `lenses`, any setting under it. */
export function affectsSetting(event: vscode.ConfigurationChangeEvent, name: SettingName | SettingGroup): boolean {
  return event.affectsConfiguration(`${SETTINGS_SECTION}.${name}`);
}

/** The prefixes settings are grouped under (`cloudtrail.lenses.*`, ...). */
export type SettingGroup = 'display' | 'lenses' | 'detections' | 'noise' | 'aws' | 'athena' | 'lake' | 'endpoints' | 'cache';
