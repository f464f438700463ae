import { GetCommandInvocationCommand, ListCommandsCommand, SendCommandCommand } from '@aws-sdk/client-ssm';
import { expect, it } from 'vitest';
import { describeMoto } from './harness.js';
import { DRAIN_DOCUMENT, createAsgFleet, createDrainDocument } from './fixtures.js';

describeMoto('SSM Run Command: how drain signals an instance and reads the result', (moto) => {
  it('SendCommand with the drain document and its parameters answers a command id for that instance', async () => {
    const fleet = await createAsgFleet(moto.ports, { name: 'engine-a', desired: 1 });
    await createDrainDocument(moto.ports);
    const instanceId = fleet.instanceIds[0] as string;

    const sent = await moto.ports.ssm.send(
      new SendCommandCommand({
        DocumentName: DRAIN_DOCUMENT,
        InstanceIds: [instanceId],
        Parameters: { containerNamePattern: ['deepgram'], runtime: ['docker'] },
        Comment: `gpu-fleet-scaler drain engine-a ${instanceId}`,
        TimeoutSeconds: 600,
      }),
    );

    expect(sent.Command).toMatchObject({
      DocumentName: DRAIN_DOCUMENT,
      InstanceIds: [instanceId],
      Parameters: { containerNamePattern: ['deepgram'], runtime: ['docker'] },
      Comment: `gpu-fleet-scaler drain engine-a ${instanceId}`,
    });
    expect(sent.Command?.CommandId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('ListCommands by instance, and by command id, find the drain command sent earlier (history instead of a database)', async () => {
    // One instance only: moto adds every EC2 instance of the region to a command sent by
    // InstanceIds (README), so per-instance history is only meaningful with one.
    const fleet = await createAsgFleet(moto.ports, { name: 'engine-a', desired: 1 });
    await createDrainDocument(moto.ports);
    const instanceId = fleet.instanceIds[0] as string;
    const drain = await moto.ports.ssm.send(new SendCommandCommand({ DocumentName: DRAIN_DOCUMENT, InstanceIds: [instanceId], Parameters: { containerNamePattern: ['deepgram'] } }));
    const other = await moto.ports.ssm.send(new SendCommandCommand({ DocumentName: 'AWS-RunShellScript', InstanceIds: [instanceId], Parameters: { commands: ['uptime'] } }));

    const forInstance = await moto.ports.ssm.send(new ListCommandsCommand({ InstanceId: instanceId }));
    const byId = await moto.ports.ssm.send(new ListCommandsCommand({ CommandId: drain.Command?.CommandId }));

    expect(forInstance.Commands?.map((c) => c.CommandId).sort()).toEqual([drain.Command?.CommandId, other.Command?.CommandId].sort());
    expect(byId.Commands).toEqual([
      expect.objectContaining({ CommandId: drain.Command?.CommandId, DocumentName: DRAIN_DOCUMENT, InstanceIds: [instanceId], Parameters: { containerNamePattern: ['deepgram'] } }),
    ]);
  });

  it('ListCommands for an instance no command was sent to answers no commands', async () => {
    await createDrainDocument(moto.ports);

    const answer = await moto.ports.ssm.send(new ListCommandsCommand({ InstanceId: 'i-0123456789abcdef0' }));

    expect(answer.Commands ?? []).toEqual([]);
  });

  it('ListCommands of an unknown command id is InvalidCommandId', async () => {
    const listing = moto.ports.ssm.send(new ListCommandsCommand({ CommandId: '6f1c3b9e-0000-4000-8000-000000000000' }));

    await expect(listing).rejects.toMatchObject({ name: 'InvalidCommandId' });
  });

  it('GetCommandInvocation answers the status of the command on that instance', async () => {
    const fleet = await createAsgFleet(moto.ports, { name: 'engine-a', desired: 1 });
    await createDrainDocument(moto.ports);
    const instanceId = fleet.instanceIds[0] as string;
    const sent = await moto.ports.ssm.send(new SendCommandCommand({ DocumentName: DRAIN_DOCUMENT, InstanceIds: [instanceId] }));

    const invocation = await moto.ports.ssm.send(new GetCommandInvocationCommand({ CommandId: sent.Command?.CommandId, InstanceId: instanceId }));

    // moto finishes every command at once with Success and no output (see README).
    expect(invocation).toMatchObject({ CommandId: sent.Command?.CommandId, InstanceId: instanceId, DocumentName: DRAIN_DOCUMENT, Status: 'Success' });
  });
});
