/**
 * Settings for live sources and the one AWS client factory they share: rebuilt (and the old
 * clients destroyed) when the profile or an endpoint override changes. Only the profile name
 * and region names are ever stored; credentials stay inside the SDK's providers in memory.
 */
import * as vscode from 'vscode';
import { AwsClientFactory, EndpointOverrides } from '../../core/aws/clients';
import { listProfiles, ProfileInfo, sharedFiles } from '../../core/aws/profiles';
import { errorMessage } from '../util/cancellation';
import type { LivePrompts } from './prompts';
import { affectsSetting, getSetting, stringSetting, updateSetting } from '../settings';

/** Regions offered when nothing is configured; any region name can be typed. */
const COMMON_REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ca-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-north-1',
  'eu-south-1',
  'ap-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'sa-east-1',
  'me-south-1',
  'af-south-1',
];

export class LiveSettings implements vscode.Disposable {
  private factory: AwsClientFactory | undefined;
  private factoryKey = '';
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly prompts: LivePrompts,
  ) {
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (affectsSetting(e, 'aws.profile') || affectsSetting(e, 'endpoints')) this.reset();
    });
  }

  get profile(): string | undefined {
    return stringSetting('aws.profile');
  }

  get regions(): string[] {
    const value: unknown = getSetting('aws.regions');
    return Array.isArray(value) ? value.filter((r): r is string => typeof r === 'string' && /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(r)) : [];
  }

  endpoints(): EndpointOverrides {
    return { cloudtrail: stringSetting('endpoints.cloudtrail'), s3: stringSetting('endpoints.s3'), athena: stringSetting('endpoints.athena') };
  }

  /** The factory for `profile`; throws with the setting's name when an endpoint override is wrong. */
  factoryFor(profile: string): AwsClientFactory {
    const endpoints = this.endpoints();
    const key = JSON.stringify([profile, endpoints]);
    if (!this.factory || key !== this.factoryKey) {
      this.factory?.dispose();
      this.factory = new AwsClientFactory({
        profile,
        endpoints,
        // A role profile with mfa_serial: asked when its credentials are first resolved (and again when they expire).
        mfaCode: async (serial, name) => {
          this.log.info(`AWS profile '${name}' needs the code of MFA device ${serial}`);
          return this.prompts.mfaCode(serial, name);
        },
      });
      this.factoryKey = key;
      const overridden = Object.entries(endpoints).filter(([, v]) => v);
      if (overridden.length) this.log.info(`AWS endpoint overrides: ${overridden.map(([k, v]) => `${k} → ${v}`).join(', ')}`);
    }
    return this.factory;
  }

  async profiles(): Promise<ProfileInfo[]> {
    try {
      return await listProfiles(sharedFiles());
    } catch (error) {
      void vscode.window.showErrorMessage(`CloudTrail: ${errorMessage(error)}`);
      return [];
    }
  }

  /** The configured profile, or a pick (remembered: the name only). */
  async pickProfile(force = false): Promise<string | undefined> {
    const current = this.profile;
    const profiles = await this.profiles();
    if (!force && current && profiles.some((p) => p.name === current)) return current;
    if (profiles.length === 0) {
      const { configFile, credentialsFile } = sharedFiles();
      void vscode.window.showErrorMessage(`CloudTrail: no AWS profiles found in ${configFile} or ${credentialsFile}. Configure one with \`aws configure\` or \`aws configure sso\`.`);
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      profiles.map((p) => ({
        label: p.name,
        description: [p.kind, p.account, p.region, p.mfaSerial ? 'MFA' : undefined].filter(Boolean).join(' · '),
        picked: p.name === current,
      })),
      { title: 'AWS profile for live sources', placeHolder: current ? `current: ${current}` : 'choose a profile' },
    );
    if (!picked) return undefined;
    await updateSetting('aws.profile', picked.label);
    return picked.label;
  }

  /** Several regions at once, remembered (names only). */
  async pickRegions(): Promise<string[] | undefined> {
    const current = this.regions;
    const all = [...new Set([...current, ...COMMON_REGIONS])];
    const picked = await vscode.window.showQuickPick(
      all.map((r) => ({ label: r, picked: current.includes(r) })),
      { title: 'Regions to query', canPickMany: true, placeHolder: 'LookupEvents runs in each region, 2 requests per second per region' },
    );
    if (!picked || picked.length === 0) return undefined;
    const regions = picked.map((p) => p.label);
    await updateSetting('aws.regions', regions);
    return regions;
  }

  private reset(): void {
    this.factory?.dispose();
    this.factory = undefined;
    this.factoryKey = '';
  }

  dispose(): void {
    this.reset();
    this.subscription.dispose();
  }
}
