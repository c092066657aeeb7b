/**
 * Every `cloudtrail.*` setting: its name (the key without `cloudtrail.`), type and default, in one
 * table. No `vscode` import, so the unit suite checks it against package.json's
 * `contributes.configuration` both ways; the extension reads it through `src/extension/settings.ts`.
 */
export interface Settings {
  autoDetectTrails: boolean;
  autoLoadWorkspaceTrails: boolean;
  'cache.verifyContents': boolean;
  openCompressedTrailFilesDecompressed: boolean;
  'lenses.enabled': boolean;
  'display.timeZone': 'utc' | 'local';
  'lenses.fields': readonly string[];
  'lenses.maxPerDocument': number;
  'lenses.maxPerValue': number;
  'detections.sigmaRulesFolder': string;
  'detections.includeBuiltinRules': boolean;
  'noise.hideReadOnly': boolean;
  'noise.collapseServiceEvents': boolean;
  'aws.profile': string;
  'aws.regions': readonly string[];
  'athena.database': string;
  'athena.table': string;
  'athena.workgroup': string;
  'athena.outputLocation': string;
  'athena.region': string;
  'athena.regionPartition': string;
  'athena.datePartition': string;
  'lake.eventDataStore': string;
  'lake.region': string;
  'endpoints.cloudtrail': string;
  'endpoints.s3': string;
  'endpoints.athena': string;
}

export type SettingName = keyof Settings;

export const SETTINGS_SECTION = 'cloudtrail';

/** The defaults; they must equal package.json's (checked by test/unit/manifest/settings.test.ts). */
export const SETTING_DEFAULTS: { readonly [K in SettingName]: Settings[K] } = {
  autoDetectTrails: true,
  autoLoadWorkspaceTrails: false,
  'cache.verifyContents': false,
  openCompressedTrailFilesDecompressed: true,
  'lenses.enabled': true,
  'display.timeZone': 'utc',
  'lenses.fields': ['accessKeyId', 'principal', 'sessionIssuer', 'sourceIPAddress', 'userAgent', 'eventName'],
  'lenses.maxPerDocument': 500,
  'lenses.maxPerValue': 3,
  'detections.sigmaRulesFolder': '',
  'detections.includeBuiltinRules': true,
  'noise.hideReadOnly': false,
  'noise.collapseServiceEvents': true,
  'aws.profile': '',
  'aws.regions': [],
  'athena.database': '',
  'athena.table': '',
  'athena.workgroup': '',
  'athena.outputLocation': '',
  'athena.region': '',
  'athena.regionPartition': 'region',
  'athena.datePartition': 'timestamp',
  'lake.eventDataStore': '',
  'lake.region': '',
  'endpoints.cloudtrail': '',
  'endpoints.s3': '',
  'endpoints.athena': '',
};

/** The full key as package.json and the Settings UI spell it, e.g. `cloudtrail.noise.hideReadOnly`. */
export function settingKey(name: SettingName): string {
  return `${SETTINGS_SECTION}.${name}`;
}
