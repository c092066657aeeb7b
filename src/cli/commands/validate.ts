import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { stringOption, UsageError } from '../args';
import { CliCommand, CliIo, writeOut } from '../command';
import { printable } from '../terminal';
import type { DigestPublicKey } from '../../core/integrity/keys';
import { DIGEST_VERDICTS, LOG_VERDICTS, ValidationProgress, ValidationResult } from '../../core/integrity/types';
import { parseTimeBound } from '../../core/integrity/window';

// Everything printed here can come from a digest or a file name, i.e. from an attacker: the
// CLI's one terminal-safe rendering (re-exported for the tests that import it from here).
export { printable };

function progressLine(p: ValidationProgress): string {
  if (p.phase === 'listing') return `\r\x1b[Klisting: ${p.done} files`;
  if (p.phase === 'digests') return `\r\x1b[Kdigests: ${p.done}/${p.total}`;
  return `\r\x1b[Klog files: ${p.done}/${p.total} (${(p.bytesDone / 1048576).toFixed(1)} MiB read)`;
}

const LABEL: Record<string, string> = {
  valid: 'valid',
  changed: 'changed',
  missing: 'missing',
  'not-covered': 'not covered',
  'not-verifiable': 'not verifiable',
  'signature-invalid': 'signature invalid',
  moved: 'moved',
};

function formatReport(result: ValidationResult): string {
  const lines: string[] = [];
  const range = result.range ? ` (digests ${result.range.start} to ${result.range.end})` : '';
  lines.push(`Validated ${printable(result.target)}${range}`);
  lines.push(
    `Log files: ${result.logFiles.length}  ` + LOG_VERDICTS.map((v) => `${LABEL[v]} ${result.counts.logs[v]}`).join(', '),
  );
  lines.push(
    `Digests:   ${result.digests.length}  ` + DIGEST_VERDICTS.map((v) => `${LABEL[v]} ${result.counts.digests[v]}`).join(', '),
  );
  lines.push(`Chain findings: ${result.findings.length}`);
  lines.push(windowLine(result));
  const details: string[] = [];
  for (const finding of result.findings) {
    details.push(`${finding.kind.toUpperCase().padEnd(18)}${printable(finding.message)}`);
  }
  for (const digest of result.digests) {
    if (digest.verdict === 'valid') continue;
    details.push(`DIGEST ${LABEL[digest.verdict].toUpperCase().padEnd(11)}${printable(digest.path ?? digest.recordedLocation)}`);
    if (digest.reason) details.push(`${' '.repeat(18)}${printable(digest.reason)}`);
  }
  for (const log of result.logFiles) {
    if (log.verdict === 'valid') continue;
    details.push(`${LABEL[log.verdict].toUpperCase().padEnd(18)}${printable(log.path ?? log.key)}`);
    if (log.reason) details.push(`${' '.repeat(18)}${printable(log.reason)}`);
  }
  if (details.length > 0) lines.push('', ...details);
  if (result.notChecked.length > 0) lines.push('', 'Not checked:', ...result.notChecked.map((note) => `  ${printable(note)}`));
  const given = result.window.given.start || result.window.given.end;
  lines.push(
    '',
    result.ok
      ? `Result: every log file and digest${given ? ' in the window' : ''} is valid.`
      : 'Result: NOT everything is valid (see above).',
  );
  return lines.join('\n') + '\n';
}

/** The window checked, and where each bound came from. */
function windowLine(result: ValidationResult): string {
  const { start, end, given } = result.window;
  const from = `${start ?? '(none)'}${given.start ? ' (--start-time)' : ''}`;
  const to = `${end ?? '(none)'}${given.end ? ' (--end-time)' : ''}`;
  const why = given.start
    ? ''
    : ' (the span the evidence covers; what was deleted before its start cannot be told from where the evidence starts: give --start-time to check a known period)';
  return `Window: ${printable(from)} to ${printable(to)}${why}`;
}

/** --start-time / --end-time: ISO 8601, UTC unless an offset is given. */
function timeOption(args: Parameters<CliCommand['run']>[0], name: string): Date | undefined {
  const value = args.options.get(name);
  if (value === undefined) return undefined;
  const text = typeof value === 'string' ? value : '';
  const ms = parseTimeBound(text);
  if (!Number.isFinite(ms)) throw new UsageError(`--${name}: "${printable(text)}" is not an ISO 8601 time (for example 2026-11-20T10:00:00Z, or 2026-11-20 for midnight UTC)`);
  return new Date(ms);
}

function parseS3Target(target: string): { bucket: string; prefix: string } | undefined {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(target);
  return m ? { bucket: m[1], prefix: m[2] } : undefined;
}

interface TimeWindow {
  startTime?: Date;
  endTime?: Date;
}

async function run(target: string, publicKeys: DigestPublicKey[] | undefined, window: TimeWindow, args: Parameters<CliCommand['run']>[0], io: CliIo): Promise<ValidationResult> {
  const onProgress = io.interactive ? (p: ValidationProgress) => io.stderr.write(progressLine(p)) : undefined;
  const s3Target = parseS3Target(target);
  // The validator and the AWS SDK load with the command that uses them: every other command
  // starts about 30 ms sooner without them.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { validateFolder, validateS3, listCloudTrailPublicKeys } = require('../../core/integrity/index') as typeof import('../../core/integrity/index');
  if (!s3Target) return validateFolder(target, { publicKeys, signal: io.signal, onProgress, ...window });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { S3Client } = require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { CloudTrailClient } = require('@aws-sdk/client-cloudtrail') as typeof import('@aws-sdk/client-cloudtrail');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { cliCredentials } = require('../awsCredentials') as typeof import('../awsCredentials');
  const region = stringOption(args, 'region') ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const endpoint = stringOption(args, 'endpoint-url');
  // One credentials provider for every client: a profile with mfa_serial asks for its code once.
  const credentials = cliCredentials(stringOption(args, 'profile'), io);
  const client = new S3Client({ region, credentials, ...(endpoint ? { endpoint, forcePathStyle: true } : {}) });
  const trailClients = new Map<string, CloudTrailClient>();
  try {
    return await validateS3(s3Target.bucket, s3Target.prefix, {
      client,
      publicKeys,
      signal: io.signal,
      onProgress,
      ...window,
      fetchPublicKeys: publicKeys
        ? undefined
        : (request) => {
            let trail = trailClients.get(request.region);
            if (!trail) {
              trail = new CloudTrailClient({ region: request.region, credentials });
              trailClients.set(request.region, trail);
            }
            return listCloudTrailPublicKeys(trail, request, request.signal);
          },
    });
  } finally {
    client.destroy();
    for (const trail of trailClients.values()) trail.destroy();
  }
}

export const validateCommand: CliCommand = {
  name: 'validate',
  usage: 'ctinv validate PATH [--public-key FILE] [--start-time ISO] [--end-time ISO] [--profile NAME] [--json]',
  summary:
    'Validate CloudTrail log file integrity (digest chain, signatures, hashes) in a folder in the S3 layout, or s3://bucket/prefix.',
  options: { flags: ['json'], valued: ['public-key', 'region', 'endpoint-url', 'start-time', 'end-time', 'profile'] },
  async run(args, io) {
    if (args.positionals.length !== 1) throw new UsageError('give exactly one folder (or s3://bucket/prefix) to validate');
    if (args.options.get('public-key') === '') throw new UsageError('--public-key needs a file');
    const window = { startTime: timeOption(args, 'start-time'), endTime: timeOption(args, 'end-time') };
    if (window.startTime && window.endTime && window.startTime > window.endTime) {
      throw new UsageError(`--start-time ${window.startTime.toISOString()} is after --end-time ${window.endTime.toISOString()}`);
    }
    const keyFile = stringOption(args, 'public-key');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const publicKeys = keyFile ? await (require('../../core/integrity/keys') as typeof import('../../core/integrity/keys')).loadPublicKeyFile(keyFile) : undefined;
    const target = args.positionals[0];
    if (!keyFile && !parseS3Target(target)) {
      io.stderr.write(
        'ctinv validate: no --public-key given; digests can be checked for gaps and moves but their signatures, and so the log files, cannot be verified\n',
      );
    }
    const result = await run(target, publicKeys, window, args, io);
    if (io.interactive) io.stderr.write('\r\x1b[K');
    for (const problem of result.problems) io.stderr.write(`problem: ${printable(problem.path)}: ${printable(problem.reason)}\n`);
    writeOut(io, args.options.has('json') ? JSON.stringify(result) + '\n' : formatReport(result));
    return result.ok ? 0 : 1;
  },
};
