import { CreateTopicCommand, PublishCommand } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { SimCloud } from '../../sim/cloud.js';
import { START } from './helpers.js';

describe('SNS', () => {
  it('records published messages with the minute they were sent', async () => {
    const cloud = new SimCloud({ start: START });
    const { TopicArn } = await cloud.ports.sns.send(new CreateTopicCommand({ Name: 'fleet-alerts' }));
    expect(TopicArn).toBe('arn:aws:sns:us-east-1:123456789012:fleet-alerts');
    cloud.step();
    const out = await cloud.ports.sns.send(new PublishCommand({ TopicArn, Subject: 'drain', Message: 'streams cut' }));
    expect(out.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(cloud.sns.messages.map((m) => [m.minute, m.input.Subject, m.input.Message])).toEqual([[1, 'drain', 'streams cut']]);
  });

  it('refuses an empty message, and an unknown topic when topics are required', async () => {
    const cloud = new SimCloud({ start: START });
    const arn = cloud.sns.topicArn('nope');
    await expect(cloud.ports.sns.send(new PublishCommand({ TopicArn: arn, Message: '' }))).rejects.toMatchObject({ name: 'InvalidParameter' });
    cloud.sns.requireTopics = true;
    await expect(cloud.ports.sns.send(new PublishCommand({ TopicArn: arn, Message: 'x' }))).rejects.toMatchObject({ name: 'NotFound', $metadata: { httpStatusCode: 404 } });
    expect(cloud.sns.messages).toEqual([]);
  });
});
