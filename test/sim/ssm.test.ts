import { GetCommandInvocationCommand, ListCommandInvocationsCommand, ListCommandsCommand, SendCommandCommand } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { scriptedTraffic } from '../../sim/traffic.js';
import { cloudWithGroup, points, query, START, stepTo } from './helpers.js';
import { SimCloud } from '../../sim/cloud.js';

async function drain(cloud: SimCloud, instanceId: string, timeoutSeconds?: number) {
  const out = await cloud.ports.ssm.send(
    new SendCommandCommand({ DocumentName: 'gpu-fleet-scaler-drain', InstanceIds: [instanceId], Parameters: { containerNamePattern: ['deepgram'] }, Comment: 'drain', ...(timeoutSeconds ? { TimeoutSeconds: timeoutSeconds } : {}) }),
  );
  return out.Command!.CommandId!;
}

async function invocation(cloud: SimCloud, commandId: string, instanceId: string) {
  return cloud.ports.ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
}

describe('SSM Run Command', () => {
  it('the drain document SIGINTs the Engine a minute later: it takes no new streams and its streams run out', async () => {
    // two instances; 2 streams of 10 minutes at minute 1, then one new stream every minute
    const cloud = cloudWithGroup({ desiredCapacity: 2, traffic: scriptedTraffic((m) => (m === 1 ? [10, 10] : [10])) });
    cloud.step();
    const [first, second] = cloud.group('gpu').instances;
    const id = await drain(cloud, first!.id);
    expect((await invocation(cloud, id, first!.id)).Status).toBe('Pending');
    cloud.step(); // minute 2: delivered before the arrivals of minute 2
    expect(first!.engine.sigintMinute).toBe(2);
    const result = await invocation(cloud, id, first!.id);
    expect([result.Status, result.StatusDetails, result.ResponseCode]).toEqual(['Success', 'Success', 0]);
    stepTo(cloud, 10);
    // first keeps its 1 stream until minute 11; every later stream went to second: 1 + 9 (minutes 2..10)
    expect([first!.engine.streams, second!.engine.streams]).toEqual([1, 10]);
    stepTo(cloud, 11);
    expect(first!.engine.streams).toBe(0);
    const record = cloud.step();
    expect([record.draining, record.billed]).toEqual([1, 2]); // SIGINTed, still billed: only the hook/termination ends billing
  });

  it('an agent that does not answer leaves the invocation Pending until the delivery timeout', async () => {
    const cloud = cloudWithGroup();
    const instance = cloud.group('gpu').instances[0]!.id;
    cloud.faults.ssmAgent({ instanceId: instance, mode: 'no-answer' });
    const id = await drain(cloud, instance, 300);
    stepTo(cloud, 4);
    expect((await invocation(cloud, id, instance)).Status).toBe('Pending');
    expect(cloud.instance(instance)?.engine.sigintMinute).toBeUndefined();
    stepTo(cloud, 5); // 300 s after minute 0
    const out = await invocation(cloud, id, instance);
    expect([out.Status, out.StatusDetails]).toEqual(['TimedOut', 'DeliveryTimedOut']);
  });

  it.each([
    ['undeliverable', 'Failed', 'Undeliverable'],
    ['failed', 'Failed', 'Failed'],
  ] as const)('an agent fault %s ends the invocation %s/%s without SIGINT', async (mode, status, details) => {
    const cloud = cloudWithGroup();
    const instance = cloud.group('gpu').instances[0]!.id;
    cloud.faults.ssmAgent({ mode, times: 1 });
    const id = await drain(cloud, instance);
    cloud.step();
    const out = await invocation(cloud, id, instance);
    expect([out.Status, out.StatusDetails]).toEqual([status, details]);
    expect(cloud.instance(instance)?.engine.sigintMinute).toBeUndefined();
    // times: 1 -> the next command goes through
    await drain(cloud, instance);
    cloud.step();
    expect(cloud.instance(instance)?.engine.sigintMinute).toBe(2);
  });

  it('refuses an instance that does not exist (or is gone) with InvalidInstanceId, and an unknown document', async () => {
    const cloud = cloudWithGroup();
    await expect(drain(cloud, 'i-0000000000000dead')).rejects.toMatchObject({ name: 'InvalidInstanceId', $metadata: { httpStatusCode: 400 } });
    const instance = cloud.group('gpu').instances[0]!.id;
    await expect(cloud.ports.ssm.send(new SendCommandCommand({ DocumentName: 'no-such-doc', InstanceIds: [instance] }))).rejects.toMatchObject({ name: 'InvalidDocument' });
    await expect(cloud.ports.ssm.send(new GetCommandInvocationCommand({ CommandId: 'nope', InstanceId: instance }))).rejects.toMatchObject({ name: 'InvocationDoesNotExist' });
  });

  it('lists commands and invocations by instance, newest first', async () => {
    const cloud = cloudWithGroup({ desiredCapacity: 2 });
    const [a, b] = cloud.group('gpu').instances.map((i) => i.id);
    const first = await drain(cloud, a!);
    cloud.step();
    const second = await drain(cloud, b!);
    const byInstance = await cloud.ports.ssm.send(new ListCommandsCommand({ InstanceId: a }));
    expect(byInstance.Commands?.map((c) => [c.CommandId, c.Status, c.DocumentName, c.Comment])).toEqual([[first, 'Success', 'gpu-fleet-scaler-drain', 'drain']]);
    const all = await cloud.ports.ssm.send(new ListCommandInvocationsCommand({ Details: true }));
    expect(all.CommandInvocations?.map((i) => [i.CommandId, i.InstanceId, i.Status])).toEqual([
      [second, b, 'Pending'],
      [first, a, 'Success'],
    ]);
    expect(all.CommandInvocations?.[1]?.CommandPlugins?.[0]?.ResponseCode).toBe(0);
    const filtered = await cloud.ports.ssm.send(new ListCommandsCommand({ Filters: [{ key: 'Status', value: 'Pending' }] }));
    expect(filtered.Commands?.map((c) => c.CommandId)).toEqual([second]);
  });

  it('InvokedAfter keeps the commands sent at or after its time, newest first, across pages', async () => {
    const cloud = cloudWithGroup({ desiredCapacity: 1 });
    const instance = cloud.group('gpu').instances[0]!.id;
    const sent: string[] = [];
    for (let m = 0; m < 4; m++) {
      sent.push(await drain(cloud, instance));
      cloud.step();
    }
    const since = (minute: number, token?: string) =>
      cloud.ports.ssm.send(new ListCommandInvocationsCommand({ Filters: [{ key: 'InvokedAfter', value: cloud.clock.dateOf(minute).toISOString() }], MaxResults: 1, NextToken: token }));
    // sent at minutes 0, 1, 2, 3: after minute 2 are the two last, newest first, one a page
    const first = await since(2);
    const second = await since(2, first.NextToken);
    expect([first.CommandInvocations?.map((i) => i.CommandId), second.CommandInvocations?.map((i) => i.CommandId), second.NextToken]).toEqual([[sent[3]], [sent[2]], undefined]);
    expect((await since(4)).CommandInvocations).toEqual([]);
    expect((await since(0)).CommandInvocations?.map((i) => i.CommandId)).toEqual([sent[3]]);
  });

  it('with engineExitsWhenDrained a SIGINTed Engine stops publishing once its last stream ends', async () => {
    const cloud = new SimCloud({ start: START, engineExitsWhenDrained: true });
    cloud.addAutoScalingGroup({ name: 'gpu', minSize: 0, maxSize: 2, desiredCapacity: 1, traffic: scriptedTraffic((m) => (m === 1 ? [3] : [])) });
    const instance = cloud.group('gpu').instances[0]!.id;
    cloud.step();
    await drain(cloud, instance);
    stepTo(cloud, 6);
    // SIGINT at 2; the stream (1..3) ends at 4: samples for 1, 2, 3 only
    const out = await query(cloud, 'engine_active_requests', { AutoScalingGroupName: 'gpu', InstanceId: instance, kind: 'stream' }, 'Maximum', 0, 6, 60, { ScanBy: 'TimestampAscending' });
    expect(points(out, cloud)).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
  });
});
