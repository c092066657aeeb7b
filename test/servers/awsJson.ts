/**
 * Shared plumbing for the local AWS JSON-protocol (awsJson1_1) test servers: HTTP on
 * 127.0.0.1, `X-Amz-Target` dispatch, SigV4 Authorization parsing (access key id, region),
 * the real error shape (`{"__type","message"}` + `x-amzn-ErrorType`, HTTP 400), designated
 * test keys that answer expired / invalid / access denied, a per-(account, region) token
 * bucket that answers `ThrottlingException`, and fault injection (a dropped connection).
 */
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { createHash, createHmac, randomUUID } from 'node:crypto';

/** Access key ids with a designated answer, so the error paths run through the real SDK. */
export const TEST_KEYS = {
  ok: 'AKIDLOCALTESTOK00001',
  other: 'AKIDLOCALTESTOK00002',
  expired: 'AKIDLOCALEXPIRED0001',
  invalid: 'AKIDLOCALINVALID0001',
  denied: 'AKIDLOCALDENIED00001',
} as const;
export const TEST_SECRET = 'local-test-secret-not-a-real-one';
export const TEST_ACCOUNT = '111122223333';
export const OTHER_ACCOUNT = '444455556666';

/**
 * Verifies a SigV4 signature the way AWS does (canonical request, string to sign, derived
 * key), so the tests prove the SDK really signed with the profile's secret.
 */
export function sigV4Matches(req: http.IncomingMessage, body: Buffer, secret: string): boolean {
  const match = AUTH_RE.exec(String(req.headers['authorization'] ?? ''));
  if (!match) return false;
  const [, , date, region, service, signedHeaders, signature] = match;
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const url = new URL(req.url ?? '/', 'http://localhost');
  const encode = (v: string): string => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const query = [...url.searchParams.entries()]
    .map(([k, v]) => [encode(k), encode(v)])
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const headers = signedHeaders
    .split(';')
    .map((name) => {
      const raw = req.headers[name];
      const value = Array.isArray(raw) ? raw.join(',') : String(raw ?? '');
      return `${name}:${value.trim().replace(/\s+/g, ' ')}\n`;
    })
    .join('');
  const payloadHash = String(req.headers['x-amz-content-sha256'] ?? createHash('sha256').update(body).digest('hex'));
  const canonical = [req.method, url.pathname || '/', query, headers, signedHeaders, payloadHash].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  let key: Buffer = createHmac('sha256', `AWS4${secret}`).update(date).digest();
  for (const part of [region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  return createHmac('sha256', key).update(toSign).digest('hex') === signature;
}

export class AwsJsonError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export interface JsonRequest {
  operation: string;
  body: Record<string, unknown>;
  region: string;
  accessKeyId: string;
  account: string;
}

export type JsonHandler = (request: JsonRequest) => Promise<unknown> | unknown;

export interface JsonServerOptions {
  /**
   * Accepted `X-Amz-Target` prefixes: botocore's targetPrefix
   * (`com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101`) and the Smithy service
   * shape name the JS SDK v3 sends (`CloudTrail_20131101`); `AmazonAthena` for Athena.
   */
  targetPrefixes: readonly string[];
  /** SigV4 signing name the credential scope must carry (`cloudtrail`, `athena`). */
  signingName: string;
  /** IAM action prefix used in access-denied messages (`cloudtrail`, `athena`). */
  actionPrefix: string;
  handlers: Record<string, JsonHandler>;
  /** Operations that draw from the per-(account, region) rate limit. */
  rateLimited?: ReadonlySet<string>;
  /** Requests per second per (account, region); default 2. */
  rps?: number;
  /** Bucket capacity (burst); default 2. */
  burst?: number;
  /**
   * The rate limiter's clock in milliseconds; default `performance.now`. Tests pass a virtual
   * clock (frozen, or moved a fixed step per request) so which requests are throttled depends
   * on their order only, never on how fast the machine runs.
   */
  clock?: () => number;
}

export interface RequestRecord {
  operation: string;
  region: string;
  accessKeyId: string;
  body: Record<string, unknown>;
  /** Milliseconds since the server started. */
  at: number;
  /** The error type answered, if any. */
  error?: string;
}

interface Bucket {
  tokens: number;
  last: number;
}

const AUTH_RE =
  /^AWS4-HMAC-SHA256 Credential=([A-Z0-9]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

export class AwsJsonServer {
  readonly requests: RequestRecord[] = [];
  private server: http.Server | undefined;
  private readonly buckets = new Map<string, Bucket>();
  private readonly started = Date.now();
  private dropsPending = 0;
  /** Extra delay before each answer, in milliseconds. */
  latencyMs = 0;
  /** Access key id → account id; keys not listed map to TEST_ACCOUNT. */
  readonly accounts = new Map<string, string>([[TEST_KEYS.other, OTHER_ACCOUNT]]);

  constructor(private readonly options: JsonServerOptions) {}

  get endpoint(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('server not started');
    return `http://127.0.0.1:${address.port}`;
  }

  /** The next `count` answers are cut mid-body and the socket destroyed. */
  dropNextResponses(count = 1): void {
    this.dropsPending += count;
  }

  count(operation: string, error?: string): number {
    return this.requests.filter((r) => r.operation === operation && (error === undefined || r.error === error)).length;
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    // Idle keep-alive sockets stay open until stop(): a socket closed by the server while the
    // client reuses it would add a retry that depends on how slowly a test ran.
    this.server.keepAliveTimeout = 0;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => resolve());
    });
    return this.endpoint;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private take(key: string): boolean {
    const rps = this.options.rps ?? 2;
    const burst = this.options.burst ?? 2;
    const now = this.options.clock ? this.options.clock() : performance.now();
    const bucket = this.buckets.get(key) ?? { tokens: burst, last: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.last) / 1000) * rps);
    bucket.last = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return true;
    }
    return false;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBytes = Buffer.concat(chunks);
    const raw = rawBytes.toString('utf8');
    const record: RequestRecord = { operation: '?', region: '?', accessKeyId: '?', body: {}, at: Date.now() - this.started };
    this.requests.push(record);
    let status = 200;
    let payload: unknown;
    try {
      if (req.method !== 'POST') throw new AwsJsonError('UnknownOperationException', `Method ${req.method} is not supported`);
      const target = String(req.headers['x-amz-target'] ?? '');
      const prefix = this.options.targetPrefixes.find((p) => target.startsWith(`${p}.`));
      if (!prefix) throw new AwsJsonError('UnknownOperationException', `Unknown target '${target}'`);
      const operation = target.slice(prefix.length + 1);
      record.operation = operation;
      const contentType = String(req.headers['content-type'] ?? '');
      if (!contentType.startsWith('application/x-amz-json-1.1')) {
        throw new AwsJsonError('SerializationException', `Unexpected Content-Type '${contentType}'`);
      }
      const match = AUTH_RE.exec(String(req.headers['authorization'] ?? ''));
      if (!match) throw new AwsJsonError('MissingAuthenticationTokenException', 'Missing or malformed SigV4 Authorization header', 403);
      const [, accessKeyId, , region, signingName] = match;
      record.accessKeyId = accessKeyId;
      record.region = region;
      if (signingName !== this.options.signingName) {
        throw new AwsJsonError('InvalidSignatureException', `Credential scope names service '${signingName}'`);
      }
      if (!req.headers['x-amz-date']) throw new AwsJsonError('IncompleteSignatureException', 'X-Amz-Date header missing');
      if (!sigV4Matches(req, rawBytes, TEST_SECRET)) {
        throw new AwsJsonError(
          'InvalidSignatureException',
          'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
        );
      }
      const account = this.accounts.get(accessKeyId) ?? TEST_ACCOUNT;
      if (accessKeyId === TEST_KEYS.expired) {
        throw new AwsJsonError('ExpiredTokenException', 'The security token included in the request is expired');
      }
      if (accessKeyId === TEST_KEYS.invalid) {
        throw new AwsJsonError('UnrecognizedClientException', 'The security token included in the request is invalid.');
      }
      if (accessKeyId === TEST_KEYS.denied) {
        const action = `${this.options.actionPrefix}:${operation}`;
        throw new AwsJsonError(
          'AccessDeniedException',
          `User: arn:aws:iam::${account}:user/denied is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`,
        );
      }
      const handler = this.options.handlers[operation];
      if (!handler) throw new AwsJsonError('UnknownOperationException', `Operation ${operation} is not served here`);
      let body: Record<string, unknown>;
      try {
        const parsed: unknown = raw.length ? JSON.parse(raw) : {};
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        body = parsed as Record<string, unknown>;
      } catch {
        throw new AwsJsonError('SerializationException', 'Request body is not a JSON object');
      }
      // Recorded before the rate limit, so a throttled request still shows what was asked.
      record.body = body;
      if (this.options.rateLimited?.has(operation) && !this.take(`${account}|${region}`)) {
        throw new AwsJsonError('ThrottlingException', 'Rate exceeded');
      }
      payload = await handler({ operation, body, region, accessKeyId, account });
    } catch (error) {
      if (error instanceof AwsJsonError) {
        status = error.status;
        record.error = error.type;
        res.setHeader('x-amzn-ErrorType', `${error.type}:http://internal.amazon.com/coral/com.amazonaws.local/`);
        payload = { __type: error.type, message: error.message };
      } else {
        status = 500;
        record.error = 'InternalFailure';
        payload = { __type: 'InternalFailure', message: String(error) };
      }
    }
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const text = JSON.stringify(payload ?? {});
    res.statusCode = status;
    res.setHeader('content-type', 'application/x-amz-json-1.1');
    res.setHeader('x-amzn-RequestId', randomUUID());
    if (this.dropsPending > 0) {
      this.dropsPending--;
      record.error = 'DroppedConnection';
      res.setHeader('content-length', Buffer.byteLength(text));
      res.flushHeaders();
      res.write(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
      setTimeout(() => req.socket.destroy(), 5);
      return;
    }
    res.setHeader('content-length', Buffer.byteLength(text));
    res.end(text);
  }
}

/** Reads a required member of a request body, answering the real validation error when absent. */
export function str(body: Record<string, unknown>, name: string, required: boolean): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) {
    if (required) throw new AwsJsonError('ValidationException', `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`);
    return undefined;
  }
  if (typeof value !== 'string') throw new AwsJsonError('SerializationException', `'${name}' must be a string`);
  return value;
}

export function int(body: Record<string, unknown>, name: string): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new AwsJsonError('SerializationException', `'${name}' must be an integer`);
  return value;
}
