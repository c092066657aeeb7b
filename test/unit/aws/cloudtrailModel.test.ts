import * as assert from 'node:assert/strict';
import * as cloudtrail from '@aws-sdk/client-cloudtrail';
import { requireDataset } from '../../datasets';
import { TEST_KEYS, TEST_SECRET } from '../../servers/awsJson';
import { ServiceModel, cloudTrailModel, lookupAttributesByCategory } from '../../servers/botocoreModel';
import { CloudTrailServer } from '../../servers/cloudtrailServer';
import { ATTRIBUTES_FOR } from '../../../src/core/aws/planner';

type Input = Record<string, unknown>;
type SdkError = Error & { $metadata?: { httpStatusCode?: number } };

/** Operations the local server serves, with a request the model accepts for each. */
const VALID: Record<string, Input> = {
  LookupEvents: { MaxResults: 5 },
  StartQuery: { QueryStatement: 'SELECT eventID FROM eds' },
  DescribeQuery: { QueryId: '00000000-0000-0000-0000-000000000000' },
  GetQueryResults: { QueryId: '00000000-0000-0000-0000-000000000000' },
  CancelQuery: { QueryId: '00000000-0000-0000-0000-000000000000' },
};

interface Violation {
  operation: string;
  what: string;
  input: Input;
}

/** For every served operation, one request per constraint the model states on its input's top-level members (and their list items). */
function violations(model: ServiceModel): Violation[] {
  const out: Violation[] = [];
  for (const [operation, valid] of Object.entries(VALID)) {
    const input = model.shapes[model.operations[operation].input!.shape];
    for (const required of input.required ?? []) {
      const copy = { ...valid };
      delete copy[required];
      out.push({ operation, what: `${required} missing`, input: copy });
    }
    for (const [member, ref] of Object.entries(input.members ?? {})) {
      const shape = model.shapes[ref.shape];
      const at = (value: unknown, what: string): void => void out.push({ operation, what: `${member} ${what}`, input: { ...valid, [member]: value } });
      if (shape.type === 'string' && shape.enum) at(`not-${shape.enum[0]}`, 'outside its enum');
      if (shape.type === 'string' && shape.min !== undefined && shape.min > 0) at('', `shorter than ${shape.min}`);
      if (shape.type === 'string' && shape.max !== undefined && shape.max < 100_000) at('x'.repeat(shape.max + 1), `longer than ${shape.max}`);
      if (shape.type === 'integer' && shape.min !== undefined) at(shape.min - 1, `below ${shape.min}`);
      if (shape.type === 'integer' && shape.max !== undefined) at(shape.max + 1, `above ${shape.max}`);
      if (shape.type === 'list') {
        const item = model.shapes[shape.member!.shape];
        if (item.type === 'structure') {
          for (const [field, fieldRef] of Object.entries(item.members ?? {})) {
            const fieldShape = model.shapes[fieldRef.shape];
            const base = Object.fromEntries((item.required ?? []).map((r) => [r, model.shapes[item.members![r].shape].enum?.[1] ?? 'x']));
            if (item.required?.includes(field)) {
              const without = { ...base };
              delete without[field];
              at([without], `item without ${field}`);
            }
            if (fieldShape.enum) at([{ ...base, [field]: 'NotAKey' }], `item ${field} outside its enum`);
            if (fieldShape.max !== undefined) at([{ ...base, [field]: 'x'.repeat(fieldShape.max + 1) }], `item ${field} longer than ${fieldShape.max}`);
            if (fieldShape.min !== undefined && fieldShape.min > 0) at([{ ...base, [field]: '' }], `item ${field} shorter than ${fieldShape.min}`);
          }
        }
      }
    }
  }
  return out;
}

describe('aws/cloudtrailServer: checked against the botocore model file itself', function () {
  let model: ServiceModel;
  let server: CloudTrailServer;
  let client: cloudtrail.CloudTrailClient;

  before(async function () {
    requireDataset(this, 'botocore-cloudtrail-api', 'service-2.json');
    model = cloudTrailModel();
    server = new CloudTrailServer({ rps: 1000, burst: 1000 });
    await server.start();
    client = new cloudtrail.CloudTrailClient({
      region: 'us-east-1',
      endpoint: server.endpoint,
      maxAttempts: 1,
      credentials: { accessKeyId: TEST_KEYS.ok, secretAccessKey: TEST_SECRET },
    });
  });
  after(async () => {
    client?.destroy();
    await server?.stop();
  });

  const send = (operation: string, input: Input): Promise<unknown> => {
    const Command = (cloudtrail as unknown as Record<string, new (input: Input) => Parameters<typeof client.send>[0]>)[`${operation}Command`];
    return client.send(new Command(input));
  };

  it('the lookup attributes: the model enum for management events, the documented three for Insights; the planner agrees', () => {
    const { management, insight } = lookupAttributesByCategory(model);
    assert.deepEqual([...management].sort(), [...model.shapes.LookupAttributeKey.enum!].sort());
    assert.deepEqual([...insight].sort(), ['EventId', 'EventName', 'EventSource']);
    assert.deepEqual([...ATTRIBUTES_FOR.insight].sort(), [...insight].sort());
    // The planner never sends ResourceName (see planner.ts), everything else the model lists.
    assert.deepEqual([...ATTRIBUTES_FOR.management, 'ResourceName'].sort(), [...management].sort());
  });

  it('accepts the valid request of every served operation', async () => {
    for (const [operation, input] of Object.entries(VALID)) {
      try {
        await send(operation, input);
      } catch (error) {
        // A query id the server does not know is the service's answer, not a validation error.
        assert.equal((error as Error).name, 'QueryIdNotFoundException', `${operation}: ${(error as Error).message}`);
      }
    }
  });

  it("refuses every request breaking a constraint the model states, with one of the operation's modelled errors and HTTP 400", async () => {
    const cases = violations(model);
    assert.ok(cases.length >= 15, `only ${cases.length} constraints found`);
    for (const { operation, what, input } of cases) {
      const allowed = new Set((model.operations[operation].errors ?? []).map((e) => e.shape));
      await assert.rejects(send(operation, input), (e: SdkError) => {
        assert.ok(allowed.has(e.name), `${operation} with ${what}: answered ${e.name} (${e.message}), not one of the modelled errors`);
        assert.equal(e.$metadata?.httpStatusCode, 400, `${operation} with ${what}`);
        return true;
      }, `${operation} with ${what} was accepted`);
    }
  });

  it('refuses what the documentation adds: Insights attributes, two attributes, 2,000 characters counted as AWS counts, 90 days', async () => {
    const insightOnly = lookupAttributesByCategory(model).insight;
    for (const key of model.shapes.LookupAttributeKey.enum!) {
      const request = send('LookupEvents', { EventCategory: 'insight', LookupAttributes: [{ AttributeKey: key, AttributeValue: 'x' }] });
      if (insightOnly.includes(key)) await request;
      else await assert.rejects(request, (e: Error) => e.name === 'InvalidLookupAttributesException', key);
    }
    await assert.rejects(
      send('LookupEvents', { LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'a' }, { AttributeKey: 'EventSource', AttributeValue: 'b' }] }),
      (e: Error) => e.name === 'InvalidLookupAttributesException',
    );
    await assert.rejects(
      send('LookupEvents', { LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: '_'.repeat(1001) }] }),
      (e: Error) => e.name === 'InvalidLookupAttributesException',
    );
    await assert.rejects(
      send('LookupEvents', { StartTime: new Date(Date.now() - 91 * 86400_000), EndTime: new Date() }),
      (e: Error) => e.name === 'InvalidTimeRangeException',
    );
  });
});
