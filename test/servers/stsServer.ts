/**
 * A local STS speaking the real awsQuery protocol for AssumeRole (form-encoded POST, XML
 * answer), so role profiles resolve through the real SDK credential providers. The SigV4
 * signature of the source credentials is verified; a role listed in `mfaRoles` requires
 * `SerialNumber` and `TokenCode` (answering AccessDenied without them, as STS does when the
 * role's trust policy asks for MFA), and the code must be the one the test set. The
 * credentials handed out sign with the test secret, so the other local servers accept them.
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { TEST_KEYS, TEST_SECRET, sigV4Matches } from './awsJson';

export interface AssumeRoleCall {
  roleArn: string;
  sessionName: string;
  serialNumber?: string;
  tokenCode?: string;
  accessKeyId?: string;
  error?: string;
}

export class StsServer {
  readonly calls: AssumeRoleCall[] = [];
  /** Role ARN → the MFA code its trust policy will accept. */
  readonly mfaRoles = new Map<string, string>();
  private server: http.Server | undefined;

  get endpoint(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('server not started');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 0;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    return this.endpoint;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const form = new URLSearchParams(raw.toString('utf8'));
    const call: AssumeRoleCall = {
      roleArn: form.get('RoleArn') ?? '',
      sessionName: form.get('RoleSessionName') ?? '',
      serialNumber: form.get('SerialNumber') ?? undefined,
      tokenCode: form.get('TokenCode') ?? undefined,
      accessKeyId: /Credential=([A-Z0-9]+)\//.exec(String(req.headers['authorization'] ?? ''))?.[1],
    };
    this.calls.push(call);
    const fail = (status: number, code: string, message: string): void => {
      call.error = code;
      res.writeHead(status, { 'content-type': 'text/xml' });
      res.end(
        `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
      );
    };
    if (req.method !== 'POST' || form.get('Action') !== 'AssumeRole') return fail(400, 'InvalidAction', `Could not find operation ${form.get('Action')}`);
    if (!sigV4Matches(req, raw, TEST_SECRET)) return fail(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
    if (!/^arn:aws:iam::\d{12}:role\/.+$/.test(call.roleArn)) return fail(400, 'ValidationError', `Invalid RoleArn '${call.roleArn}'`);
    if (!/^[\w+=,.@-]{2,64}$/.test(call.sessionName)) return fail(400, 'ValidationError', 'Invalid RoleSessionName');
    const expected = this.mfaRoles.get(call.roleArn);
    if (expected !== undefined) {
      if (!call.serialNumber || !call.tokenCode) {
        return fail(403, 'AccessDenied', `User is not authorized to perform: sts:AssumeRole on resource: ${call.roleArn} (MultiFactorAuthPresent is false)`);
      }
      if (call.tokenCode !== expected) return fail(403, 'AccessDenied', 'MultiFactorAuthentication failed with invalid MFA one time pass code.');
    }
    const account = call.roleArn.split(':')[4];
    const roleName = call.roleArn.split('/').pop();
    const expiration = new Date(Date.now() + 3600_000).toISOString();
    res.writeHead(200, { 'content-type': 'text/xml' });
    res.end(
      `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>` +
        `<AssumedRoleUser><Arn>arn:aws:sts::${account}:assumed-role/${roleName}/${call.sessionName}</Arn><AssumedRoleId>AROALOCALTEST:${call.sessionName}</AssumedRoleId></AssumedRoleUser>` +
        `<Credentials><AccessKeyId>${TEST_KEYS.ok}</AccessKeyId><SecretAccessKey>${TEST_SECRET}</SecretAccessKey><SessionToken>local-session-token</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
        `</AssumeRoleResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
    );
  }
}
