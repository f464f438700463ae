import { CreateTopicCommand, PublishCommand, type PublishCommandInput } from '@aws-sdk/client-sns';
import type { SimClock } from './clock.js';
import { awsError, metadata } from './errors.js';
import { ACCOUNT_ID } from './model.js';
import { operation, type SimOperation } from './port.js';
import type { IdFactory } from './random.js';

export interface SnsMessage {
  messageId: string;
  minute: number;
  input: PublishCommandInput;
}

/** Records every message. Publishing to a topic never created answers NotFound only when `requireTopics` is set. */
export class SimSns {
  readonly messages: SnsMessage[] = [];
  readonly topics = new Set<string>();
  requireTopics = false;

  constructor(
    private readonly clock: SimClock,
    private readonly ids: IdFactory,
    private readonly region: string,
  ) {}

  topicArn(name: string): string {
    return `arn:aws:sns:${this.region}:${ACCOUNT_ID}:${name}`;
  }

  createTopic(name: string): string {
    if (!/^[A-Za-z0-9_-]{1,256}(\.fifo)?$/.test(name)) throw awsError('sns', 'InvalidParameter', `Invalid parameter: Topic Name (got ${JSON.stringify(name)})`);
    const arn = this.topicArn(name);
    this.topics.add(arn);
    return arn;
  }

  publish(input: PublishCommandInput): string {
    const target = input.TopicArn ?? input.TargetArn ?? input.PhoneNumber;
    if (!target) throw awsError('sns', 'InvalidParameter', 'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter');
    if (input.Message === undefined || input.Message === '') throw awsError('sns', 'InvalidParameter', 'Invalid parameter: Empty message');
    if (Buffer.byteLength(input.Message, 'utf8') > 262_144) throw awsError('sns', 'InvalidParameter', 'Invalid parameter: Message too long');
    if (input.Subject !== undefined && input.Subject.length > 100) throw awsError('sns', 'InvalidParameter', 'Invalid parameter: Subject must be at most 100 characters');
    if (input.TopicArn && !/^arn:aws:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+$/.test(input.TopicArn)) throw awsError('sns', 'InvalidParameter', `Invalid parameter: TopicArn (got ${input.TopicArn})`);
    if (this.requireTopics && input.TopicArn && !this.topics.has(input.TopicArn)) throw awsError('sns', 'NotFound', 'Topic does not exist');
    const messageId = this.ids.uuid();
    this.messages.push({ messageId, minute: this.clock.minute, input: structuredClone(input) });
    return messageId;
  }
}

export function snsOperations(sns: SimSns): SimOperation[] {
  return [
    operation(PublishCommand, 'Publish', (input) => ({ $metadata: metadata(), MessageId: sns.publish(input) })),
    operation(CreateTopicCommand, 'CreateTopic', (input) => ({ $metadata: metadata(), TopicArn: sns.createTopic(input.Name ?? '') })),
  ];
}
