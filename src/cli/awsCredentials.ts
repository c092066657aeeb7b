/**
 * Credentials for the CLI's AWS calls: the SDK's default chain (environment, shared files,
 * SSO, credential_process, instance roles) for the chosen profile, asking for an MFA code on
 * the terminal when a role profile has `mfa_serial`, as the AWS CLI does
 * (`Enter MFA code for arn:aws:iam::…:mfa/…: `).
 */
import * as readline from 'node:readline';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { CliIo } from './command';

/** Reads one line from `input` after writing `question` to `output`; undefined when the input ends first. */
export function promptLine(question: string, input: NodeJS.ReadableStream, output: NodeJS.WritableStream, signal?: AbortSignal): Promise<string | undefined> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input, output, terminal: false });
    let answered = false;
    const finish = (value: string | undefined): void => {
      if (answered) return;
      answered = true;
      signal?.removeEventListener('abort', onAbort);
      rl.close();
      resolve(value);
    };
    const onAbort = (): void => finish(undefined);
    signal?.addEventListener('abort', onAbort, { once: true });
    rl.on('line', (line) => finish(line));
    rl.on('close', () => finish(undefined));
    output.write(question);
  });
}

/** The MFA code, asked through the CLI's prompt; an error naming the profile when there is no terminal to ask on. */
export function mfaCodeProvider(io: CliIo, profile: string | undefined): (serial: string) => Promise<string> {
  return async (serial) => {
    const who = profile ? `the AWS profile '${profile}'` : 'the AWS profile';
    if (!io.prompt) throw new Error(`${who} needs an MFA code (mfa_serial ${serial}), and there is no terminal to ask on: run ctinv in a terminal.`);
    const code = (await io.prompt(`Enter MFA code for ${serial}: `))?.trim();
    if (!code) throw new Error(`No MFA code was given for ${who} (mfa_serial ${serial}).`);
    if (!/^\d{6}$/.test(code)) throw new Error(`The MFA code for ${who} must be the 6 digits the device shows.`);
    return code;
  };
}

/** The credentials provider the CLI's clients use; asks at most once per run. */
export function cliCredentials(profile: string | undefined, io: CliIo): AwsCredentialIdentityProvider {
  const chain = fromNodeProviderChain({ ...(profile ? { profile } : {}), mfaCodeProvider: mfaCodeProvider(io, profile) });
  let pending: ReturnType<AwsCredentialIdentityProvider> | undefined;
  return (options) => {
    pending ??= chain(options);
    pending.catch(() => (pending = undefined));
    return pending;
  };
}
