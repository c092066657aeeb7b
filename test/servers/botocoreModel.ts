/**
 * The botocore CloudTrail model (../shared/datasets/botocore-cloudtrail-api/service-2.json)
 * as the local CloudTrail server's rule book: every request is checked against the input
 * shape of its operation (members, required members, types, enums, lengths, ranges,
 * patterns) before a handler sees it, so a request AWS would refuse is refused here too.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AwsJsonError } from './awsJson';

export interface ModelShape {
  type: string;
  members?: Record<string, { shape: string }>;
  required?: string[];
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  exception?: boolean;
  documentation?: string;
}

export interface ModelOperation {
  name: string;
  input?: { shape: string };
  errors?: Array<{ shape: string }>;
  documentation?: string;
}

export interface ServiceModel {
  metadata: { targetPrefix: string; protocol: string };
  operations: Record<string, ModelOperation>;
  shapes: Record<string, ModelShape>;
}

const DATASET = path.join('shared', 'datasets', 'botocore-cloudtrail-api', 'service-2.json');

/** The model file beside the checkout (`../shared/...`, or above a worktree), if it is there. */
export function cloudTrailModelFile(): string | undefined {
  for (let dir = path.resolve(__dirname, '..', '..', '..'); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, DATASET);
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

let cached: ServiceModel | null | undefined;

/**
 * The botocore model, or undefined where `../shared` is absent (a fresh clone on its own):
 * the server then checks only what it checked by hand before, and says so once. Where the
 * datasets are required (CI, `CTINV_REQUIRE_DATASETS=1`) a missing model is an error.
 */
export function cloudTrailModelIfPresent(): ServiceModel | undefined {
  if (cached === undefined) {
    const file = cloudTrailModelFile();
    if (!file && process.env.CTINV_REQUIRE_DATASETS === '1') {
      throw new Error(`The botocore CloudTrail model (${DATASET}) was not found above ${__dirname}; the CloudTrail test server validates against it.`);
    }
    if (!file) console.log(`      note: ${DATASET} is absent, so the local CloudTrail server does not check requests against the botocore model`);
    cached = file ? (JSON.parse(fs.readFileSync(file, 'utf8')) as ServiceModel) : null;
  }
  return cached ?? undefined;
}

/** The botocore model; throws where it is absent (callers skip first with requireDataset). */
export function cloudTrailModel(): ServiceModel {
  const model = cloudTrailModelIfPresent();
  if (!model) throw new Error(`The botocore CloudTrail model (${DATASET}) was not found above ${__dirname}`);
  return model;
}

/**
 * The lookup attributes the operation's documentation lists per event category (`Lookup
 * supports the following attributes for management events: … for Insights events: …`),
 * mapped to the LookupAttributeKey enum.
 */
export function lookupAttributesByCategory(model: ServiceModel = cloudTrailModel()): { management: string[]; insight: string[] } {
  const doc = model.operations.LookupEvents.documentation ?? '';
  const names: Record<string, string> = {
    'amazon web services access key': 'AccessKeyId',
    'event id': 'EventId',
    'event name': 'EventName',
    'event source': 'EventSource',
    'read only': 'ReadOnly',
    'resource name': 'ResourceName',
    'resource type': 'ResourceType',
    'user name': 'Username',
  };
  const listAfter = (marker: RegExp): string[] => {
    const m = marker.exec(doc);
    if (!m) throw new Error(`The LookupEvents documentation no longer says ${marker}`);
    const list = /<ul>(.*?)<\/ul>/s.exec(doc.slice(m.index))?.[1] ?? '';
    return [...list.matchAll(/<li>\s*<p>([^<]+)<\/p>\s*<\/li>/g)].map((x) => {
      const key = names[x[1].trim().toLowerCase()];
      if (!key) throw new Error(`Unknown lookup attribute '${x[1]}' in the model documentation`);
      return key;
    });
  };
  return {
    management: listAfter(/following attributes for management events/),
    insight: listAfter(/following attributes for Insights events/),
  };
}

export type ErrorFor = (member: string, problem: string) => AwsJsonError;

/** AWS's wording for a constraint violation (`1 validation error detected: …`). */
function violation(value: unknown, where: string, constraint: string): string {
  return `1 validation error detected: Value '${typeof value === 'string' ? value : JSON.stringify(value)}' at '${where}' failed to satisfy constraint: ${constraint}`;
}

/**
 * Checks `value` against `shapeName`. `errorFor(topMember, message)` gives the error the
 * service answers for a constraint on that top-level member; type errors are the protocol's
 * SerializationException, as the JSON protocol answers them.
 */
export function validateInput(model: ServiceModel, shapeName: string, value: unknown, errorFor: ErrorFor): void {
  const visit = (name: string, v: unknown, where: string, top: string): void => {
    const shape = model.shapes[name];
    if (!shape) throw new Error(`shape ${name} is not in the model`);
    const serialization = (expected: string): AwsJsonError => new AwsJsonError('SerializationException', `'${where}' must be ${expected}`);
    switch (shape.type) {
      case 'structure': {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw serialization('an object');
        const obj = v as Record<string, unknown>;
        for (const key of Object.keys(obj)) {
          if (!shape.members?.[key]) throw new AwsJsonError('SerializationException', `Unknown member '${key}' at '${where || 'input'}'`);
        }
        for (const required of shape.required ?? []) {
          if (obj[required] === undefined || obj[required] === null) {
            throw errorFor(top || required, violation(null, where ? `${where}.${required}` : required, 'Member must not be null'));
          }
        }
        for (const [key, member] of Object.entries(shape.members ?? {})) {
          if (obj[key] === undefined || obj[key] === null) continue;
          visit(member.shape, obj[key], where ? `${where}.${key}` : key, top || key);
        }
        return;
      }
      case 'list': {
        if (!Array.isArray(v)) throw serialization('a list');
        if (shape.min !== undefined && v.length < shape.min) throw errorFor(top, violation(v, where, `Member must have length greater than or equal to ${shape.min}`));
        if (shape.max !== undefined && v.length > shape.max) throw errorFor(top, violation(v, where, `Member must have length less than or equal to ${shape.max}`));
        v.forEach((item, i) => visit(shape.member!.shape, item, `${where}.${i + 1}.member`, top));
        return;
      }
      case 'map': {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw serialization('a map');
        for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
          visit(shape.key!.shape, k, `${where}.key`, top);
          visit(shape.value!.shape, item, `${where}.${k}`, top);
        }
        return;
      }
      case 'string': {
        if (typeof v !== 'string') throw serialization('a string');
        if (shape.enum && !shape.enum.includes(v)) throw errorFor(top, violation(v, where, `Member must satisfy enum value set: [${shape.enum.join(', ')}]`));
        const length = [...v].length;
        if (shape.min !== undefined && length < shape.min) throw errorFor(top, violation(v, where, `Member must have length greater than or equal to ${shape.min}`));
        if (shape.max !== undefined && length > shape.max) throw errorFor(top, violation(v, where, `Member must have length less than or equal to ${shape.max}`));
        if (shape.pattern) {
          let re: RegExp | undefined;
          try {
            re = new RegExp(shape.pattern, 'u');
          } catch {
            re = undefined; // a Java-only construct: not checked here
          }
          if (re && !re.test(v)) throw errorFor(top, violation(v, where, `Member must satisfy regular expression pattern: ${shape.pattern}`));
        }
        return;
      }
      case 'integer':
      case 'long': {
        if (typeof v !== 'number' || !Number.isInteger(v)) throw serialization('an integer');
        if (shape.min !== undefined && v < shape.min) throw errorFor(top, violation(v, where, `Member must have value greater than or equal to ${shape.min}`));
        if (shape.max !== undefined && v > shape.max) throw errorFor(top, violation(v, where, `Member must have value less than or equal to ${shape.max}`));
        return;
      }
      case 'boolean':
        if (typeof v !== 'boolean') throw serialization('a boolean');
        return;
      case 'timestamp':
        // The JSON protocol sends epoch seconds (a number).
        if (typeof v !== 'number' || !Number.isFinite(v)) throw serialization('an epoch-seconds number');
        return;
      default:
        return;
    }
  };
  visit(shapeName, value, '', '');
}
