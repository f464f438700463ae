import type { Context, ScheduledEvent } from 'aws-lambda';
import { eventTime } from './events.js';
import { ACCOUNT_ID } from './model.js';

/** A Lambda Context as the runtime passes it, for invoking middy handlers in-process. */
export function lambdaContext(functionName = 'gpu-fleet-scaler-sim', requestId = 'sim-request', remainingMs = 60_000): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/01/01/[$LATEST]sim',
    getRemainingTimeInMillis: () => remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The event an EventBridge schedule rule delivers at `time`. */
export function scheduledEvent(time: Date, ruleName = 'gpu-fleet-scaler-every-minute', region = 'us-east-1'): ScheduledEvent {
  return {
    version: '0',
    id: `sim-${time.getTime()}`,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: ACCOUNT_ID,
    time: eventTime(time),
    region,
    resources: [`arn:aws:events:${region}:${ACCOUNT_ID}:rule/${ruleName}`],
    detail: {},
  };
}
