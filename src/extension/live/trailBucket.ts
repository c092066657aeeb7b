/**
 * "Download Trail Bucket…": bucket, prefix, organisation, accounts, regions and days, into an
 * evidence folder the user picks; resumable; the folder is then added as a source.
 */
import * as vscode from 'vscode';
import { DOWNLOAD_MANIFEST, downloadTrailBucket } from '../../core/aws/s3trail';
import type { ExtensionServices } from '../services';
import { abortSignalFor, errorMessage } from '../util/cancellation';
import type { LiveHandlers } from './liveCommands';
import { LiveSettings } from './liveSettings';
import { LiveCommands } from '../commandIds';

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

function list(value: string): string[] {
  return value
    .split(/[\s,]+/)
    .map((v) => v.trim())
    .filter(Boolean);
}

async function ask(title: string, prompt: string, value: string, validate: (v: string) => string | undefined): Promise<string | undefined> {
  return vscode.window.showInputBox({ title, prompt, value, ignoreFocusOut: true, validateInput: (v) => validate(v.trim()) });
}

export function trailBucketHandlers(services: Pick<ExtensionServices, 'addSource' | 'context' | 'log'>, settings: LiveSettings): LiveHandlers {
  const state = services.context.globalState;
  const run = async (): Promise<void> => {
    const title = 'Download a trail bucket';
    const bucket = await ask(title, 'S3 bucket the trail delivers to', state.get('ctinv.s3.bucket', ''), (v) =>
      /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(v) ? undefined : 'An S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens',
    );
    if (bucket === undefined) return;
    const prefix = await ask(title, 'Key prefix before AWSLogs/ (empty when none)', state.get('ctinv.s3.prefix', ''), () => undefined);
    if (prefix === undefined) return;
    const orgId = await ask(title, 'Organisation id for an organisation trail, o-xxxxxxxxxx (empty when none)', state.get('ctinv.s3.org', ''), (v) =>
      v === '' || /^o-[a-z0-9]{10,32}$/.test(v) ? undefined : 'o- followed by 10 to 32 lower-case letters or digits',
    );
    if (orgId === undefined) return;
    const accounts = await ask(title, 'Account ids, comma-separated (empty: every account in the bucket)', '', (v) =>
      list(v).every((a) => ACCOUNT.test(a)) ? undefined : 'Account ids are 12 digits',
    );
    if (accounts === undefined) return;
    const regions = await ask(title, 'Regions, comma-separated (empty: every region found)', settings.regions.join(', '), (v) =>
      list(v).every((r) => REGION.test(r)) ? undefined : 'Region names such as us-east-1',
    );
    if (regions === undefined) return;
    const today = new Date().toISOString().slice(0, 10);
    const weekAgo = new Date(Date.now() - 7 * 86400_000).toISOString().slice(0, 10);
    const dateCheck = (v: string): string | undefined => (/^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)) ? undefined : 'A day as YYYY-MM-DD (UTC)');
    const from = await ask(title, 'First day, YYYY-MM-DD (UTC)', weekAgo, dateCheck);
    if (from === undefined) return;
    const to = await ask(title, 'Last day, YYYY-MM-DD (UTC)', today, (v) => dateCheck(v) ?? (v < from.trim() ? 'The last day is before the first' : undefined));
    if (to === undefined) return;
    const folder = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Download here', title: 'Evidence folder for the trail files' });
    if (!folder?.[0]) return;
    const profile = await settings.pickProfile();
    if (!profile) return;
    await state.update('ctinv.s3.bucket', bucket.trim());
    await state.update('ctinv.s3.prefix', prefix.trim());
    await state.update('ctinv.s3.org', orgId.trim());
    const bucketRegion = settings.regions[0] ?? 'us-east-1';
    const dest = folder[0].fsPath;
    const log = services.log;

    const summary = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `CloudTrail: downloading s3://${bucket.trim()}`, cancellable: true },
      async (progress, token) => {
        const abort = abortSignalFor(token);
        try {
          return await downloadTrailBucket({
            factory: settings.factoryFor(profile),
            region: bucketRegion,
            bucket: bucket.trim(),
            prefix: prefix.trim(),
            orgId: orgId.trim() || undefined,
            accounts: list(accounts),
            regions: list(regions),
            from: from.trim(),
            to: to.trim(),
            dest,
            signal: abort.signal,
            onProgress: (p) =>
              progress.report({ message: `${p.listing ? 'listing… ' : ''}${p.downloaded} downloaded, ${p.skipped} already there, ${p.listed} listed` }),
          });
        } catch (error) {
          log.error(`downloading s3://${bucket.trim()} failed: ${errorMessage(error)}`);
          void vscode.window.showErrorMessage(`CloudTrail: ${errorMessage(error)}`);
          return undefined;
        } finally {
          abort.dispose();
        }
      },
    );
    if (!summary) return;
    log.info(`s3://${bucket.trim()} → ${dest}: ${summary.downloaded} downloaded, ${summary.skipped} already present, ${summary.listed} listed (accounts ${summary.accounts.join(', ')}; regions ${summary.regions.join(', ')})`);
    if (summary.unverified) {
      log.info(
        `${summary.unverified} downloaded objects carry no content guarantee from S3 (SSE-KMS or multipart ETag, no SHA-256 checksum): their SHA-256 is recorded in ${DOWNLOAD_MANIFEST}; digest validation checks them.`,
      );
    }
    for (const p of summary.rejected) log.warn(`refused key ${JSON.stringify(p.key)}: ${p.reason}`);
    for (const p of summary.conflicts) log.warn(`${p.key}: ${p.reason}`);
    for (const p of summary.failed) log.error(`${p.key}: ${p.reason}`);
    for (const e of summary.errors) log.error(e);
    if (summary.errors.length) void vscode.window.showErrorMessage(`CloudTrail: ${summary.errors[0]}`);
    if (summary.cancelled) {
      void vscode.window.showWarningMessage(`CloudTrail: download cancelled after ${summary.downloaded} files; run it again to resume.`);
      return;
    }
    if (summary.files.length) await services.addSource([dest], `s3://${bucket.trim()}`);
  };
  return { [LiveCommands.downloadTrailBucket]: run };
}
