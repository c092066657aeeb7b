import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SETTING_DEFAULTS, SettingName, settingKey } from '../../../src/shared/settings-schema';

interface ConfigurationProperty {
  type?: string | string[];
  default?: unknown;
}

/** package.json's `contributes.configuration` properties (one object or a list of them). */
function contributedSettings(): Map<string, ConfigurationProperty> {
  // out/test/unit/manifest -> repo root
  const manifest = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../../package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, ConfigurationProperty> } | { properties: Record<string, ConfigurationProperty> }[] };
  };
  const sections = Array.isArray(manifest.contributes.configuration) ? manifest.contributes.configuration : [manifest.contributes.configuration];
  return new Map(sections.flatMap((s) => Object.entries(s.properties)));
}

function jsonType(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

describe('settings schema (src/shared/settings-schema.ts) equals package.json contributes.configuration', () => {
  const contributed = contributedSettings();
  const names = Object.keys(SETTING_DEFAULTS) as SettingName[];

  it('package.json contributes settings, all under cloudtrail.', () => {
    assert.ok(contributed.size > 0);
    for (const key of contributed.keys()) assert.match(key, /^cloudtrail\./);
  });

  it('every setting in the schema is contributed by package.json', () => {
    const missing = names.map(settingKey).filter((key) => !contributed.has(key));
    assert.deepEqual(missing, [], 'settings read by the extension but not in package.json');
  });

  it('every setting in package.json is in the schema', () => {
    const known = new Set(names.map(settingKey));
    const missing = [...contributed.keys()].filter((key) => !known.has(key));
    assert.deepEqual(missing, [], 'settings in package.json but not in src/shared/settings-schema.ts');
  });

  it('each default and its type equal package.json', () => {
    for (const name of names) {
      const property = contributed.get(settingKey(name));
      assert.ok(property, settingKey(name));
      assert.deepEqual(SETTING_DEFAULTS[name], property.default, `default of ${settingKey(name)}`);
      const declared = Array.isArray(property.type) ? property.type : [property.type];
      const actual = jsonType(SETTING_DEFAULTS[name]);
      assert.ok(declared.includes(actual) || (actual === 'integer' && declared.includes('number')), `${settingKey(name)}: package.json says ${declared.join('|')}, the schema's default is ${actual}`);
    }
  });
});
