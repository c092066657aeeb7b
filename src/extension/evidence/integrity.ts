/**
 * "Validate Log File Integrity": pick an evidence folder (and optionally a public key file),
 * validate its digest chain with progress and cancel, and show a read-only Markdown report
 * with the verdict counts and every file that is not valid, with its reason. The evidence is
 * only read; the report lives in memory (a read-only virtual document).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DIGEST_VERDICTS, LOG_VERDICTS, type ValidationResult } from '../../core/integrity/types';
import { loadPublicKeyFile, type DigestPublicKey } from '../../core/integrity/keys';
import { validateFolder } from '../../core/integrity/validate';
import { parseTimeBound } from '../../core/integrity/window';
import { escapeReportText } from '../../core/report/incident';
import type { ExtensionServices } from '../services';
import { isAbort } from '../../core/abort';
import { abortSignalFor, errorMessage } from '../util/cancellation';
import { plural } from '../util/text';
import { ReportDocuments } from './reportDocuments';

export interface ValidateIntegrityArgs {
  folder: string;
  /** A PEM/DER public key file; without one, signatures (and so log files) cannot be verified. */
  publicKeyFile?: string;
  /** Do not open the report document (tests and callers that only want the result). */
  noReport?: boolean;
  /**
   * ISO 8601 bounds of the window to check, as `aws cloudtrail validate-logs --start-time/--end-time`;
   * by default the span the evidence covers.
   */
  startTime?: string;
  endTime?: string;
}

export interface IntegrityOutcome {
  result: ValidationResult;
  /** The read-only report document's URI. */
  reportUri: vscode.Uri;
  report: string;
}

function parseArgs(arg: unknown): ValidateIntegrityArgs | undefined {
  if (arg instanceof vscode.Uri) return { folder: arg.fsPath };
  if (typeof arg !== 'object' || arg === null) return undefined;
  const { folder, publicKeyFile, noReport, startTime, endTime } = arg as Record<string, unknown>;
  if (typeof folder !== 'string' || !folder) return undefined;
  return {
    folder,
    publicKeyFile: typeof publicKeyFile === 'string' && publicKeyFile ? publicKeyFile : undefined,
    noReport: noReport === true,
    startTime: typeof startTime === 'string' && startTime ? startTime : undefined,
    endTime: typeof endTime === 'string' && endTime ? endTime : undefined,
  };
}

/** The window bounds of the arguments as dates; throws naming the bound that is not a time. */
function windowOf(args: ValidateIntegrityArgs): { startTime?: Date; endTime?: Date } {
  const bound = (name: string, text: string | undefined): Date | undefined => {
    if (text === undefined) return undefined;
    const ms = parseTimeBound(text);
    if (!Number.isFinite(ms)) throw new RangeError(`${name} "${text}" is not an ISO 8601 time (for example 2026-11-20T10:00:00Z)`);
    return new Date(ms);
  };
  return { startTime: bound('startTime', args.startTime), endTime: bound('endTime', args.endTime) };
}

const LIST_LIMIT = 2000;

const NO_KEY = /^no public key with fingerprint (\S+)/;

/** The fingerprints of digests that could not be checked because no supplied key matched them. */
function missingKeyFingerprints(result: ValidationResult): string[] {
  const found = new Set<string>();
  for (const d of result.digests) {
    const m = d.verdict === 'not-verifiable' ? NO_KEY.exec(d.reason ?? '') : null;
    if (m) found.add(m[1]);
  }
  return [...found];
}

/** How to supply the key, in words (the report and the message say the same). */
const KEY_ADVICE =
  'Run Validate Log File Integrity again and choose the public key file: a PEM or DER key, or the JSON printed by `aws cloudtrail list-public-keys --region REGION --start-time … --end-time …`.';

/** Public key files lying beside the evidence folder or inside it (e.g. fixtures/sample-trail-public-key.pem). */
export async function keyFilesNear(folder: string): Promise<string[]> {
  const found: string[] = [];
  for (const dir of [folder, path.dirname(folder)]) {
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      if (/public[-_ ]?keys?.*\.(?:pem|der|json)$|\.(?:pem|pub)$/i.test(name) && !/private/i.test(name)) found.push(path.join(dir, name));
    }
  }
  return [...new Set(found)].slice(0, 10);
}

/** The report text: what was validated, the counts, then each non-valid file and chain finding. */
function integrityReport(result: ValidationResult, keyFile: string | undefined, when: Date): string {
  const e = escapeReportText;
  const out: string[] = [];
  out.push(`# Log file integrity: ${result.ok ? 'all valid' : 'NOT all valid'}`);
  out.push('');
  out.push(`- Evidence folder: ${e(result.target)}`);
  out.push(`- Public key: ${keyFile ? e(keyFile) : 'none given (signatures, and so the log files, cannot be verified)'}`);
  out.push(`- Validated: ${when.toISOString()}`);
  if (result.range) out.push(`- Digests cover: ${e(result.range.start)} → ${e(result.range.end)}`);
  const { start, end, given } = result.window;
  out.push(
    `- Window checked: ${e(start ?? '(none)')}${given.start ? ' (start given)' : ''} → ${e(end ?? '(none)')}${given.end ? ' (end given)' : ''}` +
      (given.start ? '' : ' (the span the evidence covers: what was deleted before its start cannot be told from where the evidence starts)'),
  );
  out.push('');
  out.push('## Verdicts');
  out.push('');
  out.push('| | ' + LOG_VERDICTS.join(' | ') + ' |');
  out.push('| --- |' + LOG_VERDICTS.map(() => ' ---: |').join(''));
  out.push('| Log files | ' + LOG_VERDICTS.map((v) => String(result.counts.logs[v])).join(' | ') + ' |');
  out.push('');
  out.push('| | ' + DIGEST_VERDICTS.join(' | ') + ' |');
  out.push('| --- |' + DIGEST_VERDICTS.map(() => ' ---: |').join(''));
  out.push('| Digests | ' + DIGEST_VERDICTS.map((v) => String(result.counts.digests[v])).join(' | ') + ' |');
  out.push('');
  const badDigests = result.digests.filter((d) => d.verdict !== 'valid');
  const badLogs = result.logFiles.filter((l) => l.verdict !== 'valid');
  if (badDigests.length === 0 && badLogs.length === 0 && result.findings.length === 0 && result.problems.length === 0) {
    out.push(result.digests.length === 0 ? 'No digest file was found in this folder: nothing could be proven.' : 'Every digest and log file is valid and the chain has no gap.');
    out.push('');
  }
  const noKey = missingKeyFingerprints(result);
  if (noKey.length > 0) {
    out.push('## Public key needed');
    out.push('');
    out.push(
      `${plural(result.digests.filter((d) => NO_KEY.test(d.reason ?? '')).length, 'digest')} could not be checked: no public key with fingerprint ${noKey.map((f) => `\`${e(f)}\``).join(', ')}${keyFile ? ' in the key file given' : ' (no key file was given)'}. ${KEY_ADVICE}`,
    );
    out.push('');
  }
  if (result.findings.length > 0) {
    out.push(`## Chain findings (${result.findings.length})`);
    out.push('');
    for (const f of result.findings) out.push(`- **${f.kind}** ${e(f.account)}/${e(f.region)}${f.trail ? `/${e(f.trail)}` : ''}: ${e(f.message)}`);
    out.push('');
  }
  if (badDigests.length > 0) {
    out.push(`## Digests not valid (${badDigests.length})`);
    out.push('');
    for (const d of badDigests.slice(0, LIST_LIMIT)) out.push(`- **${d.verdict}** ${e(d.path ?? d.recordedLocation)}: ${e(d.reason ?? '')}`);
    if (badDigests.length > LIST_LIMIT) out.push(`- … ${badDigests.length - LIST_LIMIT} more`);
    out.push('');
  }
  if (badLogs.length > 0) {
    out.push(`## Log files not valid (${badLogs.length})`);
    out.push('');
    for (const l of badLogs.slice(0, LIST_LIMIT)) out.push(`- **${l.verdict}** ${e(l.path ?? l.key)}: ${e(l.reason ?? '')}`);
    if (badLogs.length > LIST_LIMIT) out.push(`- … ${badLogs.length - LIST_LIMIT} more`);
    out.push('');
  }
  if (result.notChecked.length > 0) {
    out.push(`## Not checked (${result.notChecked.length})`);
    out.push('');
    for (const note of result.notChecked.slice(0, LIST_LIMIT)) out.push(`- ${e(note)}`);
    if (result.notChecked.length > LIST_LIMIT) out.push(`- … ${result.notChecked.length - LIST_LIMIT} more`);
    out.push('');
  }
  if (result.problems.length > 0) {
    out.push(`## Files that could not be read (${result.problems.length})`);
    out.push('');
    for (const p of result.problems) out.push(`- ${e(p.path)}: ${e(p.reason)}`);
    out.push('');
  }
  return out.join('\n');
}

export class IntegrityValidation {
  constructor(
    private readonly services: Pick<ExtensionServices, 'investigation' | 'log'>,
    private readonly documents: ReportDocuments,
  ) {}

  private async ask(): Promise<ValidateIntegrityArgs | undefined> {
    const defaultFolder = this.services.investigation.summaries()[0]?.paths[0] ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const folder = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      title: 'Evidence folder to validate (the one holding AWSLogs/…/CloudTrail-Digest)',
      openLabel: 'Validate',
      defaultUri: defaultFolder ? vscode.Uri.file(defaultFolder) : undefined,
    });
    if (!folder?.[0]) return undefined;
    const publicKeyFile = await this.askKey(folder[0].fsPath);
    if (publicKeyFile === undefined) return undefined;
    return { folder: folder[0].fsPath, publicKeyFile: publicKeyFile || undefined };
  }

  /** The key file for `folder`: '' for none, undefined when the user cancelled. */
  private async askKey(folder: string): Promise<string | undefined> {
    const nearby = await keyFilesNear(folder);
    const choice = await vscode.window.showQuickPick(
      [
        ...nearby.map((file) => ({ label: `$(key) ${path.basename(file)}`, description: path.dirname(file), file, pick: false })),
        { label: '$(key) Choose a public key file…', description: 'PEM, DER, or the JSON of aws cloudtrail list-public-keys', file: undefined, pick: true },
        { label: '$(circle-slash) Without a public key', description: 'checks the chain for gaps and moves; signatures and log files stay unverified', file: undefined, pick: false },
      ],
      { title: 'Public key for the digest signatures' },
    );
    if (!choice) return undefined;
    if (choice.file) return choice.file;
    if (!choice.pick) return '';
    const key = await vscode.window.showOpenDialog({
      canSelectFiles: true,
      canSelectMany: false,
      title: 'Public key file',
      openLabel: 'Use Public Key',
      defaultUri: vscode.Uri.file(path.dirname(folder)),
      filters: { 'Public keys': ['pem', 'der', 'pub', 'key', 'json', 'txt'], 'All files': ['*'] },
    });
    return key?.[0]?.fsPath;
  }

  async run(arg?: unknown): Promise<IntegrityOutcome | undefined> {
    const args = parseArgs(arg) ?? (await this.ask());
    if (!args) return undefined;
    const { log } = this.services;
    let publicKeys: DigestPublicKey[] | undefined;
    if (args.publicKeyFile) {
      try {
        publicKeys = await loadPublicKeyFile(args.publicKeyFile);
      } catch (error) {
        log.error(`public key ${args.publicKeyFile}: ${errorMessage(error)}`);
        void vscode.window.showErrorMessage(`CloudTrail: cannot use the public key ${args.publicKeyFile}: ${errorMessage(error)}`);
        return undefined;
      }
    }
    let window: { startTime?: Date; endTime?: Date };
    try {
      window = windowOf(args);
    } catch (error) {
      log.error(`integrity validation of ${args.folder}: ${errorMessage(error)}`);
      void vscode.window.showErrorMessage(`CloudTrail: cannot validate ${args.folder}: ${errorMessage(error)}`);
      return undefined;
    }
    const started = new Date();
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `CloudTrail: validating ${path.basename(args.folder)}`, cancellable: true },
      async (progress, token) => {
        const abort = abortSignalFor(token);
        try {
          return await validateFolder(args.folder, {
            ...window,
            publicKeys,
            signal: abort.signal,
            onProgress: (p) => progress.report({ message: `${p.phase}: ${p.done.toLocaleString('en-US')} of ${p.total.toLocaleString('en-US')}` }),
          });
        } catch (error) {
          if (isAbort(error) || token.isCancellationRequested) {
            log.info(`integrity validation of ${args.folder} cancelled`);
            return undefined;
          }
          log.error(`integrity validation of ${args.folder} failed: ${errorMessage(error)}`);
          void vscode.window.showErrorMessage(`CloudTrail: cannot validate ${args.folder}: ${errorMessage(error)}`);
          return undefined;
        } finally {
          abort.dispose();
        }
      },
    );
    if (!result) return undefined;
    const report = integrityReport(result, args.publicKeyFile, started);
    const reportUri = this.documents.publish(`integrity-${path.basename(args.folder) || 'evidence'}.md`, report);
    const logs = result.counts.logs;
    const summary = `${plural(result.logFiles.length, 'log file')} (${logs.valid} valid, ${logs.changed} changed, ${logs.missing} missing, ${logs['not-covered']} not covered, ${logs['not-verifiable']} not verifiable), ${plural(result.digests.length, 'digest')}, ${plural(result.findings.length, 'chain finding')}`;
    log.info(`integrity of ${args.folder}: ${result.ok ? 'all valid' : 'NOT all valid'}: ${summary}`);
    for (const l of result.logFiles) if (l.verdict !== 'valid') log.warn(`  ${l.verdict}: ${l.path ?? l.key}: ${l.reason ?? ''}`);
    for (const d of result.digests) if (d.verdict !== 'valid') log.warn(`  digest ${d.verdict}: ${d.path ?? d.recordedLocation}: ${d.reason ?? ''}`);
    if (!args.noReport) {
      const document = await vscode.workspace.openTextDocument(reportUri);
      await vscode.window.showTextDocument(document, { preview: false });
      const noKey = missingKeyFingerprints(result);
      if (result.ok) void vscode.window.showInformationMessage(`CloudTrail: integrity verified: ${summary}.`);
      else if (noKey.length > 0) void this.offerKey(args.folder, noKey, summary, Boolean(args.publicKeyFile));
      else void vscode.window.showWarningMessage(`CloudTrail: integrity NOT verified for every file: ${summary}. See the report.`);
    }
    return { result, reportUri, report };
  }

  /** Says which key is missing and offers to run again with a key file. */
  private async offerKey(folder: string, fingerprints: string[], summary: string, hadKey: boolean): Promise<void> {
    const choice = await vscode.window.showWarningMessage(
      `CloudTrail: integrity NOT verified: ${summary}. No public key with fingerprint ${fingerprints.join(', ')}${hadKey ? ' in the key file given' : ''}: ` +
        'choose the public key file (PEM, DER, or the JSON of aws cloudtrail list-public-keys) to verify the signatures.',
      'Choose Public Key…',
    );
    if (choice !== 'Choose Public Key…') return;
    const publicKeyFile = await this.askKey(folder);
    if (publicKeyFile) await this.run({ folder, publicKeyFile });
  }
}
